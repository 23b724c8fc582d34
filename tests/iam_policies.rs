//! Managed and inline policies through the AWS SDK for Rust, on both stores: the policy and
//! version lifecycle, attachments and their counts (also under 50 concurrent attaches),
//! ListPolicies/ListEntitiesForPolicy, inline policies and IAM's quotas and error codes
//! (IAM API Reference; "IAM and AWS STS quotas").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "iam_policies/attachments.rs"]
mod attachments;
#[path = "iam_policies/inline.rs"]
mod inline;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{PolicyScopeType, Tag};
use common::{Harness, failure, url_decode};
use fedgate_store::Txn;
use fedgate_store::model::Role;

pub const ACCOUNT: &str = "123456789012";
pub const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

pub fn doc(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S1","Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

pub async fn make_role(h: &Harness, name: &str) -> String {
    let id = format!("AROA{}", name.to_uppercase().replace('-', "X"));
    let r = Role {
        account_id: h.admin.account_id.clone(),
        role_id: id.clone(),
        name: name.into(),
        path: "/svc/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        assume_role_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
        description: None,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: vec![],
        attached_policies: vec![],
        inline_policies: Default::default(),
        last_used: None,
    };
    h.app.iam.store.create_entity(&r, Txn::new()).await.unwrap();
    id
}

async fn policy_lifecycle(h: &Harness) {
    let iam = h.admin_iam();
    let original = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]
}"#;
    let created = iam
        .create_policy()
        .policy_name("ReadIam")
        .path("/team/")
        .description("reads IAM")
        .policy_document(original)
        .tags(Tag::builder().key("env").value("test").build().unwrap())
        .send()
        .await
        .unwrap();
    let p = created.policy().unwrap();
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/team/ReadIam");
    assert_eq!(p.arn(), Some(arn.as_str()));
    assert!(p.policy_id().unwrap().starts_with("ANPA"));
    assert_eq!(p.default_version_id(), Some("v1"));
    assert_eq!(p.attachment_count(), Some(0));
    assert!(p.is_attachable());

    let got = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    let gp = got.policy().unwrap();
    assert_eq!(gp.description(), Some("reads IAM"));
    assert_eq!(gp.path(), Some("/team/"));
    assert_eq!(gp.tags().len(), 1);

    // Errors: duplicate name (any case), malformed, too large, unknown.
    let dup = iam
        .create_policy()
        .policy_name("readiam")
        .policy_document(original)
        .send()
        .await;
    assert_eq!(failure(dup), ("EntityAlreadyExists".into(), 409));
    let bad = iam
        .create_policy()
        .policy_name("Bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#)
        .send()
        .await;
    assert_eq!(failure(bad), ("MalformedPolicyDocument".into(), 400));
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:GetUser","Resource":[{}]}}]}}"#,
        (0..400)
            .map(|i| format!("\"arn:aws:iam::{ACCOUNT}:user/u{i:04}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let big = iam
        .create_policy()
        .policy_name("Big")
        .policy_document(big)
        .send()
        .await;
    let e = big.unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(
        e.message(),
        Some("Cannot exceed quota for PolicySize: 6144")
    );
    let bad_name = iam
        .create_policy()
        .policy_name("no spaces")
        .policy_document(original)
        .send()
        .await;
    assert_eq!(failure(bad_name).0, "ValidationError");
    let missing = iam
        .get_policy()
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/Nope"))
        .send()
        .await;
    assert_eq!(failure(missing), ("NoSuchEntity".into(), 404));

    // Versions: v2..v5, v3 default, the 6th refused.
    for i in 2..=5 {
        let v = iam
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(doc(&format!("iam:GetUser{i}")))
            .set_as_default(i == 3)
            .send()
            .await
            .unwrap();
        let pv = v.policy_version().unwrap();
        assert_eq!(pv.version_id(), Some(format!("v{i}").as_str()));
        assert_eq!(pv.is_default_version(), i == 3);
    }
    let sixth = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(doc("iam:GetUser"))
        .send()
        .await;
    let e = sixth.unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .versions()
        .iter()
        .map(|v| v.version_id().unwrap())
        .collect();
    assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"]);
    let defaults: Vec<_> = listed
        .versions()
        .iter()
        .filter(|v| v.is_default_version())
        .map(|v| v.version_id().unwrap())
        .collect();
    assert_eq!(defaults, ["v3"]);
    let policy = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().default_version_id(), Some("v3"));

    // GetPolicyVersion: the document comes back URL-encoded and decodes to the original.
    let v1 = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    let encoded = v1.policy_version().unwrap().document().unwrap();
    assert!(
        encoded.contains("%7B") && !encoded.contains('{'),
        "{encoded}"
    );
    assert_eq!(url_decode(encoded), original);
    let none = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v9")
        .send()
        .await;
    assert_eq!(failure(none), ("NoSuchEntity".into(), 404));

    // The default version cannot be deleted; others can; the default can move.
    let del_default = iam
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await;
    assert_eq!(failure(del_default), ("DeleteConflict".into(), 409));
    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v5")
        .send()
        .await
        .unwrap();
    let unknown_default = iam
        .set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v7")
        .send()
        .await;
    assert_eq!(failure(unknown_default).0, "NoSuchEntity");

    // Tags.
    iam.tag_policy()
        .policy_arn(&arn)
        .tags(Tag::builder().key("team").value("a").build().unwrap())
        .send()
        .await
        .unwrap();
    iam.untag_policy()
        .policy_arn(&arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["team"]);

    // DeletePolicy: refused while attached and while other versions exist.
    h.user_with_key("holder").await;
    iam.attach_user_policy()
        .user_name("holder")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let attached = iam.delete_policy().policy_arn(&arn).send().await;
    assert_eq!(failure(attached), ("DeleteConflict".into(), 409));
    iam.detach_user_policy()
        .user_name("holder")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let versions_left = iam.delete_policy().policy_arn(&arn).send().await;
    assert_eq!(failure(versions_left).0, "DeleteConflict");
    for v in ["v1", "v2", "v3", "v4"] {
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id(v)
            .send()
            .await
            .unwrap();
    }
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    let gone = iam.get_policy().policy_arn(&arn).send().await;
    assert_eq!(failure(gone).0, "NoSuchEntity");

    // AWS-managed policies are read-only.
    let aws = iam.delete_policy().policy_arn(ADMIN).send().await;
    assert_eq!(failure(aws).0, "UnmodifiableEntity");
    let aws_v = iam
        .create_policy_version()
        .policy_arn(ADMIN)
        .policy_document(doc("*"))
        .send()
        .await;
    assert_eq!(failure(aws_v).0, "UnmodifiableEntity");
}
both_backends!(lifecycle, crate::policy_lifecycle);

async fn listing(h: &Harness) {
    let iam = h.admin_iam();
    let aws = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .send()
        .await
        .unwrap();
    let admin = aws
        .policies()
        .iter()
        .find(|p| p.policy_name() == Some("AdministratorAccess"))
        .expect("AdministratorAccess is listed");
    assert_eq!(admin.arn(), Some(ADMIN));
    assert_eq!(admin.policy_id(), Some("ANPAIWMBCKSKIEE64ZLYK"));
    assert_eq!(admin.default_version_id(), Some("v1"));
    assert_eq!(admin.path(), Some("/"));
    assert!(
        aws.policies()
            .iter()
            .all(|p| p.arn().unwrap().starts_with("arn:aws:iam::aws:policy/"))
    );

    for (name, path) in [("A1", "/x/"), ("B2", "/y/"), ("C3", "/x/deep/")] {
        iam.create_policy()
            .policy_name(name)
            .path(path)
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
    }
    let local = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = local
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["A1", "B2", "C3"]);
    let x = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .path_prefix("/x/")
        .send()
        .await
        .unwrap();
    assert_eq!(x.policies().len(), 2);

    // Paging with Marker/MaxItems walks the whole list once.
    let mut seen = vec![];
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        seen.extend(
            page.policies()
                .iter()
                .map(|p| p.policy_name().unwrap().to_owned()),
        );
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_owned);
        if seen.len() == 2 {
            // A policy created between pages, sorting before the marker, neither shifts the
            // next page nor repeats an item (markers are keys, not positions).
            iam.create_policy()
                .policy_name("AA0")
                .policy_document(doc("iam:GetUser"))
                .send()
                .await
                .unwrap();
        }
    }
    assert_eq!(seen, ["A1", "B2", "C3"]);
    iam.delete_policy()
        .policy_arn("arn:aws:iam::123456789012:policy/AA0")
        .send()
        .await
        .unwrap();

    // OnlyAttached: nothing local is attached yet; AdministratorAccess is once attached here.
    let attached = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .only_attached(true)
        .send()
        .await
        .unwrap();
    assert!(attached.policies().is_empty());
    h.user_with_key("lister").await;
    iam.attach_user_policy()
        .user_name("lister")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/y/B2"))
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .only_attached(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = attached
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["B2"]);
    assert_eq!(attached.policies()[0].attachment_count(), Some(1));
    let bad = iam.list_policies().max_items(0).send().await;
    assert_eq!(failure(bad).0, "ValidationError");
}
both_backends!(list_policies, crate::listing);
