//! STS GetFederationToken and DecodeAuthorizationMessage end to end through the AWS SDK for
//! Rust, on both backends: the federated user's identity (GetCallerIdentity), its refusals
//! (IAM, STS but GetCallerIdentity), its permissions as the session the server stored decides
//! them (user ∩ session policies; none passed: nothing), the callers AWS refuses (temporary
//! credentials, no sts:GetFederationToken on the federated-user ARN, tags without
//! sts:TagSession), parameter validation, root sessions cut to one hour, deleting the user
//! ending its federated sessions. DecodeAuthorizationMessage: `sts_decode_authorization_message.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Creds;

use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use common::{Harness, fails};
use fedgate_core::{AccessKeyId, Principal};
use fedgate_iam::authz::{Decision, RequestContext, authorize};

const ACCT: &str = "123456789012";

/// Allows GetCallerIdentity, reading S3 objects of one bucket, and all of IAM (which a
/// federated user still may not call).
const SESSION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetCallerIdentity","iam:*"],"Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::productionapp/*"}]}"#;

fn creds(out: &aws_sdk_sts::operation::get_federation_token::GetFederationTokenOutput) -> Creds {
    Creds::from(out.credentials().unwrap())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The principal the server resolves these credentials to.
async fn resolved(h: &Harness, c: &Creds) -> Principal {
    let id = AccessKeyId::parse(&c.key).unwrap();
    fedgate_sts::resolve::resolve_session(&h.app.iam, &id, Some(&c.token))
        .await
        .unwrap()
        .principal
}

async fn allowed(h: &Harness, p: &Principal, action: &str, resource: &str) -> bool {
    let d = authorize(&h.app.iam, p, action, resource, &RequestContext::default()).await;
    d.unwrap() == Decision::Allow
}

async fn federate_and_use(h: &Harness) {
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let out = sts
        .get_federation_token()
        .name("Carol")
        .policy(SESSION_POLICY)
        .tags(Tag::builder().key("team").value("blue").build().unwrap())
        .send()
        .await
        .unwrap();
    let fu = out.federated_user().unwrap();
    assert_eq!(
        fu.arn(),
        format!("arn:aws:sts::{ACCT}:federated-user/Carol")
    );
    assert_eq!(fu.federated_user_id(), format!("{ACCT}:Carol"));
    assert!(
        out.packed_policy_size()
            .is_some_and(|n| (1..=100).contains(&n))
    );
    let c = creds(&out);
    assert!(c.key.starts_with("ASIA") && c.key.len() == 20);
    assert_eq!(c.secret.len(), 40);
    // Default 12 hours.
    let secs = out.credentials().unwrap().expiration().secs() - now();
    assert!((43_100..=43_300).contains(&secs), "{secs}");

    // GetCallerIdentity names the federated user.
    let session = h.sts_session(&c.key, &c.secret, &c.token);
    let me = session.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCT}:federated-user/Carol").as_str())
    );
    assert_eq!(me.user_id(), Some(format!("{ACCT}:Carol").as_str()));
    assert_eq!(me.account(), Some(ACCT));

    // No IAM (though the user's and the session's policies allow it), no STS but
    // GetCallerIdentity.
    let iam = h.iam_session(&c.key, &c.secret, &c.token);
    fails(iam.list_users().send().await, "AccessDenied", 403);
    fails(
        iam.get_user().user_name("admin").send().await,
        "AccessDenied",
        403,
    );
    let msg = fails(
        session.get_federation_token().name("Again").send().await,
        "AccessDenied",
        403,
    );
    assert_eq!(
        msg,
        "Cannot call GetFederationToken with session credentials"
    );
    fails(
        session.get_session_token().send().await,
        "AccessDenied",
        403,
    );
    fails(
        session
            .decode_authorization_message()
            .encoded_message("x")
            .send()
            .await,
        "AccessDenied",
        403,
    );

    // What the stored session may do elsewhere: the user's policies (AdministratorAccess)
    // intersected with the session policy.
    let p = resolved(h, &c).await;
    assert!(matches!(p, Principal::FederatedUser { .. }));
    assert!(allowed(h, &p, "s3:GetObject", "arn:aws:s3:::productionapp/a.csv").await);
    assert!(!allowed(h, &p, "s3:PutObject", "arn:aws:s3:::productionapp/a.csv").await);
    assert!(!allowed(h, &p, "s3:GetObject", "arn:aws:s3:::otherbucket/a.csv").await);

    // Managed session policies count too.
    let arn = h
        .admin_iam()
        .create_policy()
        .policy_name("ReadObjects")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let out = sts
        .get_federation_token()
        .name("Dave")
        .policy_arns(PolicyDescriptorType::builder().arn(&arn).build())
        .send()
        .await
        .unwrap();
    assert!(out.packed_policy_size().is_some());
    let p = resolved(h, &creds(&out)).await;
    assert!(allowed(h, &p, "s3:GetObject", "arn:aws:s3:::otherbucket/a.csv").await);
    assert!(!allowed(h, &p, "s3:PutObject", "arn:aws:s3:::otherbucket/a.csv").await);
    let msg = fails(
        sts.get_federation_token()
            .name("Dave")
            .policy_arns(
                PolicyDescriptorType::builder()
                    .arn(format!("arn:aws:iam::{ACCT}:policy/Missing"))
                    .build(),
            )
            .send()
            .await,
        "ValidationError",
        400,
    );
    assert!(msg.contains("does not exist"), "{msg}");

    // The audit trail names the issuance and hides the credentials.
    let lines = h.audit_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"GetFederationToken\"") && l.contains("Carol"))
    );
    assert!(!lines.iter().any(|l| l.contains(&c.secret)));
    assert!(lines.iter().any(|l| l.contains("\"FederatedUser\"")));
}
both_backends!(get_federation_token, super::federate_and_use);

/// "If you do not pass a policy, then the resulting federated user session has no
/// permissions" (STS API Reference).
async fn no_session_policy(h: &Harness) {
    let (k, s) = h.admin_key();
    let out = h
        .sts(&k, &s)
        .get_federation_token()
        .name("NoPolicy")
        .send()
        .await
        .unwrap();
    assert_eq!(out.packed_policy_size(), None);
    let c = creds(&out);
    // Who it is, it can still ask.
    let me = h
        .sts_session(&c.key, &c.secret, &c.token)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.user_id(), Some(format!("{ACCT}:NoPolicy").as_str()));
    let p = resolved(h, &c).await;
    assert!(!allowed(h, &p, "s3:GetObject", "arn:aws:s3:::productionapp/a.csv").await);
    assert!(!allowed(h, &p, "ec2:DescribeInstances", "*").await);
    fails(
        h.iam_session(&c.key, &c.secret, &c.token)
            .list_users()
            .send()
            .await,
        "AccessDenied",
        403,
    );
}
both_backends!(
    get_federation_token_without_session_policy,
    super::no_session_policy
);

async fn refusals(h: &Harness) {
    let (k, s) = h.admin_key();
    let admin_sts = h.sts(&k, &s);
    let admin = h.admin_iam();

    // Temporary credentials cannot federate.
    let out = admin_sts.get_session_token().send().await.unwrap();
    let c = out.credentials().unwrap();
    let temp = h.sts_session(c.access_key_id(), c.secret_access_key(), c.session_token());
    let msg = fails(
        temp.get_federation_token().name("Carol").send().await,
        "AccessDenied",
        403,
    );
    assert_eq!(
        msg,
        "Cannot call GetFederationToken with session credentials"
    );

    // Parameter validation (STS API Reference constraints).
    for name in ["a", &"n".repeat(33), "has space", "semi;colon"] {
        fails(
            admin_sts.get_federation_token().name(name).send().await,
            "ValidationError",
            400,
        );
    }
    admin_sts
        .get_federation_token()
        .name("n".repeat(32))
        .send()
        .await
        .unwrap();
    for d in [899, 129_601] {
        fails(
            admin_sts
                .get_federation_token()
                .name("Carol")
                .duration_seconds(d)
                .send()
                .await,
            "ValidationError",
            400,
        );
    }
    let out = admin_sts
        .get_federation_token()
        .name("Carol")
        .duration_seconds(129_600)
        .send()
        .await
        .unwrap();
    let secs = out.credentials().unwrap().expiration().secs() - now();
    assert!((129_500..=129_700).contains(&secs), "{secs}");
    fails(
        admin_sts
            .get_federation_token()
            .name("Carol")
            .policy("{not json")
            .send()
            .await,
        "MalformedPolicyDocument",
        400,
    );

    // A user without sts:GetFederationToken.
    let (bk, bs) = h.user_with_key("bob").await;
    let bob = h.sts(&bk, &bs);
    let msg = fails(
        bob.get_federation_token().name("Carol").send().await,
        "AccessDenied",
        403,
    );
    assert!(
        msg.contains(&format!(
            "sts:GetFederationToken on resource: arn:aws:sts::{ACCT}:federated-user/Carol"
        )),
        "{msg}"
    );
    // Allowed for some federated user names only: the resource is the federated-user ARN.
    admin
        .put_user_policy()
        .user_name("bob")
        .policy_name("federate")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"arn:aws:sts::{ACCT}:federated-user/app-*"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    bob.get_federation_token()
        .name("app-1")
        .send()
        .await
        .unwrap();
    fails(
        bob.get_federation_token().name("Carol").send().await,
        "AccessDenied",
        403,
    );
    // Session tags need sts:TagSession.
    let msg = fails(
        bob.get_federation_token()
            .name("app-2")
            .tags(Tag::builder().key("team").value("blue").build().unwrap())
            .send()
            .await,
        "AccessDenied",
        403,
    );
    assert!(msg.contains("sts:TagSession"), "{msg}");
}
both_backends!(get_federation_token_refusals, super::refusals);

/// Root may federate (AWS discourages it); its sessions last at most an hour.
async fn root_sessions(h: &Harness) {
    let (rk, rs) = h.root_key().await;
    let root = h.sts(&rk, &rs);
    for d in [None, Some(7200)] {
        let out = root
            .get_federation_token()
            .name("FromRoot")
            .set_duration_seconds(d)
            .policy(SESSION_POLICY)
            .send()
            .await
            .unwrap();
        let secs = out.credentials().unwrap().expiration().secs() - now();
        assert!((3500..=3700).contains(&secs), "{d:?}: {secs}");
        let c = creds(&out);
        let me = h
            .sts_session(&c.key, &c.secret, &c.token)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:sts::{ACCT}:federated-user/FromRoot").as_str())
        );
        // Bounded by the session policy alone.
        let p = resolved(h, &c).await;
        assert!(allowed(h, &p, "s3:GetObject", "arn:aws:s3:::productionapp/a").await);
        assert!(!allowed(h, &p, "s3:DeleteObject", "arn:aws:s3:::productionapp/a").await);
    }
    let out = root
        .get_federation_token()
        .name("Short")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let secs = out.credentials().unwrap().expiration().secs() - now();
    assert!((850..=950).contains(&secs), "{secs}");
}
both_backends!(get_federation_token_root, super::root_sessions);

async fn deleting_the_user_ends_sessions(h: &Harness) {
    let admin = h.admin_iam();
    admin.create_user().user_name("bob").send().await.unwrap();
    admin
        .put_user_policy()
        .user_name("bob")
        .policy_name("federate")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let created = admin
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    let k = created.access_key().unwrap();
    let out = h
        .sts(k.access_key_id(), k.secret_access_key())
        .get_federation_token()
        .name("BobApp")
        .policy(SESSION_POLICY)
        .send()
        .await
        .unwrap();
    let c = creds(&out);
    let fed = h.sts_session(&c.key, &c.secret, &c.token);
    fed.get_caller_identity().send().await.unwrap();
    admin
        .delete_access_key()
        .user_name("bob")
        .access_key_id(k.access_key_id())
        .send()
        .await
        .unwrap();
    // Deleting only the key that minted it does not end the session (as on AWS).
    fed.get_caller_identity().send().await.unwrap();
    admin
        .delete_user_policy()
        .user_name("bob")
        .policy_name("federate")
        .send()
        .await
        .unwrap();
    admin.delete_user().user_name("bob").send().await.unwrap();
    fails(
        fed.get_caller_identity().send().await,
        "InvalidClientTokenId",
        403,
    );
}
both_backends!(
    get_federation_token_user_deleted,
    super::deleting_the_user_ends_sessions
);
