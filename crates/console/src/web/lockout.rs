//! Console sign-in lockout: `console.lockout_attempts` failed passwords or MFA codes in a
//! row for one sign-in name lock that name's console sign-in for `console.lockout_secs`
//! (PCI DSS 8.3.4: at most 10 attempts, at least 30 minutes). The count lives in the store
//! at `console/lock/{account}/{name}`, shared by every replica, and expires by itself; a
//! successful sign-in clears it. Unknown user names are counted like known ones, so the
//! lock reveals nothing about which names exist. API access keys are not affected.

use crate::settings::ConsoleSettings;
use fedgate_store::{Store, StoreError, Txn};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Count {
    failures: u32,
    #[serde(default)]
    locked_until_ms: i64,
}

/// The record key of `name` (`root` or `user:{lowercase name}`) in `account`.
pub fn key(account: &str, name: &str) -> String {
    format!(
        "console/lock/{account}/{}",
        hex::encode(ring::digest::digest(&ring::digest::SHA256, name.as_bytes()))
    )
}

/// When the lock on `key` ends, if it is locked at `now_ms`.
pub async fn locked_until(
    store: &Store,
    key: &str,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let Some(v) = store.backend().get(key).await? else {
        return Ok(None);
    };
    let c: Count = serde_json::from_slice(&v.value).unwrap_or_default();
    Ok((c.locked_until_ms > now_ms).then_some(c.locked_until_ms))
}

/// Counts one failure; returns when the lock ends if this failure locked it.
pub async fn failed(
    store: &Store,
    key: &str,
    now_ms: i64,
    settings: &ConsoleSettings,
) -> Result<Option<i64>, StoreError> {
    let window_ms = i64::from(settings.lockout_secs) * 1000;
    for _ in 0..5 {
        let current = store.backend().get(key).await?;
        let mut c: Count = current
            .as_ref()
            .and_then(|v| serde_json::from_slice(&v.value).ok())
            .unwrap_or_default();
        c.failures = c.failures.saturating_add(1);
        let mut until = None;
        if c.failures >= settings.lockout_attempts {
            c.locked_until_ms = now_ms + window_ms;
            c.failures = 0;
            until = Some(c.locked_until_ms);
        }
        let bytes = serde_json::to_vec(&c).map_err(StoreError::corrupt)?;
        let txn = match &current {
            Some(v) => Txn::new().check_version(key, v.version),
            None => Txn::new().check_absent(key),
        };
        // Failures are remembered for the lock's length after the last one.
        let expires = (now_ms + window_ms).max(c.locked_until_ms);
        match store
            .backend()
            .commit(txn.put_expiring(key, bytes, expires))
            .await
        {
            Ok(()) => return Ok(until),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

/// Clears the count after a successful sign-in.
pub async fn succeeded(store: &Store, key: &str) -> Result<(), StoreError> {
    store.backend().commit(Txn::new().delete(key)).await
}
