//! A test SAML identity provider's key material and metadata: a real RSA key and a
//! self-signed X.509 certificate made with OpenSSL at test time, and AD FS-style metadata
//! naming it. Shared by the SAML test suites (`#[path]`-included).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

pub const ENTITY_ID: &str = "http://adfs.example.test/adfs/services/trust";

/// A key and its self-signed certificate.
pub struct IdpKey {
    pub key: PKey<Private>,
    pub cert: X509,
}

impl IdpKey {
    /// An RSA key of `bits` with a certificate for `cn`, valid for a day.
    pub fn rsa(bits: u32, cn: &str) -> IdpKey {
        let key = PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", cn).unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
            .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        IdpKey {
            key,
            cert: b.build(),
        }
    }

    /// The certificate as metadata carries it: base64 DER, wrapped at 64 characters.
    pub fn cert_base64(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.cert.to_der().unwrap());
        b64.as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A `KeyDescriptor` for `key` with `use` (`None`: no attribute).
pub fn key_descriptor(key: &IdpKey, key_use: Option<&str>) -> String {
    let use_attr = key_use.map(|u| format!(" use=\"{u}\"")).unwrap_or_default();
    format!(
        "<KeyDescriptor{use_attr}><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>",
        key.cert_base64()
    )
}

/// AD FS-style IdP metadata with `key_descriptors` inside the IDPSSODescriptor.
pub fn metadata_with(entity_id: &str, key_descriptors: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_meta1" entityID="{entity_id}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
  <!-- Federation metadata of the test identity provider, in the shape AD FS publishes at
       /FederationMetadata/2007-06/FederationMetadata.xml: one IDPSSODescriptor with its
       signing (and possibly encryption) certificates, the name id formats it issues, and
       the single sign-on endpoints for the HTTP-Redirect and HTTP-POST bindings. -->
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    {key_descriptors}
    <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</NameIDFormat>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.example.test/adfs/ls/"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.example.test/adfs/ls/"/>
  </IDPSSODescriptor>
</EntityDescriptor>
"#
    )
}

/// Metadata naming `key` as the signing key.
pub fn metadata(key: &IdpKey) -> String {
    metadata_with(ENTITY_ID, &key_descriptor(key, Some("signing")))
}
