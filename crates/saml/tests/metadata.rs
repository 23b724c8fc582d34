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

/// The shape AD FS really publishes: a document signature, WS-Federation RoleDescriptors
/// (`fed:SecurityTokenServiceType`, `fed:ApplicationServiceType`) and an SPSSODescriptor
/// before the IDPSSODescriptor, and namespace prefixes of its own.
#[test]
fn adfs_federation_metadata_with_ws_fed_role_descriptors_parses() {
    let k = IdpKey::rsa(2048, "ADFS Signing - adfs.example.test");
    let cert = k.cert_base64();
    let doc = format!(
        r##"<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_b1d6" entityID="{ENTITY_ID}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_b1d6"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></ds:Signature><RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/ws-sx/ws-trust/200512 http://schemas.xmlsoap.org/ws/2005/02/trust http://docs.oasis-open.org/wsfed/federation/200706" ServiceDisplayName="Example ADFS" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor><fed:ClaimTypesOffered><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" Optional="true" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>E-Mail Address</auth:DisplayName></auth:ClaimType></fed:ClaimTypesOffered><fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>https://adfs.example.test/adfs/ls/</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor><SPSSODescriptor WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="encryption"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor><SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.example.test/adfs/ls/"/><NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat><AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.example.test/adfs/ls/" index="0" isDefault="true"/></SPSSODescriptor><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor><SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.example.test/adfs/ls/"/><NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.example.test/adfs/ls/"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.example.test/adfs/ls/"/><saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="UPN" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></IDPSSODescriptor></EntityDescriptor>"##
    );
    let m = metadata::parse(&doc).unwrap();
    assert_eq!(m.entity_id, ENTITY_ID);
    assert_eq!(m.signing_certs, vec![k.cert.to_der().unwrap()]);
    assert!(m.sso_redirect.is_some());
}
