//! fedgate as a SAML service provider: its metadata (`GET /saml/metadata`) and the
//! AuthnRequests of SP-initiated sign-in over the HTTP-Redirect binding (SAML 2.0 Bindings
//! §3.4: the request DEFLATE-compressed, base64, in `SAMLRequest`; when the SP has a key,
//! signed with RSA-SHA256 or ECDSA-SHA256 over `SAMLRequest=…&RelayState=…&SigAlg=…` as
//! §3.4.4.1 specifies, in `Signature`).

use crate::error::{SamlError, invalid};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private};
use std::io::Write;

const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/// The SP's signing key and certificate (`saml.sp_key_file`, `saml.sp_cert_file`).
pub struct SpKey {
    key: PKey<Private>,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for SpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpKey(…)")
    }
}

impl SpKey {
    /// From PEM: a private key (PKCS#8 or traditional; RSA ≥ 2048 bits or EC P-256) and its
    /// certificate, which must hold the same public key.
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8]) -> Result<SpKey, String> {
        let key = PKey::private_key_from_pem(key_pem).map_err(|_| "not a PEM private key")?;
        let cert = openssl::x509::X509::from_pem(cert_pem).map_err(|_| "not a PEM certificate")?;
        let ok = match key.id() {
            Id::RSA => key.bits() >= 2048,
            Id::EC => key.bits() == 256,
            _ => false,
        };
        if !ok {
            return Err("the key must be RSA of at least 2048 bits or EC P-256".into());
        }
        let public = cert
            .public_key()
            .map_err(|_| "the certificate has no public key")?;
        if !key.public_eq(&public) {
            return Err("the certificate does not hold the key's public key".into());
        }
        let cert_der = cert.to_der().map_err(|e| e.to_string())?;
        Ok(SpKey { key, cert_der })
    }

    fn sig_alg(&self) -> &'static str {
        if self.key.id() == Id::EC {
            ECDSA_SHA256
        } else {
            RSA_SHA256
        }
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SamlError> {
        let fail = |_| invalid("signing the AuthnRequest failed");
        let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), &self.key).map_err(fail)?;
        s.update(data).map_err(fail)?;
        s.sign_to_vec().map_err(fail)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SP metadata: `entity_id`, the POST-binding ACS at `acs_url`, the signing certificate
/// when there is a key, and that assertions must be signed.
pub fn metadata(entity_id: &str, acs_url: &str, key: Option<&SpKey>) -> String {
    let key_descriptor = key
        .map(|k| {
            format!(
                r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
                STANDARD.encode(&k.cert_der)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{}"><md:SPSSODescriptor AuthnRequestsSigned="{}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{key_descriptor}<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{}" index="1" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>
"#,
        escape(entity_id),
        key.is_some(),
        escape(acs_url)
    )
}

/// One AuthnRequest.
#[derive(Debug, Clone)]
pub struct AuthnRequest<'a> {
    /// `_` + random hex; the response's InResponseTo must name it.
    pub id: &'a str,
    /// ISO 8601.
    pub issue_instant: &'a str,
    /// The IdP's HTTP-Redirect SingleSignOnService.
    pub destination: &'a str,
    pub acs_url: &'a str,
    pub sp_entity_id: &'a str,
}

impl AuthnRequest<'_> {
    pub fn xml(&self) -> String {
        format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{}" Version="2.0" IssueInstant="{}" Destination="{}" AssertionConsumerServiceURL="{}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{}</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#,
            escape(self.id),
            escape(self.issue_instant),
            escape(self.destination),
            escape(self.acs_url),
            escape(self.sp_entity_id)
        )
    }

    /// The redirect URL: the destination with `SAMLRequest`, `RelayState` and, with a key,
    /// `SigAlg` and `Signature` (over the three as encoded here, in that order).
    pub fn redirect_url(
        &self,
        relay_state: &str,
        key: Option<&SpKey>,
    ) -> Result<String, SamlError> {
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflate
            .write_all(self.xml().as_bytes())
            .map_err(|_| invalid("compressing the AuthnRequest failed"))?;
        let deflated = deflate
            .finish()
            .map_err(|_| invalid("compressing the AuthnRequest failed"))?;
        let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let mut query = format!(
            "SAMLRequest={}&RelayState={}",
            enc(&STANDARD.encode(deflated)),
            enc(relay_state)
        );
        if let Some(k) = key {
            query.push_str(&format!("&SigAlg={}", enc(k.sig_alg())));
            let sig = k.sign(query.as_bytes())?;
            query.push_str(&format!("&Signature={}", enc(&STANDARD.encode(sig))));
        }
        let sep = if self.destination.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{query}", self.destination))
    }
}
