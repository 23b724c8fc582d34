//! STS outcomes that are not success; `aws-query` maps each to an AWS error code once.

use fedgate_iam::IamError;

#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// IAM's codes (ValidationError, AccessDenied, MalformedPolicyDocument, …) and store faults.
    #[error(transparent)]
    Iam(#[from] IamError),
    /// The session policies and tags exceed the packed-size limit. HTTP 400.
    #[error("{0}")]
    PackedPolicyTooLarge(String),
    /// A session token that is garbled, forged, for another key, or whose session was ended.
    #[error("The security token included in the request is invalid.")]
    InvalidClientTokenId,
    /// An authentic session token past its expiry. HTTP 400.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
    /// An `EncodedMessage` that does not open: tampered, truncated, garbled, or sealed by
    /// another gateway. HTTP 400 (`InvalidAuthorizationMessageException`).
    #[error("The encoded authorization message is invalid.")]
    InvalidAuthorizationMessage,
    /// A web identity token refused, or its provider unreachable.
    #[error(transparent)]
    WebIdentity(#[from] fedgate_oidc::OidcError),
    /// A SAML response refused, or the IdP's own failure status.
    #[error(transparent)]
    Saml(#[from] fedgate_saml::SamlError),
}

impl From<fedgate_store::StoreError> for StsError {
    fn from(e: fedgate_store::StoreError) -> Self {
        StsError::Iam(e.into())
    }
}

pub(crate) fn validation(msg: impl Into<String>) -> StsError {
    StsError::Iam(IamError::Validation(msg.into()))
}

pub(crate) fn access_denied(msg: impl Into<String>) -> StsError {
    StsError::Iam(IamError::AccessDenied(msg.into()))
}

/// AWS's one-constraint validation message.
pub(crate) fn constraint(value: &str, field: &str, what: &str) -> StsError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {what}"
    ))
}
