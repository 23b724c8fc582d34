//! STS AssumeRole end to end through the AWS SDK for Rust, on both backends: trust policies
//! (user ARN, account root with ExternalId), using the credentials (GetCallerIdentity, IAM
//! calls allowed and denied by the role's and the session's policies), refusals (untrusted
//! caller with AWS's wording, duration over the role's maximum, role chaining over one hour),
//! forged/swapped/expired tokens, session tags as aws:PrincipalTag, deleting the role ending
//! its sessions, and GetAccessKeyInfo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Creds;

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use common::Harness;

const ACCT: &str = "123456789012";

fn trust(principal: &str) -> String {
    common::trust_policy(
        principal,
        r#"["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]"#,
    )
}

const LIST_ROLES: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole","sts:AssumeRole"],"Resource":"*"}]}"#;

async fn make_role(h: &Harness, name: &str, trust_doc: &str, policy: Option<&str>, max: i32) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust_doc)
        .max_session_duration(max)
        .send()
        .await
        .unwrap();
    if let Some(p) = policy {
        iam.put_role_policy()
            .role_name(name)
            .policy_name("p")
            .policy_document(p)
            .send()
            .await
            .unwrap();
    }
}

fn creds(out: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput) -> Creds {
    Creds::from(out.credentials().unwrap())
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

async fn assume_and_use(h: &Harness) {
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    make_role(h, "Dev", &trust(&admin_arn), Some(LIST_ROLES), 3600).await;
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let out = sts
        .assume_role()
        .role_arn(role_arn("Dev"))
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
    let c = creds(&out);
    assert!(c.key.starts_with("ASIA") && c.key.len() == 20);
    assert_eq!(c.secret.len(), 40);
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCT}:assumed-role/Dev/s1")
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":s1"));
    assert!(out.packed_policy_size().is_none());

    // The credentials work, as the assumed role.
    let me = h
        .sts_session(&c.key, &c.secret, &c.token)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn().unwrap(), user.arn());
    assert_eq!(me.user_id().unwrap(), user.assumed_role_id());
    assert_eq!(me.account().unwrap(), ACCT);
    let iam = h.iam_session(&c.key, &c.secret, &c.token);
    iam.list_roles().send().await.unwrap();
    let err = iam.list_users().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(
        err.message()
            .unwrap()
            .contains("assumed-role/Dev/s1 is not authorized to perform: iam:ListUsers"),
        "{:?}",
        err.message()
    );

    // A session policy narrows the session.
    let out = sts
        .assume_role()
        .role_arn(role_arn("Dev"))
        .role_session_name("narrow")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    assert!(out.packed_policy_size().unwrap() > 0);
    let c = creds(&out);
    let iam = h.iam_session(&c.key, &c.secret, &c.token);
    iam.get_role().role_name("Dev").send().await.unwrap();
    let err = iam.list_roles().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(err.message().unwrap().contains("session policy"));

    // A managed session policy too (an AWS-managed one here).
    let out = sts
        .assume_role()
        .role_arn(role_arn("Dev"))
        .role_session_name("managed")
        .policy_arns(
            PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let c = creds(&out);
    h.iam_session(&c.key, &c.secret, &c.token)
        .list_roles()
        .send()
        .await
        .unwrap();

    // The role's last use is recorded.
    let got = h
        .iam(&k, &s)
        .get_role()
        .role_name("Dev")
        .send()
        .await
        .unwrap();
    let used = got.role().unwrap().role_last_used().unwrap();
    assert!(used.last_used_date().is_some());
    assert_eq!(used.region(), Some("us-east-1"));

    // Audit: the issuance is recorded, with neither secret nor token.
    let lines = h.audit_lines().join("\n");
    assert!(lines.contains("\"AssumeRole\""));
    assert!(!lines.contains(&c.secret) && !lines.contains(&c.token));
}
both_backends!(assume_and_use_role, super::assume_and_use);

async fn refusals(h: &Harness) {
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    make_role(h, "Dev", &trust(&admin_arn), Some(LIST_ROLES), 3600).await;
    let root = format!("arn:aws:iam::{ACCT}:root");
    let ext = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{root}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"right-id"}}}}}}]}}"#
    );
    make_role(h, "Ext", &ext, None, 3600).await;
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);

    // ExternalId: wrong or missing → AccessDenied; right → allowed (the trust policy names the
    // account, so the admin's own identity policy allows it too).
    for id in [Some("wrong-id"), None] {
        let err = sts
            .assume_role()
            .role_arn(role_arn("Ext"))
            .role_session_name("x1")
            .set_external_id(id.map(str::to_owned))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("AccessDenied"));
    }
    sts.assume_role()
        .role_arn(role_arn("Ext"))
        .role_session_name("x1")
        .external_id("right-id")
        .send()
        .await
        .unwrap();

    // An untrusted caller, in AWS's words; an unknown role the same.
    let (bk, bs) = h.user_with_key("bob").await;
    for role in ["Dev", "Nope"] {
        let err = h
            .sts(&bk, &bs)
            .assume_role()
            .role_arn(role_arn(role))
            .role_session_name("bb")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("AccessDenied"));
        assert_eq!(
            err.message(),
            Some(
                format!(
                    "User: arn:aws:iam::{ACCT}:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{ACCT}:role/{role}"
                )
                .as_str()
            )
        );
        let status = err.raw_response().unwrap().status().as_u16();
        assert_eq!(status, 403);
    }

    // Duration over the role's maximum; bad session names.
    let err = sts
        .assume_role()
        .role_arn(role_arn("Dev"))
        .role_session_name("s")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    for name in ["a", "has space"] {
        let err = sts
            .assume_role()
            .role_arn(role_arn("Dev"))
            .role_session_name(name)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ValidationError"), "{name}");
    }

    // Root may not assume roles.
    let (rk, rs) = h.root_key().await;
    let err = h
        .sts(&rk, &rs)
        .assume_role()
        .role_arn(role_arn("Dev"))
        .role_session_name("r1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
}
both_backends!(assume_role_refusals, super::refusals);

