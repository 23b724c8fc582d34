#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Authorization of federated user sessions (GetFederationToken) by the policy engine, on the
//! embedded store, after the IAM User Guide's "Permissions for GetFederationToken": the
//! session may do what both the user's policies (within its boundary) and the session
//! policies allow; with no session policy it may do nothing; a resource-based policy naming
//! the federated user grants on its own; IAM and STS (but GetCallerIdentity) are refused.

use fedgate_core::rng::TestRng;
use fedgate_core::{AccessKeyId, AccountId, Kek, Principal, SystemClock};
use fedgate_iam::Iam;
use fedgate_iam::authz::{
    Decision, LoadedPolicy, RequestContext, authorize, authorize_with_resource_policy,
};
use fedgate_policy::PolicyKind;
use fedgate_store::model::{Session, SessionDetails, Tag, User};
use fedgate_store::{EmbeddedBackend, Store};
use std::sync::Arc;

const ACCT: &str = "111122223333";
const BUCKET: &str = "arn:aws:s3:::productionapp";

fn iam(dir: &tempfile::TempDir) -> Iam {
    let rng = Arc::new(TestRng::seeded(31));
    let (kek, _) = Kek::generate(rng.as_ref()).unwrap();
    let backend = EmbeddedBackend::open(&dir.path().join("s.redb"), Arc::new(SystemClock)).unwrap();
    Iam::new(
        Store::new(Arc::new(backend)),
        Arc::new(kek),
        Arc::new(SystemClock),
        rng,
        "aws",
    )
}

/// The example policy of user `token-app` in "Permissions for GetFederationToken", with S3
/// object actions added, and a tag.
async fn token_app(iam: &Iam, boundary: Option<&str>) -> User {
    let mut inline = std::collections::BTreeMap::new();
    inline.insert(
        "broad".to_owned(),
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"},
            {"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject","s3:PutObject","sqs:ReceiveMessage","iam:*","sts:*"],"Resource":"*"},
            {"Effect":"Allow","Action":"s3:DeleteObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}
        ]}"#
        .to_owned(),
    );
    let user = User {
        account_id: AccountId::parse(ACCT).unwrap(),
        user_id: "AIDATOKENAPPEXAMPLE1".into(),
        name: "token-app".into(),
        path: "/".into(),
        created_at: "2026-01-01T00:00:00Z".into(),
        tags: vec![Tag {
            key: "Team".into(),
            value: "red".into(),
        }],
        permissions_boundary: boundary.map(str::to_owned),
        attached_policies: vec![],
        inline_policies: inline,
        groups: vec![],
        login_profile: None,
        mfa_devices: vec![],
        password_last_used: None,
    };
    iam.store.create_user(&user).await.unwrap();
    user
}

/// A stored federated user session of `user_id` (None: root) with these session inputs.
async fn session(
    iam: &Iam,
    key: &str,
    user_id: Option<&str>,
    policy: Option<&str>,
    tags: Vec<Tag>,
) -> Principal {
    let id = AccessKeyId::parse(key).unwrap();
    let p = Principal::FederatedUser {
        partition: "aws".into(),
        account: AccountId::parse(ACCT).unwrap(),
        name: "Carol".into(),
        user_id: user_id.map(str::to_owned),
        access_key_id: id.clone(),
    };
    let now = iam.clock.now_millis();
    iam.store
        .put_session(&Session {
            access_key_id: id,
            account_id: AccountId::parse(ACCT).unwrap(),
            sealed_secret: vec![1],
            expires_at_ms: now + 3_600_000,
            principal: serde_json::to_value(&p).unwrap(),
            details: SessionDetails {
                issued_at_ms: now,
                owner_id: user_id.unwrap_or("root").to_owned(),
                session_policy: policy.map(str::to_owned),
                tags,
                federated_name: Some("Carol".into()),
                ..SessionDetails::default()
            },
        })
        .await
        .unwrap();
    p
}

async fn allowed(iam: &Iam, p: &Principal, action: &str, resource: &str) -> bool {
    let d = authorize(iam, p, action, resource, &RequestContext::default())
        .await
        .unwrap();
    d == Decision::Allow
}

