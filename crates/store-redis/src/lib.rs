//! fedgate-store-redis: the Redis implementation of [`fedgate_store::Backend`], so that any
//! number of gateway replicas can share one store.
//!
//! It passes the same conformance suite as the embedded backend. It does **not** know about
//! IAM records (that is [`fedgate_store::Store`]'s job). It talks to a standalone Redis
//! (`redis://`), to the primary of a Sentinel-managed service, followed across failovers
//! (`redis+sentinel://`), or to a Redis Cluster, following its slots and redirects
//! (`redis+cluster://`); the URL forms are in `topology.rs`.
//!
//! # Layout
//! Every key lives under the configured prefix, which should carry a Redis Cluster *hash tag*,
//! e.g. `{fedgate}:`:
//! - the record `K` is the hash `{prefix}r:K` with fields `v` (version, decimal) and `d` (the
//!   value, raw bytes), and an absolute expiry set with `PEXPIREAT` when it has one;
//! - the index `I` is the sorted set `{prefix}i:I`, every member with score 0 so that
//!   `ZRANGEBYLEX` returns members in byte order.
//!
//! Records and indexes get separate namespaces (`r:` and `i:`) because the embedded backend
//! keeps them in separate tables: a record and an index may share a name.
//!
//! The hash tag puts every key in one Cluster slot, which a multi-key transaction script
//! needs (Cluster refuses scripts whose keys span slots). The consequence: all of fedgate's
//! data lives on one shard and one primary takes every write; a Cluster gives fedgate
//! failover, not horizontal scaling. Two deployments can share one Redis with different
//! prefixes.
//!
//! # Semantics
//! - [`Backend::get`] is one `HMGET key v d` round trip.
//! - Cache invalidations travel on the channel `{prefix}inval` (`PUBLISH`; each replica
//!   keeps one subscribed connection, see [`Backend::listen`]).
//! - [`Backend::commit`] is one `EVALSHA` of a Lua script (see `script.rs`): checks first, then
//!   writes; a failed check writes nothing and is [`StoreError::Conflict`]. Values travel as
//!   separate binary arguments.
//! - Versions start at 1 and grow by one per put (`HINCRBY v 1`); a put on a deleted or expired
//!   key starts again at 1; a put without expiry clears an earlier one (`PERSIST`).
//! - Expiry is judged by the **Redis server's clock** (Redis removes the key itself), not by
//!   the gateway's [`fedgate_core::Clock`]: keep gateways and Redis on synchronised time.
//!   Expired records are absent for reads and for checks.
//! - Every call is bounded by the connection and response timeouts ([`RedisOptions`]): an
//!   outage gives [`StoreError::Unavailable`] within a few seconds, never a hang, and the
//!   connection manager reconnects by itself when Redis is back (under Sentinel, to whichever
//!   server the Sentinels then name; under Cluster, to whichever node then owns the slot). A commit that timed out may
//!   still have been applied (the script was sent before the answer was lost): callers see
//!   `Unavailable`, not `Conflict`, and must not assume it did nothing. Bad data is
//!   [`StoreError::Corrupt`]. Errors and logs never carry keys' values.

mod conn;
mod error;
mod script;
mod topology;

use async_trait::async_trait;
use conn::{Conn, Subscriber};
use fedgate_store::{Backend, StoreError, Txn, Versioned};
use redis::Script;
use std::future::Future;
use std::time::Duration;

use script::Keys;

/// Timeouts of a [`RedisBackend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisOptions {
    /// Bound on establishing one TCP (and handshake) connection.
    pub connect_timeout: Duration,
    /// Bound on waiting for the answer to one command.
    pub response_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(2),
        }
    }
}

