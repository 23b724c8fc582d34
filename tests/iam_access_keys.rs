//! Access keys end to end through the AWS SDK for Rust, on both store backends:
//! CreateAccessKey (secret shown once, quota of two — IAM quotas page "Access keys assigned to
//! an IAM user: 2"), ListAccessKeys, UpdateAccessKey taking effect at once, DeleteAccessKey,
//! GetAccessKeyLastUsed (IAM API Reference, AccessKeyLastUsed: "N/A" until used), and root
//! access keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::StatusType;
use common::{Harness, code, status};

/// A user made through the API, with no keys.
async fn new_user(h: &Harness, name: &str) {
    // CreateUser may belong to another helper's branch: make the user in the store and
    // delete its key, so this test depends only on the access-key actions.
    let (k, _) = h.user_with_key(name).await;
    let (ak, asec) = h.admin_key();
    h.iam(&ak, &asec)
        .delete_access_key()
        .user_name(name)
        .access_key_id(k)
        .send()
        .await
        .unwrap();
}

async fn lifecycle(h: &Harness) {
    let (ak, asec) = h.admin_key();
    let admin = h.iam(&ak, &asec);
    new_user(h, "alice").await;

    // Create: the secret appears in this response only.
    let out = admin
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let key = out.access_key().unwrap();
    assert_eq!(key.user_name(), "alice");
    assert!(key.access_key_id().starts_with("AKIA"), "{key:?}");
    assert_eq!(key.access_key_id().len(), 20);
    assert_eq!(key.secret_access_key().len(), 40);
    assert_eq!(key.status(), &StatusType::Active);
    let (id, secret) = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );

    // List: the key, never its secret (checked in the raw XML too).
    let listed = admin
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let meta = listed.access_key_metadata();
    assert_eq!(meta.len(), 1);
    assert_eq!(meta[0].access_key_id(), Some(id.as_str()));
    assert_eq!(meta[0].user_name(), Some("alice"));
    assert_eq!(meta[0].status(), Some(&StatusType::Active));
    assert!(!listed.is_truncated());
    let url = h.presign(
        (&ak, &asec),
        "iam",
        "GET",
        "/?Action=ListAccessKeys&UserName=alice&Version=2010-05-08",
    );
    let body = common::http()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains(&id), "{body}");
    assert!(
        !body.contains(&secret) && !body.contains("SecretAccessKey"),
        "{body}"
    );

    // The new key signs requests: alice has no policies, so she is denied — but she is
    // authenticated (AccessDenied, not InvalidClientTokenId).
    let alice = h.iam(&id, &secret);
    let denied = alice
        .get_user()
        .user_name("admin")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&denied), "AccessDenied");
    // That request was her key's first use: GetAccessKeyLastUsed shows iam and the region.
    let used = admin
        .get_access_key_last_used()
        .access_key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(used.user_name(), Some("alice"));
    let lu = used.access_key_last_used().unwrap();
    assert_eq!(lu.service_name(), "iam");
    assert_eq!(lu.region(), "us-east-1");
    assert!(lu.last_used_date().is_some());
    // Through STS the same key works too.
    let who = h
        .sts(&id, &secret)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.arn(), Some("arn:aws:iam::123456789012:user/alice"));

    // Second key fine, third refused with AWS's quota message.
    let second = admin
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let second_id = second.access_key().unwrap().access_key_id().to_owned();
    // Never used: N/A and no date.
    let unused = admin
        .get_access_key_last_used()
        .access_key_id(&second_id)
        .send()
        .await
        .unwrap();
    let lu = unused.access_key_last_used().unwrap();
    assert_eq!((lu.service_name(), lu.region()), ("N/A", "N/A"));
    assert!(lu.last_used_date().is_none());
    let third = admin
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&third), "LimitExceeded");
    assert_eq!(status(&third), 409);
    assert_eq!(
        third.as_service_error().unwrap().message(),
        Some("Cannot exceed quota for AccessKeysPerUser: 2")
    );

    // Paging: one per page.
    let p1 = admin
        .list_access_keys()
        .user_name("alice")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert!(p1.is_truncated());
    assert_eq!(p1.access_key_metadata().len(), 1);
    let p2 = admin
        .list_access_keys()
        .user_name("alice")
        .max_items(1)
        .marker(p1.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!p2.is_truncated());
    // Oldest first; keys made within the same second are in key-id order.
    let mut paged = vec![
        p1.access_key_metadata()[0].access_key_id().unwrap(),
        p2.access_key_metadata()[0].access_key_id().unwrap(),
    ];
    paged.sort_unstable();
    let mut both = vec![id.as_str(), second_id.as_str()];
    both.sort_unstable();
    assert_eq!(paged, both);

    // Inactive takes effect on the very next request; Active again works.
    admin
        .update_access_key()
        .user_name("alice")
        .access_key_id(&id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let e = alice
        .get_user()
        .user_name("admin")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidClientTokenId");
    assert_eq!(status(&e), 403);
    let listed = admin
        .list_access_keys()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let first = listed
        .access_key_metadata()
        .iter()
        .find(|m| m.access_key_id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(first.status(), Some(&StatusType::Inactive));
    admin
        .update_access_key()
        .user_name("alice")
        .access_key_id(&id)
        .status(StatusType::Active)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            &alice
                .get_user()
                .user_name("admin")
                .send()
                .await
                .unwrap_err()
        ),
        "AccessDenied"
    );

    // Delete: the key stops at once; deleting again is NoSuchEntity.
    admin
        .delete_access_key()
        .user_name("alice")
        .access_key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            &alice
                .get_user()
                .user_name("admin")
                .send()
                .await
                .unwrap_err()
        ),
        "InvalidClientTokenId"
    );
    let again = admin
        .delete_access_key()
        .user_name("alice")
        .access_key_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&again), "NoSuchEntity");
    assert_eq!(status(&again), 404);
    // A quota slot is free again.
    admin
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
}
both_backends!(key_lifecycle, super::lifecycle);

