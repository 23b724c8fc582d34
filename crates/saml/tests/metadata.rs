//! IdP metadata as CreateSAMLProvider receives it, with real certificates made at test time:
//! what is kept, and each refusal (no signing certificate, a weak key, a bad certificate,
//! no or two IdP descriptors, no entity id, DOCTYPE/entities, size limits).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fedgate_saml::SamlError;
use fedgate_saml::metadata::{self, MAX_METADATA_CHARS};
use support::{ENTITY_ID, IdpKey, key_descriptor, metadata_with};

fn refused(xml: &str, says: &str) {
    match metadata::parse(xml) {
        Err(SamlError::InvalidMetadata(m)) => assert!(m.contains(says), "{says}: {m}"),
        other => panic!("{says}: {other:?}"),
    }
}

#[test]
fn adfs_style_metadata_gives_entity_id_certificates_and_endpoints() {
    let signing = IdpKey::rsa(2048, "ADFS Signing");
    let encryption = IdpKey::rsa(2048, "ADFS Encryption");
    let kds = format!(
        "{}{}",
        key_descriptor(&encryption, Some("encryption")),
        key_descriptor(&signing, Some("signing"))
    );
    let m = metadata::parse(&metadata_with(ENTITY_ID, &kds)).unwrap();
    assert_eq!(m.entity_id, ENTITY_ID);
    assert_eq!(m.signing_certs, vec![signing.cert.to_der().unwrap()]);
    assert_eq!(
        m.sso_redirect.as_deref(),
        Some("https://adfs.example.test/adfs/ls/")
    );
    assert!(m.sso_post.is_some());
    assert_eq!(m.valid_until, None);
}

#[test]
fn a_key_descriptor_without_use_is_a_signing_key() {
    let k = IdpKey::rsa(2048, "Okta");
    let m = metadata::parse(&metadata_with(ENTITY_ID, &key_descriptor(&k, None))).unwrap();
    assert_eq!(m.signing_certs.len(), 1);
}

#[test]
fn metadata_without_a_signing_certificate_is_refused() {
    let k = IdpKey::rsa(2048, "enc only");
    refused(
        &metadata_with(ENTITY_ID, &key_descriptor(&k, Some("encryption"))),
        "no signing certificate",
    );
    refused(&metadata_with(ENTITY_ID, ""), "no signing certificate");
}

#[test]
fn weak_and_malformed_certificates_are_refused() {
    let weak = IdpKey::rsa(1024, "weak");
    refused(
        &metadata_with(ENTITY_ID, &key_descriptor(&weak, Some("signing"))),
        "2048",
    );
    let not_b64 = "<KeyDescriptor use=\"signing\"><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X509Data><X509Certificate>***</X509Certificate></X509Data></KeyInfo></KeyDescriptor>";
    refused(&metadata_with(ENTITY_ID, not_b64), "base64");
    let not_cert = "<KeyDescriptor use=\"signing\"><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><X509Data><X509Certificate>aGVsbG8gd29ybGQ=</X509Certificate></X509Data></KeyInfo></KeyDescriptor>";
    refused(&metadata_with(ENTITY_ID, not_cert), "X.509");
}

#[test]
fn structure_is_checked() {
    let k = IdpKey::rsa(2048, "s");
    let good = metadata_with(ENTITY_ID, &key_descriptor(&k, Some("signing")));
    refused(
        &good.replace(&format!(" entityID=\"{ENTITY_ID}\""), ""),
        "entityID",
    );
    let two = good.replace(
        "</EntityDescriptor>",
        "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/></EntityDescriptor>",
    );
    refused(&two, "more than one IDPSSODescriptor");
    let no_idp = format!(
        "<EntityDescriptor entityID=\"x\" xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"><!--{}--></EntityDescriptor>",
        " ".repeat(1000)
    );
    refused(&no_idp, "no IDPSSODescriptor");
    refused(&good.replace("</EntityDescriptor>", ""), "not a SAML");
}

#[test]
fn doctype_and_entities_are_refused_before_parsing() {
    let k = IdpKey::rsa(2048, "x");
    let good = metadata_with(ENTITY_ID, &key_descriptor(&k, Some("signing")));
    let xxe = good.replace(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<?xml version=\"1.0\"?><!DOCTYPE md [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
    );
    refused(&xxe, "DOCTYPE");
    let bomb = good.replace(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>",
    );
    refused(&bomb, "DOCTYPE");
}

#[test]
fn size_limits_are_aws_limits() {
    refused("<EntityDescriptor/>", "between 1000");
    let huge = format!(
        "<EntityDescriptor><!--{}--></EntityDescriptor>",
        "a".repeat(MAX_METADATA_CHARS)
    );
    refused(&huge, "between 1000");
}
