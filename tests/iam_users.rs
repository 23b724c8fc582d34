//! IAM users end to end through the AWS SDK for Rust, on both stores: CreateUser, GetUser,
//! ListUsers (paging, PathPrefix), UpdateUser (path, rename), DeleteUser (DeleteConflict),
//! tags, permissions boundaries, and authorization before existence is revealed.
//! Constraints and error codes follow the IAM API Reference pages of each action.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, fails, tag};

async fn create_get_update_delete(h: &Harness) {
    let iam = h.admin_iam();
    let out = iam
        .create_user()
        .user_name("Alice")
        .path("/eng/")
        .tags(tag("Team", "core"))
        .send()
        .await
        .unwrap();
    let u = out.user().unwrap();
    assert_eq!(u.user_name(), "Alice");
    assert_eq!(u.path(), "/eng/");
    assert_eq!(u.arn(), "arn:aws:iam::123456789012:user/eng/Alice");
    assert!(u.user_id().starts_with("AIDA") && u.user_id().len() == 21);
    assert_eq!(u.tags().len(), 1);

    let got = iam.get_user().user_name("alice").send().await.unwrap();
    assert_eq!(got.user().unwrap().user_id(), u.user_id());
    assert_eq!(got.user().unwrap().tags()[0].value(), "core");

    // Names are unique regardless of case.
    for dup in ["Alice", "ALICE"] {
        let msg = fails(
            iam.create_user().user_name(dup).send().await,
            "EntityAlreadyExists",
            409,
        );
        assert!(msg.contains("already exists"), "{msg}");
    }
    fails(
        iam.create_user().user_name("bad name").send().await,
        "ValidationError",
        400,
    );
    fails(
        iam.create_user().user_name("x".repeat(65)).send().await,
        "ValidationError",
        400,
    );
    for bad_path in ["eng/", "/eng", "//", "/a b/"] {
        fails(
            iam.create_user().user_name("p").path(bad_path).send().await,
            "ValidationError",
            400,
        );
    }

    // Rename and move.
    iam.update_user()
        .user_name("Alice")
        .new_user_name("Alicia")
        .new_path("/ops/")
        .send()
        .await
        .unwrap();
    let got = iam.get_user().user_name("Alicia").send().await.unwrap();
    let g = got.user().unwrap();
    assert_eq!(g.arn(), "arn:aws:iam::123456789012:user/ops/Alicia");
    assert_eq!(g.user_id(), u.user_id());
    fails(
        iam.get_user().user_name("Alice").send().await,
        "NoSuchEntity",
        404,
    );
    // Only the case changes: allowed.
    iam.update_user()
        .user_name("Alicia")
        .new_user_name("ALICIA")
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("Bob").send().await.unwrap();
    fails(
        iam.update_user()
            .user_name("bob")
            .new_user_name("alicia")
            .send()
            .await,
        "EntityAlreadyExists",
        409,
    );
    fails(
        iam.update_user()
            .user_name("ghost")
            .new_path("/x/")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );

    iam.delete_user().user_name("ALICIA").send().await.unwrap();
    fails(
        iam.get_user().user_name("ALICIA").send().await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.delete_user().user_name("ALICIA").send().await,
        "NoSuchEntity",
        404,
    );
    // The name is free again.
    iam.create_user().user_name("alicia").send().await.unwrap();
    let audit = h.audit_lines().join("\n");
    assert!(audit.contains("\"eventName\":\"CreateUser\""), "{audit}");
    assert!(audit.contains("\"eventName\":\"DeleteUser\""), "{audit}");
}
both_backends!(crud, super::create_get_update_delete);

async fn list_users_pages(h: &Harness) {
    let iam = h.admin_iam();
    let names = ["p-a", "p-b", "p-c", "p-d", "p-e"];
    // Created out of order: listing is in name order.
    for n in ["p-c", "p-a", "p-e", "p-b", "p-d"] {
        iam.create_user()
            .user_name(n)
            .path("/pg/")
            .send()
            .await
            .unwrap();
    }
    iam.create_user()
        .user_name("p-0-other")
        .send()
        .await
        .unwrap();
    let mut seen = vec![];
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = iam
            .list_users()
            .path_prefix("/pg/")
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.users().len() <= 2);
        for u in out.users() {
            assert!(u.tags().is_empty() && u.permissions_boundary().is_none());
            seen.push(u.user_name().to_owned());
        }
        if !out.is_truncated() {
            assert!(out.marker().is_none());
            break;
        }
        marker = out.marker().map(str::to_owned);
        assert!(marker.is_some());
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, names);
    assert!(pages >= 3);

    let all = iam.list_users().send().await.unwrap();
    let all: Vec<_> = all.users().iter().map(|u| u.user_name()).collect();
    assert!(all.contains(&"admin") && all.contains(&"p-0-other") && all.len() == 7);
    fails(
        iam.list_users().max_items(0).send().await,
        "ValidationError",
        400,
    );
    fails(
        iam.list_users().path_prefix("pg").send().await,
        "ValidationError",
        400,
    );
}
both_backends!(list_pages, super::list_users_pages);

