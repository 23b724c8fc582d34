//! Fault behaviour (issue 9): three `fedgate serve` processes (the real binary, configured by
//! `FEDGATE_*` variables) over one `redis-server` the test starts, driven with the AWS SDK
//! for Rust (helpers in `tests/common/processes.rs`). Each requirement is one test:
//! 1. a credential minted on one replica works on the other two;
//! 2. a SAML assertion used on one replica is refused when replayed on another;
//! 3. revoking a role's sessions through one replica reaches the other two within one second;
//! 4. stopping one replica (SIGTERM) under load fails no request: in-flight requests finish,
//!    clients route around the closed port, the process exits 0 within seconds;
//! 5. a Redis outage gives 503 `ServiceUnavailable` within seconds (never a hang or a panic),
//!    `/readyz` says 503, and service resumes once Redis is back, without restarting fedgate;
//! 6. no acknowledged IAM write is lost when Redis (AOF, `appendfsync always`) is killed with
//!    SIGKILL and restarted;
//! 7. on Redis with Sentinel (`redis+sentinel://`), killing the primary fails requests with 503
//!    only, until every replica follows the new primary by itself, with the data intact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/processes.rs"]
mod processes;
#[path = "../crates/saml/tests/support/mod.rs"]
mod saml_idp;

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use common::Creds;
use common::redis_support::SentinelSetup;
use processes::{ACCT, AOF_ALWAYS, Cluster, NO_PERSISTENCE, session};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Replicas reuse a resolved key, session or IAM record for a minute: only the store's
/// cross-replica invalidation (Redis pub/sub) can explain a change reaching another replica.
const LONG_CACHE: &[(&str, &str)] = &[("FEDGATE_AUTH__KEY_CACHE_MS", "60000")];
const GET_ROLE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}"#;

