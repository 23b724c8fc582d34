//! STS AssumeRoleWithWebIdentity end to end through the AWS SDK for Rust against a real local
//! OpenID Connect provider (its own keys, discovery and JWKS: `crates/oidc/tests/support`), on
//! both backends: an OIDC provider registered through IAM, a role trusting it with conditions
//! on `{provider}:sub` and `:aud`, the exchange (response fields SubjectFromWebIdentityToken,
//! Audience, Provider, AssumedRoleUser), the credentials used, the audit event (the identity,
//! never the token); key rotation and an IdP outage with keys cached; the default credential
//! chain's web identity flow as a Kubernetes pod uses it (token file, role ARN and STS endpoint
//! in the environment). The refusals, one test each, are in `sts_web_identity_refusals.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "../crates/oidc/tests/support/mod.rs"]
mod idp;

#[path = "common/web_identity.rs"]
mod web_identity;

use common::{Creds, Harness};
use idp::{CLIENT_ID, SignOpts, TestIdp};
use std::sync::Arc;
use web_identity::{ACCT, federated_role, now, provider_id, with_http_issuers};

async fn exchange_and_use(h: &Harness) {
    let idp = TestIdp::start().await;
    let role = federated_role(h, &idp, "web").await;
    let token = idp.sign(&idp.claims(now(h)), SignOpts::default());
    let out = h
        .sts_anonymous()
        .assume_role_with_web_identity()
        .role_arn(&role)
        .role_session_name("app1")
        .web_identity_token(&token)
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert_eq!(out.subject_from_web_identity_token(), Some("user-1"));
    assert_eq!(out.audience(), Some(CLIENT_ID));
    assert_eq!(out.provider(), Some(idp.issuer().as_str()));
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCT}:assumed-role/web/app1")
    );
    assert!(user.assumed_role_id().ends_with(":app1"));
    assert!(user.assumed_role_id().starts_with("AROA"));
    let c = Creds::from(out.credentials().unwrap());
    assert!(c.key.starts_with("ASIA") && c.key.len() == 20);
    let secs = out.credentials().unwrap().expiration().secs() - now(h);
    assert!((890..=910).contains(&secs), "{secs}");

    // The credentials work, as the role.
    let me = h
        .sts_session(&c.key, &c.secret, &c.token)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(user.arn()));

    // One audit event names the person and never carries the token or secret.
    let lines = h.audit_lines();
    let event = lines
        .iter()
        .find(|l| l.contains("\"eventName\":\"AssumeRoleWithWebIdentity\""))
        .expect("an audit event");
    assert!(event.contains("\"type\":\"WebIdentityUser\""), "{event}");
    assert!(event.contains("\"userName\":\"user-1\""), "{event}");
    assert!(event.contains(&c.key), "{event}");
    for line in &lines {
        assert!(!line.contains(&token), "token in an audit event");
        assert!(!line.contains(&c.secret), "secret in an audit event");
    }
}

mod exchange {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn embedded() {
        super::exchange_and_use(&super::with_http_issuers().await).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let r = crate::common::start_on_redis_with(|c| c.oidc.allow_http = true).await;
        super::exchange_and_use(&r.h).await;
    }
}

async fn assume(h: &Harness, role: &str, token: &str) -> Result<Creds, String> {
    h.sts_anonymous()
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("app1")
        .web_identity_token(token)
        .send()
        .await
        .map(|o| Creds::from(o.credentials().unwrap()))
        .map_err(|e| common::code(&e))
}

/// The IdP switches to a new key: fedgate picks it up on the first token with the unknown
/// kid once the refresh interval allows, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_is_picked_up() {
    let clock = common::now_clock();
    let h = common::start_with_clock(Arc::new(clock.clone()), |c| c.oidc.allow_http = true).await;
    let idp = TestIdp::start().await;
    let role = federated_role(&h, &idp, "web").await;
    let t1 = idp.sign(&idp.claims(now(&h)), SignOpts::default());
    assume(&h, &role, &t1).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);

    idp.rotate();
    clock.advance_secs(31);
    let t2 = idp.sign(&idp.claims(now(&h)), SignOpts::default());
    assume(&h, &role, &t2).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 2);
    // The retired key is gone for tokens after the refresh.
    let old = idp.sign(
        &idp.claims(now(&h)),
        SignOpts {
            key: Some(idp::RSA_1),
            ..SignOpts::default()
        },
    );
    assert_eq!(
        assume(&h, &role, &old).await.unwrap_err(),
        "InvalidIdentityToken"
    );
}