/// A Deny on a role's ARN holds however the caller spells the ARN: only the canonical form
/// (this partition, no region) names a role, and policies are matched against the role's own
/// ARN. (Before, `arn:aws:iam:us-east-1:…` or another partition found the same role while the
/// Deny, written for the canonical ARN, did not match.)
async fn deny_by_arn(h: &Harness) {
    let root = format!("arn:aws:iam::{ACCT}:root");
    make_role(h, "Admin", &trust(&root), None, 3600).await;
    let (k, s) = h.user_with_key("carl").await;
    h.admin_iam()
        .put_user_policy()
        .user_name("carl")
        .policy_name("p")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[
                {{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}},
                {{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"{}"}}]}}"#,
            role_arn("Admin")
        ))
        .send()
        .await
        .unwrap();
    let sts = h.sts(&k, &s);
    let assume = |arn: String| {
        sts.assume_role()
            .role_arn(arn)
            .role_session_name("carl")
            .send()
    };
    let err = assume(role_arn("Admin")).await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    for spelling in [
        format!("arn:aws:iam:us-east-1:{ACCT}:role/Admin"),
        format!("arn:aws-cn:iam::{ACCT}:role/Admin"),
        format!("arn:x:iam::{ACCT}:role/Admin"),
    ] {
        let err = assume(spelling.clone()).await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationError"), "{spelling}: {err:?}");
    }
    // A role the Deny does not name is assumed as before.
    make_role(h, "Other", &trust(&root), None, 3600).await;
    assume(role_arn("Other")).await.unwrap();
}
both_backends!(assume_role_deny_by_arn, super::deny_by_arn);

