//! Verifying a SAML 2.0 response (`SAMLResponse` / `SAMLAssertion`, base64) from an
//! identity provider whose metadata fedgate holds. In order:
//!
//! 1. base64, at most [`MAX_RESPONSE_BYTES`] decoded, UTF-8, no DOCTYPE/DTD/entities;
//! 2. the document's shape ([`crate::shape`]): one Response, exactly one Assertion as its
//!    child, signatures only as enveloped signatures of the Response or the Assertion,
//!    unique IDs, no "with comments" canonicalization, no encrypted assertion;
//! 3. every signature verified by xmlsec with a key from the provider's metadata only (never
//!    a certificate from `KeyInfo`), with RSA or ECDSA over SHA-256/384/512 (SHA-1 is never
//!    accepted), and the content used is exactly what was signed: xmlsec's pre-digest bytes
//!    of the verified reference (samael `ReduceMode::PreDigest`), parsed again;
//! 4. the assertion's Issuer is the provider's entity id; an AudienceRestriction names the
//!    SP entity id; a bearer SubjectConfirmation whose Recipient is one of the ACS URLs and
//!    whose NotOnOrAfter is in the future; Conditions NotBefore/NotOnOrAfter; all with the
//!    configured skew; a Response Destination, when present, is an ACS URL; the Response
//!    status is Success.
//!
//! Replay is the caller's: [`Verified::assertion_id`] and [`Verified::not_on_or_after`] go
//! into a store-wide cache (every replica shares it) before anything is minted.

use crate::error::{SamlError, invalid};
use crate::metadata::has_dtd;
use crate::shape;
use base64::Engine;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, CryptoProvider, ReduceMode, XmlSec,
};
use samael::schema::{Assertion, Response};

/// Largest decoded response accepted, bytes.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

const ALLOWED: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// What the provider registration and the SP require of a response.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    pub idp_entity_id: &'a str,
    /// DER certificates from the provider's metadata.
    pub signing_certs: &'a [Vec<u8>],
    /// The audience the assertion must name (`saml.sp_entity_id`).
    pub sp_entity_id: &'a str,
    /// Accepted Recipient/Destination values (the ACS URL).
    pub acs_urls: &'a [String],
    /// Unix seconds.
    pub now: i64,
    pub skew_secs: i64,
}

/// A verified assertion: what the trust policy and the session use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verified {
    pub issuer: String,
    pub assertion_id: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub audience: String,
    pub recipient: String,
    pub in_response_to: Option<String>,
    /// The earliest of the bearer confirmation's and the conditions' NotOnOrAfter, Unix
    /// seconds: how long the assertion (and its replay-cache entry) lives.
    pub not_on_or_after: i64,
    /// Attributes by name, values in order.
    pub attributes: Vec<(String, Vec<String>)>,
    /// The earliest AuthnStatement `SessionNotOnOrAfter`, Unix seconds: the IdP's limit on
    /// the session (AWS ends the role session there at the latest).
    #[serde(default)]
    pub session_not_on_or_after: Option<i64>,
}

/// base64 (line breaks allowed) → the XML text, within the size limit.
pub fn decode(b64: &str) -> Result<String, SamlError> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() > MAX_RESPONSE_BYTES * 4 / 3 + 4 {
        return Err(invalid("The SAML response is too large."));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| invalid("The SAML response is not base64."))?;
    String::from_utf8(bytes).map_err(|_| invalid("The SAML response is not UTF-8 text."))
}

/// The most distinct provider ARNs [`unverified_hints`] returns: the response is not verified
/// yet, and each candidate costs the caller a lookup.
pub const MAX_HINTED_PROVIDERS: usize = 10;

