//! Why SAML input was refused; `iam`/`sts`/`aws-query` map each kind to AWS's code once.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    /// Metadata that cannot be used: malformed XML, a DOCTYPE, no IdP descriptor, no
    /// usable signing certificate. IAM answers `InvalidInput`.
    #[error("{0}")]
    InvalidMetadata(String),
    /// A response that is not acceptable: malformed, unsigned, badly signed, wrapped,
    /// for another audience or recipient, from another issuer, not yet valid, replayed.
    /// STS answers `InvalidIdentityToken` (400).
    #[error("{0}")]
    Invalid(String),
    /// Past its `NotOnOrAfter` (with the skew). STS answers `ExpiredTokenException` (400).
    #[error("{0}")]
    Expired(String),
    /// The IdP's own status says the sign-in failed. STS answers `IDPRejectedClaim` (403).
    #[error("{0}")]
    Rejected(String),
}

pub(crate) fn invalid_metadata(m: impl Into<String>) -> SamlError {
    SamlError::InvalidMetadata(m.into())
}

pub(crate) fn invalid(m: impl Into<String>) -> SamlError {
    SamlError::Invalid(m.into())
}
