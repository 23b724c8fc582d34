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

// ---- Responses ----------------------------------------------------------------------------

pub const ACS: &str = "https://fedgate.example.test/saml";
pub const SP_ENTITY_ID: &str = "urn:amazon:webservices";
pub const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
pub const ROLE_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/Role";
pub const SESSION_NAME_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";

/// What the test IdP asserts; `Default` is a valid AD FS-style sign-in at `now` = 0 (set
/// `now` to the gateway's clock).
#[derive(Debug, Clone)]
pub struct Spec {
    pub response_id: String,
    pub assertion_id: String,
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: String,
    pub audience: String,
    pub recipient: String,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub status: String,
    /// Unix seconds.
    pub now: i64,
    pub not_before: i64,
    pub not_on_or_after: i64,
    pub attributes: Vec<(String, Vec<String>)>,
    /// The AuthnStatement's SessionNotOnOrAfter, Unix seconds.
    pub session_not_on_or_after: Option<i64>,
}

impl Spec {
    pub fn at(now: i64) -> Spec {
        Spec {
            response_id: "_resp-7f1c".into(),
            assertion_id: "_assert-5a2e".into(),
            issuer: ENTITY_ID.into(),
            name_id: "CORP\\ana".into(),
            name_id_format: PERSISTENT.into(),
            audience: SP_ENTITY_ID.into(),
            recipient: ACS.into(),
            destination: Some(ACS.into()),
            in_response_to: None,
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            now,
            not_before: now - 60,
            not_on_or_after: now + 300,
            attributes: vec![(SESSION_NAME_ATTR.into(), vec!["ana@corp.example".into()])],
            session_not_on_or_after: None,
        }
    }

    pub fn with_role(mut self, role_arn: &str, provider_arn: &str) -> Spec {
        self.attributes
            .push((ROLE_ATTR.into(), vec![format!("{role_arn},{provider_arn}")]));
        self
    }

    pub fn attr(mut self, name: &str, values: &[&str]) -> Spec {
        self.attributes.push((
            name.into(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        ));
        self
    }
}

pub fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An enveloped-signature template for the element with `id`, RSA-SHA256 over exclusive
/// c14n, with `cert` in KeyInfo (fedgate must ignore it).
pub fn signature_template(id: &str, cert: &IdpKey) -> String {
    format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"##,
        cert.cert_base64().replace('\n', "")
    )
}

