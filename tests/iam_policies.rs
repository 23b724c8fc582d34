//! Managed and inline policies through the AWS SDK for Rust, on both stores: the policy and
//! version lifecycle, attachments and their counts (also under 50 concurrent attaches),
//! ListPolicies/ListEntitiesForPolicy, inline policies and IAM's quotas and error codes
//! (IAM API Reference; "IAM and AWS STS quotas").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{EntityType, PolicyScopeType, Tag};
use common::Harness;
use fedgate_store::Txn;
use fedgate_store::model::{Group, Role};

const ACCOUNT: &str = "123456789012";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn doc(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S1","Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

/// `(code, HTTP status)` of a failed SDK call.
pub fn failure<T: std::fmt::Debug, E>(
    r: Result<T, aws_sdk_iam::error::SdkError<E, aws_smithy_runtime_api::http::Response>>,
) -> (String, u16)
where
    E: ProvideErrorMetadata + std::fmt::Debug,
{
    let e = r.expect_err("the call should fail");
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    (e.code().unwrap_or_default().to_owned(), status)
}

/// Decodes the RFC 3986 percent-encoding IAM applies to documents.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

pub async fn make_group(h: &Harness, name: &str) -> String {
    let id = format!("AGPA{}", name.to_uppercase().replace('-', "X"));
    let g = Group {
        account_id: h.admin.account_id.clone(),
        group_id: id.clone(),
        name: name.into(),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        attached_policies: vec![],
        inline_policies: Default::default(),
    };
    h.app.iam.store.create_entity(&g, Txn::new()).await.unwrap();
    id
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
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
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
    assert_eq!(p.is_attachable(), true);

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
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
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
    }
    assert_eq!(seen, ["A1", "B2", "C3"]);

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

async fn attachments(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    h.user_with_key("alice").await;
    let gid = make_group(h, "devs").await;
    let rid = make_role(h, "app").await;
    let arn = iam
        .create_policy()
        .policy_name("Shared")
        .policy_document(doc("iam:GetUser"))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    // Attaching again succeeds without counting twice.
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("devs")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    let count = |p: aws_sdk_iam::operation::get_policy::GetPolicyOutput| {
        p.policy().unwrap().attachment_count().unwrap()
    };
    assert_eq!(
        count(iam.get_policy().policy_arn(&arn).send().await.unwrap()),
        3
    );
    let admin_before = count(iam.get_policy().policy_arn(ADMIN).send().await.unwrap());

    let ents = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(ents.policy_users()[0].user_name(), Some("alice"));
    assert_eq!(ents.policy_groups()[0].group_id(), Some(gid.as_str()));
    assert_eq!(ents.policy_roles()[0].role_id(), Some(rid.as_str()));
    let only_roles = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .entity_filter(EntityType::Role)
        .send()
        .await
        .unwrap();
    assert!(only_roles.policy_users().is_empty() && only_roles.policy_groups().is_empty());
    assert_eq!(only_roles.policy_roles().len(), 1);
    let under_svc = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .path_prefix("/svc/")
        .send()
        .await
        .unwrap();
    assert_eq!(under_svc.policy_roles().len(), 1);
    assert!(under_svc.policy_users().is_empty());

    let role_attached = iam
        .list_attached_role_policies()
        .role_name("app")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = role_attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["Shared", "AdministratorAccess"]);
    let group_attached = iam
        .list_attached_group_policies()
        .group_name("devs")
        .send()
        .await
        .unwrap();
    assert_eq!(
        group_attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );

    // Detach: the counts and the reverse index follow; detaching again is NoSuchEntity.
    iam.detach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.detach_role_policy()
        .role_name("app")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        count(iam.get_policy().policy_arn(&arn).send().await.unwrap()),
        2
    );
    assert_eq!(
        count(iam.get_policy().policy_arn(ADMIN).send().await.unwrap()),
        admin_before - 1
    );
    let ents = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(ents.policy_users().is_empty());
    assert_eq!(ents.policy_groups().len(), 1);
    let again = iam
        .detach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await;
    assert_eq!(failure(again), ("NoSuchEntity".into(), 404));
    let list = iam
        .list_attached_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert!(list.attached_policies().is_empty());

    // Unknown user, unknown policy.
    let no_user = iam
        .attach_user_policy()
        .user_name("nobody")
        .policy_arn(&arn)
        .send()
        .await;
    assert_eq!(failure(no_user), ("NoSuchEntity".into(), 404));
    let no_policy = iam
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/Missing"))
        .send()
        .await;
    assert_eq!(failure(no_policy).0, "NoSuchEntity");

    // The 11th managed policy on one user is refused with IAM's quota message.
    for i in 0..10 {
        let a = iam
            .create_policy()
            .policy_name(format!("Q{i}"))
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
        iam.attach_user_policy()
            .user_name("alice")
            .policy_arn(a.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
    }
    let eleventh = iam
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await;
    let e = eleventh.unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(
        e.message(),
        Some("Cannot exceed quota for PoliciesPerUser: 10")
    );
    assert_eq!(
        count(iam.get_policy().policy_arn(&arn).send().await.unwrap()),
        2
    );
}
both_backends!(attach_detach, crate::attachments);

