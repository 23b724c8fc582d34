//! The backend contract every storage engine implements.

use crate::StoreError;
use async_trait::async_trait;

/// A stored value and its version. Versions start at 1 and grow by one on every write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    pub value: Vec<u8>,
    pub version: u64,
}

/// A record as a cache holds it: the stored bytes and, once some reader decoded them, the
/// decoded value, so that later readers of the same cached record skip the parse. The decoded
/// value belongs to this one record (a new read or write makes a new `SharedRecord`), so it
/// can never outlive the bytes it was decoded from.
#[derive(Debug)]
pub struct SharedRecord {
    pub record: Versioned,
    decoded: std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

impl SharedRecord {
    pub fn new(record: Versioned) -> Self {
        SharedRecord {
            record,
            decoded: std::sync::OnceLock::new(),
        }
    }

    /// The value some reader decoded these bytes to, if it was decoded as a `T`.
    pub fn decoded<T: std::any::Any>(&self) -> Option<&T> {
        self.decoded.get()?.downcast_ref::<T>()
    }

    /// Keeps `value`, decoded from these bytes, for later readers (the first one kept stays).
    pub fn keep_decoded<T: std::any::Any + Send + Sync>(&self, value: T) {
        let _ = self.decoded.set(std::sync::Arc::new(value));
    }
}

/// A precondition of a [`Txn`]. Expired records count as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Absent(String),
    Version(String, u64),
    /// The index has fewer than this many members (an account-wide quota, checked in the
    /// same atomic step as the insert it guards, with no shared counter to contend on).
    IndexLenBelow(String, u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Write `value`; `expires_at_ms` (Unix milliseconds) makes the record vanish after then.
    Put {
        key: String,
        value: Vec<u8>,
        expires_at_ms: Option<i64>,
    },
    Delete {
        key: String,
    },
    IndexAdd {
        index: String,
        member: String,
    },
    IndexRemove {
        index: String,
        member: String,
    },
}

/// All checks hold and all ops apply, or nothing happens and commit returns
/// [`StoreError::Conflict`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Txn {
    pub checks: Vec<Check>,
    pub ops: Vec<Op>,
}

impl Txn {
    pub fn new() -> Self {
        Txn::default()
    }
    /// This transaction followed by `other`'s checks and ops, as one.
    pub fn merge(mut self, other: Txn) -> Self {
        self.checks.extend(other.checks);
        self.ops.extend(other.ops);
        self
    }
    pub fn check_absent(mut self, key: impl Into<String>) -> Self {
        self.checks.push(Check::Absent(key.into()));
        self
    }
    pub fn check_version(mut self, key: impl Into<String>, version: u64) -> Self {
        self.checks.push(Check::Version(key.into(), version));
        self
    }
    pub fn check_index_len_below(mut self, index: impl Into<String>, max: u64) -> Self {
        self.checks.push(Check::IndexLenBelow(index.into(), max));
        self
    }
    pub fn put(mut self, key: impl Into<String>, value: Vec<u8>) -> Self {
        self.ops.push(Op::Put {
            key: key.into(),
            value,
            expires_at_ms: None,
        });
        self
    }
    pub fn put_expiring(mut self, key: impl Into<String>, value: Vec<u8>, at_ms: i64) -> Self {
        self.ops.push(Op::Put {
            key: key.into(),
            value,
            expires_at_ms: Some(at_ms),
        });
        self
    }
    pub fn delete(mut self, key: impl Into<String>) -> Self {
        self.ops.push(Op::Delete { key: key.into() });
        self
    }
    pub fn index_add(mut self, index: impl Into<String>, member: impl Into<String>) -> Self {
        self.ops.push(Op::IndexAdd {
            index: index.into(),
            member: member.into(),
        });
        self
    }
    pub fn index_remove(mut self, index: impl Into<String>, member: impl Into<String>) -> Self {
        self.ops.push(Op::IndexRemove {
            index: index.into(),
            member: member.into(),
        });
        self
    }
}

#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The live value at `key`, or `None` if absent or expired.
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError>;

    /// The live values at `keys`, in order (one round trip where the backend allows it).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Versioned>>, StoreError> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get(k).await?);
        }
        Ok(out)
    }

    /// [`Backend::get`] as a shared record: a caching backend hands out the record it caches,
    /// decoded value included; others wrap what `get` returns.
    async fn get_shared(
        &self,
        key: &str,
    ) -> Result<Option<std::sync::Arc<SharedRecord>>, StoreError> {
        Ok(self
            .get(key)
            .await?
            .map(|v| std::sync::Arc::new(SharedRecord::new(v))))
    }

    /// Applies `txn` atomically.
    async fn commit(&self, txn: Txn) -> Result<(), StoreError>;

    /// Members of `index` in byte order, strictly after `after`, at most `limit`.
    async fn index_range(
        &self,
        index: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;

    /// How many members `index` has, in O(1).
    async fn index_len(&self, index: &str) -> Result<u64, StoreError>;

    /// Whether other gateway replicas may share this backend (their caches then need
    /// [`Backend::publish`]).
    fn shared(&self) -> bool {
        false
    }

    /// Publishes a cache invalidation to every replica sharing the backend (a no-op for a
    /// backend no other replica reaches).
    async fn publish(&self, _message: &str) -> Result<(), StoreError> {
        Ok(())
    }

    /// Forwards messages published by any replica to `sink`, for as long as the process
    /// runs (reconnecting as needed, and telling `sink(None)` when it may have missed some).
    fn listen(&self, _sink: crate::invalidation::Sink) {}

    /// Cheap reachability check for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// A short name for logs and metrics ("embedded", "redis").
    fn kind(&self) -> &'static str;
}
