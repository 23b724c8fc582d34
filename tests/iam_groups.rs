//! IAM groups end to end through the AWS SDK for Rust, on both stores: CreateGroup, GetGroup
//! (members, paging), ListGroups, UpdateGroup, DeleteGroup (DeleteConflict), AddUserToGroup
//! (10 groups per user), RemoveUserFromGroup, ListGroupsForUser.
//! Constraints, quotas and error codes follow the IAM API Reference and the IAM quotas page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use common::{Harness, fails};

async fn group_crud(h: &Harness) {
    let iam = h.admin_iam();
    let out = iam
        .create_group()
        .group_name("Devs")
        .path("/eng/")
        .send()
        .await
        .unwrap();
    let g = out.group().unwrap();
    assert_eq!(g.group_name(), "Devs");
    assert_eq!(g.arn(), "arn:aws:iam::123456789012:group/eng/Devs");
    assert!(g.group_id().starts_with("AGPA"));
    for dup in ["Devs", "devs"] {
        let msg = fails(
            iam.create_group().group_name(dup).send().await,
            "EntityAlreadyExists",
            409,
        );
        assert_eq!(msg, format!("Group with name {dup} already exists."));
    }
    fails(
        iam.create_group().group_name("no spaces").send().await,
        "ValidationError",
        400,
    );
    fails(
        iam.create_group().group_name("g".repeat(129)).send().await,
        "ValidationError",
        400,
    );
    fails(
        iam.create_group().group_name("p").path("nope").send().await,
        "ValidationError",
        400,
    );
    iam.create_group().group_name("Ops").send().await.unwrap();

    let got = iam.get_group().group_name("DEVS").send().await.unwrap();
    assert_eq!(got.group().unwrap().group_id(), g.group_id());
    assert!(got.users().is_empty());
    assert!(!got.is_truncated());

    let listed = iam.list_groups().path_prefix("/eng/").send().await.unwrap();
    let names: Vec<_> = listed.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["Devs"]);
    let all = iam.list_groups().send().await.unwrap();
    let names: Vec<_> = all.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["Devs", "Ops"]);

    iam.update_group()
        .group_name("Devs")
        .new_group_name("Developers")
        .new_path("/")
        .send()
        .await
        .unwrap();
    let got = iam
        .get_group()
        .group_name("Developers")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.group().unwrap().arn(),
        "arn:aws:iam::123456789012:group/Developers"
    );
    fails(
        iam.get_group().group_name("Devs").send().await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.update_group()
            .group_name("Developers")
            .new_group_name("OPS")
            .send()
            .await,
        "EntityAlreadyExists",
        409,
    );
    iam.delete_group()
        .group_name("Developers")
        .send()
        .await
        .unwrap();
    fails(
        iam.delete_group().group_name("Developers").send().await,
        "NoSuchEntity",
        404,
    );
}
both_backends!(crud, super::group_crud);

async fn membership(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_group().group_name("team").send().await.unwrap();
    iam.create_group().group_name("other").send().await.unwrap();
    for u in ["ann", "ben"] {
        iam.create_user().user_name(u).send().await.unwrap();
        iam.add_user_to_group()
            .group_name("team")
            .user_name(u)
            .send()
            .await
            .unwrap();
    }
    // Adding twice is a no-op.
    iam.add_user_to_group()
        .group_name("TEAM")
        .user_name("ANN")
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("other")
        .user_name("ann")
        .send()
        .await
        .unwrap();
    let got = iam.get_group().group_name("team").send().await.unwrap();
    let mut members: Vec<_> = got.users().iter().map(|u| u.user_name()).collect();
    members.sort_unstable();
    assert_eq!(members, ["ann", "ben"]);
    let mine = iam
        .list_groups_for_user()
        .user_name("ann")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = mine.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["other", "team"]);
    let page = iam
        .list_groups_for_user()
        .user_name("ann")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.groups()[0].group_name(), "other");
    assert!(page.is_truncated());
    let page2 = iam
        .list_groups_for_user()
        .user_name("ann")
        .max_items(1)
        .marker(page.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.groups()[0].group_name(), "team");
    assert!(!page2.is_truncated());

    // Renaming a user keeps its memberships.
    iam.update_user()
        .user_name("ann")
        .new_user_name("anna")
        .send()
        .await
        .unwrap();
    let got = iam.get_group().group_name("team").send().await.unwrap();
    let mut members: Vec<_> = got.users().iter().map(|u| u.user_name()).collect();
    members.sort_unstable();
    assert_eq!(members, ["anna", "ben"]);

    let msg = fails(
        iam.delete_group().group_name("team").send().await,
        "DeleteConflict",
        409,
    );
    assert!(msg.contains("must remove users from group"), "{msg}");

    fails(
        iam.add_user_to_group()
            .group_name("ghost")
            .user_name("ben")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.add_user_to_group()
            .group_name("team")
            .user_name("ghost")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    for u in ["anna", "ben"] {
        iam.remove_user_from_group()
            .group_name("team")
            .user_name(u)
            .send()
            .await
            .unwrap();
    }
    fails(
        iam.remove_user_from_group()
            .group_name("team")
            .user_name("ben")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    let mine = iam
        .list_groups_for_user()
        .user_name("anna")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.groups().len(), 1);
    iam.delete_group().group_name("team").send().await.unwrap();
}
both_backends!(members, super::membership);