/// Creates role `name` through replica 1, trusting the account, with inline `policy`.
async fn role(c: &Cluster, name: &str, policy: &str) -> String {
    let iam = c.admin_iam(0);
    let trust = common::trust_policy(&format!("arn:aws:iam::{ACCT}:root"), r#""sts:AssumeRole""#);
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(name)
        .policy_name("p")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

/// The admin assumes `arn` through replica `i`.
async fn assume(c: &Cluster, i: usize, arn: &str, session_name: &str) -> Creds {
    let out = c
        .admin_sts(i)
        .assume_role()
        .role_arn(arn)
        .role_session_name(session_name)
        .send()
        .await
        .unwrap();
    Creds::from(out.credentials().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_minted_on_one_replica_work_on_the_others() {
    let c = Cluster::start(3, NO_PERSISTENCE, LONG_CACHE).await;
    let arn = role(&c, "worker", GET_ROLE).await;
    let creds = assume(&c, 0, &arn, "s1").await;
    for g in &c.replicas[1..] {
        let me = g.sts(session(&creds)).get_caller_identity().send().await;
        let me = me.unwrap_or_else(|e| panic!("{}: {e:?}", g.url));
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:sts::{ACCT}:assumed-role/worker/s1").as_str())
        );
        assert_eq!(me.account(), Some(ACCT));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saml_assertion_replayed_on_another_replica_is_refused() {
    use saml_idp::{IdpKey, Spec, b64, metadata, response};
    let c = Cluster::start(3, NO_PERSISTENCE, &[]).await;
    let provider = format!("arn:aws:iam::{ACCT}:saml-provider/ADFS");
    let key = IdpKey::rsa(2048, "ADFS Signing");
    let iam = c.admin_iam(0);
    iam.create_saml_provider()
        .name("ADFS")
        .saml_metadata_document(metadata(&key))
        .send()
        .await
        .unwrap();
    // Trusting the provider for the ACS every replica shares ({PUBLIC}/saml).
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithSAML","Condition":{{"StringEquals":{{"SAML:aud":"{}/saml"}}}}}}]}}"#,
        processes::PUBLIC
    );
    let role = format!("arn:aws:iam::{ACCT}:role/saml-admins");
    iam.create_role()
        .role_name("saml-admins")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let call = |i: usize, assertion: String| {
        c.replicas[i]
            .sts_anonymous()
            .assume_role_with_saml()
            .role_arn(&role)
            .principal_arn(&provider)
            .saml_assertion(assertion)
            .send()
    };
    let assertion = b64(&response(&Spec::at(now).with_role(&role, &provider), &key));
    let out = call(0, assertion.clone()).await.unwrap();
    assert!(
        out.credentials()
            .unwrap()
            .access_key_id()
            .starts_with("ASIA")
    );
    // Replayed on replica 2 (and 3): AssumeRoleWithSAML's answer to a replay.
    for i in [1, 2] {
        common::fails(
            call(i, assertion.clone()).await,
            "InvalidIdentityToken",
            400,
        );
    }
    // A fresh assertion works there: the refusal was about the replay only.
    let mut fresh = Spec::at(now).with_role(&role, &provider);
    fresh.assertion_id = "_assert-fresh".into();
    call(1, b64(&response(&fresh, &key))).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_reaches_every_replica_within_one_second() {
    let c = Cluster::start(3, NO_PERSISTENCE, LONG_CACHE).await;
    let arn = role(&c, "deployer", GET_ROLE).await;
    let creds = assume(&c, 0, &arn, "s1").await;
    // The session works on all three (each now caches the session and the role's record).
    let clients: Vec<_> = c.replicas.iter().map(|g| g.iam(session(&creds))).collect();
    for iam in &clients {
        iam.get_role().role_name("deployer").send().await.unwrap();
    }
    // AWS's "revoke active sessions" (README): deny everything to sessions issued before the
    // cut-off. aws:TokenIssueTime has whole seconds, so the cut-off is a second ahead: a
    // session issued within the current second is older too.
    let cutoff =
        fedgate_core::clock::iso8601(time::OffsetDateTime::now_utc() + time::Duration::seconds(1));
    let revoke = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{cutoff}"}}}}}}]}}"#
    );
    c.admin_iam(0)
        .put_role_policy()
        .role_name("deployer")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(revoke)
        .send()
        .await
        .unwrap();
    let revoked = Instant::now();
    let refused = |iam: aws_sdk_iam::Client| async move {
        loop {
            match iam.get_role().role_name("deployer").send().await {
                Ok(_) => assert!(revoked.elapsed() < Duration::from_secs(10), "never refused"),
                Err(e) => {
                    assert_eq!(common::code(&e), "AccessDenied", "{e:?}");
                    return revoked.elapsed();
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let (on2, on3) = tokio::join!(refused(clients[1].clone()), refused(clients[2].clone()));
    eprintln!("refused on replica 2 after {on2:?}, on replica 3 after {on3:?}");
    assert!(on2 < Duration::from_secs(1), "replica 2 took {on2:?}");
    assert!(on3 < Duration::from_secs(1), "replica 3 took {on3:?}");
}

/// True when the request could not be sent because the replica refused the connection (its
/// port is closed): the only failure the load test's clients route around, as a Kubernetes
/// Service routes around an endpoint that stopped listening. ECONNREFUSED comes only from
/// `connect`, so nothing of the request was sent.
fn refused<E: std::error::Error + 'static>(e: &SdkError<E, HttpResponse>) -> bool {
    if !matches!(e, SdkError::DispatchFailure(_)) {
        return false;
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        next = err.source();
    }
    false
}

#[derive(Default)]
struct Tally {
    /// Requests answered 200, per replica.
    ok: [AtomicU64; 3],
    /// Connections refused and sent to the next replica.
    routed_around: AtomicU64,
    /// Everything else: an error status, a reset, a timeout.
    failures: Mutex<Vec<String>>,
}

/// GetCallerIdentity round-robin over the replicas until `stop`, starting at replica `w`.
async fn worker(w: usize, clients: Vec<aws_sdk_sts::Client>, stop: Arc<AtomicBool>, t: Arc<Tally>) {
    let mut n = w;
    while !stop.load(Ordering::Relaxed) {
        let mut sent = false;
        for attempt in 0..clients.len() {
            let r = (n + attempt) % clients.len();
            match clients[r].get_caller_identity().send().await {
                Err(e) if refused(&e) => {
                    t.routed_around.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Ok(_) => {
                    t.ok[r].fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    let status = common::status(&e);
                    let msg = format!("replica {}: HTTP {status}: {e:?}", r + 1);
                    t.failures.lock().unwrap().push(msg);
                }
            }
            sent = true;
            break;
        }
        if !sent {
            t.failures
                .lock()
                .unwrap()
                .push("every replica refused".into());
        }
        n += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_replica_under_load_fails_no_request() {
    let mut c = Cluster::start(3, NO_PERSISTENCE, &[]).await;
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            // Each worker its own clients, so its own keep-alive connections.
            let clients = c.replicas.iter().map(|g| g.sts(c.admin_creds())).collect();
            tokio::spawn(worker(w, clients, stop.clone(), tally.clone()))
        })
        .collect();
    let count = |r: usize| tally.ok[r].load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = [count(0), count(1), count(2)];
    assert!(before.iter().all(|n| *n > 0), "no steady load: {before:?}");
    c.replicas[1].sigterm();
    let termed = Instant::now();
    let status = c.replicas[1].wait_exit(Duration::from_secs(10)).await;
    let exited_in = termed.elapsed();
    // The load goes on for a second without replica 2.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let after = [count(0), count(1), count(2)];
    let routed = tally.routed_around.load(Ordering::Relaxed);
    eprintln!(
        "200s per replica before SIGTERM {before:?}, at the end {after:?}; \
         {routed} refused connections routed around; replica 2 exited after {exited_in:?}"
    );
    let failures = tally.failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
    assert!(status.success(), "replica 2 exited with {status}");
    assert!(routed > 0, "no request met the stopped replica");
    assert!(after[0] > before[0] && after[2] > before[2], "load stopped");
}

/// Asserts a call failed within 10 s with HTTP 503 and `ServiceUnavailable`.
fn unavailable<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    what: &str,
    r: Result<T, SdkError<E, HttpResponse>>,
    started: Instant,
) {
    let took = started.elapsed();
    let e = r.expect_err(what);
    eprintln!("{what}: {} after {took:?}", common::status(&e));
    assert!(took < Duration::from_secs(10), "{what} took {took:?}");
    assert_eq!(common::status(&e), 503, "{what}: {e:?}");
    assert_eq!(e.code(), Some("ServiceUnavailable"), "{what}: {e:?}");
}

/// 200 for a success, else the error's HTTP status (0: no response).
fn http_status<T, E>(r: &Result<T, SdkError<E, HttpResponse>>) -> u16 {
    r.as_ref().map_or_else(common::status, |_| 200)
}

/// Creates a user and assumes `arn` through replica `i` until both succeed, within `limit`
/// of `since`; every failure meanwhile must be a 503.
async fn writes_resume(c: &Cluster, i: usize, arn: &str, since: Instant, limit: Duration) {
    let (iam, sts) = (c.admin_iam(i), c.admin_sts(i));
    for n in 0.. {
        let user = iam
            .create_user()
            .user_name(format!("after-{i}-{n}"))
            .send()
            .await;
        let creds = sts
            .assume_role()
            .role_arn(arn)
            .role_session_name("after")
            .send()
            .await;
        let statuses = [http_status(&user), http_status(&creds)];
        assert!(
            statuses.iter().all(|s| [200, 503].contains(s)),
            "{statuses:?}: {:?} {:?}",
            user.err(),
            creds.err()
        );
        if statuses == [200, 200] {
            return;
        }
        assert!(since.elapsed() < limit, "replica {} not back", i + 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_is_503_and_service_resumes_without_restart() {
    // AOF so that the account is still there when Redis comes back.
    let mut c = Cluster::start(3, AOF_ALWAYS, &[]).await;
    let arn = role(&c, "ops", GET_ROLE).await;
    let pids: Vec<u32> = c.replicas.iter().map(|g| g.pid()).collect();
    c.redis.stop();
    for (i, g) in c.replicas.iter().enumerate() {
        let t = Instant::now();
        let r = c
            .admin_iam(i)
            .create_user()
            .user_name(format!("during-{i}"))
            .send()
            .await;
        unavailable(&format!("CreateUser on replica {}", i + 1), r, t);
        let t = Instant::now();
        let r = c
            .admin_sts(i)
            .assume_role()
            .role_arn(&arn)
            .role_session_name("outage")
            .send()
            .await;
        unavailable(&format!("AssumeRole on replica {}", i + 1), r, t);
        let t = Instant::now();
        assert_eq!(g.readyz().await, 503, "readyz on replica {}", i + 1);
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }
    c.redis.restart();
    let restarted = Instant::now();
    // Until Redis has loaded and a replica has reconnected, its calls fail with 503 only.
    for (i, g) in c.replicas.iter().enumerate() {
        writes_resume(&c, i, &arn, restarted, Duration::from_secs(30)).await;
        assert_eq!(g.readyz().await, 200);
        assert!(!g.log().contains("panicked"), "replica {} panicked", i + 1);
        eprintln!(
            "replica {} serves again {:?} after the restart",
            i + 1,
            restarted.elapsed()
        );
    }
    for (g, pid) in c.replicas.iter_mut().zip(pids) {
        assert!(g.running() && g.pid() == pid, "a replica was restarted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_redis_kill_with_aof() {
    // appendfsync always: Redis fsyncs the AOF before it acknowledges a write, so whatever
    // fedgate acknowledged survives even a crash of the machine; with `everysec` (Redis's
    // default) a crash can lose up to a second of acknowledged writes. Killing the process,
    // as here, shows that every acknowledged write is in the AOF and replayed on restart.
    // No record cache: every ListUsers below reads Redis, nothing a replica remembers.
    let no_cache = &[("FEDGATE_AUTH__KEY_CACHE_MS", "0")];
    let mut c = Cluster::start(3, AOF_ALWAYS, no_cache).await;
    let clients: Vec<_> = (0..3).map(|i| c.admin_iam(i)).collect();
    let mut expected = vec!["admin".to_owned()];
    for n in 0..50 {
        let name = format!("user-{n:02}");
        clients[n % 3]
            .create_user()
            .user_name(&name)
            .send()
            .await
            .unwrap();
        expected.push(name);
    }
    expected.sort();
    c.redis.stop(); // SIGKILL: no shutdown, only the AOF survives.
    c.redis.restart();
    let restarted = Instant::now();
    for (i, iam) in clients.iter().enumerate() {
        // Each replica reconnects by itself; until then ListUsers fails with 503 (a 403
        // would mean the admin's key was lost).
        let mut names: Vec<String> = loop {
            match iam.list_users().max_items(1000).send().await {
                Ok(out) => {
                    assert!(!out.is_truncated());
                    let users = out.users().iter();
                    break users.map(|u| u.user_name().to_owned()).collect();
                }
                Err(e) => assert_eq!(common::status(&e), 503, "{e:?}"),
            }
            let waited = restarted.elapsed();
            assert!(waited < Duration::from_secs(30), "no ListUsers");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        names.sort();
        assert_eq!(names, expected, "replica {}", i + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_failover_is_followed_by_every_replica() {
    let sentinel = tokio::task::spawn_blocking(SentinelSetup::start)
        .await
        .unwrap();
    // The replicas use the Sentinel URL (it overrides the standalone Redis the harness starts
    // and the test leaves alone).
    let url = sentinel.url();
    let c = Cluster::start(2, NO_PERSISTENCE, &[("FEDGATE_STORE__REDIS_URL", &url)]).await;
    let arn = role(&c, "ops", GET_ROLE).await;
    let before = assume(&c, 0, &arn, "before").await;
    let pids: Vec<u32> = c.replicas.iter().map(|g| g.pid()).collect();
    let mut sentinel = tokio::task::spawn_blocking(move || {
        sentinel.wait_replicated();
        sentinel
    })
    .await
    .unwrap();

    sentinel.primary.stop();
    let killed = Instant::now();
    for (i, g) in c.replicas.iter().enumerate() {
        writes_resume(&c, i, &arn, killed, Duration::from_secs(40)).await;
        // Credentials minted before the failover still work: the session was replicated.
        let me = g.sts(session(&before)).get_caller_identity().send().await;
        assert!(me.is_ok(), "replica {}: {me:?}", i + 1);
        assert!(!g.log().contains("panicked"), "replica {} panicked", i + 1);
        eprintln!(
            "replica {} serves again {:?} after the primary was killed",
            i + 1,
            killed.elapsed()
        );
    }
    let role = common::redis_support::command(sentinel.replica.port, &["ROLE"]).unwrap();
    assert!(
        role.contains("master"),
        "the replica was not promoted: {role}"
    );
    for (g, pid) in c.replicas.iter().zip(pids) {
        assert_eq!(g.pid(), pid, "a replica was restarted");
    }
}
