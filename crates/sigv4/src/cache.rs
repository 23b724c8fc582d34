//! A bounded, thread-safe cache of derived signing keys, so that the sealed secret is opened and
//! the HMAC chain derived once per (key id, date, region, service) rather than on every request.
//!
//! Eviction is first-in first-out: a signing key is good for one day, so the oldest entries are
//! the ones least likely to be asked for again.

use crate::parse::Credential;
use crate::signing_key::SigningKey;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Credential, Arc<SigningKey>>,
    /// Insertion order of the keys of `map`, oldest first.
    order: VecDeque<Credential>,
}

/// `(access_key_id, date, region, service) -> Arc<SigningKey>`, never more than `capacity`
/// entries.
#[derive(Debug)]
pub struct SigningKeyCache {
    capacity: usize,
    inner: RwLock<Inner>,
}

impl SigningKeyCache {
    /// A cache that holds at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        SigningKeyCache {
            capacity: capacity.max(1),
            inner: RwLock::new(Inner::default()),
        }
    }

    /// The cached key for `cred`'s scope, if any.
    pub fn get(&self, cred: &Credential) -> Option<Arc<SigningKey>> {
        // Entries are whole after every critical section, so a poisoned lock is still usable.
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.map.get(cred).cloned()
    }

    /// The cached key for `cred`'s scope, or the one `derive` returns, which is then cached.
    /// `derive` runs only on a miss: that is where the caller opens the secret, e.g.
    /// `|c| Ok(signing_key_for_scope(secret()?.expose(), c))`. Its error is returned as is
    /// and nothing is cached.
    pub fn get_or_try_derive<E>(
        &self,
        cred: &Credential,
        derive: impl FnOnce(&Credential) -> Result<SigningKey, E>,
    ) -> Result<Arc<SigningKey>, E> {
        if let Some(key) = self.get(cred) {
            return Ok(key);
        }
        Ok(self.insert(cred, derive(cred)?))
    }

    /// Caches `key` for `cred`'s scope (replacing any), evicting the oldest entries past the
    /// capacity, and returns it.
    pub fn insert(&self, cred: &Credential, key: SigningKey) -> Arc<SigningKey> {
        let key = Arc::new(key);
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if inner.map.insert(cred.clone(), Arc::clone(&key)).is_none() {
            inner.order.push_back(cred.clone());
        }
        while inner.map.len() > self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            inner.map.remove(&oldest);
        }
        key
    }

    /// Forgets every key derived for `access_key_id` (after the key is deleted, deactivated or
    /// its secret replaced).
    pub fn remove_access_key(&self, access_key_id: &str) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        inner.map.retain(|c, _| c.access_key_id != access_key_id);
        inner.order.retain(|c| c.access_key_id != access_key_id);
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}
