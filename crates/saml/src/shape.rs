//! The shape a SAML response must have before any signature is looked at, read with a plain
//! namespace-aware pull parser (no DTD, no entity expansion: a DOCTYPE is refused first).
//! These rules close the signature-wrapping family (XSW1–XSW8) by construction, whatever
//! the signature library resolves:
//!
//! - the root is one `samlp:Response`; it holds exactly one `saml:Assertion` anywhere in the
//!   document, as its direct child, and no `EncryptedAssertion` (not supported);
//! - every `ds:Signature` is a direct child of the Response or of the Assertion, and has one
//!   `ds:Reference` whose URI is `#` + the ID of the element the signature sits in (an
//!   enveloped signature of its parent, nothing else);
//! - ID attribute values are unique in the document;
//! - no canonicalization or transform "with comments" (comments must not survive into what
//!   is signed: NameID comment truncation);
//! - signature and digest algorithms from the allow-list: RSA or ECDSA with SHA-256, -384 or
//!   -512 (SHA-1 and MD5 never; xmlsec checks the same list again when it verifies);
//! - canonicalization and transforms only enveloped-signature and C14N 1.0/1.1/exclusive
//!   (xmlsec runs transforms before it checks the signature value: an XSLT or XPath
//!   transform would be attacker-controlled work, and a reference to another URI a fetch);
//!   a transform's only allowed child is exclusive C14N's `InclusiveNamespaces`; no
//!   `ds:Object`, `ds:Manifest` or `ds:RetrievalMethod`; at most two signatures (Response
//!   and Assertion) and three transforms per reference;
//! - at least one signature.
//!
//! And, because libxml (behind xmlsec) and quick-xml (here and behind samael's schema) must
//! read the same document: UTF-8 only (an XML declaration naming any other encoding, e.g.
//! UTF-7, is refused), XML 1.0, no control characters, and no `<` inside an attribute value
//! (not well-formed XML: quick-xml keeps it as text where libxml's recovery mode would parse
//! elements out of it).

use crate::error::{SamlError, invalid};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::collections::HashSet;

pub const NS_PROTOCOL: &[u8] = b"urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_ASSERTION: &[u8] = b"urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_DSIG: &[u8] = b"http://www.w3.org/2000/09/xmldsig#";

/// What the scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub response_id: String,
    pub assertion_id: String,
    pub response_signed: bool,
    pub assertion_signed: bool,
    /// The Response's own (unsigned unless `response_signed`) Destination, top-level
    /// StatusCode value and Issuer, read here so an unsigned wrapper needs no second parse.
    pub destination: Option<String>,
    pub status: Option<String>,
    pub issuer: Option<String>,
}

