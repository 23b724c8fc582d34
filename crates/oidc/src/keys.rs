//! The JWKS cache: per registered issuer, its signature keys from discovery
//! (`{issuer}/.well-known/openid-configuration` → `jwks_uri`).
//!
//! - Keys are fresh for the JWKS response's `Cache-Control: max-age`, clamped to
//!   [`CacheConfig::min_ttl_secs`, `max_ttl_secs`] (`default_ttl_secs` without one).
//! - A token whose `kid` is not among the fresh keys triggers a refresh, so key rotation is
//!   picked up without a restart; refreshes of one issuer are at least
//!   `refresh_interval_secs` apart, so a flood of unknown kids is never a flood of fetches.
//! - When a refresh fails, the keys already held keep being served (for up to
//!   `stale_for_secs` past their freshness) while the IdP is down.
//! - One fetch per issuer at a time; requests that have keys never wait for it, requests
//!   that have none (a cold cache) wait for its result.

use crate::error::OidcError;
use crate::fetch::Fetcher;
use crate::jwk::{self, Key};
use fedgate_core::clock::Clock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct CacheConfig {
    pub min_ttl_secs: u64,
    pub max_ttl_secs: u64,
    pub default_ttl_secs: u64,
    pub refresh_interval_secs: u64,
    pub stale_for_secs: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            min_ttl_secs: 60,
            max_ttl_secs: 86_400,
            default_ttl_secs: 3_600,
            refresh_interval_secs: 30,
            stale_for_secs: 86_400,
        }
    }
}

#[derive(Default)]
struct State {
    keys: Option<Arc<Vec<Key>>>,
    fresh_until_ms: i64,
    last_attempt_ms: Option<i64>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<State>,
    fetching: tokio::sync::Mutex<()>,
}

pub struct KeyCache {
    fetcher: Fetcher,
    clock: Arc<dyn Clock>,
    cfg: CacheConfig,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").field("cfg", &self.cfg).finish()
    }
}

fn unreachable_idp() -> OidcError {
    OidcError::Unreachable(
        "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements".into(),
    )
}

fn has_kid(keys: &[Key], kid: Option<&str>) -> bool {
    match kid {
        Some(k) => keys.iter().any(|x| x.kid.as_deref() == Some(k)),
        None => !keys.is_empty(),
    }
}

impl KeyCache {
    pub fn new(fetcher: Fetcher, clock: Arc<dyn Clock>, cfg: CacheConfig) -> KeyCache {
        KeyCache {
            fetcher,
            clock,
            cfg,
            slots: Mutex::new(HashMap::new()),
            fetches: AtomicU64::new(0),
        }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// How many discovery + JWKS fetches were started (for metrics and tests).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn slot(&self, issuer_url: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(issuer_url.to_owned()).or_default().clone()
    }

    /// The keys to verify a token of `issuer_url` with key id `kid`, refreshed as the module
    /// describes. The caller picks the key; an unknown `kid` after this is a refusal.
    pub async fn keys_for(
        &self,
        issuer_url: &str,
        kid: Option<&str>,
    ) -> Result<Arc<Vec<Key>>, OidcError> {
        let slot = self.slot(issuer_url);
        let now = self.clock.now_millis();
        // The request that fetches takes `fetching` before it releases `state`: one that finds
        // no keys and no fetch due then always waits for the fetch in flight (taking the lock
        // after the check could let it see the lock free and report the IdP unreachable).
        let (fetching, have) = {
            let mut st = slot.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(keys) = &st.keys
                && now < st.fresh_until_ms
                && has_kid(keys, kid)
            {
                return Ok(keys.clone());
            }
            let interval = (self.cfg.refresh_interval_secs * 1000) as i64;
            let due = st.last_attempt_ms.is_none_or(|t| now - t >= interval);
            let fetching = if due {
                slot.fetching.try_lock().ok()
            } else {
                None
            };
            if fetching.is_some() {
                st.last_attempt_ms = Some(now);
            }
            (fetching, st.keys.is_some())
        };
        if let Some(_one) = fetching {
            self.fetches.fetch_add(1, Ordering::Relaxed);
            match self.fetch(issuer_url).await {
                Ok((keys, ttl)) => {
                    let mut st = slot.state.lock().unwrap_or_else(|p| p.into_inner());
                    st.keys = Some(Arc::new(keys));
                    st.fresh_until_ms = now + (ttl * 1000) as i64;
                }
                Err(e) => {
                    tracing::warn!(issuer = %issuer_url, error = %e, "could not refresh the provider's keys");
                }
            }
        } else if !have {
            // A cold cache and a fetch in flight (or just failed): wait for its outcome.
            drop(slot.fetching.lock().await);
        }
        let st = slot.state.lock().unwrap_or_else(|p| p.into_inner());
        let stale_limit = st.fresh_until_ms + (self.cfg.stale_for_secs * 1000) as i64;
        match &st.keys {
            Some(keys) if now < stale_limit => Ok(keys.clone()),
            _ => Err(unreachable_idp()),
        }
    }

    /// Discovery, then the JWKS it names; the keys and how long they are fresh (seconds).
    async fn fetch(&self, issuer_url: &str) -> Result<(Vec<Key>, u64), String> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            issuer_url.trim_end_matches('/')
        );
        let doc = self.fetcher.get(&discovery_url).await?;
        let doc: serde_json::Value =
            serde_json::from_slice(&doc.body).map_err(|_| format!("{discovery_url}: not JSON"))?;
        let issuer = doc.get("issuer").and_then(|v| v.as_str()).unwrap_or("");
        if issuer != issuer_url {
            return Err(format!(
                "{discovery_url}: its issuer {issuer:?} is not {issuer_url:?}"
            ));
        }
        let jwks_uri = doc
            .get("jwks_uri")
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("{discovery_url}: no jwks_uri"))?;
        let jwks = self.fetcher.get(jwks_uri).await?;
        let keys = jwk::parse_set(&jwks.body).map_err(|e| format!("{jwks_uri}: {e}"))?;
        let ttl = jwks
            .max_age
            .unwrap_or(self.cfg.default_ttl_secs)
            .clamp(self.cfg.min_ttl_secs, self.cfg.max_ttl_secs);
        Ok((keys, ttl))
    }
}
