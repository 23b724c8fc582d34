//! The conformance suite: every backend runs these same cases through
//! [`conformance_suite!`](crate::conformance_suite). Each case uses keys under its own random
//! prefix, so backends may share one server between cases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test suite"
)]

use crate::entities::entity_key;
use crate::model::{AccessKey, Account, Group, KeyOwner, KeyStatus, ManagedPolicy, Session, User};
use crate::{Store, StoreError, Txn};
use fedgate_core::{AccessKeyId, AccountId, Clock, Rng, SystemClock, SystemRng};
use std::time::Duration;

/// Expands to one `#[tokio::test]` per conformance case. `$factory` is an async fn returning
/// `(Store, impl Sized)`; the second value is kept alive for the test (temp dir, server).
///
/// `conformance_suite!(sequential TEST, SETUP, STORE_FOR)` instead expands to one test named
/// `TEST` that runs every case in turn against one deployment, for backends whose set-up is
/// costly (several server processes): `SETUP` is an async fn returning the deployment (kept
/// alive for the test), `STORE_FOR` an async fn `(&deployment, case name) -> Store` giving each
/// case a fresh store (e.g. its own key prefix).
#[macro_export]
macro_rules! conformance_suite {
    ($factory:path) => {
        $crate::conformance_suite!(@list [cases $factory]);
    };
    (sequential $test:ident, $setup:path, $store_for:path) => {
        $crate::conformance_suite!(@list [sequential $test, $setup, $store_for]);
    };
    (@list [$($how:tt)*]) => {
        $crate::conformance_suite!(@go [$($how)*]
            get_put_and_versions, checks_are_atomic, delete_and_absent, expiry,
            index_order_and_paging, accounts_and_aliases, users_unique_case_insensitive,
            concurrent_updates_lose_nothing, concurrent_creates_one_wins, access_keys, sessions,
            account_with_user_is_atomic, first_start_is_claimed_once,
            entities_rename_keeps_names_unique, entity_pair_updates_are_atomic,
            entity_delete_is_version_checked, get_many_reads_in_order, index_len_counts_members,
            capped_creates_never_overshoot);
    };
    (@go [cases $factory:path] $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, _guard) = $factory().await;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
    (@go [sequential $test:ident, $setup:path, $store_for:path] $($name:ident),* $(,)?) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $test() {
            let deployment = $setup().await;
            $(
                let store = $store_for(&deployment, stringify!($name)).await;
                $crate::conformance::$name(&store).await;
            )*
        }
    };
}

fn prefix() -> String {
    let rng = SystemRng::new();
    format!(
        "t{}",
        rng.string_from(b"abcdefghijklmnopqrstuvwxyz0123456789", 12)
    )
}

fn account() -> AccountId {
    AccountId::generate(&SystemRng::new())
}

fn user(account: &AccountId, name: &str) -> User {
    let rng = SystemRng::new();
    User {
        account_id: account.clone(),
        user_id: format!(
            "AIDA{}",
            rng.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17)
        ),
        name: name.into(),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        tags: vec![],
        permissions_boundary: None,
        attached_policies: vec![],
        inline_policies: Default::default(),
        groups: vec![],
        login_profile: None,
        mfa_devices: vec![],
        password_last_used: None,
    }
}

pub async fn get_put_and_versions(store: &Store) {
    let b = store.backend();
    let k = format!("{}/a", prefix());
    assert_eq!(b.get(&k).await.unwrap(), None);
    b.commit(Txn::new().put(&k, b"one".to_vec())).await.unwrap();
    let v = b.get(&k).await.unwrap().unwrap();
    assert_eq!((v.value.as_slice(), v.version), (&b"one"[..], 1));
    b.commit(Txn::new().check_version(&k, 1).put(&k, b"two".to_vec()))
        .await
        .unwrap();
    let v = b.get(&k).await.unwrap().unwrap();
    assert_eq!((v.value.as_slice(), v.version), (&b"two"[..], 2));
    // Binary values survive unchanged.
    let bin: Vec<u8> = (0..=255u8).collect();
    b.commit(Txn::new().put(&k, bin.clone())).await.unwrap();
    assert_eq!(b.get(&k).await.unwrap().unwrap().value, bin);
}

