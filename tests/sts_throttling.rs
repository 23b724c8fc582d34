//! STS throttling end to end through the AWS SDK for Rust (retries disabled, as the harness
//! sets them), on both backends, with the gateway on a manual clock: the per-principal bucket
//! refuses one principal with AWS's `Throttling` (400, Sender, "Rate exceeded", STS
//! namespace) while another still works; the per-IP bucket refuses unsigned requests before
//! authentication; IAM is not throttled; buckets refill as the clock moves, up to the burst;
//! refusals are audited once per run and counted in /metrics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, fails};
use fedgate_core::ManualClock;
use fedgate_server::Config;
use std::sync::Arc;

const ACCT: &str = "123456789012";
const STS_UNSIGNED: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";
const IAM_UNSIGNED: &[u8] = b"Action=GetUser&Version=2010-05-08";
const FORM: &[(&str, &str)] = &[("content-type", "application/x-www-form-urlencoded")];
const THROTTLED_XML: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>";

/// `on_both!(name, edit, scenario)`: module `name` running `scenario(&Harness, &ManualClock)`
/// on a gateway configured by `edit`, on each backend.
macro_rules! on_both {
    ($name:ident, $edit:path, $scenario:path) => {
        mod $name {
            use std::sync::Arc;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let clock = crate::common::now_clock();
                let h = crate::common::start_with_clock(Arc::new(clock.clone()), $edit).await;
                $scenario(&h, &clock).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                let clock = crate::common::now_clock();
                let r =
                    crate::common::start_on_redis_with_clock(Arc::new(clock.clone()), $edit).await;
                $scenario(&r.h, &clock).await;
            }
        }
    };
}

fn principal_limit(c: &mut Config) {
    c.throttle.sts_per_principal_rate = 1.0;
    c.throttle.sts_per_principal_burst = 3;
    c.throttle.sts_per_ip_rate = 0.0;
}

fn ip_limit(c: &mut Config) {
    c.throttle.sts_per_principal_rate = 0.0;
    c.throttle.sts_per_ip_rate = 1.0;
    c.throttle.sts_per_ip_burst = 3;
}

/// How many of `n` GetCallerIdentity calls succeed; the first refusal must be Throttling.
async fn allowed(sts: &aws_sdk_sts::Client, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        match sts.get_caller_identity().send().await {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(common::code(&e), "Throttling", "{e:?}");
                assert_eq!(common::status(&e), 400);
                assert_eq!(common::message(&e), "Rate exceeded");
                return ok;
            }
        }
    }
    ok
}

/// The audit events of throttling refusals.
fn throttle_events(h: &Harness) -> Vec<serde_json::Value> {
    h.audit_lines()
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["errorCode"] == "Throttling")
        .collect()
}