async fn groups_per_user_quota(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_user().user_name("joiner").send().await.unwrap();
    for i in 0..11 {
        let g = format!("g{i:02}");
        iam.create_group().group_name(&g).send().await.unwrap();
        let r = iam
            .add_user_to_group()
            .group_name(&g)
            .user_name("joiner")
            .send()
            .await;
        if i < 10 {
            r.unwrap();
        } else {
            let msg = fails(r, "LimitExceeded", 409);
            assert!(msg.contains("GroupsPerUser"), "{msg}");
        }
    }
    let mine = iam
        .list_groups_for_user()
        .user_name("joiner")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.groups().len(), 10);
    let g10 = iam.get_group().group_name("g10").send().await.unwrap();
    assert!(g10.users().is_empty());
}
both_backends!(quota, super::groups_per_user_quota);

async fn member_pages(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_group().group_name("big").send().await.unwrap();
    let mut expected = vec![];
    for i in 0..5 {
        let n = format!("m{i}");
        iam.create_user().user_name(&n).send().await.unwrap();
        iam.add_user_to_group()
            .group_name("big")
            .user_name(&n)
            .send()
            .await
            .unwrap();
        expected.push(n);
    }
    let mut seen = vec![];
    let mut marker: Option<String> = None;
    for _ in 0..10 {
        let out = iam
            .get_group()
            .group_name("big")
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert!(out.users().len() <= 2);
        seen.extend(out.users().iter().map(|u| u.user_name().to_owned()));
        if !out.is_truncated() {
            break;
        }
        marker = out.marker().map(str::to_owned);
    }
    seen.sort();
    assert_eq!(seen, expected);
}
both_backends!(get_group_pages, super::member_pages);

async fn policies_block_delete(h: &Harness) {
    let iam = h.admin_iam();
    let out = iam.create_group().group_name("pol").send().await.unwrap();
    let id = out.group().unwrap().group_id().to_owned();
    let store = &h.app.iam.store;
    let edit = |attached: bool| {
        move |g: &mut fedgate_store::model::Group| {
            g.attached_policies.clear();
            g.inline_policies.clear();
            if attached {
                g.attached_policies
                    .push("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
            } else {
                g.inline_policies.insert("p".into(), "{}".into());
            }
            Ok::<_, ()>(())
        }
    };
    for attached in [true, false] {
        store
            .update_entity(&h.admin.account_id, &id, edit(attached))
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        fails(
            iam.delete_group().group_name("pol").send().await,
            "DeleteConflict",
            409,
        );
    }
}
both_backends!(policy_conflicts, super::policies_block_delete);

async fn unauthorized_caller(h: &Harness) {
    let (k, s) = h.user_with_key("nobody").await;
    let nobody = h.iam(&k, &s);
    let msg = fails(
        nobody.create_group().group_name("x").send().await,
        "AccessDenied",
        403,
    );
    assert!(
        msg.contains("is not authorized to perform: iam:CreateGroup"),
        "{msg}"
    );
    h.admin_iam()
        .create_group()
        .group_name("real")
        .send()
        .await
        .unwrap();
    for g in ["real", "ghost"] {
        fails(
            nobody.get_group().group_name(g).send().await,
            "AccessDenied",
            403,
        );
        fails(
            nobody
                .add_user_to_group()
                .group_name(g)
                .user_name("nobody")
                .send()
                .await,
            "AccessDenied",
            403,
        );
    }
    fails(nobody.list_groups().send().await, "AccessDenied", 403);
}
both_backends!(access_denied, super::unauthorized_caller);

/// The 10-groups quota holds under concurrent adds: the count is checked inside the atomic
/// update, so exactly one of eleven simultaneous adds is refused.
async fn concurrent_adds_respect_quota(h: &Harness) {
    let iam = h.admin_iam();
    iam.create_user().user_name("racer").send().await.unwrap();
    for i in 0..11 {
        iam.create_group()
            .group_name(format!("c{i:02}"))
            .send()
            .await
            .unwrap();
    }
    let adds = (0..11).map(|i| {
        let iam = iam.clone();
        tokio::spawn(async move {
            iam.add_user_to_group()
                .group_name(format!("c{i:02}"))
                .user_name("racer")
                .send()
                .await
                .map_err(|e| e.code().map(str::to_owned))
        })
    });
    let mut ok = 0;
    let mut limited = 0;
    for a in adds.collect::<Vec<_>>() {
        match a.await.unwrap() {
            Ok(_) => ok += 1,
            Err(code) => {
                assert_eq!(code.as_deref(), Some("LimitExceeded"));
                limited += 1;
            }
        }
    }
    assert_eq!((ok, limited), (10, 1));
    let mine = iam
        .list_groups_for_user()
        .user_name("racer")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.groups().len(), 10);
    // Every group with the user as a member is one of its groups, and vice versa.
    let mut members = 0;
    for i in 0..11 {
        let g = iam
            .get_group()
            .group_name(format!("c{i:02}"))
            .send()
            .await
            .unwrap();
        members += g.users().len();
    }
    assert_eq!(members, 10);
}
both_backends!(concurrent_quota, super::concurrent_adds_respect_quota);