/// The Redis backend. Cheap to clone: clones share one multiplexed connection.
#[derive(Clone)]
pub struct RedisBackend {
    conn: Conn,
    /// Where the dedicated pub/sub connection of [`Backend::listen`] goes.
    subscriber: Subscriber,
    /// The invalidation channel, `{prefix}inval`.
    channel: String,
    keys: Keys,
    commit: std::sync::Arc<Script>,
    create: std::sync::Arc<Script>,
    /// Whole-call bound, covering a reconnect in progress as well as the command itself.
    deadline: Duration,
}

impl std::fmt::Debug for RedisBackend {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// Connects to `url` with the default timeouts, keeping every key under `key_prefix`
    /// (e.g. `{fedgate}:`). The URL is `redis://[user:password@]host:port[/db]` (or
    /// `rediss://` where the client is built with TLS),
    /// `redis+sentinel://[user:password@]host:port[,host:port…]/service[/db]` or
    /// `redis+cluster://[user:password@]host:port[,host:port…]`. Fails with
    /// [`StoreError::Unavailable`] when Redis cannot be reached or the URL is invalid.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<RedisBackend, StoreError> {
        Self::connect_with(url, key_prefix, RedisOptions::default()).await
    }

    /// [`RedisBackend::connect`] with explicit timeouts.
    pub async fn connect_with(
        url: &str,
        key_prefix: &str,
        options: RedisOptions,
    ) -> Result<RedisBackend, StoreError> {
        if !has_hash_tag(key_prefix) {
            tracing::warn!(
                "redis key prefix has no {{hash tag}}: transactions will fail on Redis Cluster"
            );
        }
        let topology = topology::parse(url).map_err(|why| {
            StoreError::unavailable(format!("invalid redis URL (store.redis_url): {why}"))
        })?;
        if matches!(topology, topology::Topology::Cluster(_)) && !has_hash_tag(key_prefix) {
            // Every transaction's keys must share one slot, or Cluster refuses the script.
            return Err(StoreError::unavailable(
                "store.redis_prefix must contain a {hash tag} (e.g. \"{fedgate}:\") on Redis Cluster",
            ));
        }
        let deadline = options.connect_timeout + options.response_timeout;
        let (conn, subscriber) = conn::open(topology, options, deadline).await?;
        let backend = RedisBackend {
            conn,
            subscriber,
            channel: format!("{key_prefix}inval"),
            keys: Keys::new(key_prefix),
            commit: std::sync::Arc::new(script::commit_script()),
            create: std::sync::Arc::new(script::create_script()),
            deadline,
        };
        backend.ping().await?;
        Ok(backend)
    }
}

/// Checks the form of a `store.redis_url` without connecting (see [`RedisBackend::connect`]).
/// The error says what is wrong and never quotes the URL, which may carry a password.
pub fn check_url(url: &str) -> Result<(), String> {
    match topology::parse(url) {
        Ok(topology::Topology::Standalone(u)) => redis::Client::open(u.as_str())
            .map(|_| ())
            .map_err(|_| "not a valid redis:// URL".to_owned()),
        Ok(topology::Topology::Cluster(c)) => c
            .node_urls()
            .iter()
            .try_for_each(|u| redis::Client::open(u.as_str()).map(|_| ()))
            .map_err(|_| "a Cluster node is not a valid address".to_owned()),
        Ok(topology::Topology::Sentinel(_)) => Ok(()),
        Err(why) => Err(why.to_owned()),
    }
}