/// While the IdP is down, the keys fedgate holds keep verifying tokens; a cold cache answers
/// IDPCommunicationError, and fetches again once the refresh interval has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_down_with_keys_cached() {
    let clock = common::now_clock();
    let h = common::start_with_clock(Arc::new(clock.clone()), |c| c.oidc.allow_http = true).await;
    let idp = TestIdp::start().await;
    let role = federated_role(&h, &idp, "web").await;
    idp.set_down(true);
    let t = idp.sign(&idp.claims(now(&h)), SignOpts::default());
    assert_eq!(
        assume(&h, &role, &t).await.unwrap_err(),
        "IDPCommunicationError"
    );
    // Back up, but within the refresh interval: no new fetch yet (a down IdP is not hammered).
    idp.set_down(false);
    assert_eq!(
        assume(&h, &role, &t).await.unwrap_err(),
        "IDPCommunicationError"
    );
    clock.advance_secs(31);
    let t = idp.sign(&idp.claims(now(&h)), SignOpts::default());
    assume(&h, &role, &t).await.unwrap();
    // Down again: the cached keys serve, for every algorithm they hold.
    idp.set_down(true);
    clock.advance_secs(7200);
    let t2 = idp.sign(&idp.claims(now(&h)), SignOpts::alg("ES256"));
    assume(&h, &role, &t2).await.unwrap();
}

/// Marks the process that plays the pod in [`default_credential_chain_web_identity`].
const WORKLOAD: &str = "FEDGATE_TEST_IRSA_WORKLOAD";

/// A pod with only a token file and three environment variables (`AWS_WEB_IDENTITY_TOKEN_FILE`,
/// `AWS_ROLE_ARN`, `AWS_ENDPOINT_URL_STS`) gets credentials through the SDK's default
/// credential chain, as with IRSA on Kubernetes. The workload is a child process (this test
/// binary again, running only this test, with [`WORKLOAD`] set) whose real environment holds
/// just those variables: the SDK reads them as it would in a pod.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_credential_chain_web_identity() {
    if std::env::var_os(WORKLOAD).is_some() {
        return workload().await;
    }
    let h = with_http_issuers().await;
    let idp = TestIdp::start().await;
    let mut claims = idp.claims(now(&h));
    claims["sub"] = "system:serviceaccount:shop:orders".into();
    let p = provider_id(&idp);
    let iam = h.admin_iam();
    iam.create_open_id_connect_provider()
        .url(idp.issuer())
        .client_id_list(CLIENT_ID)
        .send()
        .await
        .unwrap();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{ACCT}:oidc-provider/{p}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{p}:sub":"system:serviceaccount:shop:orders"}}}}}}]}}"#
    );
    iam.create_role()
        .role_name("orders")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, idp.sign(&claims, SignOpts::default())).unwrap();

    let out = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "default_credential_chain_web_identity",
            "--exact",
            "--nocapture",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env(WORKLOAD, "1")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file)
        .env("AWS_ROLE_ARN", format!("arn:aws:iam::{ACCT}:role/orders"))
        .env("AWS_ROLE_SESSION_NAME", "orders-pod")
        .env("AWS_ENDPOINT_URL_STS", &h.url)
        .env("AWS_REGION", "us-east-1")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The role has no permission policy: GetCallerIdentity needs none.
    assert!(
        stdout.contains(&format!(
            "caller: arn:aws:sts::{ACCT}:assumed-role/orders/orders-pod"
        )),
        "{stdout}"
    );
}

/// The pod: the default configuration and credential chain, nothing passed in code but a
/// plain-HTTP client (the test gateway has no TLS).
async fn workload() {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await;
    let me = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    println!("caller: {}", me.arn().unwrap_or_default());
}
