//! IAM roles end to end through the AWS SDK for Rust, on both stores: CreateRole (trust
//! policy, description, MaxSessionDuration, tags, boundary), GetRole (URL-encoded trust
//! policy, RoleLastUsed), ListRoles, UpdateRole, UpdateRoleDescription,
//! UpdateAssumeRolePolicy, DeleteRole (DeleteConflict), tags and permissions boundaries.
//! Constraints and error codes follow the IAM API Reference pages of each action.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, fails, tag, url_decode};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;

async fn role_crud(h: &Harness) {
    let iam = h.admin_iam();
    let out = iam
        .create_role()
        .role_name("Deployer")
        .path("/ci/")
        .assume_role_policy_document(TRUST)
        .description("Deploys things")
        .max_session_duration(7200)
        .tags(tag("Team", "ci"))
        .send()
        .await
        .unwrap();
    let r = out.role().unwrap();
    assert_eq!(r.arn(), "arn:aws:iam::123456789012:role/ci/Deployer");
    assert!(r.role_id().starts_with("AROA"));

    let got = iam.get_role().role_name("deployer").send().await.unwrap();
    let g = got.role().unwrap();
    assert_eq!(g.role_name(), "Deployer");
    assert_eq!(g.description(), Some("Deploys things"));
    assert_eq!(g.max_session_duration(), Some(7200));
    let doc = g.assume_role_policy_document().unwrap();
    assert!(doc.starts_with("%7B%22Version%22"), "{doc}");
    assert_eq!(url_decode(doc), TRUST);
    assert_eq!(g.tags()[0].key(), "Team");
    assert!(g.role_last_used().is_some());
    assert!(g.role_last_used().unwrap().last_used_date().is_none());

    // Defaults.
    let plain = iam
        .create_role()
        .role_name("Plain")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.role().unwrap().path(), "/");
    assert_eq!(plain.role().unwrap().max_session_duration(), Some(3600));

    for dup in ["Deployer", "DEPLOYER"] {
        let msg = fails(
            iam.create_role()
                .role_name(dup)
                .assume_role_policy_document(TRUST)
                .send()
                .await,
            "EntityAlreadyExists",
            409,
        );
        assert_eq!(msg, format!("Role with name {dup} already exists."));
    }
    fails(
        iam.create_role()
            .role_name("bad/name")
            .assume_role_policy_document(TRUST)
            .send()
            .await,
        "ValidationError",
        400,
    );
    fails(
        iam.create_role()
            .role_name("r".repeat(65))
            .assume_role_policy_document(TRUST)
            .send()
            .await,
        "ValidationError",
        400,
    );
    for secs in [100, 43201] {
        fails(
            iam.create_role()
                .role_name("short")
                .assume_role_policy_document(TRUST)
                .max_session_duration(secs)
                .send()
                .await,
            "ValidationError",
            400,
        );
    }
    fails(
        iam.create_role()
            .role_name("long")
            .assume_role_policy_document(TRUST)
            .description("d".repeat(1001))
            .send()
            .await,
        "ValidationError",
        400,
    );
    let no_principal =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
    fails(
        iam.create_role()
            .role_name("untrusted")
            .assume_role_policy_document(no_principal)
            .send()
            .await,
        "MalformedPolicyDocument",
        400,
    );
    fails(
        iam.create_role()
            .role_name("untrusted")
            .assume_role_policy_document("{not json")
            .send()
            .await,
        "MalformedPolicyDocument",
        400,
    );
    fails(
        iam.get_role().role_name("untrusted").send().await,
        "NoSuchEntity",
        404,
    );

    // Updates.
    iam.update_role()
        .role_name("Deployer")
        .max_session_duration(43200)
        .send()
        .await
        .unwrap();
    let upd = iam
        .update_role_description()
        .role_name("Deployer")
        .description("New words")
        .send()
        .await
        .unwrap();
    assert_eq!(upd.role().unwrap().description(), Some("New words"));
    let got = iam.get_role().role_name("Deployer").send().await.unwrap();
    assert_eq!(got.role().unwrap().max_session_duration(), Some(43200));
    assert_eq!(got.role().unwrap().description(), Some("New words"));
    fails(
        iam.update_role()
            .role_name("Deployer")
            .max_session_duration(60)
            .send()
            .await,
        "ValidationError",
        400,
    );
    let trust2 = TRUST.replace("123456789012:root", "123456789012:user/admin");
    iam.update_assume_role_policy()
        .role_name("Deployer")
        .policy_document(&trust2)
        .send()
        .await
        .unwrap();
    let got = iam.get_role().role_name("Deployer").send().await.unwrap();
    assert_eq!(
        url_decode(got.role().unwrap().assume_role_policy_document().unwrap()),
        trust2
    );
    fails(
        iam.update_assume_role_policy()
            .role_name("Deployer")
            .policy_document(no_principal)
            .send()
            .await,
        "MalformedPolicyDocument",
        400,
    );
    fails(
        iam.update_role()
            .role_name("ghost")
            .description("x")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );

    iam.delete_role().role_name("Plain").send().await.unwrap();
    fails(
        iam.delete_role().role_name("Plain").send().await,
        "NoSuchEntity",
        404,
    );
}
both_backends!(crud, super::role_crud);