async fn delete_conflicts(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_user().user_name("member").send().await.unwrap();
    iam.create_group().group_name("g").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("g")
        .user_name("member")
        .send()
        .await
        .unwrap();
    let msg = fails(
        iam.delete_user().user_name("member").send().await,
        "DeleteConflict",
        409,
    );
    assert!(msg.starts_with("Cannot delete entity"), "{msg}");
    iam.remove_user_from_group()
        .group_name("g")
        .user_name("member")
        .send()
        .await
        .unwrap();
    iam.delete_user().user_name("member").send().await.unwrap();

    // A user with an access key.
    let _ = h.user_with_key("keyed").await;
    fails(
        iam.delete_user().user_name("keyed").send().await,
        "DeleteConflict",
        409,
    );

    // A user with an attached policy (set in the store; attaching is another action family).
    let out = iam
        .create_user()
        .user_name("attached")
        .send()
        .await
        .unwrap();
    let id = out.user().unwrap().user_id().to_owned();
    let store = &h.app.iam.store;
    store
        .update_entity::<fedgate_store::model::User, _, _, _>(&h.admin.account_id, &id, |u| {
            u.attached_policies
                .push("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    fails(
        iam.delete_user().user_name("attached").send().await,
        "DeleteConflict",
        409,
    );
    store
        .update_entity::<fedgate_store::model::User, _, _, _>(&h.admin.account_id, &id, |u| {
            u.attached_policies.clear();
            u.inline_policies.insert("p".into(), "{}".into());
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    fails(
        iam.delete_user().user_name("attached").send().await,
        "DeleteConflict",
        409,
    );
}
both_backends!(conflicts, super::delete_conflicts);

async fn user_tags(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_user().user_name("t").send().await.unwrap();
    iam.tag_user()
        .user_name("t")
        .tags(tag("Team", "a"))
        .tags(tag("Cost Center", "41200"))
        .send()
        .await
        .unwrap();
    // Same key in another case replaces it.
    iam.tag_user()
        .user_name("t")
        .tags(tag("team", "b"))
        .send()
        .await
        .unwrap();
    let tags = iam.list_user_tags().user_name("t").send().await.unwrap();
    let kv: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(kv, [("team", "b"), ("Cost Center", "41200")]);
    assert!(!tags.is_truncated());

    let paged = iam
        .list_user_tags()
        .user_name("t")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.tags().len(), 1);
    assert!(paged.is_truncated());
    let rest = iam
        .list_user_tags()
        .user_name("t")
        .max_items(1)
        .marker(paged.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.tags()[0].key(), "Cost Center");

    fails(
        iam.tag_user()
            .user_name("t")
            .tags(tag("Dup", "1"))
            .tags(tag("dup", "2"))
            .send()
            .await,
        "InvalidInput",
        400,
    );
    fails(
        iam.tag_user()
            .user_name("t")
            .tags(tag("bad*key", "1"))
            .send()
            .await,
        "ValidationError",
        400,
    );
    fails(
        iam.tag_user()
            .user_name("t")
            .tags(tag("k", &"v".repeat(257)))
            .send()
            .await,
        "ValidationError",
        400,
    );
    let mut req = iam.tag_user().user_name("t");
    for i in 0..49 {
        req = req.tags(tag(&format!("k{i}"), "v"));
    }
    fails(req.send().await, "LimitExceeded", 409);
    fails(
        iam.tag_user()
            .user_name("ghost")
            .tags(tag("a", "b"))
            .send()
            .await,
        "NoSuchEntity",
        404,
    );

    iam.untag_user()
        .user_name("t")
        .tag_keys("TEAM")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let tags = iam.list_user_tags().user_name("t").send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), "Cost Center");
}
both_backends!(tags, super::user_tags);

async fn permissions_boundary(h: &Harness) {
    let iam = h.admin_iam();
    let ro = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let out = iam
        .create_user()
        .user_name("bounded")
        .permissions_boundary(ro)
        .send()
        .await
        .unwrap();
    let b = out.user().unwrap().permissions_boundary().unwrap();
    assert_eq!(b.permissions_boundary_arn(), Some(ro));
    iam.delete_user_permissions_boundary()
        .user_name("bounded")
        .send()
        .await
        .unwrap();
    let got = iam.get_user().user_name("bounded").send().await.unwrap();
    assert!(got.user().unwrap().permissions_boundary().is_none());
    iam.put_user_permissions_boundary()
        .user_name("bounded")
        .permissions_boundary(ro)
        .send()
        .await
        .unwrap();
    let got = iam.get_user().user_name("bounded").send().await.unwrap();
    assert_eq!(
        got.user()
            .unwrap()
            .permissions_boundary()
            .unwrap()
            .permissions_boundary_arn(),
        Some(ro)
    );
    fails(
        iam.put_user_permissions_boundary()
            .user_name("bounded")
            .permissions_boundary("arn:aws:iam::123456789012:policy/Nope")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.put_user_permissions_boundary()
            .user_name("bounded")
            .permissions_boundary("arn:aws:iam::123456789012:user/admin")
            .send()
            .await,
        "InvalidInput",
        400,
    );
    fails(
        iam.create_user()
            .user_name("b2")
            .permissions_boundary("arn:aws:iam::aws:policy/NoSuchThing")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.get_user().user_name("b2").send().await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.put_user_permissions_boundary()
            .user_name("ghost")
            .permissions_boundary(ro)
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
}
both_backends!(boundary, super::permissions_boundary);

async fn unauthorized_caller(h: &Harness) {
    let (k, s) = h.user_with_key("nobody").await;
    let nobody = h.iam(&k, &s);
    let msg = fails(
        nobody.create_user().user_name("x").send().await,
        "AccessDenied",
        403,
    );
    assert!(
        msg.contains("is not authorized to perform: iam:CreateUser"),
        "{msg}"
    );
    // Denied whether or not the user exists.
    for name in ["admin", "ghost"] {
        fails(
            nobody.delete_user().user_name(name).send().await,
            "AccessDenied",
            403,
        );
        fails(
            nobody.list_user_tags().user_name(name).send().await,
            "AccessDenied",
            403,
        );
    }
    fails(nobody.list_users().send().await, "AccessDenied", 403);
    let admin = h.admin_iam();
    fails(
        admin.get_user().user_name("x").send().await,
        "NoSuchEntity",
        404,
    );
}
both_backends!(access_denied, super::unauthorized_caller);

/// A customer-managed policy used as a boundary counts its users and roles
/// (`boundary_usage_count`), moved in the same commit as the boundary itself.
async fn boundary_usage_is_counted(h: &Harness) {
    use fedgate_store::model::{ManagedPolicy, PolicyVersion};
    let store = &h.app.iam.store;
    let account = &h.admin.account_id;
    let policy = ManagedPolicy {
        account_id: account.clone(),
        policy_id: "ANPATESTBOUNDARY0001".into(),
        name: "Boundary".into(),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        updated_at: "2026-11-23T00:00:00Z".into(),
        description: None,
        default_version_id: "v1".into(),
        versions: vec![PolicyVersion {
            version_id: "v1".into(),
            document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into(),
            created_at: "2026-11-23T00:00:00Z".into(),
        }],
        next_version: 2,
        attachment_count: 0,
        boundary_usage_count: 0,
        tags: vec![],
    };
    store
        .create_entity(&policy, fedgate_store::Txn::new())
        .await
        .unwrap();
    let count = || async {
        store
            .get_entity::<ManagedPolicy>(account, "ANPATESTBOUNDARY0001")
            .await
            .unwrap()
            .unwrap()
            .boundary_usage_count
    };
    let arn = "arn:aws:iam::123456789012:policy/Boundary";
    let iam = h.admin_iam();
    iam.create_user()
        .user_name("b1")
        .permissions_boundary(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(count().await, 1);
    iam.create_user().user_name("b2").send().await.unwrap();
    iam.put_user_permissions_boundary()
        .user_name("b2")
        .permissions_boundary(arn)
        .send()
        .await
        .unwrap();
    // Setting the same boundary again counts nothing.
    iam.put_user_permissions_boundary()
        .user_name("b2")
        .permissions_boundary(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(count().await, 2);
    // Switching to another policy uncounts this one.
    iam.put_user_permissions_boundary()
        .user_name("b2")
        .permissions_boundary("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    assert_eq!(count().await, 1);
    iam.delete_user().user_name("b1").send().await.unwrap();
    assert_eq!(count().await, 0);
}
both_backends!(boundary_count, super::boundary_usage_is_counted);
