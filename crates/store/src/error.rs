#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A transaction's check failed (a concurrent writer got there first, or a unique key exists).
    #[error("transaction conflict")]
    Conflict,
    /// A create-if-absent found the record (or its unique name) already there.
    #[error("already exists")]
    AlreadyExists,
    /// A create would take an index past its cap (an account-wide quota); nothing written.
    #[error("quota reached")]
    QuotaReached,
    /// The backend cannot be reached (Redis down, file unavailable): a 503, retryable.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A record could not be decoded or the backend reported an internal fault.
    #[error("store fault: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        StoreError::Unavailable(e.to_string())
    }
    pub fn corrupt(e: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
