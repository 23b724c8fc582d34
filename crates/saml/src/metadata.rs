//! An identity provider's SAML 2.0 metadata (`md:EntityDescriptor` with one
//! `md:IDPSSODescriptor`), as `CreateSAMLProvider` and `UpdateSAMLProvider` receive it.
//!
//! Checked once, here: 1,000 to 10,000,000 characters (AWS's limits); no DOCTYPE, DTD or
//! entity declaration anywhere (refused before any XML parser runs, so there is nothing to
//! expand); an `entityID`; exactly one IdP descriptor; at least one signing certificate (a
//! `KeyDescriptor` with `use="signing"` or no `use`) that is a well-formed X.509
//! certificate with an RSA key of at least 2048 bits or an EC key. A provider whose
//! metadata lacks a signing certificate is refused: samael would otherwise verify nothing.
//! What is kept: the entity id, the signing certificates (DER), the SSO endpoints and the
//! metadata's `validUntil`.

use crate::error::{SamlError, invalid_metadata};
use base64::Engine;
use samael::metadata::EntityDescriptor;

pub const MIN_METADATA_CHARS: usize = 1000;
pub const MAX_METADATA_CHARS: usize = 10_000_000;

const HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// What fedgate trusts of an identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// DER X.509 certificates whose keys may sign the IdP's responses.
    pub signing_certs: Vec<Vec<u8>>,
    /// `SingleSignOnService` locations for the HTTP-Redirect and HTTP-POST bindings.
    pub sso_redirect: Option<String>,
    pub sso_post: Option<String>,
    /// The metadata's `validUntil`, Unix seconds.
    pub valid_until: Option<i64>,
}

/// Whether `xml` declares a document type or entities (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`,
/// `<!ATTLIST`, in any case): refused wherever fedgate reads XML from outside.
pub fn has_dtd(xml: &str) -> bool {
    let bytes = xml.as_bytes();
    bytes.windows(2).enumerate().any(|(i, w)| {
        w == b"<!" && {
            let rest = &bytes[i + 2..];
            ["DOCTYPE", "ENTITY", "ELEMENT", "ATTLIST"].iter().any(|k| {
                rest.len() >= k.len() && rest[..k.len()].eq_ignore_ascii_case(k.as_bytes())
            })
        }
    })
}

/// A certificate's base64 text (with the line breaks metadata usually has) → checked DER.
fn certificate(text: &str) -> Result<Vec<u8>, SamlError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| {
            invalid_metadata("Could not parse metadata: a signing certificate is not base64.")
        })?;
    let cert = openssl::x509::X509::from_der(&der).map_err(|_| {
        invalid_metadata(
            "Could not parse metadata: a signing certificate is not an X.509 certificate.",
        )
    })?;
    let key = cert.public_key().map_err(|_| {
        invalid_metadata(
            "Could not parse metadata: a signing certificate has no usable public key.",
        )
    })?;
    let ok = match key.id() {
        openssl::pkey::Id::RSA => key.bits() >= 2048,
        openssl::pkey::Id::EC => true,
        _ => false,
    };
    if !ok {
        return Err(invalid_metadata(
            "Could not parse metadata: signing keys must be RSA of at least 2048 bits or EC.",
        ));
    }
    Ok(der)
}

/// Parses and checks `xml`; see the module documentation for the rules.
pub fn parse(xml: &str) -> Result<IdpMetadata, SamlError> {
    let n = xml.chars().count();
    if !(MIN_METADATA_CHARS..=MAX_METADATA_CHARS).contains(&n) {
        return Err(invalid_metadata(format!(
            "SAMLMetadataDocument must be between {MIN_METADATA_CHARS} and {MAX_METADATA_CHARS} characters long."
        )));
    }
    if has_dtd(xml) {
        return Err(invalid_metadata(
            "Could not parse metadata: DOCTYPE and entity declarations are not accepted.",
        ));
    }
    let ed: EntityDescriptor = xml
        .parse()
        .map_err(|_| invalid_metadata("Could not parse metadata: not a SAML EntityDescriptor."))?;
    let entity_id = ed
        .entity_id
        .filter(|e| !e.trim().is_empty() && e.len() <= 1024)
        .ok_or_else(|| invalid_metadata("Could not parse metadata: the entityID is missing."))?;
    let idp = match ed.idp_sso_descriptors.as_deref() {
        Some([one]) => one,
        Some([]) | None => {
            return Err(invalid_metadata(
                "Could not parse metadata: no IDPSSODescriptor.",
            ));
        }
        Some(_) => {
            return Err(invalid_metadata(
                "Could not parse metadata: more than one IDPSSODescriptor.",
            ));
        }
    };
    let mut signing_certs = Vec::new();
    // `use` absent means the key serves both purposes (SAML metadata §2.4.1.1).
    let signing =
        |k: &&samael::metadata::KeyDescriptor| k.key_use.as_deref().is_none_or(|u| u == "signing");
    for kd in idp.key_descriptors.iter().filter(signing) {
        for text in kd
            .key_info
            .x509_data
            .iter()
            .flat_map(|d| d.certificates.iter())
        {
            let der = certificate(text)?;
            if !signing_certs.contains(&der) {
                signing_certs.push(der);
            }
        }
    }
    if signing_certs.is_empty() {
        return Err(invalid_metadata(
            "Could not parse metadata: the IdP has no signing certificate.",
        ));
    }
    let endpoint = |binding: &str| {
        idp.single_sign_on_services
            .iter()
            .find(|e| e.binding == binding)
            .map(|e| e.location.clone())
    };
    let valid_until = idp.valid_until.or(ed.valid_until).map(|t| t.timestamp());
    Ok(IdpMetadata {
        entity_id,
        signing_certs,
        sso_redirect: endpoint(HTTP_REDIRECT),
        sso_post: endpoint(HTTP_POST),
        valid_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtd_is_found_in_any_case_and_comments_are_not() {
        assert!(has_dtd(
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>"
        ));
        assert!(has_dtd("<x><!doctype y></x>"));
        assert!(has_dtd("<!EnTiTy"));
        assert!(!has_dtd("<x><!-- a comment --><![CDATA[text]]></x>"));
        assert!(!has_dtd("<!"));
    }

    #[test]
    fn short_and_hostile_documents_are_refused() {
        assert!(parse("<md:EntityDescriptor/>").is_err());
        let padded = format!("<!DOCTYPE x>{}", " ".repeat(1000));
        assert!(
            matches!(parse(&padded), Err(SamlError::InvalidMetadata(m)) if m.contains("DOCTYPE"))
        );
        let garbage = "x".repeat(1200);
        assert!(parse(&garbage).is_err());
    }
}
