//! The gateway on the Redis backend: the same SDK calls work, and a Redis that stops answering
//! gives AWS-shaped 503s (never a hang or a panic) until it answers again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::redis_support;

use aws_sdk_sts::error::ProvideErrorMetadata;
use fedgate_server::config::StoreKind;
use std::time::{Duration, Instant};

async fn on_redis(
    redis: &redis_support::RedisServer,
    kek_dir: &tempfile::TempDir,
) -> common::Harness {
    let kek = kek_dir.path().join("kek");
    std::fs::write(
        &kek,
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    let url = redis.url();
    common::start_with(move |c| {
        c.store.kind = StoreKind::Redis;
        c.store.redis_url = Some(url);
        c.kek_file = Some(kek);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_calls_work_on_redis() {
    let redis = redis_support::RedisServer::start();
    let kek_dir = tempfile::tempdir().unwrap();
    let h = on_redis(&redis, &kek_dir).await;
    let (k, s) = h.admin_key();
    let out = h.sts(&k, &s).get_caller_identity().send().await.unwrap();
    assert_eq!(out.arn(), Some("arn:aws:iam::123456789012:user/admin"));
    let me = h.iam(&k, &s).get_user().send().await.unwrap();
    assert_eq!(me.user().unwrap().user_name(), "admin");
    let err = h
        .sts(&k, "wrongwrongwrongwrongwrongwrongwrongwrong")
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_that_stops_answering_gives_503_then_recovers() {
    let redis = redis_support::RedisServer::start();
    let kek_dir = tempfile::tempdir().unwrap();
    let h = on_redis(&redis, &kek_dir).await;
    let (k, s) = h.admin_key();
    // GetUser reads the store on every call (GetCallerIdentity may be answered from the
    // replica's short-lived key cache).
    let iam = h.iam(&k, &s);
    iam.get_user().send().await.unwrap();

    redis.freeze(true);
    let started = Instant::now();
    let err = iam.get_user().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ServiceUnavailable"), "{err:?}");
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(h.raw("GET", "/readyz", vec![], &[]).await.0, 503);

    redis.freeze(false);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match iam.get_user().send().await {
            Ok(out) => {
                assert_eq!(out.user().unwrap().user_name(), "admin");
                break;
            }
            Err(e) if Instant::now() < deadline => {
                assert_eq!(e.code(), Some("ServiceUnavailable"), "{e:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no recovery after Redis answered again: {e:?}"),
        }
    }
    assert_eq!(h.raw("GET", "/readyz", vec![], &[]).await.0, 200);
}
