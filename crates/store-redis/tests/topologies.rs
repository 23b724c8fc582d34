//! The Redis backend on Sentinel and Cluster deployments started on loopback by the test
//! (`redis-server --sentinel`, `redis-cli --cluster create`): the conformance suite through
//! each, and failovers followed without a restart, including the invalidation channel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fedgate_store::{Backend, Store, StoreError, Txn};
use fedgate_store_redis::RedisBackend;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{ClusterSetup, RedisServer, SentinelSetup, command, wait_until};

fn unique_prefix(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{{fgtopo-{name}-{}-{}}}:",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn start_sentinel() -> SentinelSetup {
    tokio::task::spawn_blocking(SentinelSetup::start)
        .await
        .unwrap()
}

async fn sentinel_store(setup: &SentinelSetup, case: &str) -> Store {
    let b = RedisBackend::connect(&setup.url(), &unique_prefix(case))
        .await
        .unwrap();
    Store::new(Arc::new(b))
}

fedgate_store::conformance_suite!(sequential conformance_through_sentinel, start_sentinel, sentinel_store);

async fn start_cluster() -> ClusterSetup {
    tokio::task::spawn_blocking(|| ClusterSetup::start(3, 0))
        .await
        .unwrap()
}

/// Each case reaches the cluster through one seed node, a different one each time, and its
/// own hash tag puts it on some slot: most cases live on a node other than their seed.
async fn cluster_store(setup: &ClusterSetup, case: &str) -> Store {
    let seed = &setup.nodes[case.len() % setup.nodes.len()];
    let b = RedisBackend::connect(&setup.url_with(&[seed]), &unique_prefix(case))
        .await
        .unwrap();
    Store::new(Arc::new(b))
}

fedgate_store::conformance_suite!(sequential conformance_through_cluster, start_cluster, cluster_store);

type Heard = Arc<Mutex<Vec<Option<String>>>>;

/// Two backends on `url` under `prefix`, the reader listening, the channel checked, and the
/// key `k` written: what a failover test starts from.
async fn writer_and_listener(url: &str, prefix: &str) -> (RedisBackend, RedisBackend, Heard) {
    let writer = RedisBackend::connect(url, prefix).await.unwrap();
    let reader = RedisBackend::connect(url, prefix).await.unwrap();
    let heard = listening(&reader);
    delivered(&writer, &heard, "before").await;
    writer
        .commit(Txn::new().put("k", b"before".to_vec()))
        .await
        .unwrap();
    (writer, reader, heard)
}

/// Collects what the backend's invalidation listener hears.
fn listening(b: &RedisBackend) -> Heard {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = Arc::clone(&heard);
    b.listen(Arc::new(move |m| h.lock().unwrap().push(m)));
    heard
}

/// Publishes `message` from `from` until `heard` has it (a subscription being re-established
/// misses what was published meanwhile, as documented).
async fn delivered(from: &RedisBackend, heard: &Mutex<Vec<Option<String>>>, message: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let _ = from.publish(message).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if heard
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.as_deref() == Some(message))
        {
            return;
        }
        assert!(Instant::now() < deadline, "{message:?} never arrived");
    }
}

