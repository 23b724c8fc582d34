//! Temporary credentials expire, end to end through the AWS SDK for Rust on both backends,
//! with the gateway on an injected clock that the SDK clients sign with too: credentials from
//! AssumeRole, GetSessionToken and GetFederationToken carry `Expiration` = issue time +
//! `DurationSeconds`, work (STS, IAM and `/authorize`) until the last second, and from their
//! expiry on are refused with `ExpiredToken` everywhere — also where the session was cached a
//! moment before. Newly minted credentials still work. On Redis the session record carries a
//! matching expiry (`PEXPIREAT`), so nothing outlives its credentials.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::redis_support::RedisServer;
use common::{Creds, Harness, Key, sign_request};
use fedgate_core::{Clock, ManualClock};
use std::sync::Arc;

const ACCT: &str = "123456789012";
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetCallerIdentity","iam:ListRoles"],"Resource":"*"}]}"#;
const EXPIRED: &str = "The security token included in the request is expired";

fn now_secs(clock: &ManualClock) -> i64 {
    clock.now_millis() / 1000
}

/// The three kinds of temporary credentials, each for 900 s, checked against the clock.
async fn mint_all(h: &Harness, clock: &ManualClock) -> Vec<(&'static str, Creds)> {
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let issued = now_secs(clock);
    let role = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCT}:role/temp"))
        .role_session_name("short")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let user = sts
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let fed = sts
        .get_federation_token()
        .name("visitor")
        .policy(POLICY)
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let all = [
        ("AssumeRole", role.credentials().unwrap()),
        ("GetSessionToken", user.credentials().unwrap()),
        ("GetFederationToken", fed.credentials().unwrap()),
    ];
    all.into_iter()
        .map(|(what, c)| {
            assert_eq!(c.expiration().secs(), issued + 900, "{what}");
            (what, Creds::from(c))
        })
        .collect()
}

/// A question to `/authorize` about a GetCallerIdentity-style call signed with `c`, asked
/// by the admin; returns the JSON answer.
async fn authorize(h: &Harness, c: &Creds) -> serde_json::Value {
    let at = aws_smithy_async::time::TimeSource::now(&h.time_source());
    let url = "http://sts.example/?Action=GetCallerIdentity&Version=2011-06-15";
    let (_, caller) = sign_request(&Key::from(c), "sts", "GET", url, &[], &[], true, at);
    let q = serde_json::json!({"presignedUrl": caller, "service": "sts",
        "action": "sts:GetCallerIdentity", "resource": "*"});
    let (k, s) = h.admin_key();
    let admin = Key {
        id: k,
        secret: s,
        token: None,
    };
    let (status, answer) = h.ask_authorize(&admin, &q).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// On Redis (`redis`), the session records expire with their credentials: `PEXPIREAT` at
/// the credential's expiry (the manual clock starts at the real time).
fn check_redis_expiry(redis: &RedisServer, minted: &[(&str, Creds)]) {
    for (what, c) in minted {
        let key = format!("{{fedgate}}:r:session/{}", c.key);
        let out = std::process::Command::new("redis-cli")
            .args(["-u", &redis.url(), "PTTL", &key])
            .output()
            .unwrap();
        let pttl: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert!((890_000..=900_000).contains(&pttl), "{what}: PTTL {pttl}");
    }
}

async fn caller_identity(
    h: &Harness,
    c: &Creds,
) -> Result<
    aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput,
    aws_sdk_sts::error::SdkError<
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError,
    >,
> {
    h.sts_session(&c.key, &c.secret, &c.token)
        .get_caller_identity()
        .send()
        .await
}

async fn expiry(h: &Harness, clock: &ManualClock, redis: Option<&RedisServer>) {
    common::account_role(h, "temp", POLICY).await;
    let minted = mint_all(h, clock).await;
    if let Some(redis) = redis {
        check_redis_expiry(redis, &minted);
    }

    // Used (and so cached) one second before the end: all accepted.
    clock.advance_secs(899);
    for (what, c) in &minted {
        let me = caller_identity(h, c).await;
        assert!(me.is_ok(), "{what}: {me:?}");
        assert_eq!(authorize(h, c).await["decision"], "Allow", "{what}");
    }
    let role = &minted[0].1;
    let iam = h.iam_session(&role.key, &role.secret, &role.token);
    iam.list_roles().send().await.unwrap();

    // At the expiry: refused everywhere, with AWS's code and wording.
    clock.advance_secs(1);
    for (what, c) in &minted {
        let err = caller_identity(h, c).await.unwrap_err();
        assert_eq!(common::code(&err), "ExpiredToken", "{what}");
        assert_eq!(common::status(&err), 400, "{what}");
        assert_eq!(common::message(&err), EXPIRED, "{what}");
        let answer = authorize(h, c).await;
        assert_eq!(answer["decision"], "Deny", "{what}: {answer}");
        assert_eq!(answer["error"]["code"], "ExpiredToken", "{what}: {answer}");
    }
    let err = iam.list_roles().send().await.unwrap_err();
    assert_eq!(common::code(&err), "ExpiredToken");

    // An hour later the same caller gets fresh credentials that work.
    clock.advance_secs(3600);
    let fresh = mint_all(h, clock).await;
    for (what, c) in &fresh {
        let me = caller_identity(h, c).await;
        assert!(me.is_ok(), "{what}: {me:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded() {
    let clock = common::now_clock();
    let h = common::start_with_clock(Arc::new(clock.clone()), |_| {}).await;
    expiry(&h, &clock, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis() {
    let clock = common::now_clock();
    // A long cache, so a cached session is refused by the expiry check, not a cache miss.
    let r = common::start_on_redis_with_clock(Arc::new(clock.clone()), |c| {
        c.auth.key_cache_ms = 60_000;
    })
    .await;
    expiry(&r.h, &clock, Some(&r.redis)).await;
}
