#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Bootstrap, key resolution, GetUser and authorization by the policy engine on the embedded store.

use fedgate_core::rng::TestRng;
use fedgate_core::{AccountId, Kek, Principal, SystemClock};
use fedgate_iam::authz::{Decision, RequestContext, authorize};
use fedgate_iam::bootstrap::{BootstrapRequest, bootstrap};
use fedgate_iam::{Iam, IamError, resolve_access_key, users};
use fedgate_store::model::User;
use fedgate_store::{EmbeddedBackend, Store};
use std::sync::Arc;

fn iam(dir: &tempfile::TempDir) -> Iam {
    let rng = Arc::new(TestRng::seeded(11));
    let (kek, _) = Kek::generate(rng.as_ref()).unwrap();
    let backend = EmbeddedBackend::open(&dir.path().join("s.redb"), Arc::new(SystemClock)).unwrap();
    Iam::new(
        Store::new(Arc::new(backend)),
        Arc::new(kek),
        Arc::new(SystemClock),
        rng,
        "aws",
    )
}

#[tokio::test]
async fn bootstrap_creates_a_working_admin_and_refuses_twice() {
    let dir = tempfile::tempdir().unwrap();
    let iam = iam(&dir);
    let req = BootstrapRequest {
        account_id: Some(AccountId::parse("123456789012").unwrap()),
        alias: Some("example-corp".into()),
        admin_user: "admin".into(),
    };
    let out = bootstrap(&iam, req.clone()).await.unwrap();
    assert_eq!(out.admin_user_arn, "arn:aws:iam::123456789012:user/admin");
    assert!(out.access_key_id.as_str().starts_with("AKIA"));
    // The stored account keeps only a hash of the root password.
    let acct = iam
        .store
        .get_account(&out.account_id)
        .await
        .unwrap()
        .unwrap();
    let hash = acct.root_password_hash.unwrap();
    assert!(!hash.contains(out.root_password.expose()));
    assert!(fedgate_iam::password::verify(&out.root_password, &hash));
    // The key resolves to the admin with the same secret.
    let resolved = resolve_access_key(&iam, &out.access_key_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.open_secret(&iam).unwrap(), out.secret_access_key);
    assert_eq!(resolved.principal.arn().to_string(), out.admin_user_arn);
    // A second bootstrap of the account is refused and changes nothing.
    let again = bootstrap(&iam, req).await;
    assert!(
        matches!(again, Err(IamError::EntityAlreadyExists(_))),
        "{again:?}"
    );
    assert!(
        resolve_access_key(&iam, &out.access_key_id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn policy_engine_decides_for_users_root_acts_in_its_account() {
    let dir = tempfile::tempdir().unwrap();
    let iam = iam(&dir);
    let out = bootstrap(
        &iam,
        BootstrapRequest {
            account_id: Some(AccountId::parse("111122223333").unwrap()),
            alias: None,
            admin_user: "admin".into(),
        },
    )
    .await
    .unwrap();
    let admin = resolve_access_key(&iam, &out.access_key_id)
        .await
        .unwrap()
        .unwrap()
        .principal;
    let ctx = RequestContext::default();
    let own = "arn:aws:iam::111122223333:user/bob";
    assert_eq!(
        authorize(&iam, &admin, "iam:GetUser", own, &ctx)
            .await
            .unwrap(),
        Decision::Allow
    );
    // Not across accounts.
    let other = "arn:aws:iam::444455556666:user/bob";
    assert!(matches!(
        authorize(&iam, &admin, "iam:GetUser", other, &ctx)
            .await
            .unwrap(),
        Decision::Deny(_)
    ));
    let root = Principal::Root {
        partition: "aws".into(),
        account: out.account_id.clone(),
        access_key_id: None,
    };
    assert_eq!(
        authorize(&iam, &root, "iam:GetUser", own, &ctx)
            .await
            .unwrap(),
        Decision::Allow
    );
    // Another user of the same account is denied everything but GetCallerIdentity.
    let bob = User {
        account_id: out.account_id.clone(),
        user_id: "AIDABOBBOBBOBBOBBOBBO".into(),
        name: "bob".into(),
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
    };
    iam.store.create_user(&bob).await.unwrap();
    let bob_p = Principal::User {
        partition: "aws".into(),
        account: out.account_id.clone(),
        user_id: bob.user_id.clone(),
        name: "bob".into(),
        path: "/".into(),
        access_key_id: None,
    };
    match authorize(&iam, &bob_p, "iam:GetUser", own, &ctx)
        .await
        .unwrap()
    {
        Decision::Deny(m) => assert_eq!(
            m,
            "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:GetUser on resource: arn:aws:iam::111122223333:user/bob because no identity-based policy allows the iam:GetUser action"
        ),
        Decision::Allow => panic!("bob must be denied"),
    }
    assert_eq!(
        authorize(&iam, &bob_p, "sts:GetCallerIdentity", "*", &ctx)
            .await
            .unwrap(),
        Decision::Allow
    );
    // GetUser: bob may not read even himself; a missing user is AccessDenied for him, NoSuchEntity for admin.
    assert!(matches!(
        users::get_user(&iam, &bob_p, &ctx, None).await,
        Err(IamError::AccessDenied(_))
    ));
    assert!(matches!(
        users::get_user(&iam, &bob_p, &ctx, Some("ghost")).await,
        Err(IamError::AccessDenied(_))
    ));
    assert!(matches!(
        users::get_user(&iam, &admin, &ctx, Some("ghost")).await,
        Err(IamError::NoSuchEntity(_))
    ));
    assert_eq!(
        users::get_user(&iam, &admin, &ctx, Some("BOB"))
            .await
            .unwrap()
            .name,
        "bob"
    );
    assert!(matches!(
        users::get_user(&iam, &admin, &ctx, Some("bad name!")).await,
        Err(IamError::Validation(_))
    ));
}

#[test]
fn alias_rules() {
    use fedgate_iam::bootstrap::validate_alias;
    for ok in ["abc", "example-corp", "a1-b2"] {
        assert!(validate_alias(ok).is_ok(), "{ok}");
    }
    for bad in ["ab", "-abc", "abc-", "a--b", "ABC", "123456789012", "a_b"] {
        assert!(validate_alias(bad).is_err(), "{bad}");
    }
}