/// `ds:SignatureMethod` and `ds:DigestMethod` algorithms accepted.
pub const SIGNATURE_ALGORITHMS: &[&str] = &[
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
/// Canonicalization methods accepted (never "with comments").
pub const C14N_ALGORITHMS: &[&str] = &[
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2006/12/xml-c14n11",
];
/// Reference transforms accepted: the enveloped-signature transform and the C14N methods.
pub const TRANSFORM_ALGORITHMS: &[&str] = &[
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2006/12/xml-c14n11",
];
const NS_EXC_C14N: &[u8] = b"http://www.w3.org/2001/10/xml-exc-c14n#";

pub const DIGEST_ALGORITHMS: &[&str] = &[
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Response,
    Assertion,
    Signature,
    Reference,
    SignatureMethod,
    DigestMethod,
    CanonicalizationMethod,
    Transform,
    /// `ds:Object`, `ds:Manifest`, `ds:RetrievalMethod`: never accepted.
    Forbidden,
    /// Exclusive C14N's `InclusiveNamespaces` (the one child a transform may have).
    InclusiveNamespaces,
    Other,
}

struct Open {
    kind: Kind,
    id: Option<String>,
}

fn kind(ns: &ResolveResult<'_>, local: &[u8]) -> Kind {
    let ns: &[u8] = match ns {
        ResolveResult::Bound(n) => n.as_ref(),
        _ => b"",
    };
    match (ns, local) {
        (NS_PROTOCOL, b"Response") => Kind::Response,
        (NS_ASSERTION, b"Assertion") => Kind::Assertion,
        (NS_DSIG, b"Signature") => Kind::Signature,
        (NS_DSIG, b"Reference") => Kind::Reference,
        (NS_DSIG, b"SignatureMethod") => Kind::SignatureMethod,
        (NS_DSIG, b"DigestMethod") => Kind::DigestMethod,
        (NS_DSIG, b"CanonicalizationMethod") => Kind::CanonicalizationMethod,
        (NS_DSIG, b"Transform") => Kind::Transform,
        (NS_DSIG, b"Object" | b"Manifest" | b"RetrievalMethod") => Kind::Forbidden,
        (NS_EXC_C14N, b"InclusiveNamespaces") => Kind::InclusiveNamespaces,
        _ => Kind::Other,
    }
}

fn bad(m: &str) -> SamlError {
    invalid(format!("The SAML response is malformed: {m}."))
}

/// Scans `xml` (a DOCTYPE-free document) and checks the rules above.
pub fn scan(xml: &str) -> Result<Shape, SamlError> {
    if xml
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(bad("control characters are not accepted"));
    }
    let mut r = NsReader::from_str(xml);
    let (mut signatures, mut transforms) = (0, 0);
    let mut stack: Vec<Open> = Vec::new();
    let mut ids = HashSet::new();
    let mut response_id = None;
    let mut assertion_id = None;
    let (mut response_signed, mut assertion_signed) = (false, false);
    let mut roots = 0;
    let (mut destination, mut status, mut issuer) = (None, None, None);
    // Collecting the text of the Response's own Issuer (depth 1).
    let mut in_issuer = false;
    // The ID the current signature must reference, and how many references it has.
    let mut signature: Option<(String, usize)> = None;
    loop {
        let (ev, empty) = match r.read_resolved_event() {
            Ok((ns, Event::Start(e))) => ((ns, e), false),
            Ok((ns, Event::Empty(e))) => ((ns, e), true),
            Ok((_, Event::End(_))) => {
                in_issuer = false;
                if let Some(o) = stack.pop()
                    && o.kind == Kind::Signature
                {
                    match signature.take() {
                        Some((_, 1)) => {}
                        _ => return Err(bad("a signature must have exactly one reference")),
                    }
                }
                continue;
            }
            Ok((_, Event::Text(t))) if in_issuer => {
                let text = t
                    .xml_content(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|_| bad("malformed text"))?;
                issuer.get_or_insert_with(String::new).push_str(&text);
                continue;
            }
            Ok((_, Event::DocType(_))) => return Err(bad("a DOCTYPE is not accepted")),
            Ok((_, Event::Decl(d))) => {
                let version = d
                    .version()
                    .map_err(|_| bad("a malformed XML declaration"))?;
                if version.as_ref() != b"1.0" {
                    return Err(bad("only XML 1.0 is accepted"));
                }
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|_| bad("a malformed XML declaration"))?;
                    if !enc.eq_ignore_ascii_case(b"utf-8") {
                        return Err(bad("only the UTF-8 encoding is accepted"));
                    }
                }
                continue;
            }
            Ok((_, Event::Eof)) => break,
            Ok(_) => continue,
            Err(_) => return Err(bad("not well-formed XML")),
        };
        let ((ns, e), depth) = (ev, stack.len());
        let k = kind(&ns, e.local_name().as_ref());
        let mut id = None;
        let parent_kind = stack.last().map(|o| o.kind);
        match k {
            Kind::Forbidden => {
                return Err(bad(
                    "ds:Object, ds:Manifest and ds:RetrievalMethod are not accepted",
                ));
            }
            Kind::Signature => {
                signatures += 1;
                if signatures > 2 {
                    return Err(bad("more than two signatures"));
                }
            }
            Kind::Transform => {
                transforms += 1;
                if transforms > 3 * signatures.max(1) {
                    return Err(bad("too many transforms"));
                }
            }
            _ => {}
        }
        if parent_kind == Some(Kind::Transform) && k != Kind::InclusiveNamespaces {
            return Err(bad("a transform may hold only InclusiveNamespaces"));
        }
        if matches!(parent_kind, Some(Kind::InclusiveNamespaces)) {
            return Err(bad("a malformed InclusiveNamespaces"));
        }
        for a in e.attributes() {
            let a = a.map_err(|_| bad("a malformed attribute"))?;
            if a.value.contains(&b'<') {
                return Err(bad("'<' in an attribute value"));
            }
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|_| bad("a malformed attribute"))?
                .into_owned();
            let key = a.key.local_name();
            if depth == 0 && key.as_ref() == b"Destination" {
                destination = Some(value.clone());
            }
            if depth == 2
                && key.as_ref() == b"Value"
                && e.local_name().as_ref() == b"StatusCode"
                && stack.get(1).is_some_and(|o| o.kind == Kind::Other)
            {
                status.get_or_insert_with(|| value.clone());
            }
            if key.as_ref() == b"ID" {
                if !ids.insert(value.clone()) {
                    return Err(bad("an ID is used twice"));
                }
                id = Some(value.clone());
            }
            if key.as_ref() == b"Algorithm" {
                if value.to_ascii_lowercase().contains("withcomments") {
                    return Err(bad("canonicalization with comments is not accepted"));
                }
                let allowed = match k {
                    Kind::SignatureMethod => SIGNATURE_ALGORITHMS,
                    Kind::DigestMethod => DIGEST_ALGORITHMS,
                    Kind::CanonicalizationMethod => C14N_ALGORITHMS,
                    Kind::Transform => TRANSFORM_ALGORITHMS,
                    _ => &[value.as_str()][..],
                };
                if !allowed.contains(&value.as_str()) {
                    return Err(invalid(format!(
                        "The SAML response's signature uses {value}, which is not accepted: RSA or ECDSA with SHA-256 or stronger is required."
                    )));
                }
            }
            if key.as_ref() == b"URI" && k == Kind::Reference {
                let Some((want, n)) = signature.as_mut() else {
                    return Err(bad("a reference outside a signature"));
                };
                *n += 1;
                if value.strip_prefix('#') != Some(want.as_str()) {
                    return Err(bad("a signature does not sign the element it is in"));
                }
            }
        }
        if depth == 0 {
            roots += 1;
            if k != Kind::Response || roots > 1 {
                return Err(bad("the root must be one samlp:Response"));
            }
            response_id = Some(id.clone().ok_or_else(|| bad("the Response has no ID"))?);
        }
        let parent = stack.last().map(|o| (o.kind, o.id.clone()));
        match k {
            Kind::Response if depth > 0 => return Err(bad("a Response inside the Response")),
            Kind::Assertion => {
                if assertion_id.is_some() {
                    return Err(bad("more than one assertion"));
                }
                if depth != 1 {
                    return Err(bad("the assertion must be a child of the Response"));
                }
                assertion_id = Some(id.clone().ok_or_else(|| bad("the assertion has no ID"))?);
            }
            Kind::Signature => {
                let Some((pk @ (Kind::Response | Kind::Assertion), Some(pid))) = parent else {
                    return Err(bad("a signature in an unexpected place"));
                };
                if signature.is_some() {
                    return Err(bad("a signature inside a signature"));
                }
                if pk == Kind::Response {
                    response_signed = true;
                } else {
                    assertion_signed = true;
                }
                signature = Some((pid, 0));
            }
            Kind::Reference if empty => {}
            _ => {}
        }
        if e.local_name().as_ref() == b"EncryptedAssertion" {
            return Err(invalid(
                "Encrypted SAML assertions are not supported: configure the IdP to sign, not encrypt, assertions for fedgate.",
            ));
        }
        if depth == 1 && e.local_name().as_ref() == b"Issuer" && !empty {
            in_issuer = true;
        }
        if !empty {
            stack.push(Open { kind: k, id });
        } else if k == Kind::Signature {
            return Err(bad("an empty signature"));
        }
    }
    let (Some(response_id), Some(assertion_id)) = (response_id, assertion_id) else {
        return Err(bad("no assertion"));
    };
    if !response_signed && !assertion_signed {
        return Err(invalid("The SAML response is not signed."));
    }
    Ok(Shape {
        response_id,
        assertion_id,
        response_signed,
        assertion_signed,
        destination,
        status,
        issuer: issuer.map(|i| i.trim().to_owned()),
    })
}
