//! Two gateway replicas over one Redis, each caching credentials for a minute
//! (`auth.key_cache_ms = 60000`), so only the store's cross-replica invalidation (Redis
//! pub/sub) can explain a change reaching the other replica: credentials minted on one work
//! on the other; a session ended on one (its role deleted) and an access key deactivated on
//! one stop working on the other within one second; revoking a role's older sessions (AWS's
//! `AWSRevokeOlderSessions` inline deny) on one is effective on the other within one second,
//! although the other replica caches the role's record for a minute too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::types::StatusType;
use common::{Harness, OnRedis};
use std::time::{Duration, Instant};

const ACCT: &str = "123456789012";
const ROLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}"#;

fn long_cache(c: &mut fedgate_server::Config) {
    c.auth.key_cache_ms = 60_000;
}

async fn pair() -> (OnRedis, Harness) {
    let a = common::start_on_redis_with(long_cache).await;
    let b = common::start_replica(&a, long_cache).await;
    (a, b)
}

/// Polls `still_works` every 20 ms until it returns false; the time that took.
async fn until_refused<F, Fut>(mut still_works: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    until(move || {
        let f = still_works();
        async move { !f.await }
    })
    .await
}

/// Polls `done` every 20 ms until it returns true (failing after 5 s); the time that took.
async fn until<F, Fut>(mut done: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no change after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

async fn role_session(h: &Harness, role: &str) -> (String, String, String) {
    common::account_role(h, role, ROLE_POLICY).await;
    let c = common::assume_as_admin(h, role, "s1").await;
    (c.key, c.secret, c.token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_cross_replicas_and_end_everywhere() {
    let (a, b) = pair().await;
    let (key, secret, token) = role_session(&a.h, "worker").await;
    // Minted on A, used (and cached) on B.
    let on_b = b.sts_session(&key, &secret, &token);
    for _ in 0..3 {
        let me = on_b.get_caller_identity().send().await.unwrap();
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:sts::{ACCT}:assumed-role/worker/s1").as_str())
        );
    }
    // Deleting the role on A ends the session; B hears of it.
    let iam = a.h.admin_iam();
    iam.delete_role_policy()
        .role_name("worker")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("worker").send().await.unwrap();
    let took = until_refused(|| {
        let c = on_b.clone();
        async move {
            match c.get_caller_identity().send().await {
                Ok(_) => true,
                Err(e) => {
                    assert_eq!(
                        aws_sdk_sts::error::ProvideErrorMetadata::code(&e),
                        Some("InvalidClientTokenId")
                    );
                    false
                }
            }
        }
    })
    .await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_deactivated_on_one_replica_stops_on_the_other() {
    let (a, b) = pair().await;
    let (id, secret) = a.h.user_with_key("bob").await;
    let on_b = b.sts(&id, &secret);
    // Twice: the first use is recorded (a write that refreshes B's own cache entry); the
    // second is served from B's cache.
    on_b.get_caller_identity().send().await.unwrap();
    on_b.get_caller_identity().send().await.unwrap();
    a.h.admin_iam()
        .update_access_key()
        .user_name("bob")
        .access_key_id(&id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let took = until_refused(|| {
        let c = on_b.clone();
        async move { c.get_caller_identity().send().await.is_ok() }
    })
    .await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_older_sessions_on_one_replica_holds_on_the_other() {
    let (a, b) = pair().await;
    let (key, secret, token) = role_session(&a.h, "deployer").await;
    let on_b = b.iam_session(&key, &secret, &token);
    on_b.get_role().role_name("deployer").send().await.unwrap();
    // What the console's "Revoke active sessions" writes, through the API on A.
    let cutoff =
        fedgate_core::clock::iso8601(time::OffsetDateTime::now_utc() + time::Duration::seconds(1));
    let revoke = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{cutoff}"}}}}}}]}}"#
    );
    a.h.admin_iam()
        .put_role_policy()
        .role_name("deployer")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(revoke)
        .send()
        .await
        .unwrap();
    // B cached the role's record when it served GetRole; A's write reaches it through the
    // store's invalidation (Redis pub/sub), well within the second the issue allows.
    let took = until_refused(|| {
        let c = on_b.clone();
        async move { c.get_role().role_name("deployer").send().await.is_ok() }
    })
    .await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let err = on_b
        .get_role()
        .role_name("deployer")
        .send()
        .await
        .unwrap_err();
    assert_eq!(common::code(&err), "AccessDenied");
    assert!(common::message(&err).contains("explicit deny"), "{err:?}");
    // A session issued after the cut-off works again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (k, s) = a.h.admin_key();
    let fresh =
        a.h.sts(&k, &s)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{ACCT}:role/deployer"))
            .role_session_name("s2")
            .send()
            .await
            .unwrap();
    let c = fresh.credentials().unwrap();
    b.iam_session(c.access_key_id(), c.secret_access_key(), c.session_token())
        .get_role()
        .role_name("deployer")
        .send()
        .await
        .unwrap();
}

const LIST_USERS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;

/// Whether `iam`'s user may list users.
fn can_list(iam: &aws_sdk_iam::Client) -> impl std::future::Future<Output = bool> + use<> {
    let c = iam.clone();
    async move { c.list_users().send().await.is_ok() }
}

/// IAM records are cached by each replica for a minute here (the record cache in front of
/// Redis); a policy change through one replica reaches the other's cache within a second,
/// both ways: a grant removed, and a group membership added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_changes_on_one_replica_hold_on_the_other() {
    let (a, b) = pair().await;
    let admin_a = a.h.admin_iam();
    let carol_on_b = common::user_with_api_key(&b, &b.admin_iam(), "carol").await;
    admin_a
        .put_user_policy()
        .user_name("carol")
        .policy_name("p")
        .policy_document(LIST_USERS)
        .send()
        .await
        .unwrap();
    // Granted on A: B sees it (it had not cached the user's policies yet, or drops them).
    let took = until(|| can_list(&carol_on_b)).await;
    assert!(
        took < Duration::from_secs(1),
        "grant not seen on B after {took:?}"
    );
    // B has the user cached now; removing the grant on A reaches it.
    admin_a
        .delete_user_policy()
        .user_name("carol")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    let took = until_refused(|| can_list(&carol_on_b)).await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    // A group with the grant, joined on A, counts on B.
    admin_a
        .create_group()
        .group_name("readers")
        .send()
        .await
        .unwrap();
    admin_a
        .put_group_policy()
        .group_name("readers")
        .policy_name("p")
        .policy_document(LIST_USERS)
        .send()
        .await
        .unwrap();
    admin_a
        .add_user_to_group()
        .group_name("readers")
        .user_name("carol")
        .send()
        .await
        .unwrap();
    let took = until(|| can_list(&carol_on_b)).await;
    assert!(
        took < Duration::from_secs(1),
        "group grant not seen on B after {took:?}"
    );
}