/// Subscribes to the invalidation channel on its own connection and forwards every message
/// to `sink`, for the life of the process. After each (re)subscription `sink(None)`: messages
/// published while it was not listening are lost, so caches start over.
async fn listen(
    subscriber: Subscriber,
    channel: String,
    deadline: Duration,
    sink: fedgate_store::invalidation::Sink,
) {
    let mut pause = Duration::from_millis(100);
    let mut attempt = 0usize;
    loop {
        // Taken before subscribing, so that a move during the subscription is noticed.
        let mut moves = subscriber.moves();
        let client = subscriber.client(attempt);
        attempt = attempt.wrapping_add(1);
        let subscribed = async {
            let mut ps = tokio::time::timeout(deadline, client.get_async_pubsub())
                .await
                .map_err(|_| ())?
                .map_err(|_| ())?;
            tokio::time::timeout(deadline, ps.subscribe(&channel))
                .await
                .map_err(|_| ())?
                .map_err(|_| ())?;
            Ok::<_, ()>(ps)
        }
        .await;
        match subscribed {
            Ok(ps) => {
                pause = Duration::from_millis(100);
                sink(None);
                let why = forward(ps, &mut moves, deadline, &sink).await;
                tracing::warn!("redis invalidation subscription {why}; subscribing again");
                subscriber.failed();
                sink(None);
            }
            Err(()) => {
                subscriber.failed();
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// How often an idle subscription checks that its server still answers: a server that
/// vanished without closing the connection (a lost node, a partition) would otherwise hold
/// the subscription, silent, for ever.
const PUBSUB_PING: Duration = Duration::from_secs(1);

/// Forwards messages until the subscription ends, its server stops answering `PING`, or
/// (Sentinel) the data connection moves to another primary; says which.
async fn forward(
    ps: redis::aio::PubSub,
    moves: &mut Option<tokio::sync::watch::Receiver<u64>>,
    deadline: Duration,
    sink: &fedgate_store::invalidation::Sink,
) -> &'static str {
    use futures::StreamExt;
    let (mut control, mut messages) = ps.split();
    let mut ping = tokio::time::interval(PUBSUB_PING);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = messages.next() => match msg {
                Some(msg) => match msg.get_payload::<String>() {
                    Ok(m) => sink(Some(m)),
                    Err(_) => sink(None),
                },
                None => return "lost",
            },
            _ = ping.tick() => {
                let pong = tokio::time::timeout(deadline, control.ping::<redis::Value>()).await;
                if !matches!(pong, Ok(Ok(_))) {
                    return "stopped answering";
                }
            }
            () = moved(moves) => return "left behind by a failover",
        }
    }
}

/// Completes when the watched primary changes; never without one to watch.
async fn moved(moves: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    if let Some(rx) = moves
        && rx.changed().await.is_ok()
    {
        return;
    }
    std::future::pending().await
}

/// True when `prefix` contains a non-empty `{...}`, the part Redis Cluster hashes.
fn has_hash_tag(prefix: &str) -> bool {
    prefix
        .find('{')
        .and_then(|open| prefix[open + 1..].find('}'))
        .is_some_and(|len| len > 0)
}

/// Runs one Redis call under the whole-call deadline, mapping its errors.
pub(crate) async fn bounded<T>(
    deadline: Duration,
    call: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(deadline, call).await {
        Ok(r) => r.map_err(error::map),
        Err(_) => Err(error::timed_out()),
    }
}

fn parse_version(raw: &[u8]) -> Result<u64, StoreError> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| StoreError::corrupt("record version is not a number"))
}

