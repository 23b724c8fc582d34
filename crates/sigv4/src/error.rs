//! Why a request's SigV4 authentication failed.
//!
//! Messages follow AWS's wording where AWS has one. They may quote what the client sent (a
//! date, an algorithm name, at most 64–128 characters of it) but never a secret, a signing key
//! or the signature fedgate computed. Mapping to AWS error codes happens in `aws-query`; the
//! code each variant usually maps to is noted on it.

/// A SigV4 authentication failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor presigned query parameters
    /// (AWS: `MissingAuthenticationToken`).
    #[error("Request is missing Authentication Token")]
    Missing,
    /// The header or the query parameters are malformed (AWS: `IncompleteSignature`).
    #[error("{0}")]
    IncompleteSignature(String),
    /// An algorithm other than `AWS4-HMAC-SHA256` (AWS: `IncompleteSignature`).
    #[error("Unsupported AWS 'algorithm': '{0}'")]
    UnsupportedAlgorithm(String),
    /// `X-Amz-Date` is not `YYYYMMDD'T'HHMMSS'Z'` (AWS: `IncompleteSignature`).
    #[error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")]
    MalformedDate,
    /// The credential scope's date is not the date of `X-Amz-Date` (AWS: `SignatureDoesNotMatch`).
    #[error(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."
    )]
    ScopeDateMismatch,
    /// Header authentication older than the allowed skew (AWS: `SignatureDoesNotMatch`).
    #[error("Signature expired: {request} is now earlier than {limit} ({now} - {skew_min} min.)")]
    SignatureExpired {
        request: String,
        limit: String,
        now: String,
        skew_min: i64,
    },
    /// A request time further in the future than the allowed skew (AWS: `SignatureDoesNotMatch`).
    #[error(
        "Signature not yet current: {request} is still later than {limit} ({now} + {skew_min} min.)"
    )]
    SignatureNotYetCurrent {
        request: String,
        limit: String,
        now: String,
        skew_min: i64,
    },
    /// A presigned URL past `X-Amz-Date + X-Amz-Expires` (AWS: `AccessDenied`/`RequestExpired`).
    #[error("Request has expired")]
    PresignExpired,
    /// `X-Amz-Expires` is not a whole number of seconds in 1..=604800 (AWS: `AuthorizationQueryParametersError`).
    #[error("X-Amz-Expires must be a whole number of seconds from 1 to 604800")]
    InvalidExpires,
    /// `host` is not among the signed headers, or the request has no `Host`.
    #[error("'Host' must be a signed header and present in the request")]
    HostNotSigned,
    /// A header named in `SignedHeaders` is not in the request.
    #[error("Header '{0}' is listed in SignedHeaders but missing from the request")]
    SignedHeaderMissing(String),
    /// An `X-Amz-Security-Token` header that is not signed.
    #[error("X-Amz-Security-Token must be signed")]
    UnsignedSecurityToken,
    /// `x-amz-content-sha256` does not match the body (AWS: `XAmzContentSHA256Mismatch`).
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    ContentSha256Mismatch,
    /// The signature is not the one the key gives (AWS: `SignatureDoesNotMatch`).
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    SignatureMismatch,
}

pub(crate) fn incomplete(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::IncompleteSignature(msg.into())
}

/// At most `n` characters of client input, for quoting in a message.
pub(crate) fn quote(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