pub async fn checks_are_atomic(store: &Store) {
    let b = store.backend();
    let p = prefix();
    let (k1, k2) = (format!("{p}/1"), format!("{p}/2"));
    b.commit(Txn::new().put(&k1, b"x".to_vec())).await.unwrap();
    // Stale version: nothing of the transaction lands.
    let r = b
        .commit(
            Txn::new()
                .check_version(&k1, 7)
                .put(&k1, b"y".to_vec())
                .put(&k2, b"y".to_vec())
                .index_add(format!("{p}/i"), "m"),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
    assert_eq!(b.get(&k1).await.unwrap().unwrap().value, b"x");
    assert_eq!(b.get(&k2).await.unwrap(), None);
    assert!(
        b.index_range(&format!("{p}/i"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Absent check on a present key fails too.
    let r = b
        .commit(Txn::new().check_absent(&k1).put(&k2, b"z".to_vec()))
        .await;
    assert!(matches!(r, Err(StoreError::Conflict)));
    assert_eq!(b.get(&k2).await.unwrap(), None);
    // A version check on a missing key fails.
    let r = b
        .commit(Txn::new().check_version(&k2, 1).put(&k2, b"z".to_vec()))
        .await;
    assert!(matches!(r, Err(StoreError::Conflict)));
}

pub async fn delete_and_absent(store: &Store) {
    let b = store.backend();
    let k = format!("{}/d", prefix());
    b.commit(Txn::new().put(&k, b"x".to_vec())).await.unwrap();
    b.commit(Txn::new().delete(&k)).await.unwrap();
    assert_eq!(b.get(&k).await.unwrap(), None);
    // Deleting what is not there is not an error.
    b.commit(Txn::new().delete(&k)).await.unwrap();
    // Recreated records start again at version 1.
    b.commit(Txn::new().check_absent(&k).put(&k, b"y".to_vec()))
        .await
        .unwrap();
    assert_eq!(b.get(&k).await.unwrap().unwrap().version, 1);
}

pub async fn expiry(store: &Store) {
    let b = store.backend();
    let p = prefix();
    let (short, long) = (format!("{p}/short"), format!("{p}/long"));
    let now = SystemClock.now_millis();
    b.commit(
        Txn::new()
            .put_expiring(&short, b"s".to_vec(), now + 400)
            .put_expiring(&long, b"l".to_vec(), now + 60_000),
    )
    .await
    .unwrap();
    assert!(b.get(&short).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        b.get(&short).await.unwrap(),
        None,
        "expired record still visible"
    );
    assert!(b.get(&long).await.unwrap().is_some());
    // An expired key counts as absent for create-if-absent.
    b.commit(
        Txn::new()
            .check_absent(&short)
            .put(&short, b"again".to_vec()),
    )
    .await
    .unwrap();
    assert_eq!(b.get(&short).await.unwrap().unwrap().value, b"again");
    // A plain put clears an earlier expiry.
    b.commit(Txn::new().put(&long, b"forever".to_vec()))
        .await
        .unwrap();
    assert!(b.get(&long).await.unwrap().is_some());
}

pub async fn index_order_and_paging(store: &Store) {
    let b = store.backend();
    let idx = format!("{}/idx", prefix());
    let other = format!("{idx}x");
    let members = ["delta", "alpha", "charlie", "bravo", "echo", "alpha/2"];
    let mut txn = Txn::new().index_add(&other, "zzz");
    for m in members {
        txn = txn.index_add(&idx, m);
    }
    b.commit(txn).await.unwrap();
    let all = b.index_range(&idx, None, 100).await.unwrap();
    assert_eq!(
        all,
        ["alpha", "alpha/2", "bravo", "charlie", "delta", "echo"]
    );
    let page = b.index_range(&idx, Some("alpha/2"), 2).await.unwrap();
    assert_eq!(page, ["bravo", "charlie"]);
    b.commit(Txn::new().index_remove(&idx, "charlie"))
        .await
        .unwrap();
    assert_eq!(
        b.index_range(&idx, Some("bravo"), 10).await.unwrap(),
        ["delta", "echo"]
    );
    // Adding twice keeps one member.
    b.commit(Txn::new().index_add(&idx, "echo")).await.unwrap();
    assert_eq!(
        b.index_range(&idx, Some("delta"), 10).await.unwrap(),
        ["echo"]
    );
}

pub async fn accounts_and_aliases(store: &Store) {
    let id = account();
    let alias = format!("{}-corp", prefix());
    let a = Account {
        id: id.clone(),
        alias: Some(alias.clone()),
        created_at: "2026-11-23T00:00:00Z".into(),
        root_password_hash: Some("$argon2id$...".into()),
        bootstrap_admin_user_id: None,
        root_password_changed_at: None,
        root_mfa_devices: vec![],
        password_policy: None,
        credential_report_generated_at: None,
    };
    store.create_account(&a).await.unwrap();
    assert!(matches!(
        store.create_account(&a).await,
        Err(StoreError::AlreadyExists)
    ));
    // Another account cannot take the alias, in any case.
    let mut b = a.clone();
    b.id = account();
    b.alias = Some(alias.to_uppercase());
    assert!(matches!(
        store.create_account(&b).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.get_account(&b.id).await.unwrap(), None);
    assert_eq!(store.get_account(&id).await.unwrap(), Some(a));
    assert_eq!(
        store.account_by_alias(&alias.to_uppercase()).await.unwrap(),
        Some(id.clone())
    );
    store
        .update_account(&id, |acct| {
            acct.bootstrap_admin_user_id = Some("AIDAX".into());
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let got = store.get_account(&id).await.unwrap().unwrap();
    assert_eq!(got.bootstrap_admin_user_id.as_deref(), Some("AIDAX"));
}

pub async fn users_unique_case_insensitive(store: &Store) {
    let acct = account();
    let alice = user(&acct, "Alice");
    store.create_user(&alice).await.unwrap();
    let dup = user(&acct, "ALICE");
    assert!(matches!(
        store.create_user(&dup).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.get_user(&acct, &dup.user_id).await.unwrap(), None);
    // The same name in another account is fine.
    store.create_user(&user(&account(), "Alice")).await.unwrap();
    assert_eq!(
        store.get_user_by_name(&acct, "aLiCe").await.unwrap(),
        Some(alice.clone())
    );
    for n in ["bob", "Carol", "dave"] {
        store.create_user(&user(&acct, n)).await.unwrap();
    }
    let (page, marker) = store.list_users(&acct, None, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["Alice", "bob"]
    );
    let (rest, end) = store
        .list_users(&acct, marker.as_deref(), 10)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["Carol", "dave"]
    );
    assert_eq!(end, None);
    store.delete_user(&alice).await.unwrap();
    assert_eq!(store.get_user_by_name(&acct, "alice").await.unwrap(), None);
    // The name is free again.
    store.create_user(&user(&acct, "alice")).await.unwrap();
}

pub async fn concurrent_updates_lose_nothing(store: &Store) {
    let acct = account();
    let u = user(&acct, "counter");
    store.create_user(&u).await.unwrap();
    let (tasks, each) = (32, 10);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        let (acct, uid) = (acct.clone(), u.user_id.clone());
        handles.push(tokio::spawn(async move {
            for i in 0..each {
                store
                    .update_user(&acct, &uid, |user| {
                        user.tags.push(crate::model::Tag {
                            key: format!("t{t}-{i}"),
                            value: String::new(),
                        });
                        Ok::<_, ()>(())
                    })
                    .await
                    .unwrap()
                    .unwrap()
                    .unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let got = store.get_user(&acct, &u.user_id).await.unwrap().unwrap();
    assert_eq!(
        got.tags.len(),
        tasks * each,
        "lost updates under concurrency"
    );
}

pub async fn concurrent_creates_one_wins(store: &Store) {
    let acct = account();
    let mut handles = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let name = if i % 2 == 0 { "Racer" } else { "rACER" };
        let u = user(&acct, name);
        handles.push(tokio::spawn(async move { store.create_user(&u).await }));
    }
    let mut won = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::AlreadyExists) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    let (users, _) = store.list_users(&acct, None, 100).await.unwrap();
    assert_eq!(users.len(), 1);
}

pub async fn access_keys(store: &Store) {
    let rng = SystemRng::new();
    let acct = account();
    let u = user(&acct, "keyholder");
    let owner = KeyOwner::User {
        user_id: u.user_id.clone(),
        user_name: u.name.clone(),
    };
    let key = AccessKey {
        access_key_id: AccessKeyId::generate_long_term(&rng),
        account_id: acct.clone(),
        owner: owner.clone(),
        sealed_secret: vec![1, 0, 255, 7],
        status: KeyStatus::Active,
        created_at: "2026-11-23T00:00:00Z".into(),
        last_used: None,
    };
    store.create_access_key(&key).await.unwrap();
    assert!(matches!(
        store.create_access_key(&key).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        store.get_access_key(&key.access_key_id).await.unwrap(),
        Some(key.clone())
    );
    let listed = store.list_access_keys(&acct, &owner).await.unwrap();
    assert_eq!(listed, vec![key.clone()]);
    assert!(
        store
            .list_access_keys(&acct, &KeyOwner::Root)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .update_access_key(&key.access_key_id, |k| {
            k.status = KeyStatus::Inactive;
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let got = store
        .get_access_key(&key.access_key_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.status, KeyStatus::Inactive);
    store.delete_access_key(&got).await.unwrap();
    assert_eq!(
        store.get_access_key(&key.access_key_id).await.unwrap(),
        None
    );
    assert!(
        store
            .list_access_keys(&acct, &owner)
            .await
            .unwrap()
            .is_empty()
    );
    // Updating a missing record reports it missing.
    let r = store
        .update_access_key(&key.access_key_id, |_| Ok::<_, ()>(()))
        .await
        .unwrap();
    assert!(r.is_none());
}

pub async fn sessions(store: &Store) {
    let rng = SystemRng::new();
    let id = AccessKeyId::generate_temporary(&rng);
    let s = Session {
        access_key_id: id.clone(),
        account_id: account(),
        sealed_secret: vec![9; 40],
        expires_at_ms: SystemClock.now_millis() + 500,
        principal: serde_json::json!({"role": "r"}),
        details: Default::default(),
    };
    store.put_session(&s).await.unwrap();
    assert!(matches!(
        store.put_session(&s).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.get_session(&id).await.unwrap(), Some(s.clone()));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        store.get_session(&id).await.unwrap(),
        None,
        "session outlived its expiry"
    );
    // A session that has not expired is kept, with its owner as plain data.
    let mut owned = s.clone();
    owned.access_key_id = AccessKeyId::generate_temporary(&rng);
    owned.expires_at_ms = SystemClock.now_millis() + 60_000;
    owned.details.owner_id = "AROAOWNER".into();
    store.put_session(&owned).await.unwrap();
    assert_eq!(
        store.get_session(&owned.access_key_id).await.unwrap(),
        Some(owned.clone())
    );
    store.delete_session(&owned.access_key_id).await.unwrap();
    assert_eq!(store.get_session(&owned.access_key_id).await.unwrap(), None);
}

pub async fn account_with_user_is_atomic(store: &Store) {
    let rng = SystemRng::new();
    let id = account();
    let acct = Account {
        id: id.clone(),
        alias: None,
        created_at: "2026-11-23T00:00:00Z".into(),
        root_password_hash: None,
        bootstrap_admin_user_id: None,
        root_password_changed_at: None,
        root_mfa_devices: vec![],
        password_policy: None,
        credential_report_generated_at: None,
    };
    let admin = user(&id, "admin");
    let key = |u: &User| AccessKey {
        access_key_id: AccessKeyId::generate_long_term(&rng),
        account_id: id.clone(),
        owner: KeyOwner::User {
            user_id: u.user_id.clone(),
            user_name: u.name.clone(),
        },
        sealed_secret: vec![1],
        status: KeyStatus::Active,
        created_at: "2026-11-23T00:00:00Z".into(),
        last_used: None,
    };
    let k1 = key(&admin);
    store
        .create_account_with_user(&acct, &admin, &k1, Txn::new())
        .await
        .unwrap();
    assert!(store.get_account(&id).await.unwrap().is_some());
    assert!(
        store
            .get_user_by_name(&id, "ADMIN")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_access_key(&k1.access_key_id)
            .await
            .unwrap()
            .is_some()
    );
    // Again for the same account: refused, and no second user or key appears.
    let other = user(&id, "other");
    let k2 = key(&other);
    let r = store
        .create_account_with_user(&acct, &other, &k2, Txn::new())
        .await;
    assert!(matches!(r, Err(StoreError::AlreadyExists)), "{r:?}");
    assert_eq!(store.get_user_by_name(&id, "other").await.unwrap(), None);
    assert_eq!(store.get_access_key(&k2.access_key_id).await.unwrap(), None);
}

pub async fn first_start_is_claimed_once(store: &Store) {
    let mut handles = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store.claim_first_start().await.unwrap()
        }));
    }
    let mut won = 0;
    for h in handles {
        if h.await.unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    assert!(!store.claim_first_start().await.unwrap());
}

fn group(account: &AccountId, name: &str) -> Group {
    let rng = SystemRng::new();
    Group {
        account_id: account.clone(),
        group_id: format!(
            "AGPA{}",
            rng.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17)
        ),
        name: name.into(),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        attached_policies: vec![],
        inline_policies: Default::default(),
    }
}

/// Renaming moves the unique name: the old name is free, the new one taken (whatever its
/// case), a taken name refuses the rename and changes nothing, and the name index follows.
pub async fn entities_rename_keeps_names_unique(store: &Store) {
    let acct = account();
    let (dev, ops) = (group(&acct, "dev"), group(&acct, "ops"));
    store.create_entity(&dev, Txn::new()).await.unwrap();
    store.create_entity(&ops, Txn::new()).await.unwrap();
    let taken = store
        .rename_entity::<Group, (), (), _>(&acct, &dev.group_id, "OPS", |_| Ok(((), Txn::new())))
        .await;
    assert!(matches!(taken, Err(StoreError::AlreadyExists)), "{taken:?}");
    store
        .rename_entity::<Group, (), (), _>(&acct, &dev.group_id, "Builders", |g| {
            g.path = "/eng/".into();
            Ok(((), Txn::new()))
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        store
            .get_entity_by_name::<Group>(&acct, "dev")
            .await
            .unwrap()
            .is_none()
    );
    let renamed = store
        .get_entity_by_name::<Group>(&acct, "builders")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.path.as_str()),
        ("Builders", "/eng/")
    );
    // Only the case changes: allowed, and still one entry in the index.
    store
        .rename_entity::<Group, (), (), _>(&acct, &dev.group_id, "BUILDERS", |_| {
            Ok(((), Txn::new()))
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let (all, _) = store.list_entities::<Group>(&acct, None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["BUILDERS", "ops"]
    );
    // The old name can be created again.
    store
        .create_entity(&group(&acct, "dev"), Txn::new())
        .await
        .unwrap();
    assert!(
        store
            .rename_entity::<Group, (), (), _>(&acct, "AGPANOSUCHGROUP", "x", |_| Ok((
                (),
                Txn::new()
            )))
            .await
            .unwrap()
            .is_none()
    );
}

/// `update_pair` changes two records together: concurrent attachers never lose a count and
/// never exceed a quota enforced inside the closure.
pub async fn entity_pair_updates_are_atomic(store: &Store) {
    let acct = account();
    let g = group(&acct, "pair");
    store.create_entity(&g, Txn::new()).await.unwrap();
    let policy = ManagedPolicy {
        account_id: acct.clone(),
        policy_id: "ANPAPAIRTEST".into(),
        name: "p".into(),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        updated_at: "2026-11-23T00:00:00Z".into(),
        description: None,
        default_version_id: "v1".into(),
        versions: vec![],
        next_version: 2,
        attachment_count: 0,
        boundary_usage_count: 0,
        tags: vec![],
    };
    store.create_entity(&policy, Txn::new()).await.unwrap();
    let (gk, pk) = (
        entity_key::<Group>(&acct, &g.group_id),
        entity_key::<ManagedPolicy>(&acct, &policy.policy_id),
    );
    let mut handles = Vec::new();
    for i in 0..20 {
        let (store, gk, pk) = (store.clone(), gk.clone(), pk.clone());
        handles.push(tokio::spawn(async move {
            store
                .update_pair::<Group, ManagedPolicy, (), &str, _>(&gk, &pk, |g, p| {
                    if g.attached_policies.len() >= 10 {
                        return Err("quota");
                    }
                    g.attached_policies.push(format!("slot-{i}"));
                    p.attachment_count += 1;
                    Ok(((), Txn::new()))
                })
                .await
                .unwrap()
                .unwrap()
        }));
    }
    let mut ok = 0;
    for h in handles {
        if h.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 10);
    let g = store
        .get_entity::<Group>(&acct, &g.group_id)
        .await
        .unwrap()
        .unwrap();
    let p = store
        .get_entity::<ManagedPolicy>(&acct, &policy.policy_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.attached_policies.len(), 10);
    assert_eq!(p.attachment_count, 10);
    assert!(
        store
            .update_pair::<Group, ManagedPolicy, (), (), _>(&gk, "acct/none/policy/x", |_, _| Ok((
                (),
                Txn::new()
            )))
            .await
            .unwrap()
            .is_none()
    );
}

/// A delete at a stale version fails and deletes nothing; at the current version it removes
/// record, name and index entry.
pub async fn entity_delete_is_version_checked(store: &Store) {
    let acct = account();
    let g = group(&acct, "gone");
    store.create_entity(&g, Txn::new()).await.unwrap();
    let (read, version) = store
        .get_entity_versioned::<Group>(&acct, &g.group_id)
        .await
        .unwrap()
        .unwrap();
    store
        .update_entity::<Group, (), (), _>(&acct, &g.group_id, |g| {
            g.attached_policies
                .push("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
            Ok(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(
        store.delete_entity(&read, version, Txn::new()).await,
        Err(StoreError::Conflict)
    ));
    let (now, v2) = store
        .get_entity_versioned::<Group>(&acct, &g.group_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.attached_policies.len(), 1);
    store.delete_entity(&now, v2, Txn::new()).await.unwrap();
    assert!(
        store
            .get_entity_by_name::<Group>(&acct, "gone")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .list_entities::<Group>(&acct, None, 10)
            .await
            .unwrap()
            .0
            .is_empty()
    );
}

/// `get_many` answers in the order asked, `None` for absent keys, with versions.
pub async fn get_many_reads_in_order(store: &Store) {
    let p = prefix();
    let b = store.backend();
    b.commit(Txn::new().put(format!("{p}/a"), b"1".to_vec()))
        .await
        .unwrap();
    b.commit(Txn::new().put(format!("{p}/c"), b"3".to_vec()))
        .await
        .unwrap();
    b.commit(Txn::new().put(format!("{p}/c"), b"33".to_vec()))
        .await
        .unwrap();
    let keys = [format!("{p}/c"), format!("{p}/b"), format!("{p}/a")];
    let got = b.get_many(&keys).await.unwrap();
    let shown: Vec<Option<(Vec<u8>, u64)>> = got
        .into_iter()
        .map(|v| v.map(|v| (v.value, v.version)))
        .collect();
    assert_eq!(
        shown,
        [Some((b"33".to_vec(), 2)), None, Some((b"1".to_vec(), 1))]
    );
    assert!(b.get_many(&[]).await.unwrap().is_empty());
}

pub async fn index_len_counts_members(store: &Store) {
    let b = store.backend();
    let idx = format!("{}/len", prefix());
    assert_eq!(b.index_len(&idx).await.unwrap(), 0);
    b.commit(
        Txn::new()
            .index_add(&idx, "a")
            .index_add(&idx, "b")
            .index_add(&idx, "a"),
    )
    .await
    .unwrap();
    assert_eq!(b.index_len(&idx).await.unwrap(), 2);
    // Removing an absent member changes nothing.
    b.commit(Txn::new().index_remove(&idx, "zz")).await.unwrap();
    assert_eq!(b.index_len(&idx).await.unwrap(), 2);
    // The check sees the count before the transaction's own writes; a failed check writes nothing.
    let full = Txn::new()
        .check_index_len_below(&idx, 2)
        .index_add(&idx, "c")
        .put(format!("{idx}/rec"), b"x".to_vec());
    assert!(matches!(b.commit(full).await, Err(StoreError::Conflict)));
    assert_eq!(b.index_len(&idx).await.unwrap(), 2);
    assert!(b.get(&format!("{idx}/rec")).await.unwrap().is_none());
    b.commit(
        Txn::new()
            .check_index_len_below(&idx, 3)
            .index_add(&idx, "c"),
    )
    .await
    .unwrap();
    b.commit(Txn::new().index_remove(&idx, "a").index_remove(&idx, "b"))
        .await
        .unwrap();
    assert_eq!(b.index_len(&idx).await.unwrap(), 1);
    assert_eq!(b.index_range(&idx, None, 10).await.unwrap(), ["c"]);
}

pub async fn capped_creates_never_overshoot(store: &Store) {
    let acct = account();
    let mut handles = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        let u = user(&acct, &format!("u{i}"));
        handles.push(tokio::spawn(async move {
            store.create_entity_capped(&u, Txn::new(), 10).await
        }));
    }
    let (mut won, mut full) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::QuotaReached) => full += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((won, full), (10, 14));
    assert_eq!(store.count_entities::<User>(&acct).await.unwrap(), 10);
    // A taken name (any winner's, in another case) is still EntityAlreadyExists when full.
    let (winners, _) = store.list_users(&acct, None, 1).await.unwrap();
    let dup = user(&acct, &winners[0].name.to_uppercase());
    assert!(matches!(
        store.create_entity_capped(&dup, Txn::new(), 10).await,
        Err(StoreError::AlreadyExists)
    ));
    // Deleting one frees a place.
    let (gone, version) = {
        let (list, _) = store.list_users(&acct, None, 1).await.unwrap();
        let u = list.into_iter().next().unwrap();
        let v = store
            .get_entity_versioned::<User>(&acct, &u.user_id)
            .await
            .unwrap()
            .unwrap()
            .1;
        (u, v)
    };
    store
        .delete_entity(&gone, version, Txn::new())
        .await
        .unwrap();
    let next = user(&acct, "late");
    store
        .create_entity_capped(&next, Txn::new(), 10)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_entity_capped(&user(&acct, "later"), Txn::new(), 10)
            .await,
        Err(StoreError::QuotaReached)
    ));
}