async fn errors(h: &Harness) {
    let (ak, asec) = h.admin_key();
    let admin = h.iam(&ak, &asec);
    new_user(h, "bob").await;
    let e = admin
        .create_access_key()
        .user_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    // A key of another user is not found under bob.
    let e = admin
        .update_access_key()
        .user_name("bob")
        .access_key_id(&ak)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    let e = admin
        .update_access_key()
        .access_key_id(&ak)
        .status(StatusType::from("Sleeping"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationError");
    let e = admin
        .get_access_key_last_used()
        .access_key_id("AKIAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");

    // Without UserName the caller's own keys are meant: the admin sees its bootstrap key.
    let own = admin.list_access_keys().send().await.unwrap();
    assert_eq!(own.access_key_metadata().len(), 1);
    assert_eq!(own.access_key_metadata()[0].user_name(), Some("admin"));

    // A user without permissions may not manage anyone's keys — not even learn who exists.
    let (bk, bs) = h.user_with_key("carol").await;
    let carol = h.iam(&bk, &bs);
    for name in ["bob", "nobody"] {
        let e = carol
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&e), "AccessDenied", "{name}");
    }
    let e = carol.list_access_keys().send().await.unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    let e = carol
        .get_access_key_last_used()
        .access_key_id(&ak)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
}
both_backends!(key_errors, super::errors);

/// Root keys: the harness has no root credentials (root signs in with a password through the
/// console), so the first root key is written straight into the store, as bootstrap writes
/// keys; everything after goes through the API signed with it.
async fn root_keys(h: &Harness) {
    let (id, secret) = h.root_key().await;
    let root = h.iam(&id, &secret);
    let who = h
        .sts(&id, &secret)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.arn(), Some("arn:aws:iam::123456789012:root"));

    // CreateAccessKey without UserName, called by root, makes a ROOT key.
    let out = root.create_access_key().send().await.unwrap();
    let k2 = out.access_key().unwrap();
    assert_eq!(k2.user_name(), "");
    let (id2, secret2) = (
        k2.access_key_id().to_owned(),
        k2.secret_access_key().to_owned(),
    );
    let who = h
        .sts(&id2, &secret2)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(who.arn(), Some("arn:aws:iam::123456789012:root"));
    let listed = root.list_access_keys().send().await.unwrap();
    assert_eq!(listed.access_key_metadata().len(), 2);
    let e = root.create_access_key().send().await.unwrap_err();
    assert_eq!(code(&e), "LimitExceeded");
    // Root may still make keys for users (their own quota).
    new_user(h, "dave").await;
    root.create_access_key()
        .user_name("dave")
        .send()
        .await
        .unwrap();
    // The admin's keys are not root's.
    let (ak, _) = h.admin_key();
    let e = root
        .delete_access_key()
        .access_key_id(&ak)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    root.delete_access_key()
        .access_key_id(&id2)
        .send()
        .await
        .unwrap();
    let e = h
        .sts(&id2, &secret2)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.as_service_error().and_then(|s| s.code()),
        Some("InvalidClientTokenId")
    );
}
both_backends!(root_access_keys, super::root_keys);

/// Concurrent creates cannot exceed the quota.
async fn concurrent_creates(h: &Harness) {
    let (ak, asec) = h.admin_key();
    new_user(h, "erin").await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let c = h.iam(&ak, &asec);
        tasks.push(tokio::spawn(async move {
            c.create_access_key().user_name("erin").send().await.is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() {
            ok += 1;
        }
    }
    assert_eq!(ok, 2);
    let listed = h
        .iam(&ak, &asec)
        .list_access_keys()
        .user_name("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.access_key_metadata().len(), 2);
}
both_backends!(quota_under_concurrency, super::concurrent_creates);
