//! A read-through cache of IAM records in front of a shared backend (Redis), so that the
//! hot path — authorizing a request, assuming a role — reads users, roles, groups, policies
//! and names from memory instead of paying a network round trip for each.
//!
//! What is cached: records under `acct/` (accounts, their entities, names, policies) and
//! `alias/`. Never sessions (`session/`, whose records expire and which the authenticator
//! caches itself) or access keys (`ak/`, likewise); a new kind of record written with an
//! expiry must stay outside the cached prefixes, since an entry does not know its record's
//! expiry.
//!
//! How it stays true:
//! - every commit through this replica drops the keys it touched (checked or written) from
//!   the cache before returning — also when it fails, since a conflict means the cached
//!   version is stale — and publishes them to the other replicas ([`Invalidation::Records`]),
//!   which drop them when the message arrives;
//! - a read that raced with an invalidation is not cached: each read notes the cache's
//!   generation before going to the backend and inserts only if no invalidation came in
//!   between;
//! - a replica that may have missed messages (its pub/sub connection dropped) flushes
//!   everything ([`Invalidation::All`]);
//! - whatever happens, an entry is served for at most `ttl`, which bounds how stale a replica
//!   can be if a message is lost (the same bound as the authenticator's key cache).

use crate::StoreError;
use crate::backend::{Backend, Check, Op, SharedRecord, Txn, Versioned};
use crate::invalidation::{Invalidation, Sink};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries kept at most; the cache starts over when full (hot records come back at once).
const CAPACITY: usize = 100_000;

/// Whether records at `key` may be cached.
pub fn cacheable(key: &str) -> bool {
    key.starts_with("acct/") || key.starts_with("alias/")
}

#[derive(Default)]
struct Entries {
    /// Each record is shared with its readers, with the value decoded from it once read
    /// (`Store::get_json`), so a hit costs neither a copy nor a parse.
    map: HashMap<String, (Instant, Option<Arc<SharedRecord>>)>,
    /// Grows on every invalidation; a read inserts only if it has not moved.
    generation: u64,
}

/// The cache proper, shared by the backend wrapper and the store's invalidation listener.
pub struct RecordCache {
    ttl: Duration,
    entries: Mutex<Entries>,
}

