//! Token-bucket throttling of STS actions, per source IP and per principal.
//!
//! Two independent limiters: one keyed by the caller's address, taken before authentication
//! (so unsigned floods and the unsigned `AssumeRoleWith*` actions are limited too), and one
//! keyed by the authenticated principal's ARN. A bucket holds up to `burst` tokens and gains
//! `rate` tokens a second; each request takes one, and a request finding less than one is
//! refused with AWS's `Throttling` (HTTP 400, "Rate exceeded").
//!
//! IPv6 callers are keyed by their /64 (one host controls a whole /64; per-address buckets
//! would let it mint fresh ones at will); IPv4-mapped IPv6 addresses count as IPv4.
//!
//! Memory is bounded: each limiter tracks at most `max_tracked` keys, in shards that each
//! lock a small map. A shard that is full first forgets every bucket that has refilled
//! completely (such a bucket is indistinguishable from a new one, so nothing is lost), and
//! when none has, the one touched longest ago. Time comes from the injected [`Clock`].
//!
//! The state is per process: with several replicas behind a load balancer a caller gets up
//! to (replicas × rate). It does not limit IAM, which AWS throttles separately.

use fedgate_core::Clock;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Shards per limiter: enough that two cores rarely meet on one lock.
const SHARDS: usize = 16;

/// One limiter's setting: `rate` tokens per second, at most `burst` saved up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub rate: f64,
    pub burst: u32,
}

impl Limit {
    pub const OFF: Limit = Limit {
        rate: 0.0,
        burst: 0,
    };

    /// A zero (or non-finite) rate or a zero burst turns the limiter off.
    pub fn is_on(&self) -> bool {
        self.rate.is_finite() && self.rate > 0.0 && self.burst > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleConfig {
    pub per_principal: Limit,
    pub per_ip: Limit,
    /// Most keys each limiter remembers at once.
    pub max_tracked: usize,
}

impl ThrottleConfig {
    pub const OFF: ThrottleConfig = ThrottleConfig {
        per_principal: Limit::OFF,
        per_ip: Limit::OFF,
        max_tracked: 0,
    };
}

/// Which limiter refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    SourceIp,
    Principal,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SourceIp => "sourceIp",
            Scope::Principal => "principal",
        }
    }
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Refused. `audit` is set on the first refusal of a run of refusals of one bucket (a run
    /// ends when the bucket allows a request again), so that a flood costs at most one audit
    /// event per allowed request; `unaudited` counts the refusals of this bucket not audited
    /// since its last audited one.
    Refuse {
        scope: Scope,
        audit: bool,
        unaudited: u64,
    },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
    refusing: bool,
    unaudited: u64,
}

impl Bucket {
    fn new(limit: Limit, now: i64) -> Self {
        Bucket {
            tokens: f64::from(limit.burst),
            at_ms: now,
            refusing: false,
            unaudited: 0,
        }
    }

    /// Tokens at `now` (time never runs backwards for a bucket).
    fn level(&self, limit: Limit, now: i64) -> f64 {
        #[allow(
            clippy::cast_precision_loss,
            reason = "milliseconds fit in f64's 53 bits"
        )]
        let elapsed = now.saturating_sub(self.at_ms).max(0) as f64;
        (self.tokens + elapsed * limit.rate / 1000.0).min(f64::from(limit.burst))
    }

    fn is_full(&self, limit: Limit, now: i64) -> bool {
        self.level(limit, now) >= f64::from(limit.burst)
    }

    fn take(&mut self, limit: Limit, now: i64, scope: Scope) -> Verdict {
        self.tokens = self.level(limit, now);
        self.at_ms = self.at_ms.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refusing = false;
            return Verdict::Allow;
        }
        if self.refusing {
            self.unaudited = self.unaudited.saturating_add(1);
            return Verdict::Refuse {
                scope,
                audit: false,
                unaudited: 0,
            };
        }
        self.refusing = true;
        let unaudited = std::mem::take(&mut self.unaudited);
        Verdict::Refuse {
            scope,
            audit: true,
            unaudited,
        }
    }
}

/// One limiter: sharded maps of buckets.
struct Buckets<K> {
    limit: Limit,
    scope: Scope,
    per_shard: usize,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<K, Bucket>>>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(limit: Limit, scope: Scope, max_tracked: usize, shards: usize) -> Self {
        let on = limit.is_on() && max_tracked > 0 && shards > 0;
        Buckets {
            limit,
            scope,
            per_shard: max_tracked.div_ceil(shards.max(1)).max(1),
            hasher: RandomState::new(),
            shards: if on {
                (0..shards).map(|_| Mutex::new(HashMap::new())).collect()
            } else {
                Vec::new()
            },
        }
    }

    fn check<Q>(&self, key: &Q, now: i64) -> Verdict
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if self.shards.is_empty() {
            return Verdict::Allow;
        }
        let n = self.shards.len() as u64;
        let i = usize::try_from(self.hasher.hash_one(key) % n).unwrap_or(0);
        let Some(shard) = self.shards.get(i) else {
            return Verdict::Allow;
        };
        // A poisoned lock (a panic elsewhere while holding it) still guards a usable map.
        let mut map = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(b) = map.get_mut(key) {
            return b.take(self.limit, now, self.scope);
        }
        if map.len() >= self.per_shard {
            self.make_room(&mut map, now);
        }
        let mut b = Bucket::new(self.limit, now);
        let verdict = b.take(self.limit, now, self.scope);
        map.insert(key.to_owned(), b);
        verdict
    }

    /// Forgets refilled buckets; when there are none, the least recently used one.
    fn make_room(&self, map: &mut HashMap<K, Bucket>, now: i64) {
        let limit = self.limit;
        map.retain(|_, b| !b.is_full(limit, now));
        if map.len() < self.per_shard {
            return;
        }
        let oldest = map
            .iter()
            .min_by_key(|(_, b)| b.at_ms)
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            map.remove(&k);
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
            .sum()
    }
}

/// The STS throttle: a per-IP and a per-principal limiter.
pub struct Throttle {
    clock: Arc<dyn Clock>,
    ips: Buckets<u128>,
    principals: Buckets<String>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("per_ip", &self.ips.limit)
            .field("per_principal", &self.principals.limit)
            .finish()
    }
}

/// The bucket key of an address: IPv4 (also when IPv4-mapped) as itself, IPv6 by its /64.
fn ip_key(ip: IpAddr) -> u128 {
    match ip.to_canonical() {
        IpAddr::V4(v4) => 0xffff_0000_0000 | u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6) & !u128::from(u64::MAX),
    }
}

impl Throttle {
    pub fn new(config: ThrottleConfig, clock: Arc<dyn Clock>) -> Self {
        Throttle {
            clock,
            ips: Buckets::new(config.per_ip, Scope::SourceIp, config.max_tracked, SHARDS),
            principals: Buckets::new(
                config.per_principal,
                Scope::Principal,
                config.max_tracked,
                SHARDS,
            ),
        }
    }

    /// Takes a token from the caller's address bucket (no address known: allowed).
    pub fn check_ip(&self, ip: Option<IpAddr>) -> Verdict {
        match ip {
            Some(ip) => self.ips.check(&ip_key(ip), self.clock.now_millis()),
            None => Verdict::Allow,
        }
    }

    /// Takes a token from the principal's bucket, keyed by its ARN.
    pub fn check_principal(&self, arn: &str) -> Verdict {
        self.principals.check(arn, self.clock.now_millis())
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
