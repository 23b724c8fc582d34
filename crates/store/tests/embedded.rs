//! The embedded (redb) backend against the conformance suite, plus restart durability and purge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fedgate_core::SystemClock;
use fedgate_store::model::{Account, User};
use fedgate_store::{EmbeddedBackend, Store};
use std::sync::Arc;

async fn embedded() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let backend =
        EmbeddedBackend::open(&dir.path().join("fedgate.redb"), Arc::new(SystemClock)).unwrap();
    (Store::new(Arc::new(backend)), dir)
}

fedgate_store::conformance_suite!(embedded);

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fedgate.redb");
    let id = fedgate_core::AccountId::parse("123456789012").unwrap();
    {
        let store = Store::new(Arc::new(
            EmbeddedBackend::open(&path, Arc::new(SystemClock)).unwrap(),
        ));
        store
            .create_account(&Account {
                id: id.clone(),
                alias: None,
                created_at: "2026-11-23T00:00:00Z".into(),
                root_password_hash: None,
                bootstrap_admin_user_id: None,
                root_password_changed_at: None,
                root_mfa_devices: vec![],
                password_policy: None,
                credential_report_generated_at: None,
            })
            .await
            .unwrap();
        store
            .create_user(&User {
                account_id: id.clone(),
                user_id: "AIDAAAAAAAAAAAAAAAAAA".into(),
                name: "admin".into(),
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
            })
            .await
            .unwrap();
    }
    let store = Store::new(Arc::new(
        EmbeddedBackend::open(&path, Arc::new(SystemClock)).unwrap(),
    ));
    assert!(store.get_account(&id).await.unwrap().is_some());
    assert_eq!(
        store
            .get_user_by_name(&id, "ADMIN")
            .await
            .unwrap()
            .unwrap()
            .user_id,
        "AIDAAAAAAAAAAAAAAAAAA"
    );
}

#[tokio::test]
async fn purge_removes_expired_records() {
    use fedgate_core::{Clock, ManualClock};
    use fedgate_store::{Backend, Txn};
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at_unix(1_000_000);
    let b = EmbeddedBackend::open(&dir.path().join("f.redb"), Arc::new(clock.clone())).unwrap();
    let now = clock.now_millis();
    b.commit(
        Txn::new()
            .put_expiring("a", b"1".to_vec(), now + 1000)
            .put_expiring("b", b"2".to_vec(), now + 5000),
    )
    .await
    .unwrap();
    assert_eq!(b.purge_expired().await.unwrap(), 0);
    clock.advance_secs(2);
    assert_eq!(b.get("a").await.unwrap(), None);
    assert_eq!(b.purge_expired().await.unwrap(), 1);
    assert!(b.get("b").await.unwrap().is_some());
    // Rewriting a key without expiry cancels its purge.
    b.commit(Txn::new().put("b", b"3".to_vec())).await.unwrap();
    clock.advance_secs(10);
    assert_eq!(b.purge_expired().await.unwrap(), 0);
    assert!(b.get("b").await.unwrap().is_some());
}
