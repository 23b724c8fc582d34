//! The flow's server-side state: expiring, single-use records in the store under `sso/`
//! (a prefix the record cache never caches), keyed by the SHA-256 of the random value the
//! browser holds in its cookie, so the store never holds the cookie's value itself.
//!
//! - `sso/state/{sha256(state)}`: the provider, nonce and PKCE verifier of a sign-in begun,
//!   for 10 minutes;
//! - `sso/choice/{sha256(csrf)}`: a verified identity waiting for its role choice, for
//!   5 minutes.
//!
//! Taking a record deletes it in one compare-and-delete: of two replays racing, one wins.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fedgate_core::Rng;
use fedgate_oidc::FederatedIdentity;
use fedgate_store::{Store, StoreError, Txn};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;
pub const CHOICE_TTL_MS: i64 = 5 * 60 * 1000;

/// 32 random bytes, base64url (43 characters): states, nonces, PKCE verifiers, CSRF tokens.
pub fn random_token(rng: &dyn Rng) -> String {
    let mut b = [0u8; 32];
    rng.fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// RFC 7636 `S256`: base64url(SHA-256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

fn digest(value: &str) -> String {
    hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        value.as_bytes(),
    ))
}

pub fn state_key(state: &str) -> String {
    format!("sso/state/{}", digest(state))
}

pub fn choice_key(csrf: &str) -> String {
    format!("sso/choice/{}", digest(csrf))
}

/// A sign-in begun at `/sso/oidc/{provider}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub nonce: String,
    pub verifier: String,
}

/// A verified identity waiting for its role choice.
#[derive(Debug, Serialize, Deserialize)]
pub struct Choice {
    pub provider: String,
    pub roles: Vec<String>,
    pub session_name: String,
    pub provider_arn: String,
    pub identity: StoredIdentity,
}

/// [`FederatedIdentity`] as stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredIdentity {
    pub issuer: String,
    pub provider_id: String,
    pub subject: String,
    pub audience: String,
    pub original_audience: Vec<String>,
    pub amr: Vec<String>,
    pub expires_at: i64,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl From<&FederatedIdentity> for StoredIdentity {
    fn from(i: &FederatedIdentity) -> Self {
        StoredIdentity {
            issuer: i.issuer.clone(),
            provider_id: i.provider_id.clone(),
            subject: i.subject.clone(),
            audience: i.audience.clone(),
            original_audience: i.original_audience.clone(),
            amr: i.amr.clone(),
            expires_at: i.expires_at,
            claims: i.claims.clone(),
        }
    }
}

impl From<StoredIdentity> for FederatedIdentity {
    fn from(i: StoredIdentity) -> Self {
        FederatedIdentity {
            issuer: i.issuer,
            provider_id: i.provider_id,
            subject: i.subject,
            audience: i.audience,
            original_audience: i.original_audience,
            amr: i.amr,
            expires_at: i.expires_at,
            claims: i.claims,
        }
    }
}

/// Writes `value` at `key` until `expires_at_ms` (a fresh random key: never present).
pub async fn put<T: Serialize>(
    store: &Store,
    key: &str,
    value: &T,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(StoreError::corrupt)?;
    store
        .backend()
        .commit(
            Txn::new()
                .check_absent(key)
                .put_expiring(key, bytes, expires_at_ms),
        )
        .await
}

/// Reads and deletes the record at `key`: `None` when absent, expired, or taken by someone
/// else first.
pub async fn take<T: DeserializeOwned>(store: &Store, key: &str) -> Result<Option<T>, StoreError> {
    let Some(v) = store.backend().get(key).await? else {
        return Ok(None);
    };
    match store
        .backend()
        .commit(Txn::new().check_version(key, v.version).delete(key))
        .await
    {
        Ok(()) => Ok(serde_json::from_slice(&v.value).ok()),
        Err(StoreError::Conflict) => Ok(None),
        Err(e) => Err(e),
    }
}
