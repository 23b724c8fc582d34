//! Why SAML input was refused; `iam`/`aws-query` map it to AWS's codes once.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    /// Metadata that cannot be used: malformed XML, a DOCTYPE, no IdP descriptor, no
    /// usable signing certificate. IAM answers `InvalidInput`.
    #[error("{0}")]
    InvalidMetadata(String),
}

pub(crate) fn invalid_metadata(m: impl Into<String>) -> SamlError {
    SamlError::InvalidMetadata(m.into())
}
