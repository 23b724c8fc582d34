//! Console sessions: a random cookie value (32 bytes) names a record in the store at
//! `console/session/{sha256(value)}`, so the store never holds what the browser presents.
//! The record says who the session speaks for (a user or root signed in with a password, or
//! the temporary credentials of a federated sign-in), its CSRF token, and its clocks:
//!
//! - idle timeout (`console.idle_timeout_secs`, default 15 minutes): the record's expiry is
//!   moved forward on use, at most once a minute (so a session may end up to a minute
//!   before the full idle time; never after it);
//! - absolute lifetime (`console.max_session_secs`, default 12 hours), and for a federated
//!   session never past its credentials' expiry;
//! - sign-out deletes the record; so does a record found past either limit.
//!
//! Records expire in the store by themselves (Redis TTL), so any replica serves any session
//! and nothing needs sweeping.

use crate::flow::random_token;
use fedgate_core::Principal;
use fedgate_store::{Store, StoreError, Txn};
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "fedgate_console";
/// How often (at most) a session's idle clock is written back, ms.
const TOUCH_EVERY_MS: i64 = 60_000;

/// One signed-in browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleSession {
    /// The principal (a serialized `fedgate_core::Principal`).
    pub principal: serde_json::Value,
    /// What the header shows: `root`, the user name, or the role session's name.
    pub label: String,
    pub csrf: String,
    pub signed_in_at_ms: i64,
    /// When an MFA code was accepted at sign-in.
    #[serde(default)]
    pub mfa_at_ms: Option<i64>,
    pub last_seen_ms: i64,
    /// The absolute end of the session, Unix ms.
    pub ends_at_ms: i64,
    /// A federated session's temporary key id and its expiry (the session record is read
    /// from the store on each request, so revocation and deletion of the role end it).
    #[serde(default)]
    pub sts_key: Option<(String, i64)>,
    /// The password expired or must be reset: only the password page is served.
    #[serde(default)]
    pub must_change_password: bool,
    /// How the person signed in: `password`, or the SSO route (`sso/oidc/corp`).
    #[serde(default)]
    pub via: String,
    /// For a password sign-in, the fingerprint of the password hash it was opened with
    /// (`signin::credential_fingerprint`): when the password changes, the session ends.
    #[serde(default)]
    pub credential: String,
}

impl ConsoleSession {
    pub fn principal(&self) -> Option<Principal> {
        serde_json::from_value(self.principal.clone()).ok()
    }
}

/// The idle and absolute limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub idle_ms: i64,
    pub max_ms: i64,
}

fn key(cookie_value: &str) -> String {
    format!(
        "console/session/{}",
        hex::encode(ring::digest::digest(
            &ring::digest::SHA256,
            cookie_value.as_bytes()
        ))
    )
}

fn expiry(s: &ConsoleSession, limits: Limits) -> i64 {
    (s.last_seen_ms + limits.idle_ms).min(s.ends_at_ms)
}

/// Stores a new session and returns the cookie value naming it.
pub async fn create(
    store: &Store,
    rng: &dyn fedgate_core::Rng,
    mut s: ConsoleSession,
    limits: Limits,
) -> Result<String, StoreError> {
    let value = random_token(rng);
    s.csrf = random_token(rng);
    let bytes = serde_json::to_vec(&s).map_err(StoreError::corrupt)?;
    let k = key(&value);
    store
        .backend()
        .commit(
            Txn::new()
                .check_absent(&k)
                .put_expiring(&k, bytes, expiry(&s, limits)),
        )
        .await?;
    Ok(value)
}

/// The live session named by `cookie_value` at `now_ms`, its idle clock moved forward when
/// due. `None` when absent, expired, idle too long or past its end.
pub async fn load(
    store: &Store,
    cookie_value: &str,
    now_ms: i64,
    limits: Limits,
) -> Result<Option<ConsoleSession>, StoreError> {
    if cookie_value.len() != 43 {
        return Ok(None);
    }
    let k = key(cookie_value);
    let Some(v) = store.backend().get(&k).await? else {
        return Ok(None);
    };
    let Ok(mut s) = serde_json::from_slice::<ConsoleSession>(&v.value) else {
        return Ok(None);
    };
    if now_ms >= s.ends_at_ms || now_ms - s.last_seen_ms >= limits.idle_ms {
        let _ = store.backend().commit(Txn::new().delete(&k)).await;
        return Ok(None);
    }
    if now_ms - s.last_seen_ms >= TOUCH_EVERY_MS {
        s.last_seen_ms = now_ms;
        let bytes = serde_json::to_vec(&s).map_err(StoreError::corrupt)?;
        // Two requests touching at once: one write wins, and either is as good.
        match store
            .backend()
            .commit(Txn::new().check_version(&k, v.version).put_expiring(
                &k,
                bytes,
                expiry(&s, limits),
            ))
            .await
        {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(s))
}

/// Ends the session named by `cookie_value`.
pub async fn end(store: &Store, cookie_value: &str) -> Result<(), StoreError> {
    store
        .backend()
        .commit(Txn::new().delete(key(cookie_value)))
        .await
}
