//! The compiled-policy cache: every stored policy document is parsed once and the compiled
//! [`Policy`] reused by every later request, never re-parsed per request.
//!
//! Keys: a customer-managed policy version by `(policy id, version id)` (versions never change
//! and their ids are never reused), an inline policy or trust document by `(kind, hash of the
//! text)` with the text compared on a hit. The cache is bounded: two generations of at most
//! `capacity` entries each; when the current one fills, it becomes the old one and the oldest
//! is dropped; a hit in the old generation moves the entry back to the current one.

use fedgate_policy::{Policy, PolicyError, PolicyKind, parse};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Entries per generation by default.
pub const DEFAULT_CAPACITY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Version {
        policy_id: String,
        version_id: String,
    },
    Text {
        kind: PolicyKind,
        hash: u64,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    text: Arc<str>,
    policy: Arc<Policy>,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<Key, Entry>,
    old: HashMap<Key, Entry>,
    /// How many documents were parsed (for tests and metrics).
    compiled: u64,
}

/// A bounded cache of compiled policies, shared by every request.
#[derive(Debug)]
pub struct PolicyCache {
    capacity: usize,
    inner: Mutex<Generations>,
}

impl Default for PolicyCache {
    fn default() -> Self {
        PolicyCache::new(DEFAULT_CAPACITY)
    }
}

impl PolicyCache {
    pub fn new(capacity: usize) -> Self {
        PolicyCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Generations::default()),
        }
    }

    /// The compiled default (or any) version `version_id` of customer-managed policy
    /// `policy_id`, whose text is `document`.
    pub fn managed_version(
        &self,
        policy_id: &str,
        version_id: &str,
        document: &str,
    ) -> Result<Arc<Policy>, PolicyError> {
        let key = Key::Version {
            policy_id: policy_id.to_owned(),
            version_id: version_id.to_owned(),
        };
        self.get_or_compile(key, document, PolicyKind::Managed)
    }

    /// The compiled form of a document stored as `kind` (inline policies, trust policies).
    pub fn document(&self, kind: PolicyKind, document: &str) -> Result<Arc<Policy>, PolicyError> {
        let mut h = DefaultHasher::new();
        document.hash(&mut h);
        let key = Key::Text {
            kind,
            hash: h.finish(),
        };
        self.get_or_compile(key, document, kind)
    }

    /// How many documents this cache has parsed so far.
    pub fn compiled_count(&self) -> u64 {
        self.lock().compiled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        // A panic elsewhere while holding the lock leaves only a cache behind: keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get_or_compile(
        &self,
        key: Key,
        text: &str,
        kind: PolicyKind,
    ) -> Result<Arc<Policy>, PolicyError> {
        {
            let mut g = self.lock();
            if let Some(e) = g.current.get(&key)
                && &*e.text == text
            {
                return Ok(e.policy.clone());
            }
            if let Some(e) = g.old.remove(&key)
                && &*e.text == text
            {
                let p = e.policy.clone();
                self.insert(&mut g, key, e);
                return Ok(p);
            }
        }
        // Parse outside the lock: a slow document does not hold up other requests.
        let policy = Arc::new(parse(text, kind)?);
        let mut g = self.lock();
        g.compiled += 1;
        let entry = Entry {
            text: Arc::from(text),
            policy: policy.clone(),
        };
        self.insert(&mut g, key, entry);
        Ok(policy)
    }

    fn insert(&self, g: &mut Generations, key: Key, entry: Entry) {
        if g.current.len() >= self.capacity && !g.current.contains_key(&key) {
            g.old = std::mem::take(&mut g.current);
        }
        g.current.insert(key, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const DOC2: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;

    #[test]
    fn a_version_is_compiled_once() {
        let c = PolicyCache::default();
        let a = c.managed_version("ANPA1", "v1", DOC).unwrap();
        let b = c.managed_version("ANPA1", "v1", DOC).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(c.compiled_count(), 1);
        c.managed_version("ANPA1", "v2", DOC2).unwrap();
        assert_eq!(c.compiled_count(), 2);
    }

    #[test]
    fn inline_documents_are_keyed_by_kind_and_text() {
        let c = PolicyCache::default();
        let a = c.document(PolicyKind::InlineUser, DOC).unwrap();
        let b = c.document(PolicyKind::InlineUser, DOC).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        c.document(PolicyKind::InlineGroup, DOC).unwrap();
        c.document(PolicyKind::InlineUser, DOC2).unwrap();
        assert_eq!(c.compiled_count(), 3);
        assert!(c.document(PolicyKind::InlineUser, "{").is_err());
    }

    #[test]
    fn it_stays_bounded_and_keeps_recent_entries() {
        let c = PolicyCache::new(2);
        for i in 0..10 {
            c.managed_version(&format!("ANPA{i}"), "v1", DOC).unwrap();
        }
        {
            let g = c.lock();
            assert!(g.current.len() + g.old.len() <= 4);
        }
        // The most recent one is still cached.
        let n = c.compiled_count();
        c.managed_version("ANPA9", "v1", DOC).unwrap();
        assert_eq!(c.compiled_count(), n);
    }
}