async fn list_roles(h: &Harness) {
    let iam = h.admin_iam();
    for n in ["r-c", "r-a", "r-e", "r-b", "r-d"] {
        iam.create_role()
            .role_name(n)
            .path("/svc/")
            .assume_role_policy_document(TRUST)
            .tags(tag("k", "v"))
            .permissions_boundary("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .send()
            .await
            .unwrap();
    }
    iam.create_role()
        .role_name("elsewhere")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let mut seen = vec![];
    let mut marker: Option<String> = None;
    for _ in 0..10 {
        let out = iam
            .list_roles()
            .path_prefix("/svc/")
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert!(out.roles().len() <= 2);
        for r in out.roles() {
            // ListRoles leaves out tags, boundary and RoleLastUsed, as AWS does.
            assert!(r.tags().is_empty());
            assert!(r.permissions_boundary().is_none());
            assert!(r.role_last_used().is_none());
            assert!(r.assume_role_policy_document().is_some());
            seen.push(r.role_name().to_owned());
        }
        if !out.is_truncated() {
            break;
        }
        marker = out.marker().map(str::to_owned);
    }
    assert_eq!(seen, ["r-a", "r-b", "r-c", "r-d", "r-e"]);
    let all = iam.list_roles().send().await.unwrap();
    assert_eq!(all.roles().len(), 6);
}
both_backends!(list, super::list_roles);

async fn delete_conflicts(h: &Harness) {
    let iam = h.admin_iam();
    let out = iam
        .create_role()
        .role_name("busy")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let id = out.role().unwrap().role_id().to_owned();
    let store = &h.app.iam.store;
    let set = |attached: Vec<String>, inline: bool| {
        move |r: &mut fedgate_store::model::Role| {
            r.attached_policies = attached.clone();
            r.inline_policies.clear();
            if inline {
                r.inline_policies.insert("p".into(), "{}".into());
            }
            Ok::<_, ()>(())
        }
    };
    let ro = "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned();
    store
        .update_entity(&h.admin.account_id, &id, set(vec![ro], false))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let msg = fails(
        iam.delete_role().role_name("busy").send().await,
        "DeleteConflict",
        409,
    );
    assert!(msg.contains("detach all policies"), "{msg}");
    store
        .update_entity(&h.admin.account_id, &id, set(vec![], true))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let msg = fails(
        iam.delete_role().role_name("busy").send().await,
        "DeleteConflict",
        409,
    );
    assert!(msg.contains("delete policies"), "{msg}");
    store
        .update_entity(&h.admin.account_id, &id, set(vec![], false))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    iam.delete_role().role_name("busy").send().await.unwrap();
}
both_backends!(conflicts, super::delete_conflicts);

async fn tags_and_boundary(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_role()
        .role_name("t")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("t")
        .tags(tag("Env", "prod"))
        .tags(tag("Owner", "ops"))
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("t")
        .tags(tag("ENV", "dev"))
        .send()
        .await
        .unwrap();
    let tags = iam.list_role_tags().role_name("t").send().await.unwrap();
    let kv: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(kv, [("ENV", "dev"), ("Owner", "ops")]);
    fails(
        iam.tag_role()
            .role_name("t")
            .tags(tag("a", "1"))
            .tags(tag("A", "2"))
            .send()
            .await,
        "InvalidInput",
        400,
    );
    iam.untag_role()
        .role_name("t")
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = iam.list_role_tags().role_name("t").send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    fails(
        iam.list_role_tags().role_name("ghost").send().await,
        "NoSuchEntity",
        404,
    );

    let ro = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    iam.put_role_permissions_boundary()
        .role_name("t")
        .permissions_boundary(ro)
        .send()
        .await
        .unwrap();
    let got = iam.get_role().role_name("t").send().await.unwrap();
    assert_eq!(
        got.role()
            .unwrap()
            .permissions_boundary()
            .unwrap()
            .permissions_boundary_arn(),
        Some(ro)
    );
    fails(
        iam.put_role_permissions_boundary()
            .role_name("t")
            .permissions_boundary("arn:aws:iam::123456789012:policy/missing")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.put_role_permissions_boundary()
            .role_name("t")
            .permissions_boundary("nonsense")
            .send()
            .await,
        "InvalidInput",
        400,
    );
    iam.delete_role_permissions_boundary()
        .role_name("t")
        .send()
        .await
        .unwrap();
    let got = iam.get_role().role_name("t").send().await.unwrap();
    assert!(got.role().unwrap().permissions_boundary().is_none());
}
both_backends!(tags, super::tags_and_boundary);

async fn unauthorized_caller(h: &Harness) {
    let (k, s) = h.user_with_key("nobody").await;
    let nobody = h.iam(&k, &s);
    let msg = fails(
        nobody
            .create_role()
            .role_name("x")
            .assume_role_policy_document(TRUST)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    assert!(
        msg.contains("is not authorized to perform: iam:CreateRole"),
        "{msg}"
    );
    h.admin_iam()
        .create_role()
        .role_name("real")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    for r in ["real", "ghost"] {
        fails(
            nobody.get_role().role_name(r).send().await,
            "AccessDenied",
            403,
        );
        fails(
            nobody.delete_role().role_name(r).send().await,
            "AccessDenied",
            403,
        );
    }
    fails(nobody.list_roles().send().await, "AccessDenied", 403);
}
both_backends!(access_denied, super::unauthorized_caller);