/// The assertion; `template` (a signature template) goes right after its Issuer.
pub fn assertion_xml(s: &Spec, template: &str) -> String {
    let mut attrs = String::new();
    for (name, values) in &s.attributes {
        attrs.push_str(&format!(r#"<saml:Attribute Name="{}">"#, escape(name)));
        for v in values {
            attrs.push_str(&format!(
                r#"<saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue>"#,
                escape(v)
            ));
        }
        attrs.push_str("</saml:Attribute>");
    }
    let irt = s
        .in_response_to
        .as_ref()
        .map(|i| format!(r#" InResponseTo="{}""#, escape(i)))
        .unwrap_or_default();
    let session_end = s
        .session_not_on_or_after
        .map(|t| format!(r#" SessionNotOnOrAfter="{}""#, iso(t)))
        .unwrap_or_default();
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{aid}" IssueInstant="{now}" Version="2.0"><saml:Issuer>{issuer}</saml:Issuer>{template}<saml:Subject><saml:NameID Format="{fmt}">{name}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData{irt} NotOnOrAfter="{end}" Recipient="{rcpt}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{nb}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>{aud}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement>{attrs}</saml:AttributeStatement><saml:AuthnStatement AuthnInstant="{now}" SessionIndex="{aid}"{session_end}><saml:AuthnContext><saml:AuthnContextClassRef>urn:federation:authentication:windows</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion>"#,
        aid = escape(&s.assertion_id),
        now = iso(s.now),
        issuer = escape(&s.issuer),
        fmt = escape(&s.name_id_format),
        name = escape(&s.name_id),
        rcpt = escape(&s.recipient),
        nb = iso(s.not_before),
        end = iso(s.not_on_or_after),
        aud = escape(&s.audience),
    )
}

/// The Response around `assertion` (XML without declaration); `template` after its Issuer.
pub fn response_xml(s: &Spec, assertion: &str, template: &str) -> String {
    let dest = s
        .destination
        .as_ref()
        .map(|d| format!(r#" Destination="{}""#, escape(d)))
        .unwrap_or_default();
    let irt = s
        .in_response_to
        .as_ref()
        .map(|i| format!(r#" InResponseTo="{}""#, escape(i)))
        .unwrap_or_default();
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{rid}" Version="2.0" IssueInstant="{now}"{dest}{irt}><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{issuer}</saml:Issuer>{template}<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>{assertion}</samlp:Response>"#,
        rid = escape(&s.response_id),
        now = iso(s.now),
        issuer = escape(&s.issuer),
        status = escape(&s.status),
    )
}

/// Signs the first template of `xml` with `key`; the XML declaration is dropped.
pub fn sign(xml: &str, key: &IdpKey) -> String {
    let der = key.key.private_key_to_der().unwrap();
    let out = fedgate_saml::sign::sign_first_template(xml, &der).unwrap();
    match out.find("?>") {
        Some(i) if out.starts_with("<?xml") => out[i + 2..].trim_start().to_owned(),
        _ => out,
    }
}

/// The signed assertion alone (AD FS's default: the assertion signed, the Response not).
pub fn signed_assertion(s: &Spec, key: &IdpKey) -> String {
    sign(
        &assertion_xml(s, &signature_template(&s.assertion_id, key)),
        key,
    )
}

/// A Response whose assertion is signed by `key`.
pub fn response(s: &Spec, key: &IdpKey) -> String {
    response_xml(s, &signed_assertion(s, key), "")
}

/// A Response signed by `key` as a whole (its assertion unsigned).
pub fn signed_response(s: &Spec, key: &IdpKey) -> String {
    let unsigned = response_xml(
        s,
        &assertion_xml(s, ""),
        &signature_template(&s.response_id, key),
    );
    sign(&unsigned, key)
}

pub fn b64(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

// ---- Attacks ------------------------------------------------------------------------------
// The signature-wrapping family after Somorovsky et al., "On Breaking SAML: Be Whoever You
// Want to Be" (USENIX Security 2012): a genuine signed response or assertion for `s`, and an
// evil assertion (another NameID, other IDs) placed where a careless SP would read it.

/// The signature element of a signed document, and the document with it cut out.
pub fn split_signature(xml: &str) -> (String, String) {
    let start = xml.find("<ds:Signature").unwrap();
    let end = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    (
        xml[start..end].to_owned(),
        format!("{}{}", &xml[..start], &xml[end..]),
    )
}

/// `s` with another subject and other IDs.
pub fn evil(s: &Spec) -> Spec {
    let mut e = s.clone();
    e.name_id = "CORP\\administrator".into();
    e.response_id = format!("{}-evil", s.response_id);
    e.assertion_id = format!("{}-evil", s.assertion_id);
    e
}

/// XSW1: the signed Response moved into the signature of an evil unsigned Response.
pub fn xsw1(s: &Spec, key: &IdpKey) -> String {
    let orig = signed_response(s, key);
    let (sig, _) = split_signature(&orig);
    let e = evil(s);
    let wrapped = sig.replace(
        "</ds:Signature>",
        &format!("<ds:Object>{orig}</ds:Object></ds:Signature>"),
    );
    response_xml(&e, &assertion_xml(&e, ""), &wrapped)
}

/// XSW2: the signed Response detached before the signature of an evil Response.
pub fn xsw2(s: &Spec, key: &IdpKey) -> String {
    let orig = signed_response(s, key);
    let (sig, _) = split_signature(&orig);
    let e = evil(s);
    response_xml(&e, &assertion_xml(&e, ""), &format!("{orig}{sig}"))
}

/// XSW3: an evil assertion before the signed one.
pub fn xsw3(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let e = evil(s);
    response_xml(s, &format!("{}{signed}", assertion_xml(&e, "")), "")
}

/// XSW4: an evil assertion wrapping the signed one.
pub fn xsw4(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let e = evil(s);
    let wrapper =
        assertion_xml(&e, "").replace("</saml:Assertion>", &format!("{signed}</saml:Assertion>"));
    response_xml(s, &wrapper, "")
}

/// XSW5: the signature moved into an evil assertion, the original left unsigned beside it.
pub fn xsw5(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let (sig, unsigned_orig) = split_signature(&signed);
    let e = evil(s);
    response_xml(
        s,
        &format!("{}{unsigned_orig}", assertion_xml(&e, &sig)),
        "",
    )
}

/// XSW5 without the original: the signature references an element it is not in.
pub fn xsw5_alone(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let (sig, _) = split_signature(&signed);
    let e = evil(s);
    response_xml(&e, &assertion_xml(&e, &sig), "")
}

/// XSW6: the original inside the signature (Object) of an evil assertion.
pub fn xsw6(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let (sig, _) = split_signature(&signed);
    let e = evil(s);
    let with_orig = sig.replace(
        "</ds:Signature>",
        &format!("<ds:Object>{signed}</ds:Object></ds:Signature>"),
    );
    response_xml(&e, &assertion_xml(&e, &with_orig), "")
}

/// XSW7: the original in an Extensions element, an evil assertion after it.
pub fn xsw7(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let e = evil(s);
    let ext = format!("<samlp:Extensions>{signed}</samlp:Extensions>");
    response_xml(&e, &format!("{ext}{}", assertion_xml(&e, "")), "")
}

/// XSW8: the unsigned original in the signature's Object, the evil assertion taking its ID.
pub fn xsw8(s: &Spec, key: &IdpKey) -> String {
    let signed = signed_assertion(s, key);
    let (sig, unsigned_orig) = split_signature(&signed);
    let e = evil(s);
    let with_orig = sig.replace(
        "</ds:Signature>",
        &format!("<ds:Object>{unsigned_orig}</ds:Object></ds:Signature>"),
    );
    let evil_a = assertion_xml(&e, &with_orig).replace(&e.assertion_id, &s.assertion_id);
    response_xml(&e, &evil_a, "")
}

/// One hostile or wrong response and the AWS error code AssumeRoleWithSAML must answer.
pub struct Attack {
    pub name: &'static str,
    pub xml: String,
    pub code: &'static str,
}

/// Every attack and mistake the issue lists, built from a valid `s` (its role, recipient and
/// times already right for the gateway under test); `s.assertion_id` prefixes each one's IDs.
pub fn attacks(s: &Spec, key: &IdpKey) -> Vec<Attack> {
    let invalid = "InvalidIdentityToken";
    // Each attack its own IDs, so that none is refused only as a replay of another.
    let u = |n: u32| {
        let mut x = s.clone();
        x.assertion_id = format!("{}-{n}", s.assertion_id);
        x.response_id = format!("{}-{n}", s.response_id);
        x
    };
    let with = |n: u32, f: &dyn Fn(&mut Spec)| {
        let mut x = u(n);
        f(&mut x);
        x
    };
    let attacker = IdpKey::rsa(2048, "ADFS Signing");
    let a = |name, xml, code| Attack { name, xml, code };
    vec![
        a(
            "unsigned",
            response_xml(&u(1), &assertion_xml(&u(1), ""), ""),
            invalid,
        ),
        a(
            "signature removed",
            split_signature(&response(&u(2), key)).1,
            invalid,
        ),
        a(
            "assertion changed after signing",
            response(&u(3), key).replace(&s.name_id, "CORP\\root"),
            invalid,
        ),
        a("XSW1", xsw1(&u(4), key), invalid),
        a("XSW2", xsw2(&u(5), key), invalid),
        a("XSW3", xsw3(&u(6), key), invalid),
        a("XSW4", xsw4(&u(7), key), invalid),
        a("XSW5", xsw5(&u(8), key), invalid),
        a("XSW6", xsw6(&u(9), key), invalid),
        a("XSW7", xsw7(&u(10), key), invalid),
        a("XSW8", xsw8(&u(11), key), invalid),
        a(
            "comment injection with a with-comments transform",
            response(&u(12), key).replacen("xml-exc-c14n#\"", "xml-exc-c14n#WithComments\"", 1),
            invalid,
        ),
        a(
            "foreign certificate in KeyInfo",
            response(&u(13), &attacker),
            invalid,
        ),
        a(
            "SHA-1",
            response(&u(14), key).replace("xmldsig-more#rsa-sha256", "xmldsig#rsa-sha1"),
            invalid,
        ),
        a(
            "expired",
            response(
                &with(15, &|x| {
                    x.not_before = s.now - 3600;
                    x.not_on_or_after = s.now - 600;
                }),
                key,
            ),
            "ExpiredTokenException",
        ),
        a(
            "not yet valid",
            response(
                &with(16, &|x| {
                    x.not_before = s.now + 600;
                    x.not_on_or_after = s.now + 1200;
                }),
                key,
            ),
            invalid,
        ),
        a(
            "wrong audience",
            response(&with(17, &|x| x.audience = "urn:someone-else".into()), key),
            invalid,
        ),
        a(
            "wrong recipient",
            response(
                &with(18, &|x| {
                    x.recipient = "https://other.example/acs".into();
                    x.destination = None;
                }),
                key,
            ),
            invalid,
        ),
        a(
            "DOCTYPE with an external entity",
            format!(
                "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
                response(&u(19), key)
            ),
            invalid,
        ),
        a(
            "entity expansion",
            format!(
                "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>{}",
                response(&u(20), key)
            ),
            invalid,
        ),
        a(
            "oversized",
            response(&u(21), key).replace(
                "</samlp:Response>",
                &format!("<!--{}--></samlp:Response>", "x".repeat(300 * 1024)),
            ),
            invalid,
        ),
    ]
}
