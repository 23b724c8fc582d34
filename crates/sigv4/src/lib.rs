//! fedgate-sigv4: verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for the AWS
//! Query API (IAM, STS).
//!
//! What it does:
//! - [`parse`] reads the `Authorization` header or presigned-URL query parameters and checks
//!   their form (algorithm, credential scope, date, signed-header list).
//! - [`check_time`] checks the request time against a skew window, or a presigned URL's expiry.
//! - [`canonical_request`] and [`string_to_sign`] rebuild what the client signed, exactly as
//!   AWS's signers do for services other than S3 (path normalized and encoded twice, query
//!   decoded, re-encoded and sorted, header values trimmed).
//! - [`verify`] compares the signature in constant time; [`signing_key`] derives keys, and
//!   [`SigningKeyCache`] keeps them per (key id, date, region, service).
//!
//! What it does not do: no I/O, no async, no clock of its own (time is passed in). It does not
//! know who owns an access key, which regions or services are allowed, whether a session token
//! is valid, or how errors map to AWS error codes (that is `aws-query`'s job). It verifies only
//! SigV4 with HMAC-SHA256: not SigV2, not SigV4a, not S3's chunked/streaming payloads, not S3's
//! single-encoded paths.

mod amz_date;
mod cache;
mod canonical_request;
mod check_time;
mod encode;
mod error;
mod parse;
mod signing_key;
mod string_to_sign;
mod verify;

pub use cache::SigningKeyCache;
pub use canonical_request::{EMPTY_SHA256, UNSIGNED_PAYLOAD, canonical_request, sha256_hex};
pub use check_time::check_time;
pub use error::SigV4Error;
pub use parse::{ALGORITHM, Credential, MAX_PRESIGN_EXPIRES, ParsedAuth, parse};
pub use signing_key::{SigningKey, signing_key, signing_key_for_scope};
pub use string_to_sign::string_to_sign;
pub use verify::{verify, verify_with_payload_hash};

/// The parts of an HTTP request that SigV4 covers. For HTTP/2 the caller must put the
/// `:authority` into a `host` header: SigV4 signs `host`.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Raw path as on the wire (still percent-encoded), e.g. `/`.
    pub path: &'a str,
    /// Raw query string without `?`; may be empty.
    pub query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}
