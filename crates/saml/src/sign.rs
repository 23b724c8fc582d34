//! Filling an XML signature template (the first `ds:Signature` in the document, enveloped,
//! referencing an element by its `ID`) with xmlsec: how the tests' identity provider signs
//! responses and assertions with real keys. fedgate itself verifies; it signs nothing with
//! this yet.

use crate::error::{SamlError, invalid};
use samael::crypto::{CryptoProvider, XmlSec};

/// Signs the first signature template of `xml` with the DER private key `key_der`.
pub fn sign_first_template(xml: &str, key_der: &[u8]) -> Result<String, SamlError> {
    XmlSec::sign_xml(xml, key_der).map_err(|e| invalid(format!("signing failed: {e}")))
}