/// Retries `put key` until it succeeds; every failure meanwhile must be `Unavailable` (a 503),
/// never a store fault. Returns how long the writes were refused.
async fn write_through_failover(b: &RedisBackend, key: &str) -> Duration {
    let start = Instant::now();
    loop {
        match b.commit(Txn::new().put(key, b"after".to_vec())).await {
            Ok(()) => return start.elapsed(),
            Err(StoreError::Unavailable(_)) => {}
            Err(e) => panic!("a failover must look like an outage, not {e:?}"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "writes never resumed after the failover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads `key` through `b` once it answers: a backend that had nothing to do during the
/// failover learns of it from its next call (a 503) or its next Sentinel poll.
async fn read_after_failover(b: &RedisBackend, key: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match b.get(key).await {
            Ok(Some(v)) => return v.value,
            Ok(None) => panic!("{key} was lost in the failover"),
            Err(StoreError::Unavailable(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("reading {key}: {e:?}"),
        }
    }
}

/// A write, then the primary goes (`fail` kills or freezes it): writes come back on the
/// replica the Sentinel promotes, the earlier write is there, and a second backend's
/// invalidation subscription follows.
async fn sentinel_failover(name: &str, fail: fn(&mut RedisServer)) {
    let setup = start_sentinel().await;
    let (writer, reader, heard) = writer_and_listener(&setup.url(), &unique_prefix(name)).await;
    // Replication is asynchronous: wait until the replica has the write before the primary
    // goes, so that the write is expected to survive.
    let mut setup = tokio::task::spawn_blocking(move || {
        setup.wait_replicated();
        setup
    })
    .await
    .unwrap();

    fail(&mut setup.primary);
    let refused_for = write_through_failover(&writer, "k2").await;
    eprintln!("{name}: writes refused for {refused_for:?} during the Sentinel failover");
    // The replica is the primary now, and both backends use it.
    let role = command(setup.replica.port, &["ROLE"]).unwrap();
    assert!(role.contains("master"), "{role}");
    assert_eq!(read_after_failover(&reader, "k").await, b"before");
    assert_eq!(read_after_failover(&reader, "k2").await, b"after");
    // The listener found the new primary too.
    delivered(&writer, &heard, "after the failover").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_failover_is_followed_without_a_restart() {
    sentinel_failover("killed", RedisServer::stop).await;
}

/// A primary that stops answering without closing its connections (SIGSTOP: a lost node, a
/// partition): the data connection and the invalidation subscription must both leave it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_failover_of_a_silent_primary_moves_the_subscription() {
    sentinel_failover("frozen", |primary| primary.freeze(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_failover_is_followed_without_a_restart() {
    let mut setup = tokio::task::spawn_blocking(|| ClusterSetup::start(3, 1))
        .await
        .unwrap();
    let prefix = unique_prefix("cfail");
    let (owner, replicas) = setup.owner_of(&prefix);
    assert_eq!(replicas.len(), 1, "one replica per primary");
    // Seeds that include the primary about to fail, and another node.
    let other = (owner + 1) % setup.nodes.len();
    let url = setup.url_with(&[&setup.nodes[owner], &setup.nodes[other]]);
    let (writer, reader, heard) = writer_and_listener(&url, &prefix).await;
    let replica_port = setup.nodes[replicas[0]].port;
    let owner_port = setup.nodes[owner].port;
    tokio::task::spawn_blocking(move || {
        wait_until(10, "the write on the replica", || {
            // WAIT on the primary: how many replicas acknowledged every write so far.
            command(owner_port, &["WAIT", "1", "100"]).is_ok_and(|r| r.trim() == ":1")
        });
    })
    .await
    .unwrap();

    setup.nodes[owner].stop();
    let refused_for = write_through_failover(&writer, "k2").await;
    eprintln!("writes refused for {refused_for:?} during the Cluster failover");

    let role = command(replica_port, &["ROLE"]).unwrap();
    assert!(role.contains("master"), "{role}");
    assert_eq!(read_after_failover(&reader, "k").await, b"before");
    assert_eq!(read_after_failover(&reader, "k2").await, b"after");
    delivered(&writer, &heard, "after the failover").await;
}

#[tokio::test]
async fn cluster_needs_a_hash_tagged_prefix() {
    let setup = start_cluster().await;
    let url = setup.url_with(&[&setup.nodes[0]]);
    let r = RedisBackend::connect(&url, "fedgate:").await;
    match r {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("hash tag"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_topology_urls_are_refused_without_the_password() {
    for url in [
        "redis+sentinel://:hunter2@127.0.0.1:1",
        "redis+cluster://:hunter2@127.0.0.1:1/5",
        "rediss+cluster://:hunter2@127.0.0.1:1",
        "memcached://:hunter2@127.0.0.1:1",
    ] {
        match RedisBackend::connect(url, "{fedgate}:").await {
            Err(StoreError::Unavailable(m)) => {
                assert!(m.contains("store.redis_url"), "{m}");
                assert!(!m.contains("hunter2"), "{m}");
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn sentinel_without_the_service_is_unavailable_quickly() {
    let setup = start_sentinel().await;
    let url = format!(
        "redis+sentinel://127.0.0.1:{}/no-such-service",
        setup.sentinel_port
    );
    let start = Instant::now();
    let r = RedisBackend::connect(&url, "{fedgate}:").await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}
