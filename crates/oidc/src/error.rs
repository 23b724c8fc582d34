//! Why a web identity token was not accepted; `aws-query` maps each kind to AWS's code once
//! (InvalidIdentityToken, ExpiredTokenException, IDPCommunicationError).

/// A refused token or an unreachable identity provider. Messages name the rule, never a
/// key or the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// Not a well-formed JWS/JWT, a refused header (`alg` none or HMAC, `jku`, `x5u`, `jwk`,
    /// `crit`), a bad signature, an unknown key, a wrong issuer or audience, not yet valid.
    /// HTTP 400 `InvalidIdentityToken`.
    #[error("{0}")]
    Invalid(String),
    /// Past `exp` (with the leeway). HTTP 400 `ExpiredTokenException`.
    #[error("{0}")]
    Expired(String),
    /// The provider's discovery document or keys could not be fetched and no keys are
    /// cached. HTTP 400 `IDPCommunicationError`.
    #[error("{0}")]
    Unreachable(String),
}

pub(crate) fn invalid(msg: impl Into<String>) -> OidcError {
    OidcError::Invalid(msg.into())
}
