//! Console sign-in lockout: `console.lockout_attempts` failed passwords or MFA codes in a
//! row for one sign-in name lock that name's console sign-in for `console.lockout_secs`
//! (PCI DSS 8.3.4: at most 10 attempts, at least 30 minutes). The count lives in the store
//! at `console/lock/{sha256(account, name)}`, shared by every replica, and expires by
//! itself. Unknown user names and accounts are counted like known ones, so the lock reveals
//! nothing about which names exist. API access keys are not affected.
//!
//! An attempt is *reserved* before the password or code is checked, in one compare-and-set
//! ([`reserve`]): a burst of concurrent guesses cannot all pass a check made before any of
//! them is counted, so at most `lockout_attempts` checks run per lock period whatever the
//! concurrency. A success clears the count ([`succeeded`]); a failure needs no further
//! write. When the count cannot be written the attempt is refused (fail closed).

use crate::settings::ConsoleSettings;
use fedgate_store::{Store, StoreError, Txn};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Count {
    /// Attempts reserved since the count was last cleared or the lock last ended.
    attempts: u32,
    #[serde(default)]
    locked_until_ms: i64,
}

/// The record key of `name` (`root` or `user:{lowercase name}`) in `account` (an account id,
/// or whatever was typed when it names no account).
pub fn key(account: &str, name: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(account.as_bytes());
    ctx.update(b"\0");
    ctx.update(name.as_bytes());
    format!("console/lock/{}", hex::encode(ctx.finish()))
}

/// Why an attempt may not go ahead.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Locked until this time (Unix ms).
    Locked(i64),
    /// The count could not be read or written.
    Unavailable,
}

/// Reserves one attempt on `key` at `now_ms`: refused while locked; the attempt that reaches
/// `lockout_attempts` goes ahead and starts the lock for the ones after it.
pub async fn reserve(
    store: &Store,
    key: &str,
    now_ms: i64,
    settings: &ConsoleSettings,
) -> Result<(), Refused> {
    let window_ms = i64::from(settings.lockout_secs) * 1000;
    for _ in 0..16 {
        let current = store
            .backend()
            .get(key)
            .await
            .map_err(|_| Refused::Unavailable)?;
        let mut c: Count = current
            .as_ref()
            .and_then(|v| serde_json::from_slice(&v.value).ok())
            .unwrap_or_default();
        if c.locked_until_ms > now_ms {
            return Err(Refused::Locked(c.locked_until_ms));
        }
        if c.locked_until_ms != 0 {
            // A lock that has run out: counting starts again.
            c = Count::default();
        }
        c.attempts = c.attempts.saturating_add(1);
        if c.attempts >= settings.lockout_attempts {
            c.locked_until_ms = now_ms + window_ms;
        }
        let bytes = serde_json::to_vec(&c).map_err(|_| Refused::Unavailable)?;
        let txn = match &current {
            Some(v) => Txn::new().check_version(key, v.version),
            None => Txn::new().check_absent(key),
        };
        // Attempts are remembered for the lock's length after the last one.
        let expires = (now_ms + window_ms).max(c.locked_until_ms);
        match store
            .backend()
            .commit(txn.put_expiring(key, bytes, expires))
            .await
        {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(_) => return Err(Refused::Unavailable),
        }
    }
    Err(Refused::Unavailable)
}

/// When the lock on `key` ends, if it is locked at `now_ms` (for the message after a
/// failure).
pub async fn locked_until(store: &Store, key: &str, now_ms: i64) -> Option<i64> {
    let v = store.backend().get(key).await.ok()??;
    let c: Count = serde_json::from_slice(&v.value).ok()?;
    (c.locked_until_ms > now_ms).then_some(c.locked_until_ms)
}

/// Clears the count after a successful sign-in (the person proved the password, and the
/// code when one is asked).
pub async fn succeeded(store: &Store, key: &str) -> Result<(), StoreError> {
    store.backend().commit(Txn::new().delete(key)).await
}