/// The role's tags are in the context of AssumeRole (`iam:ResourceTag/*` and
/// `aws:ResourceTag/*`), as in AWS's ABAC tutorial: a Deny on tagged roles holds, and an Allow
/// matching the caller's tag to the role's grants.
async fn role_tags(h: &Harness) {
    let root = format!("arn:aws:iam::{ACCT}:root");
    for (name, tier, team) in [
        ("Prod", "admin", "blue"),
        ("Blue", "user", "blue"),
        ("Red", "user", "red"),
    ] {
        make_role(h, name, &trust(&root), None, 3600).await;
        h.admin_iam()
            .tag_role()
            .role_name(name)
            .tags(common::tag("tier", tier))
            .tags(common::tag("team", team))
            .send()
            .await
            .unwrap();
    }
    let (k, s) = h.user_with_key("dana").await;
    h.admin_iam()
        .tag_user()
        .user_name("dana")
        .tags(common::tag("team", "blue"))
        .send()
        .await
        .unwrap();
    h.admin_iam()
        .put_user_policy()
        .user_name("dana")
        .policy_name("p")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*",
                 "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
                {"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*",
                 "Condition":{"StringEquals":{"iam:ResourceTag/tier":"admin"}}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let sts = h.sts(&k, &s);
    for (name, ok) in [("Blue", true), ("Prod", false), ("Red", false)] {
        let r = sts
            .assume_role()
            .role_arn(role_arn(name))
            .role_session_name("dana")
            .send()
            .await;
        match (ok, r) {
            (true, Ok(_)) => {}
            (false, Err(e)) => assert_eq!(e.code(), Some("AccessDenied"), "{name}"),
            (ok, r) => panic!("{name}: expected ok={ok}, got {r:?}"),
        }
    }
}
both_backends!(assume_role_by_role_tags, super::role_tags);

async fn tokens(h: &Harness) {
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    make_role(h, "Dev", &trust(&admin_arn), Some(LIST_ROLES), 3600).await;
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let a = creds(
        &sts.assume_role()
            .role_arn(role_arn("Dev"))
            .role_session_name("a1")
            .send()
            .await
            .unwrap(),
    );
    let b = creds(
        &sts.assume_role()
            .role_arn(role_arn("Dev"))
            .role_session_name("b1")
            .send()
            .await
            .unwrap(),
    );
    let call = |key: String, secret: String, token: String| {
        let c = h.sts_session(&key, &secret, &token);
        async move { c.get_caller_identity().send().await }
    };
    // Another session's token with this key; a tampered token; garbage.
    let mut tampered = a.token.clone().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for token in [b.token.clone(), tampered, "garbage".to_owned()] {
        let err = call(a.key.clone(), a.secret.clone(), token)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidClientTokenId"));
        assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    }
    // A long-term key with a session token is refused.
    let err = call(k.clone(), s.clone(), a.token.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));

    // An authentic token past its expiry (minted here with a past expiry under the server's
    // KEK, for the live session's key id): ExpiredToken, 400.
    let iam = &h.app.iam;
    let id = fedgate_core::AccessKeyId::parse(&a.key).unwrap();
    let past = iam.clock.now_millis() - 1000;
    let expired = fedgate_sts::token::mint(&iam.kek, iam.rng.as_ref(), &id, past);
    let err = call(a.key.clone(), a.secret.clone(), expired.expose().to_owned())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    assert_eq!(
        err.message(),
        Some("The security token included in the request is expired")
    );
    // The genuine token still works.
    call(a.key.clone(), a.secret.clone(), a.token.clone())
        .await
        .unwrap();

    // GetAccessKeyInfo for a temporary and a long-term key.
    for key in [&a.key, &k] {
        let info = sts
            .get_access_key_info()
            .access_key_id(key)
            .send()
            .await
            .unwrap();
        assert_eq!(info.account(), Some(ACCT));
    }

    // Deleting the role ends its sessions at once.
    let admin = h.iam(&k, &s);
    admin
        .delete_role_policy()
        .role_name("Dev")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    admin.delete_role().role_name("Dev").send().await.unwrap();
    let err = call(b.key.clone(), b.secret.clone(), b.token.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
    // A new role of the same name (a new unique id) does not bring them back.
    make_role(
        h,
        "Dev",
        &trust(&format!("arn:aws:iam::{ACCT}:user/admin")),
        None,
        3600,
    )
    .await;
    let err = call(b.key.clone(), b.secret.clone(), b.token.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
}
both_backends!(session_tokens, super::tokens);

async fn chaining_and_tags(h: &Harness) {
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    make_role(h, "Dev", &trust(&admin_arn), Some(LIST_ROLES), 3600).await;
    make_role(
        h,
        "Chain",
        &trust(&role_arn("Dev")),
        Some(LIST_ROLES),
        43200,
    )
    .await;
    let tagged_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}"#;
    make_role(h, "Tagged", &trust(&admin_arn), Some(tagged_policy), 3600).await;
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let dev = creds(
        &sts.assume_role()
            .role_arn(role_arn("Dev"))
            .role_session_name("dev")
            .tags(Tag::builder().key("team").value("blue").build().unwrap())
            .transitive_tag_keys("team")
            .source_identity("alice")
            .send()
            .await
            .unwrap(),
    );
    let chained = h.sts_session(&dev.key, &dev.secret, &dev.token);
    let err = chained
        .assume_role()
        .role_arn(role_arn("Chain"))
        .role_session_name("cc")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    assert!(
        err.message().unwrap().contains("role chaining"),
        "{:?}",
        err.message()
    );
    let out = chained
        .assume_role()
        .role_arn(role_arn("Chain"))
        .role_session_name("cc")
        .duration_seconds(3600)
        .send()
        .await
        .unwrap();
    // The source identity is kept through chaining.
    assert_eq!(out.source_identity(), Some("alice"));
    let c = creds(&out);
    let me = h
        .sts_session(&c.key, &c.secret, &c.token)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCT}:assumed-role/Chain/cc").as_str())
    );

    // Session tags become aws:PrincipalTag.
    for (team, ok) in [("blue", true), ("red", false)] {
        let t = creds(
            &sts.assume_role()
                .role_arn(role_arn("Tagged"))
                .role_session_name(team)
                .tags(Tag::builder().key("team").value(team).build().unwrap())
                .send()
                .await
                .unwrap(),
        );
        let r = h
            .iam_session(&t.key, &t.secret, &t.token)
            .list_roles()
            .send()
            .await;
        assert_eq!(r.is_ok(), ok, "{team}");
    }
    // Tags need sts:TagSession in the trust policy.
    let no_tag = common::trust_policy(&admin_arn, r#""sts:AssumeRole""#);
    make_role(h, "NoTags", &no_tag, None, 3600).await;
    let err = sts
        .assume_role()
        .role_arn(role_arn("NoTags"))
        .role_session_name("tt")
        .tags(Tag::builder().key("team").value("blue").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(err.message().unwrap().contains("sts:TagSession"));
    // SourceIdentity needs sts:SetSourceIdentity likewise.
    let err = sts
        .assume_role()
        .role_arn(role_arn("NoTags"))
        .role_session_name("tt")
        .source_identity("alice")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(err.message().unwrap().contains("sts:SetSourceIdentity"));
    sts.assume_role()
        .role_arn(role_arn("NoTags"))
        .role_session_name("tt")
        .send()
        .await
        .unwrap();
}
both_backends!(role_chaining_and_tags, super::chaining_and_tags);