async fn concurrent_attaches(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    h.user_with_key("busy").await;
    let mut arns = vec![];
    for i in 0..50 {
        let p = iam
            .create_policy()
            .policy_name(format!("C{i:02}"))
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
        arns.push(p.policy().unwrap().arn().unwrap().to_owned());
    }
    let tasks: Vec<_> = arns
        .iter()
        .map(|arn| {
            let iam = iam.clone();
            let arn = arn.clone();
            tokio::spawn(async move {
                iam.attach_user_policy()
                    .user_name("busy")
                    .policy_arn(arn)
                    .send()
                    .await
                    .map_err(|e| e.code().unwrap_or_default().to_owned())
            })
        })
        .collect();
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(code) if code == "LimitExceeded" => limited += 1,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!((ok, limited), (10, 40));
    let attached = iam
        .list_attached_user_policies()
        .user_name("busy")
        .send()
        .await
        .unwrap();
    let on_user: Vec<_> = attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().unwrap().to_owned())
        .collect();
    assert_eq!(on_user.len(), 10);
    for arn in &arns {
        let p = iam.get_policy().policy_arn(arn).send().await.unwrap();
        let want = i32::from(on_user.contains(arn));
        assert_eq!(p.policy().unwrap().attachment_count(), Some(want), "{arn}");
        let ents = iam
            .list_entities_for_policy()
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(ents.policy_users().len(), want as usize, "{arn}");
    }
}
both_backends!(fifty_concurrent_attaches, crate::concurrent_attaches);

async fn inline_policies(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    h.user_with_key("ina").await;
    make_group(h, "ops").await;
    make_role(h, "worker").await;
    let original = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iam:GetUser\", \"Resource\": \"*\"}\n}";
    iam.put_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .policy_document(original)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_name(), "ina");
    assert_eq!(url_decode(got.policy_document()), original);
    iam.put_group_policy()
        .group_name("ops")
        .policy_name("G1")
        .policy_document(doc("iam:ListUsers"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("worker")
        .policy_name("R1")
        .policy_document(doc("iam:ListRoles"))
        .send()
        .await
        .unwrap();
    let g = iam
        .get_group_policy()
        .group_name("ops")
        .policy_name("G1")
        .send()
        .await
        .unwrap();
    assert_eq!(url_decode(g.policy_document()), doc("iam:ListUsers"));
    let r = iam
        .get_role_policy()
        .role_name("worker")
        .policy_name("R1")
        .send()
        .await
        .unwrap();
    assert_eq!(url_decode(r.policy_document()), doc("iam:ListRoles"));

    for n in ["B", "A", "C"] {
        iam.put_user_policy()
            .user_name("ina")
            .policy_name(n)
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
    }
    let first = iam
        .list_user_policies()
        .user_name("ina")
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.policy_names(), ["A", "B"]);
    assert!(first.is_truncated());
    let rest = iam
        .list_user_policies()
        .user_name("ina")
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.policy_names(), ["C", "Mine"]);
    assert!(!rest.is_truncated());

    // Errors.
    let missing = iam
        .get_user_policy()
        .user_name("ina")
        .policy_name("Nope")
        .send()
        .await;
    assert_eq!(failure(missing), ("NoSuchEntity".into(), 404));
    let bad = iam
        .put_user_policy()
        .user_name("ina")
        .policy_name("Bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#)
        .send()
        .await;
    assert_eq!(failure(bad), ("MalformedPolicyDocument".into(), 400));
    let no_user = iam
        .put_user_policy()
        .user_name("ghost")
        .policy_name("P")
        .policy_document(doc("*"))
        .send()
        .await;
    assert_eq!(failure(no_user).0, "NoSuchEntity");

    // The aggregate size of a user's inline policies is capped at 2,048 characters.
    let chunk = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:GetUser","Resource":[{}]}}]}}"#,
        (0..25)
            .map(|i| format!("\"arn:aws:iam::{ACCOUNT}:user/{i:02}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(chunk.len() < 1024 && chunk.len() > 900, "{}", chunk.len());
    iam.put_user_policy()
        .user_name("ina")
        .policy_name("Big1")
        .policy_document(&chunk)
        .send()
        .await
        .unwrap();
    let over = iam
        .put_user_policy()
        .user_name("ina")
        .policy_name("Big2")
        .policy_document(&chunk)
        .send()
        .await;
    let e = over.unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(
        e.message(),
        Some("Maximum policy size of 2048 bytes exceeded for user ina")
    );
    // Replacing a policy counts its new size, not both.
    iam.put_user_policy()
        .user_name("ina")
        .policy_name("Big1")
        .policy_document(&chunk)
        .send()
        .await
        .unwrap();
    // A role may hold much more.
    for n in ["Big1", "Big2", "Big3"] {
        iam.put_role_policy()
            .role_name("worker")
            .policy_name(n)
            .policy_document(&chunk)
            .send()
            .await
            .unwrap();
    }

    iam.delete_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .send()
        .await
        .unwrap();
    let again = iam
        .delete_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .send()
        .await;
    assert_eq!(failure(again).0, "NoSuchEntity");
    iam.delete_group_policy()
        .group_name("ops")
        .policy_name("G1")
        .send()
        .await
        .unwrap();
    let groups = iam
        .list_group_policies()
        .group_name("ops")
        .send()
        .await
        .unwrap();
    assert!(groups.policy_names().is_empty());
    iam.delete_role_policy()
        .role_name("worker")
        .policy_name("R1")
        .send()
        .await
        .unwrap();
    let roles = iam
        .list_role_policies()
        .role_name("worker")
        .send()
        .await
        .unwrap();
    assert_eq!(roles.policy_names(), ["Big1", "Big2", "Big3"]);
}
both_backends!(inline, crate::inline_policies);