/// The session policy of the same example (list the bucket, read and write its objects),
/// and all of IAM and STS.
const SESSION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::productionapp"]},
    {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::productionapp/*"]},
    {"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"}]}"#;

#[tokio::test]
async fn intersection_of_user_and_session_policies() {
    let dir = tempfile::tempdir().unwrap();
    let iam = iam(&dir);
    let user = token_app(&iam, None).await;
    let p = session(
        &iam,
        "ASIAFEDEXAMPLE000001",
        Some(&user.user_id),
        Some(SESSION_POLICY),
        vec![],
    )
    .await;
    let object = format!("{BUCKET}/report.csv");
    // Both allow.
    assert!(allowed(&iam, &p, "s3:ListBucket", BUCKET).await);
    assert!(allowed(&iam, &p, "s3:GetObject", &object).await);
    // The user allows, the session does not.
    assert!(!allowed(&iam, &p, "sqs:ReceiveMessage", "*").await);
    assert!(!allowed(&iam, &p, "s3:GetObject", "arn:aws:s3:::otherbucket/x").await);
    // Neither IAM nor STS, though both policies allow them; GetCallerIdentity always.
    assert!(!allowed(&iam, &p, "iam:ListUsers", "*").await);
    assert!(!allowed(&iam, &p, "sts:GetFederationToken", "*").await);
    assert!(!allowed(&iam, &p, "sts:AssumeRole", "*").await);
    assert!(allowed(&iam, &p, "sts:GetCallerIdentity", "*").await);
    // The denial names the federated user and the missing layer.
    let Decision::Deny(msg) = authorize(
        &iam,
        &p,
        "sqs:ReceiveMessage",
        "*",
        &RequestContext::default(),
    )
    .await
    .unwrap() else {
        panic!("allowed")
    };
    assert!(
        msg.starts_with(&format!(
            "User: arn:aws:sts::{ACCT}:federated-user/Carol is not authorized"
        )),
        "{msg}"
    );
    assert!(msg.contains("session policy"), "{msg}");
}

#[tokio::test]
async fn no_session_policy_no_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let iam = iam(&dir);
    let user = token_app(&iam, None).await;
    let p = session(
        &iam,
        "ASIAFEDEXAMPLE000002",
        Some(&user.user_id),
        None,
        vec![],
    )
    .await;
    let object = format!("{BUCKET}/report.csv");
    assert!(!allowed(&iam, &p, "s3:GetObject", &object).await);
    assert!(!allowed(&iam, &p, "s3:ListBucket", BUCKET).await);
    assert!(allowed(&iam, &p, "sts:GetCallerIdentity", "*").await);
    // A resource-based policy naming the federated user grants on its own (the bucket policy
    // example of the same page).
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Principal":{{"AWS":"arn:aws:sts::{ACCT}:federated-user/Carol"}},"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::productionapp/*"]}}}}"#
    );
    let bucket_policy = LoadedPolicy {
        label: "BucketPolicy".into(),
        policy: iam.compiled.document(PolicyKind::Resource, &doc).unwrap(),
        document: doc,
    };
    let d = authorize_with_resource_policy(
        &iam,
        &p,
        "s3:GetObject",
        &object,
        &RequestContext::default(),
        &bucket_policy,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(d, Decision::Allow);
}

#[tokio::test]
async fn boundary_tags_and_deleted_user() {
    let dir = tempfile::tempdir().unwrap();
    let iam = iam(&dir);
    // The user's boundary applies to its federated sessions.
    let bounded = token_app(&iam, Some("arn:aws:iam::aws:policy/IAMReadOnlyAccess")).await;
    let p = session(
        &iam,
        "ASIAFEDEXAMPLE000003",
        Some(&bounded.user_id),
        Some(SESSION_POLICY),
        vec![],
    )
    .await;
    assert!(!allowed(&iam, &p, "s3:ListBucket", BUCKET).await);
    iam.store.delete_user(&bounded).await.unwrap();

    // Session tags override the user's tag of the same key (case-insensitively).
    let user = token_app(&iam, None).await;
    let object = format!("{BUCKET}/report.csv");
    let red = session(
        &iam,
        "ASIAFEDEXAMPLE000004",
        Some(&user.user_id),
        Some(SESSION_POLICY),
        vec![],
    )
    .await;
    assert!(!allowed(&iam, &red, "s3:DeleteObject", &object).await);
    let blue = session(
        &iam,
        "ASIAFEDEXAMPLE000005",
        Some(&user.user_id),
        Some(SESSION_POLICY),
        vec![Tag {
            key: "team".into(),
            value: "blue".into(),
        }],
    )
    .await;
    assert!(allowed(&iam, &blue, "s3:DeleteObject", &object).await);

    // A session whose user is gone may do nothing.
    iam.store.delete_user(&user).await.unwrap();
    assert!(!allowed(&iam, &blue, "s3:GetObject", &object).await);
}

#[tokio::test]
async fn root_federated_sessions_are_bounded_by_the_session_policy() {
    let dir = tempfile::tempdir().unwrap();
    let iam = iam(&dir);
    let p = session(
        &iam,
        "ASIAFEDEXAMPLE000006",
        None,
        Some(SESSION_POLICY),
        vec![],
    )
    .await;
    let object = format!("{BUCKET}/report.csv");
    assert!(allowed(&iam, &p, "s3:GetObject", &object).await);
    assert!(!allowed(&iam, &p, "sqs:ReceiveMessage", "*").await);
    assert!(!allowed(&iam, &p, "iam:ListUsers", "*").await);
    // Not in another account without a resource-based policy.
    assert!(
        !allowed(
            &iam,
            &p,
            "s3:GetObject",
            "arn:aws:s3:us-east-1:444455556666:accesspoint/x/object/y"
        )
        .await
    );
    let none = session(&iam, "ASIAFEDEXAMPLE000007", None, None, vec![]).await;
    assert!(!allowed(&iam, &none, "s3:GetObject", &object).await);
}
