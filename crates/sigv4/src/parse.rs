//! Reading the SigV4 parts of a request: the `Authorization` header (AWS: "Signature
//! Calculations for the Authorization Header") or presigned query parameters (AWS:
//! "Authenticating Requests: Using Query Parameters"). Nothing is verified here but form.

use crate::SignedRequest;
use crate::amz_date::{parse_amz_date, parse_http_date};
use crate::encode::form_decode_lossy;
use crate::encode::query_pairs;
use crate::error::{SigV4Error, incomplete, quote};
use time::OffsetDateTime;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// X-Amz-Expires may be at most seven days.
pub const MAX_PRESIGN_EXPIRES: u32 = 604_800;

/// `AKID/YYYYMMDD/region/service/aws4_request`, the parts of the credential scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credential {
    pub access_key_id: String,
    /// `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
}

impl Credential {
    /// The credential scope: `YYYYMMDD/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// A request's SigV4 authentication as sent, well-formed but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub credential: Credential,
    /// Lower-case, in the order given (which must be sorted).
    pub signed_headers: Vec<String>,
    pub signature: [u8; 32],
    /// From `X-Amz-Date` (header or query parameter), or the `Date` header.
    pub request_time: OffsetDateTime,
    /// The literal `YYYYMMDD'T'HHMMSS'Z'` used in the string to sign.
    pub amz_date: String,
    /// `X-Amz-Expires` seconds of a presigned URL.
    pub presigned_expires: Option<u32>,
    /// `X-Amz-Security-Token`, from the header (header auth) or the query (presigned).
    pub security_token: Option<String>,
    pub presigned: bool,
}

/// The query parameters that make a request presigned.
const PRESIGN_MARKERS: [&str; 4] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
];

/// Reads the request's SigV4 authentication, header or presigned, and checks its form: the
/// algorithm, the credential scope, the date, the signed-header list (sorted, lower-case,
/// includes `host`, each present) and, for header auth, that a security token header is signed.
pub fn parse(req: &SignedRequest<'_>) -> Result<ParsedAuth, SigV4Error> {
    let mut auth_headers = req.headers.get_all(http::header::AUTHORIZATION).iter();
    let header = auth_headers.next();
    if auth_headers.next().is_some() {
        return Err(incomplete("Only one Authorization header is allowed."));
    }
    let presigned = query_pairs(req.query)
        .any(|(k, _)| PRESIGN_MARKERS.contains(&form_decode_lossy(k).as_ref()));
    let parsed = match (header, presigned) {
        (Some(_), true) => {
            return Err(incomplete(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified",
            ));
        }
        (None, false) => return Err(SigV4Error::Missing),
        (Some(h), false) => {
            let h = h
                .to_str()
                .map_err(|_| incomplete("The Authorization header is not valid ASCII."))?;
            parse_header(h, req)?
        }
        (None, true) => parse_query(req)?,
    };
    check_signed_headers(&parsed, req)?;
    Ok(parsed)
}

fn check_signed_headers(parsed: &ParsedAuth, req: &SignedRequest<'_>) -> Result<(), SigV4Error> {
    if !parsed.signed_headers.iter().any(|h| h == "host")
        || !req.headers.contains_key(http::header::HOST)
    {
        return Err(SigV4Error::HostNotSigned);
    }
    for h in &parsed.signed_headers {
        if !req.headers.contains_key(h.as_str()) {
            return Err(SigV4Error::SignedHeaderMissing(quote(h, 64)));
        }
    }
    if !parsed.presigned
        && req.headers.contains_key("x-amz-security-token")
        && !parsed
            .signed_headers
            .iter()
            .any(|h| h == "x-amz-security-token")
    {
        return Err(SigV4Error::UnsignedSecurityToken);
    }
    Ok(())
}

/// The single value of header `name`, as a string; `None` when absent.
fn single_header<'r>(
    req: &'r SignedRequest<'_>,
    name: &str,
) -> Result<Option<&'r str>, SigV4Error> {
    let mut all = req.headers.get_all(name).iter();
    let Some(v) = all.next() else {
        return Ok(None);
    };
    if all.next().is_some() {
        return Err(incomplete(format!("Only one '{name}' header is allowed.")));
    }
    v.to_str()
        .map(Some)
        .map_err(|_| incomplete(format!("The '{name}' header is not valid ASCII.")))
}

