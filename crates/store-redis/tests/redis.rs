//! The Redis backend against the conformance suite, plus outage/recovery and binary safety.
//! Each test starts its own `redis-server` (see `support`), so tests run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fedgate_store::{Backend, Store, StoreError, Txn};
use fedgate_store_redis::{RedisBackend, RedisOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::RedisServer;

fn unique_prefix(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{{fgtest-{name}-{}-{}}}:",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn redis() -> (Store, RedisServer) {
    let server = RedisServer::start();
    let backend = RedisBackend::connect(&server.url(), &unique_prefix("conf"))
        .await
        .unwrap();
    (Store::new(Arc::new(backend)), server)
}

fedgate_store::conformance_suite!(redis);

/// The same suite through the record cache the gateway puts in front of Redis.
mod cached {
    use super::*;

    async fn cached_redis() -> (Store, RedisServer) {
        let server = RedisServer::start();
        let backend = RedisBackend::connect(&server.url(), &unique_prefix("cached"))
            .await
            .unwrap();
        let store = Store::with_record_cache(Arc::new(backend), Duration::from_secs(60));
        (store, server)
    }

    fedgate_store::conformance_suite!(cached_redis);
}

/// Every Redis key (as bytes) under `prefix`.
async fn keys_under(url: &str, prefix: &str) -> Vec<Vec<u8>> {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn failed_check_leaves_nothing_behind_with_binary_values() {
    let server = RedisServer::start();
    let prefix = unique_prefix("bin");
    let b = RedisBackend::connect(&server.url(), &prefix).await.unwrap();
    // NUL, invalid UTF-8, Lua and JSON quoting, a fake RESP frame.
    let nasty: Vec<u8> = [
        &[0u8, 0, 0xff, 0xfe, 0xc3, 0x28, 0x80][..],
        b"\"]]'--\r\n$3\r\nDEL\r\n{\"a\":",
        &[0u8],
    ]
    .concat();
    let other: Vec<u8> = (0..=255u8).rev().collect();
    b.commit(Txn::new().put("k1", nasty.clone())).await.unwrap();
    let before = keys_under(&server.url(), &prefix).await;
    assert_eq!(before.len(), 1, "one record hash");

    let r = b
        .commit(
            Txn::new()
                .check_absent("k2")
                .check_version("k1", 2)
                .put("k1", other.clone())
                .put_expiring("k2", other.clone(), i64::MAX / 2)
                .delete("k1")
                .index_add("idx", "m\u{0}\u{7f}")
                .index_remove("idx2", "x"),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
    let got = b.get("k1").await.unwrap().unwrap();
    assert_eq!((got.value, got.version), (nasty.clone(), 1));
    assert_eq!(b.get("k2").await.unwrap(), None);
    assert!(b.index_range("idx", None, 10).await.unwrap().is_empty());
    assert_eq!(keys_under(&server.url(), &prefix).await, before);

    // The same transaction with a true check lands whole, bytes intact.
    b.commit(
        Txn::new()
            .check_absent("k2")
            .check_version("k1", 1)
            .put("k1", other.clone())
            .put("k2", nasty.clone())
            .put("empty", Vec::new())
            .index_add("idx", "m\u{0}\u{7f}"),
    )
    .await
    .unwrap();
    let got = b.get("k1").await.unwrap().unwrap();
    assert_eq!((got.value, got.version), (other, 2));
    assert_eq!(b.get("k2").await.unwrap().unwrap().value, nasty);
    assert_eq!(b.get("empty").await.unwrap().unwrap().value, b"");
    assert_eq!(
        b.index_range("idx", None, 10).await.unwrap(),
        ["m\u{0}\u{7f}"]
    );
}

#[tokio::test]
async fn records_and_indexes_do_not_collide() {
    let server = RedisServer::start();
    let b = RedisBackend::connect(&server.url(), &unique_prefix("ns"))
        .await
        .unwrap();
    b.commit(Txn::new().put("same", b"r".to_vec()).index_add("same", "m"))
        .await
        .unwrap();
    assert_eq!(b.get("same").await.unwrap().unwrap().value, b"r");
    assert_eq!(b.index_range("same", None, 5).await.unwrap(), ["m"]);
    assert_eq!(b.kind(), "redis");
}

#[tokio::test]
async fn wrongly_typed_key_is_corrupt_and_writes_nothing() {
    let server = RedisServer::start();
    let prefix = unique_prefix("type");
    let b = RedisBackend::connect(&server.url(), &prefix).await.unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}r:bad"))
        .arg("x")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(matches!(b.get("bad").await, Err(StoreError::Corrupt(_))));
    let r = b
        .commit(
            Txn::new()
                .put("good", b"1".to_vec())
                .put("bad", b"2".to_vec()),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Corrupt(_))), "{r:?}");
    assert_eq!(b.get("good").await.unwrap(), None, "half-applied script");
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}i:idx"))
        .arg("x")
        .query_async(&mut conn)
        .await
        .unwrap();
    let r = b
        .commit(Txn::new().put("good", b"1".to_vec()).index_add("idx", "m"))
        .await;
    assert!(matches!(r, Err(StoreError::Corrupt(_))), "{r:?}");
    assert_eq!(b.get("good").await.unwrap(), None, "half-applied script");
    assert!(matches!(
        b.index_range("idx", None, 1).await,
        Err(StoreError::Corrupt(_))
    ));
}