/// Before verification, to find which registered provider to verify with: the response's
/// Issuer (the assertion's, else the Response's) and the first [`MAX_HINTED_PROVIDERS`]
/// distinct provider ARNs its `Role` attribute values name. Nothing here is trusted;
/// [`verify`] decides. Same size and DOCTYPE rules.
pub fn unverified_hints(
    xml: &str,
    role_attribute: &str,
) -> Result<(String, Vec<String>), SamlError> {
    if xml.len() > MAX_RESPONSE_BYTES {
        return Err(invalid("The SAML response is too large."));
    }
    if has_dtd(xml) {
        return Err(invalid(
            "The SAML response is malformed: a DOCTYPE is not accepted.",
        ));
    }
    let r: Response = xml
        .parse()
        .map_err(|_| invalid("The SAML response could not be read."))?;
    let a = r.assertion.as_ref();
    let issuer = a
        .and_then(|a| a.issuer.value.clone())
        .or_else(|| r.issuer.as_ref().and_then(|i| i.value.clone()))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let mut providers: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for st in a
        .and_then(|a| a.attribute_statements.as_ref())
        .into_iter()
        .flatten()
    {
        for at in st
            .attributes
            .iter()
            .filter(|at| at.name.as_deref() == Some(role_attribute))
        {
            for v in at.values.iter().filter_map(|v| v.value.as_deref()) {
                for part in v.split(',').map(str::trim) {
                    if providers.len() == MAX_HINTED_PROVIDERS {
                        return Ok((issuer, providers));
                    }
                    if part.contains(":saml-provider/") && seen.insert(part) {
                        providers.push(part.to_owned());
                    }
                }
            }
        }
    }
    Ok((issuer, providers))
}

fn time_ok(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp())
}

/// Verifies `xml` (decoded) against `e`; see the module documentation.
pub fn verify(xml: &str, e: &Expect<'_>) -> Result<Verified, SamlError> {
    if xml.len() > MAX_RESPONSE_BYTES {
        return Err(invalid("The SAML response is too large."));
    }
    if has_dtd(xml) {
        return Err(invalid(
            "The SAML response is malformed: a DOCTYPE is not accepted.",
        ));
    }
    let shape = shape::scan(xml)?;
    let certs: Vec<CertificateDer> = e.signing_certs.iter().cloned().map(Into::into).collect();
    let signed = XmlSec::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        &certs,
        ReduceMode::PreDigest,
        Some(&ALLOWED),
    )
    .map_err(|_| {
        invalid("The SAML response's signature is not valid for the provider's signing certificates (RSA or ECDSA with SHA-256 or stronger).")
    })?;
    // The signed element: the Response (with its one assertion) or the assertion alone. The
    // unsigned Response around a signed assertion is read only for its status.
    let (assertion, signed_response) = if shape.response_signed {
        let r: Response = signed
            .parse()
            .map_err(|_| invalid("The signed SAML response could not be read."))?;
        if r.id != shape.response_id {
            return Err(invalid(
                "The SAML response's signature covers another element.",
            ));
        }
        let a = r
            .assertion
            .clone()
            .ok_or_else(|| invalid("The signed SAML response has no assertion."))?;
        (a, Some(r))
    } else {
        let a: Assertion = signed
            .parse()
            .map_err(|_| invalid("The signed SAML assertion could not be read."))?;
        (a, None)
    };
    if assertion.id != shape.assertion_id {
        return Err(invalid("The SAML assertion used is not the one signed."));
    }
    // The Response's status, destination and issuer: from the signed Response when it is
    // signed, else from the scan of the (unsigned) wrapper.
    let outer = match &signed_response {
        Some(r) => Outer {
            status: r.status.as_ref().and_then(|s| s.status_code.value.clone()),
            destination: r.destination.clone(),
            issuer: r.issuer.as_ref().and_then(|i| i.value.clone()),
        },
        None => Outer {
            status: shape.status,
            destination: shape.destination,
            issuer: shape.issuer,
        },
    };
    check_response(&outer, e)?;
    check_assertion(assertion, e)
}

/// What is checked of the Response around the assertion.
struct Outer {
    status: Option<String>,
    destination: Option<String>,
    issuer: Option<String>,
}

fn check_response(r: &Outer, e: &Expect<'_>) -> Result<(), SamlError> {
    let status = r.status.clone().unwrap_or_default();
    if status != SUCCESS {
        return Err(SamlError::Rejected(format!(
            "The identity provider reported that the sign-in failed ({}).",
            status.rsplit(':').next().unwrap_or("no status")
        )));
    }
    if let Some(d) = &r.destination
        && !e.acs_urls.contains(d)
    {
        return Err(invalid(
            "The SAML response's Destination is not this service's ACS URL.",
        ));
    }
    if let Some(iss) = r.issuer.as_deref()
        && iss.trim() != e.idp_entity_id
    {
        return Err(invalid("The SAML response's Issuer is not the provider's."));
    }
    Ok(())
}

