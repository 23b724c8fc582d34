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
    /// The entity still has subordinate entities (keys, policies, members, …). HTTP 409.
    #[error("{0}")]
    DeleteConflict(String),
    /// A quota (keys per user, policies per entity, versions per policy, …). HTTP 409.
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    PasswordPolicyViolation(String),
    /// A wrong, stale or reused MFA code. HTTP 403.
    #[error("{0}")]
    InvalidAuthenticationCode(String),
    /// AWS's `InvalidInput` (400): a value of the right shape that the action cannot use.
    #[error("{0}")]
    InvalidInput(String),
    /// An AWS-managed policy or other entity that cannot be changed. HTTP 400.
    #[error("{0}")]
    UnmodifiableEntity(String),
    /// A policy that cannot be attached (e.g. a service-role policy). HTTP 400.
    #[error("{0}")]
    PolicyNotAttachable(String),
    /// `GetCredentialReport` before any `GenerateCredentialReport`. HTTP 410.
    #[error("{0}")]
    ReportNotPresent(String),
    /// `GetCredentialReport` of a report older than four hours. HTTP 410.
    #[error("{0}")]
    ReportExpired(String),
    /// AWS's `InvalidUserType` (400): the action is not for this kind of caller (ChangePassword
    /// called by root), or ChangePassword's old password is wrong.
    #[error("{0}")]
    InvalidUserType(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("sealed secret could not be opened (wrong key-encryption key?)")]
    Seal,
    #[error("password hashing failed")]
    Hash,
}