impl RecordCache {
    pub fn new(ttl: Duration) -> Self {
        RecordCache {
            ttl,
            entries: Mutex::new(Entries::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The cached value (`Some(None)` = cached as absent), and the generation to insert at.
    fn lookup(&self, key: &str) -> (Option<Option<Arc<SharedRecord>>>, u64) {
        let e = self.lock();
        let hit = e
            .map
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone());
        (hit, e.generation)
    }

    fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn insert(&self, key: &str, value: Option<Arc<SharedRecord>>, generation: u64) {
        let mut e = self.lock();
        if e.generation != generation {
            return;
        }
        if e.map.len() >= CAPACITY {
            e.map.clear();
        }
        e.map.insert(key.to_owned(), (Instant::now(), value));
    }

    /// Drops `keys` (and refuses reads that began before).
    pub fn forget(&self, keys: &[String]) {
        let mut e = self.lock();
        e.generation += 1;
        for k in keys {
            e.map.remove(k);
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut e = self.lock();
        e.generation += 1;
        e.map.clear();
    }

    /// Applies an invalidation heard from any replica.
    pub fn apply(&self, inv: &Invalidation) {
        match inv {
            Invalidation::Records(keys) => self.forget(keys),
            Invalidation::All => self.clear(),
            Invalidation::Session(_) | Invalidation::AccessKey(_) => {}
        }
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.lock().map.is_empty()
    }
}

/// The cacheable record keys `txn` checks or writes (indexes are never cached).
fn touched(txn: &Txn) -> Vec<String> {
    let checked = txn.checks.iter().filter_map(|c| match c {
        Check::Absent(k) | Check::Version(k, _) => Some(k),
        Check::IndexLenBelow(..) => None,
    });
    let written = txn.ops.iter().filter_map(|o| match o {
        Op::Put { key, .. } | Op::Delete { key } => Some(key),
        Op::IndexAdd { .. } | Op::IndexRemove { .. } => None,
    });
    let mut keys: Vec<String> = checked
        .chain(written)
        .filter(|k| cacheable(k))
        .cloned()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A backend with [`RecordCache`] in front of its reads.
pub struct CachedBackend {
    inner: Arc<dyn Backend>,
    cache: Arc<RecordCache>,
}

impl CachedBackend {
    pub fn new(inner: Arc<dyn Backend>, cache: Arc<RecordCache>) -> Self {
        CachedBackend { inner, cache }
    }
}

#[async_trait]
impl Backend for CachedBackend {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        if !cacheable(key) {
            return self.inner.get(key).await;
        }
        Ok(self.get_shared(key).await?.map(|r| r.record.clone()))
    }

    async fn get_shared(&self, key: &str) -> Result<Option<Arc<SharedRecord>>, StoreError> {
        if !cacheable(key) {
            return self.inner.get_shared(key).await;
        }
        let (hit, generation) = self.cache.lookup(key);
        if let Some(v) = hit {
            return Ok(v);
        }
        let v = self
            .inner
            .get(key)
            .await?
            .map(|v| Arc::new(SharedRecord::new(v)));
        self.cache.insert(key, v.clone(), generation);
        Ok(v)
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Versioned>>, StoreError> {
        let mut out: Vec<Option<Option<Versioned>>> = Vec::with_capacity(keys.len());
        let mut missing = Vec::new();
        let generation = self.cache.generation();
        for k in keys {
            let hit = if cacheable(k) {
                self.cache.lookup(k).0.map(|v| v.map(|r| r.record.clone()))
            } else {
                None
            };
            if hit.is_none() {
                missing.push(k.clone());
            }
            out.push(hit);
        }
        if !missing.is_empty() {
            let fetched = self.inner.get_many(&missing).await?;
            let mut fetched = missing.iter().zip(fetched);
            for slot in out.iter_mut().filter(|s| s.is_none()) {
                if let Some((k, v)) = fetched.next() {
                    if cacheable(k) {
                        let shared = v.clone().map(|v| Arc::new(SharedRecord::new(v)));
                        self.cache.insert(k, shared, generation);
                    }
                    *slot = Some(v);
                }
            }
        }
        Ok(out.into_iter().map(Option::flatten).collect())
    }

    async fn commit(&self, txn: Txn) -> Result<(), StoreError> {
        let keys = touched(&txn);
        let r = self.inner.commit(txn).await;
        if !keys.is_empty() {
            self.cache.forget(&keys);
            if r.is_ok() {
                let inv = Invalidation::Records(keys);
                if let Err(e) = self.inner.publish(&inv.encode()).await {
                    tracing::warn!(error = %e, "could not publish a cache invalidation");
                }
            }
        }
        r
    }

    async fn index_range(
        &self,
        index: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.inner.index_range(index, after, limit).await
    }

    async fn index_len(&self, index: &str) -> Result<u64, StoreError> {
        self.inner.index_len(index).await
    }

    fn shared(&self) -> bool {
        self.inner.shared()
    }

    async fn publish(&self, message: &str) -> Result<(), StoreError> {
        self.inner.publish(message).await
    }

    fn listen(&self, sink: Sink) {
        self.inner.listen(sink);
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: u8, version: u64) -> Option<Arc<SharedRecord>> {
        Some(Arc::new(SharedRecord::new(Versioned {
            value: vec![x],
            version,
        })))
    }

    /// What a lookup found, as plain records.
    fn plain(hit: Option<Option<Arc<SharedRecord>>>) -> Option<Option<Versioned>> {
        hit.map(|v| v.map(|r| r.record.clone()))
    }

    #[test]
    fn a_read_racing_an_invalidation_is_not_cached() {
        let c = RecordCache::new(Duration::from_secs(60));
        let (hit, g) = c.lookup("acct/1");
        assert!(hit.is_none());
        c.forget(&["acct/other".into()]);
        c.insert("acct/1", v(1, 1), g);
        assert!(c.lookup("acct/1").0.is_none());
        let (_, g) = c.lookup("acct/1");
        c.insert("acct/1", v(2, 2), g);
        assert_eq!(plain(c.lookup("acct/1").0), plain(Some(v(2, 2))));
        c.apply(&Invalidation::Records(vec!["acct/1".into()]));
        assert!(c.lookup("acct/1").0.is_none());
    }

    #[test]
    fn entries_expire_and_all_clears() {
        let c = RecordCache::new(Duration::from_millis(0));
        let (_, g) = c.lookup("acct/1");
        c.insert("acct/1", v(1, 1), g);
        assert!(c.lookup("acct/1").0.is_none(), "served past its ttl");
        let c = RecordCache::new(Duration::from_secs(60));
        let (_, g) = c.lookup("acct/1");
        c.insert("acct/1", None, g);
        assert_eq!(
            plain(c.lookup("acct/1").0),
            Some(None),
            "absence is cached too"
        );
        c.apply(&Invalidation::All);
        assert!(c.is_empty());
    }

    #[test]
    fn touched_keys_are_the_cacheable_ones() {
        let txn = Txn::new()
            .check_version("acct/1/role/R", 3)
            .put("acct/1/role/R", vec![])
            .put_expiring("session/ASIA", vec![], 1)
            .index_add("acct/1/roles", "R")
            .delete("ak/AKIA");
        assert_eq!(touched(&txn), vec!["acct/1/role/R"]);
    }
}