fn check_assertion(a: Assertion, e: &Expect<'_>) -> Result<Verified, SamlError> {
    let issuer = a.issuer.value.clone().unwrap_or_default();
    if issuer.trim() != e.idp_entity_id {
        return Err(invalid(format!(
            "The SAML assertion's Issuer is not the entity id of this SAML provider ({}).",
            e.idp_entity_id
        )));
    }
    let (lo, hi) = (e.now + e.skew_secs, e.now - e.skew_secs);
    let expired = || SamlError::Expired("The SAML assertion has expired.".into());
    let not_yet = || invalid("The SAML assertion is not yet valid.");

    let conditions = a
        .conditions
        .as_ref()
        .ok_or_else(|| invalid("The SAML assertion has no Conditions."))?;
    if time_ok(conditions.not_before).is_some_and(|t| t > lo) {
        return Err(not_yet());
    }
    let cond_end = time_ok(conditions.not_on_or_after);
    if cond_end.is_some_and(|t| t <= hi) {
        return Err(expired());
    }
    // Every AudienceRestriction must name the SP (SAML Core §2.5.1.4), and there must be one.
    let restrictions = conditions
        .audience_restrictions
        .as_deref()
        .unwrap_or_default();
    let names_sp = |r: &samael::schema::AudienceRestriction| {
        r.audience.iter().any(|a| a.trim() == e.sp_entity_id)
    };
    if restrictions.is_empty() || !restrictions.iter().all(names_sp) {
        return Err(invalid(format!(
            "The SAML assertion's Audience is not {}.",
            e.sp_entity_id
        )));
    }
    let audience = e.sp_entity_id.to_owned();

    let subject = a
        .subject
        .as_ref()
        .ok_or_else(|| invalid("The SAML assertion has no Subject."))?;
    let name_id = subject
        .name_id
        .as_ref()
        .ok_or_else(|| invalid("The SAML assertion has no NameID."))?;
    let value = name_id.value.trim();
    if value.is_empty() {
        return Err(invalid("The SAML assertion's NameID is empty."));
    }
    // A bearer confirmation for this ACS that is still current.
    let mut reason =
        invalid("The SAML assertion has no bearer SubjectConfirmation for this service's ACS URL.");
    let mut confirmed = None;
    for sc in subject.subject_confirmations.iter().flatten() {
        if sc.method.as_deref() != Some(BEARER) {
            continue;
        }
        let Some(d) = &sc.subject_confirmation_data else {
            continue;
        };
        if !d.recipient.as_ref().is_some_and(|r| e.acs_urls.contains(r)) {
            continue;
        }
        let Some(end) = time_ok(d.not_on_or_after) else {
            reason = invalid("The SAML assertion's SubjectConfirmationData has no NotOnOrAfter.");
            continue;
        };
        if end <= hi {
            reason = expired();
            continue;
        }
        if time_ok(d.not_before).is_some_and(|t| t > lo) {
            reason = not_yet();
            continue;
        }
        confirmed = Some((
            d.recipient.clone().unwrap_or_default(),
            end,
            d.in_response_to.clone(),
        ));
        break;
    }
    let (recipient, end, in_response_to) = confirmed.ok_or(reason)?;
    let not_on_or_after = cond_end.map_or(end, |c| c.min(end));

    let mut attributes: Vec<(String, Vec<String>)> = Vec::new();
    for st in a.attribute_statements.iter().flatten() {
        for at in &st.attributes {
            let Some(name) = &at.name else { continue };
            let values = at.values.iter().filter_map(|v| v.value.clone());
            match attributes.iter_mut().find(|(n, _)| n == name) {
                Some((_, vs)) => vs.extend(values),
                None => attributes.push((name.clone(), values.collect())),
            }
        }
    }
    let session_not_on_or_after = a
        .authn_statements
        .iter()
        .flatten()
        .filter_map(|s| time_ok(s.session_not_on_or_after))
        .min();
    Ok(Verified {
        session_not_on_or_after,
        issuer: issuer.trim().to_owned(),
        assertion_id: a.id,
        name_id: value.to_owned(),
        name_id_format: name_id.format.clone(),
        audience,
        recipient,
        in_response_to,
        not_on_or_after,
        attributes,
    })
}