#[async_trait]
impl Backend for RedisBackend {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(self.keys.record(key)).arg("v").arg("d");
        let (version, value): (Option<Vec<u8>>, Option<Vec<u8>>) =
            bounded(self.deadline, cmd.query_async(&mut conn)).await?;
        match (version, value) {
            (None, None) => Ok(None),
            (Some(version), Some(value)) => Ok(Some(Versioned {
                value,
                version: parse_version(&version)?,
            })),
            _ => Err(StoreError::corrupt("record hash lacks its version or data")),
        }
    }

    /// One pipelined round trip of `HMGET`s.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Versioned>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        for k in keys {
            pipe.cmd("HMGET").arg(self.keys.record(k)).arg("v").arg("d");
        }
        let rows: Vec<(Option<Vec<u8>>, Option<Vec<u8>>)> =
            bounded(self.deadline, pipe.query_async(&mut conn)).await?;
        rows.into_iter()
            .map(|row| match row {
                (None, None) => Ok(None),
                (Some(version), Some(value)) => Ok(Some(Versioned {
                    value,
                    version: parse_version(&version)?,
                })),
                _ => Err(StoreError::corrupt("record hash lacks its version or data")),
            })
            .collect()
    }

    async fn commit(&self, txn: Txn) -> Result<(), StoreError> {
        if txn.checks.is_empty() && txn.ops.is_empty() {
            return Ok(());
        }
        if let Some((key, value, expires_at_ms)) = script::as_create(&txn) {
            let mut invocation = self.create.prepare_invoke();
            invocation
                .key(self.keys.record(key))
                .arg(value)
                .arg(expires_at_ms.map_or_else(Vec::new, |at| at.to_string().into_bytes()));
            let mut conn = self.conn.clone();
            let reply: i64 = bounded(self.deadline, invocation.invoke_async(&mut conn)).await?;
            return script::reply_to_result(reply);
        }
        let (keys, argv) = script::encode(&self.keys, txn);
        let mut invocation = self.commit.prepare_invoke();
        for k in &keys {
            invocation.key(k);
        }
        for a in &argv {
            invocation.arg(a.as_slice());
        }
        let mut conn = self.conn.clone();
        let reply: i64 = bounded(self.deadline, invocation.invoke_async(&mut conn)).await?;
        script::reply_to_result(reply)
    }

    async fn index_range(
        &self,
        index: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let min = match after {
            Some(a) => {
                let mut m = Vec::with_capacity(a.len() + 1);
                m.push(b'(');
                m.extend_from_slice(a.as_bytes());
                m
            }
            None => b"-".to_vec(),
        };
        let mut cmd = redis::cmd("ZRANGEBYLEX");
        cmd.arg(self.keys.index(index))
            .arg(min)
            .arg("+")
            .arg("LIMIT")
            .arg(0)
            .arg(i64::try_from(limit).unwrap_or(i64::MAX));
        let mut conn = self.conn.clone();
        let members: Vec<Vec<u8>> = bounded(self.deadline, cmd.query_async(&mut conn)).await?;
        members
            .into_iter()
            .map(|m| {
                String::from_utf8(m).map_err(|_| StoreError::corrupt("index member is not UTF-8"))
            })
            .collect()
    }

    async fn index_len(&self, index: &str) -> Result<u64, StoreError> {
        let mut cmd = redis::cmd("ZCARD");
        cmd.arg(self.keys.index(index));
        let mut conn = self.conn.clone();
        bounded(self.deadline, cmd.query_async(&mut conn)).await
    }

    fn shared(&self) -> bool {
        true
    }

    async fn publish(&self, message: &str) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(&self.channel).arg(message);
        let mut conn = self.conn.clone();
        let _receivers: i64 = bounded(self.deadline, cmd.query_async(&mut conn)).await?;
        Ok(())
    }

    fn listen(&self, sink: fedgate_store::invalidation::Sink) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no async runtime: cross-replica cache invalidation is off");
            return;
        };
        rt.spawn(listen(
            self.subscriber.clone(),
            self.channel.clone(),
            self.deadline,
            sink,
        ));
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let pong: String =
            bounded(self.deadline, redis::cmd("PING").query_async(&mut conn)).await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(StoreError::corrupt("unexpected PING reply"))
        }
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn hash_tags() {
        assert!(has_hash_tag("{fedgate}:"));
        assert!(has_hash_tag("x{a}"));
        assert!(!has_hash_tag("{}:"));
        assert!(!has_hash_tag("fedgate:"));
        assert!(!has_hash_tag("{fedgate:"));
    }

    #[test]
    fn versions_parse_strictly() {
        assert_eq!(parse_version(b"12").unwrap(), 12);
        assert!(parse_version(b"-1").is_err());
        assert!(parse_version(b"x").is_err());
    }
}