fn parse_header(h: &str, req: &SignedRequest<'_>) -> Result<ParsedAuth, SigV4Error> {
    let (alg, rest) = h.split_once(' ').unwrap_or((h, ""));
    if alg != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(quote(alg, 64)));
    }
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim_matches(' ');
        let Some((k, v)) = part.split_once('=') else {
            return Err(incomplete(format!(
                "Authorization header requires each component to be of the form key=value; found '{}'.",
                quote(part, 64)
            )));
        };
        let slot = match k {
            "Credential" => &mut cred,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut sig,
            _ => continue,
        };
        if slot.replace(v).is_some() {
            return Err(incomplete(format!("Authorization header has '{k}' twice.")));
        }
    }
    fn need<'v>(v: Option<&'v str>, name: &str) -> Result<&'v str, SigV4Error> {
        v.ok_or_else(|| incomplete(format!("Authorization header requires '{name}' parameter.")))
    }
    let credential = parse_credential(need(cred, "Credential")?)?;
    let signed_headers = parse_signed_headers(need(signed, "SignedHeaders")?)?;
    let signature = parse_signature(need(sig, "Signature")?)?;
    let (amz_date, request_time) = match single_header(req, "x-amz-date")? {
        Some(d) => (d.to_owned(), parse_amz_date(d)?),
        None => match single_header(req, "date")? {
            Some(d) => {
                let t = parse_http_date(d)?;
                (crate::amz_date::fmt_amz_date(t), t)
            }
            None => {
                return Err(incomplete(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                ));
            }
        },
    };
    let security_token = single_header(req, "x-amz-security-token")?.map(str::to_owned);
    finish(Fields {
        credential,
        signed_headers,
        signature,
        amz_date,
        request_time,
        presigned_expires: None,
        security_token,
    })
}

fn parse_query(req: &SignedRequest<'_>) -> Result<ParsedAuth, SigV4Error> {
    const NAMES: [&str; 7] = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    ];
    let mut found: [Option<String>; 7] = Default::default();
    for (k, v) in query_pairs(req.query) {
        let k = form_decode_lossy(k);
        let Some(slot) = NAMES
            .iter()
            .position(|n| *n == k)
            .and_then(|i| found.get_mut(i))
        else {
            continue;
        };
        if slot.replace(form_decode_lossy(v).into_owned()).is_some() {
            return Err(incomplete(format!("Query parameter {k} is repeated.")));
        }
    }
    let [alg, cred, date, expires, signed, sig, token] = found;
    let need = |v: Option<String>, name: &str| {
        v.ok_or_else(|| {
            incomplete(format!(
                "AWS query-string parameters must include '{name}'."
            ))
        })
    };
    let alg = need(alg, "X-Amz-Algorithm")?;
    if alg != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(quote(&alg, 64)));
    }
    let credential = parse_credential(&need(cred, "X-Amz-Credential")?)?;
    let signed_headers = parse_signed_headers(&need(signed, "X-Amz-SignedHeaders")?)?;
    let signature = parse_signature(&need(sig, "X-Amz-Signature")?)?;
    let amz_date = need(date, "X-Amz-Date")?;
    let request_time = parse_amz_date(&amz_date)?;
    let expires = need(expires, "X-Amz-Expires")?;
    let expires = match expires.parse::<u32>() {
        Ok(n)
            if (1..=MAX_PRESIGN_EXPIRES).contains(&n)
                && expires.bytes().all(|b| b.is_ascii_digit()) =>
        {
            n
        }
        _ => return Err(SigV4Error::InvalidExpires),
    };
    finish(Fields {
        credential,
        signed_headers,
        signature,
        amz_date,
        request_time,
        presigned_expires: Some(expires),
        security_token: token,
    })
}

struct Fields {
    credential: Credential,
    signed_headers: Vec<String>,
    signature: [u8; 32],
    amz_date: String,
    request_time: OffsetDateTime,
    presigned_expires: Option<u32>,
    security_token: Option<String>,
}

fn finish(f: Fields) -> Result<ParsedAuth, SigV4Error> {
    if f.amz_date.get(..8) != Some(f.credential.date.as_str()) {
        return Err(SigV4Error::ScopeDateMismatch);
    }
    Ok(ParsedAuth {
        presigned: f.presigned_expires.is_some(),
        credential: f.credential,
        signed_headers: f.signed_headers,
        signature: f.signature,
        request_time: f.request_time,
        amz_date: f.amz_date,
        presigned_expires: f.presigned_expires,
        security_token: f.security_token,
    })
}

fn parse_credential(v: &str) -> Result<Credential, SigV4Error> {
    let bad = || {
        incomplete(format!(
            "Credential should be of the form AKID/YYYYMMDD/region/service/aws4_request; got '{}'.",
            quote(v, 128)
        ))
    };
    let parts: Vec<&str> = v.split('/').collect();
    let [akid, date, region, service, "aws4_request"] = parts.as_slice() else {
        return Err(bad());
    };
    if akid.is_empty()
        || region.is_empty()
        || service.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    Ok(Credential {
        access_key_id: (*akid).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
    })
}

/// `a;b;c`: lower-case header-name tokens, strictly ascending (so sorted and without repeats).
fn parse_signed_headers(v: &str) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = v.split(';').map(str::to_owned).collect();
    let token = |n: &String| {
        !n.is_empty()
            && n.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
            })
    };
    if names.iter().all(token) && names.windows(2).all(|w| w[0] < w[1]) {
        Ok(names)
    } else {
        Err(incomplete(
            "SignedHeaders must be lower-case header names separated by ';', sorted, without repeats.",
        ))
    }
}

fn parse_signature(v: &str) -> Result<[u8; 32], SigV4Error> {
    let mut out = [0u8; 32];
    if v.len() != 64 || hex::decode_to_slice(v, &mut out).is_err() {
        return Err(incomplete("Signature must be 64 hexadecimal characters."));
    }
    Ok(out)
}
