//! Signature verification: rebuild the canonical request for each payload hash a genuine
//! signer could have used, sign it, and compare with the given signature in constant time.

use crate::SignedRequest;
use crate::canonical_request::{EMPTY_SHA256, UNSIGNED_PAYLOAD, canonical_request, sha256_hex};
use crate::error::SigV4Error;
use crate::parse::ParsedAuth;
use crate::signing_key::{SigningKey, sign};
use crate::string_to_sign::string_to_sign;
use subtle::ConstantTimeEq;

/// The payload hashes a genuine signer could have used for this request.
///
/// - With an `x-amz-content-sha256` header: its value, which must be the hex SHA-256 of the
///   body (any case), or `UNSIGNED-PAYLOAD` for an empty body.
/// - A presigned URL with an empty body: the empty-body hash or `UNSIGNED-PAYLOAD` (presigners
///   use either).
/// - Otherwise: the hex SHA-256 of the body.
fn payload_hashes(req: &SignedRequest<'_>, auth: &ParsedAuth) -> Result<Vec<String>, SigV4Error> {
    let mut values = req.headers.get_all("x-amz-content-sha256").iter();
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(SigV4Error::ContentSha256Mismatch),
        (Some(v), None) => {
            let v = v.to_str().map_err(|_| SigV4Error::ContentSha256Mismatch)?;
            if v == UNSIGNED_PAYLOAD && req.body.is_empty() {
                return Ok(vec![UNSIGNED_PAYLOAD.to_owned()]);
            }
            let computed = sha256_hex(req.body);
            if v.len() == 64 && v.eq_ignore_ascii_case(&computed) {
                Ok(vec![v.to_owned()])
            } else {
                Err(SigV4Error::ContentSha256Mismatch)
            }
        }
        (None, _) if auth.presigned && req.body.is_empty() => {
            Ok(vec![EMPTY_SHA256.to_owned(), UNSIGNED_PAYLOAD.to_owned()])
        }
        (None, _) => Ok(vec![sha256_hex(req.body)]),
    }
}

/// Verifies the signature of `req` with `key`. Only the signature: the time window
/// ([`crate::check_time`]), which regions and services are allowed, and who owns the key are the
/// caller's to check.
pub fn verify(
    req: &SignedRequest<'_>,
    auth: &ParsedAuth,
    key: &SigningKey,
) -> Result<(), SigV4Error> {
    let hashes = payload_hashes(req, auth)?;
    verify_hashes(req, auth, key, &hashes)
}

/// [`verify`] for a request whose body is not at hand, only its hex SHA-256 `payload_hash`
/// as vouched for by whoever forwards the request (e.g. a service asking fedgate whether
/// its caller may act). An `x-amz-content-sha256` header, when signed, must agree with it
/// (or be `UNSIGNED-PAYLOAD`, which the signer then used). `req.body` is ignored.
pub fn verify_with_payload_hash(
    req: &SignedRequest<'_>,
    auth: &ParsedAuth,
    key: &SigningKey,
    payload_hash: &str,
) -> Result<(), SigV4Error> {
    let valid_hex = payload_hash.len() == 64 && payload_hash.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid_hex {
        return Err(SigV4Error::ContentSha256Mismatch);
    }
    let mut values = req.headers.get_all("x-amz-content-sha256").iter();
    let hashes = match (values.next(), values.next()) {
        (Some(_), Some(_)) => return Err(SigV4Error::ContentSha256Mismatch),
        (Some(v), None) => {
            let v = v.to_str().map_err(|_| SigV4Error::ContentSha256Mismatch)?;
            if v == UNSIGNED_PAYLOAD {
                vec![UNSIGNED_PAYLOAD.to_owned()]
            } else if v.eq_ignore_ascii_case(payload_hash) {
                vec![v.to_owned()]
            } else {
                return Err(SigV4Error::ContentSha256Mismatch);
            }
        }
        (None, _) if auth.presigned && payload_hash.eq_ignore_ascii_case(EMPTY_SHA256) => {
            vec![EMPTY_SHA256.to_owned(), UNSIGNED_PAYLOAD.to_owned()]
        }
        (None, _) => vec![payload_hash.to_ascii_lowercase()],
    };
    verify_hashes(req, auth, key, &hashes)
}

fn verify_hashes(
    req: &SignedRequest<'_>,
    auth: &ParsedAuth,
    key: &SigningKey,
    hashes: &[String],
) -> Result<(), SigV4Error> {
    let Some(first) = hashes.first() else {
        return Err(SigV4Error::SignatureMismatch);
    };
    // Built once; only the last line (the payload hash) differs between the candidates.
    let mut creq = canonical_request(req, auth, first)?;
    let prefix_len = creq.len() - first.len();
    let mut ok = subtle::Choice::from(0u8);
    for hash in hashes {
        creq.truncate(prefix_len);
        creq.push_str(hash);
        let expected = sign(key, &string_to_sign(auth, &creq));
        ok |= expected.ct_eq(&auth.signature);
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(SigV4Error::SignatureMismatch)
    }
}