async fn per_principal(h: &Harness, clock: &ManualClock) {
    let (k, s) = h.admin_key();
    let admin = h.sts(&k, &s);
    assert_eq!(allowed(&admin, 10).await, 3, "the burst, then Throttling");

    // The refusal as AWS sends it, read raw from a presigned URL.
    let url = h.presign(
        (&k, &s),
        "sts",
        "GET",
        "/?Action=GetCallerIdentity&Version=2011-06-15",
    );
    let (status, body) = h
        .raw("GET", url.trim_start_matches(&h.url), vec![], &[])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.starts_with(THROTTLED_XML), "{body}");
    assert!(body.contains("<RequestId>"), "{body}");

    // Credential actions are throttled too, before anything else is decided.
    fails(
        admin
            .assume_role()
            .role_arn(format!("arn:aws:iam::{ACCT}:role/NoSuchRole"))
            .role_session_name("s")
            .send()
            .await,
        "Throttling",
        400,
    );

    // Another principal has its own bucket; IAM is not throttled at all.
    let (bk, bs) = h.user_with_key("bob").await;
    assert_eq!(allowed(&h.sts(&bk, &bs), 2).await, 2);
    let iam = h.iam(&k, &s);
    for _ in 0..10 {
        iam.get_user().send().await.unwrap();
    }

    // One token a second; never more than the burst.
    clock.advance_secs(1);
    assert_eq!(allowed(&admin, 10).await, 1);
    clock.advance_secs(600);
    assert_eq!(allowed(&admin, 10).await, 3);

    // Three runs of refusals, each audited once; the second carries the two refusals (the
    // presigned GET and AssumeRole) that the first run did not audit.
    let events = throttle_events(h);
    assert_eq!(events.len(), 3, "{events:#?}");
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    for e in &events {
        assert_eq!(e["userIdentity"]["arn"], admin_arn.as_str());
        assert_eq!(e["eventSource"], "sts.amazonaws.com");
        assert_eq!(e["errorMessage"], "Rate exceeded");
        assert_eq!(e["additionalEventData"]["throttle"], "principal");
    }
    assert_eq!(events[0]["eventName"], "GetCallerIdentity");
    let unaudited: Vec<_> = events
        .iter()
        .map(|e| {
            e["additionalEventData"]["refusalsNotAudited"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(unaudited, [0, 2, 0]);
}
on_both!(
    per_principal_bucket,
    super::principal_limit,
    super::per_principal
);

async fn per_ip(h: &Harness, clock: &ManualClock) {
    let unsigned = || h.raw("POST", "/", STS_UNSIGNED.to_vec(), FORM);
    for _ in 0..3 {
        let (status, body) = unsigned().await;
        assert_eq!(
            (status, common::error_code(&body)),
            (403, "MissingAuthenticationToken"),
            "{body}"
        );
    }
    // The fourth unsigned request from this address is refused before authentication.
    let (status, body) = unsigned().await;
    assert_eq!(status, 400, "{body}");
    assert!(body.starts_with(THROTTLED_XML), "{body}");

    // Signed requests from the same address share its bucket...
    let (k, s) = h.admin_key();
    let admin = h.sts(&k, &s);
    assert_eq!(allowed(&admin, 1).await, 0);
    // ...but IAM, signed or not, is not limited.
    let (status, body) = h.raw("POST", "/", IAM_UNSIGNED.to_vec(), FORM).await;
    assert_eq!(
        (status, common::error_code(&body)),
        (403, "MissingAuthenticationToken")
    );
    h.iam(&k, &s).get_user().send().await.unwrap();

    clock.advance_secs(2);
    assert_eq!(allowed(&admin, 5).await, 2, "two seconds, two tokens");
    assert_eq!(unsigned().await.0, 400);

    let events = throttle_events(h);
    assert_eq!(events.len(), 2, "{events:#?}");
    let first = &events[0];
    assert_eq!(first["userIdentity"]["type"], "Unknown");
    assert_eq!(first["sourceIPAddress"], "127.0.0.1");
    assert_eq!(first["additionalEventData"]["throttle"], "sourceIp");
    // The second run's audited refusal names the signer's key id (parsed, not verified).
    assert_eq!(events[1]["userIdentity"]["accessKeyId"], k.as_str());
    assert_eq!(events[1]["additionalEventData"]["refusalsNotAudited"], 1);
}
on_both!(per_ip_bucket, super::ip_limit, super::per_ip);

/// Requests throttled and credentials issued show in /metrics.
async fn counted(h: &Harness, _clock: &ManualClock) {
    let (k, s) = h.admin_key();
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    h.iam(&k, &s)
        .create_role()
        .role_name("Dev")
        .assume_role_policy_document(common::trust_policy(&admin_arn, r#""sts:AssumeRole""#))
        .send()
        .await
        .unwrap();
    let sts = h.sts(&k, &s);
    sts.assume_role()
        .role_arn(format!("arn:aws:iam::{ACCT}:role/Dev"))
        .role_session_name("m1")
        .send()
        .await
        .unwrap();
    sts.get_session_token().send().await.unwrap();
    // A mistake is not a denial.
    fails(
        sts.assume_role()
            .role_arn(format!("arn:aws:iam::{ACCT}:role/Dev"))
            .role_session_name("m1")
            .duration_seconds(1)
            .send()
            .await,
        "ValidationError",
        400,
    );
    fails(sts.get_caller_identity().send().await, "Throttling", 400);
    let (bk, bs) = h.user_with_key("bob").await;
    fails(
        h.sts(&bk, &bs)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{ACCT}:role/Dev"))
            .role_session_name("b1")
            .send()
            .await,
        "AccessDenied",
        403,
    );

    let (status, text) = h.raw("GET", "/metrics", vec![], &[]).await;
    assert_eq!(status, 200);
    for line in [
        "fedgate_sts_credentials_issued_total{action=\"AssumeRole\"} 1",
        "fedgate_sts_credentials_issued_total{action=\"GetSessionToken\"} 1",
        "fedgate_denials_total{action=\"GetCallerIdentity\",reason=\"Throttling\"} 1",
        "fedgate_denials_total{action=\"AssumeRole\",reason=\"AccessDenied\"} 1",
        "fedgate_requests_total{action=\"GetCallerIdentity\",outcome=\"Throttling\"} 1",
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(!text.contains("reason=\"other\""), "{text}");
    assert!(!text.contains("GetFederationToken"), "{text}");
}
on_both!(metrics, super::principal_limit, super::counted);

/// The shipped defaults leave ordinary use alone: a busy minute of a CLI user or an SDK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_do_not_bother_normal_use() {
    let h = common::start_with_clock(Arc::new(common::now_clock()), |_| {}).await;
    let (k, s) = h.admin_key();
    assert_eq!(allowed(&h.sts(&k, &s), 100).await, 100);
    assert!(throttle_events(&h).is_empty());
}
