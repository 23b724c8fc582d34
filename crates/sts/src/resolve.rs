//! Temporary credentials → the session they belong to, for request authentication.
//!
//! The token is checked first (authentic, for this key id, not expired), then the session
//! record is read by key id (one O(1) lookup). A record that is gone before the token's
//! expiry was ended (its role or user deleted): `InvalidClientTokenId`.

use crate::StsError;
use crate::token::{self, TokenError};
use fedgate_core::{AccessKeyId, Principal, Secret};
use fedgate_iam::{Iam, IamError};
use fedgate_store::model::Session;
use std::sync::Arc;

/// A live session and the principal it speaks for.
#[derive(Debug, Clone)]
pub struct ResolvedSession {
    pub principal: Principal,
    pub session: Arc<Session>,
}

impl ResolvedSession {
    pub fn open_secret(&self, iam: &Iam) -> Result<Secret, IamError> {
        iam.kek
            .open_secret(
                &self.session.sealed_secret,
                self.session.access_key_id.as_str().as_bytes(),
            )
            .map_err(|_| IamError::Seal)
    }
}

/// Resolves an `ASIA…` key presented with `token`.
pub async fn resolve_session(
    iam: &Iam,
    id: &AccessKeyId,
    token: Option<&str>,
) -> Result<ResolvedSession, StsError> {
    let expires_at_ms = check_token(iam, id, token)?;
    load_session(iam, id, expires_at_ms).await
}

/// The token alone (no I/O): authentic, for this key id, unexpired. Returns its expiry,
/// which the session record must match.
pub fn check_token(iam: &Iam, id: &AccessKeyId, token: Option<&str>) -> Result<i64, StsError> {
    let token = token.ok_or(StsError::InvalidClientTokenId)?;
    token::verify(&iam.kek, token, id, iam.clock.now_millis()).map_err(|e| match e {
        TokenError::Invalid => StsError::InvalidClientTokenId,
        TokenError::Expired => StsError::ExpiredToken,
    })
}

/// Reads the session of `id` whose token expires at `expires_at_ms` (from [`check_token`]).
pub async fn load_session(
    iam: &Iam,
    id: &AccessKeyId,
    expires_at_ms: i64,
) -> Result<ResolvedSession, StsError> {
    let session = iam
        .store
        .get_session(id)
        .await?
        .ok_or(StsError::InvalidClientTokenId)?;
    if session.expires_at_ms != expires_at_ms {
        return Err(StsError::InvalidClientTokenId);
    }
    let principal: Principal = serde_json::from_value(session.principal.clone())
        .map_err(|e| fedgate_store::StoreError::Corrupt(e.to_string()))?;
    if principal.access_key_id() != Some(id) {
        return Err(StsError::InvalidClientTokenId);
    }
    Ok(ResolvedSession {
        principal,
        session: Arc::new(session),
    })
}
