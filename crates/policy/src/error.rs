//! The crate's error type.

use thiserror::Error;

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The document is not a valid policy; the message says what and where.
    #[error("malformed policy document: {0}")]
    Malformed(String),
    /// The document exceeds the size limit of its kind (characters, whitespace excluded).
    #[error(
        "policy document is too large: {actual} characters (limit {limit}, whitespace excluded)"
    )]
    TooLarge {
        /// The limit for this kind of policy.
        limit: usize,
        /// The document's size.
        actual: usize,
    },
}

pub(crate) fn malformed(msg: impl Into<String>) -> PolicyError {
    PolicyError::Malformed(msg.into())
}
