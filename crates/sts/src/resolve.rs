//! Temporary credentials → the session they belong to, for request authentication.
//!
//! The token is checked first (authentic, for this key id, not expired), then the session
//! record is read by key id (one O(1) lookup), then its owner — the role, or the user of a
//! GetSessionToken/GetFederationToken session — must still exist with the same unique id
//! ([`check_owner`], on every request, also when the session itself comes from a cache). A
//! session whose record is gone, or whose owner was deleted (even if re-created under the
//! same name, which gives a new id), is ended: `InvalidClientTokenId`. Ending sessions this
//! way needs no list of each owner's sessions: deleting the owner is one write, and the
//! session records expire by themselves.

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
    let r = load_session(iam, id, expires_at_ms).await?;
    check_owner(iam, &r.session).await?;
    Ok(r)
}

/// The session's owner still exists (see the module's documentation); a store read that
/// the record cache usually answers from memory.
pub async fn check_owner(iam: &Iam, session: &Session) -> Result<(), StsError> {
    let owner = session.details.owner_id.as_str();
    let account = &session.account_id;
    let alive = if owner.is_empty() || owner == "root" {
        true
    } else if owner.starts_with("AROA") {
        iam.store
            .get_entity::<fedgate_store::model::Role>(account, owner)
            .await?
            .is_some()
    } else {
        iam.store
            .get_entity::<fedgate_store::model::User>(account, owner)
            .await?
            .is_some()
    };
    if alive {
        Ok(())
    } else {
        Err(StsError::InvalidClientTokenId)
    }
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