async fn assert_unavailable_soon<T: std::fmt::Debug>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, StoreError>>,
) {
    let start = Instant::now();
    let r = f.await;
    let took = start.elapsed();
    assert!(
        matches!(r, Err(StoreError::Unavailable(_))),
        "{what}: {r:?}"
    );
    assert!(took < Duration::from_secs(5), "{what} took {took:?}");
}

async fn eventually_ok(b: &RedisBackend) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match b.ping().await {
            Ok(()) => return,
            Err(e) if Instant::now() > deadline => panic!("never recovered: {e:?}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

#[tokio::test]
async fn outage_gives_unavailable_quickly_and_recovery_needs_no_restart() {
    let mut server = RedisServer::start();
    let b = RedisBackend::connect(&server.url(), &unique_prefix("outage"))
        .await
        .unwrap();
    b.commit(Txn::new().put("k", b"v".to_vec())).await.unwrap();

    // Down: connection refused.
    server.stop();
    assert_unavailable_soon("get", b.get("k")).await;
    assert_unavailable_soon("commit", b.commit(Txn::new().put("k", b"w".to_vec()))).await;
    assert_unavailable_soon("index_range", b.index_range("i", None, 1)).await;
    assert_unavailable_soon("ping", b.ping()).await;

    // Back on the same port (empty: no persistence): the same backend works again.
    server.restart();
    eventually_ok(&b).await;
    b.commit(Txn::new().check_absent("k").put("k", b"again".to_vec()))
        .await
        .unwrap();
    assert_eq!(b.get("k").await.unwrap().unwrap().value, b"again");

    // Hung: the server accepts but never answers.
    server.freeze(true);
    assert_unavailable_soon("get (frozen)", b.get("k")).await;
    // A commit that timed out may still land once the server wakes: its outcome is unknown.
    assert_unavailable_soon(
        "commit (frozen)",
        b.commit(Txn::new().put("k2", b"maybe".to_vec())),
    )
    .await;
    server.freeze(false);
    eventually_ok(&b).await;
    assert_eq!(b.get("k").await.unwrap().unwrap().value, b"again");
}

#[tokio::test]
async fn connect_to_nothing_fails_fast() {
    let server = RedisServer::start();
    let url = server.url();
    drop(server);
    let start = Instant::now();
    let r = RedisBackend::connect_with(
        &url,
        "{fg}:",
        RedisOptions {
            connect_timeout: Duration::from_millis(500),
            response_timeout: Duration::from_millis(500),
        },
    )
    .await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
    let r = RedisBackend::connect("not a url", "{fg}:").await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
}

/// The client side of every TCP connection from this process to `port`, from
/// `/proc/self/net/tcp`: (timer kind, time to the timer in 1/100 s). Timer kind 2 is the
/// keepalive timer (proc(5)).
fn client_sockets_to(port: u16) -> Vec<(u8, u64)> {
    let table = std::fs::read_to_string("/proc/self/net/tcp").unwrap();
    let port_hex = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local, remote, state (01 = established), …, "tr:tm->when"
            (f[2].ends_with(&port_hex) && !f[1].ends_with(&port_hex) && f[3] == "01").then(|| {
                let (kind, when) = f[5].split_once(':').unwrap();
                (
                    u8::from_str_radix(kind, 16).unwrap(),
                    u64::from_str_radix(when, 16).unwrap(),
                )
            })
        })
        .collect()
}

/// Both of the backend's connections (commands and the invalidation subscription) probe an
/// idle server with TCP keepalive after 30 s, not after Linux's default two hours: a server
/// gone without a reset is noticed and the connection opened again (`conn::tcp_settings`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_keep_alive_within_thirty_seconds() {
    let server = RedisServer::start();
    let b = RedisBackend::connect(&server.url(), &unique_prefix("keepalive"))
        .await
        .unwrap();
    b.listen(Arc::new(|_| {}));
    b.commit(Txn::new().put("k", b"v".to_vec())).await.unwrap();
    let mut seen = Vec::new();
    support::wait_until(10, "two keepalive-armed connections to the server", || {
        seen = client_sockets_to(server.port);
        seen.len() >= 2
            && seen
                .iter()
                .all(|&(kind, when)| kind == 2 && when <= 30 * 100)
    });
    // A plain client (the crate's defaults) has no keepalive: the check can fail.
    let plain = redis::Client::open(server.url()).unwrap();
    let mut conn = plain.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("PING").query_async(&mut conn).await.unwrap();
    let all = client_sockets_to(server.port);
    assert_eq!(all.len(), seen.len() + 1, "{all:?}");
    assert!(all.iter().any(|&(kind, _)| kind != 2), "{all:?}");
}
