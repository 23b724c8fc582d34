use fedgate_store::StoreError;

/// IAM outcomes that are not success. `aws-query` maps each to an AWS error code once.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("sealed secret could not be opened (wrong key-encryption key?)")]
    Seal,
    #[error("password hashing failed")]
    Hash,
}
