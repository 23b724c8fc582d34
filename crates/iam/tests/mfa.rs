//! MFA rules over a real (embedded) store with a manual clock: enabling takes two consecutive
//! codes, a code is accepted once (replay), the ±1 step window at sign-in, resync learning
//! the device's drift, the per-user device quota, and the sealed seed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fedgate_core::rng::TestRng;
use fedgate_core::{AccountId, Kek, ManualClock, Principal};
use fedgate_iam::authz::RequestContext;
use fedgate_iam::bootstrap::{BootstrapRequest, bootstrap};
use fedgate_iam::mfa::{
    create_virtual_mfa_device, enable_mfa_device, resync_mfa_device, verify_mfa_code,
};
use fedgate_iam::{Iam, IamError, totp};
use fedgate_store::model::MfaDevice;
use fedgate_store::{EmbeddedBackend, Store};
use std::sync::Arc;

const T0: i64 = 1_800_000_000;

async fn setup(dir: &tempfile::TempDir) -> (Iam, Arc<ManualClock>, Principal) {
    let rng = Arc::new(TestRng::seeded(21));
    let (kek, _) = Kek::generate(rng.as_ref()).unwrap();
    let clock = Arc::new(ManualClock::at_unix(T0));
    let backend = EmbeddedBackend::open(&dir.path().join("s.redb"), clock.clone()).unwrap();
    let iam = Iam::new(
        Store::new(Arc::new(backend)),
        Arc::new(kek),
        clock.clone(),
        rng,
        "aws",
    );
    let account = AccountId::parse("123456789012").unwrap();
    bootstrap(
        &iam,
        BootstrapRequest {
            account_id: Some(account.clone()),
            alias: None,
            admin_user: "admin".into(),
        },
    )
    .await
    .unwrap();
    let root = Principal::Root {
        partition: "aws".into(),
        account,
        access_key_id: None,
    };
    (iam, clock, root)
}

async fn device(iam: &Iam, root: &Principal, name: &str) -> (String, Vec<u8>) {
    let ctx = RequestContext::default();
    let d = create_virtual_mfa_device(iam, root, &ctx, name, None, vec![])
        .await
        .unwrap();
    let seed = totp::base32_decode(d.seed_base32.expose()).unwrap();
    // Stored sealed: the seed's bytes are not in the record.
    let stored = iam
        .store
        .get_entity::<MfaDevice>(root.account(), &d.device.serial_number)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored
            .sealed_seed
            .windows(seed.len())
            .any(|w| w == seed.as_slice())
    );
    (d.device.serial_number, seed)
}

#[tokio::test]
async fn replay_window_and_resync() {
    let dir = tempfile::tempdir().unwrap();
    let (iam, clock, root) = setup(&dir).await;
    let ctx = RequestContext::default();
    let account = root.account().clone();
    let (serial, seed) = device(&iam, &root, "admin-phone").await;
    let t = totp::step_at(T0);

    // Not enabled yet: no sign-in with it.
    let r = verify_mfa_code(&iam, &account, &serial, &totp::code_at(&seed, t)).await;
    assert!(matches!(r, Err(IamError::NoSuchEntity(_))));

    let c = |s: u64| totp::code_at(&seed, s);
    enable_mfa_device(&iam, &root, &ctx, Some("admin"), &serial, &c(t - 1), &c(t))
        .await
        .unwrap();

    // The step used to enable is spent; the next one works once.
    let r = verify_mfa_code(&iam, &account, &serial, &c(t)).await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));
    verify_mfa_code(&iam, &account, &serial, &c(t + 1))
        .await
        .unwrap();
    let r = verify_mfa_code(&iam, &account, &serial, &c(t + 1)).await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));

    // Window: ±1 step around now.
    clock.advance_secs(10 * 30);
    let now = t + 10;
    let r = verify_mfa_code(&iam, &account, &serial, &c(now - 2)).await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));
    let r = verify_mfa_code(&iam, &account, &serial, &c(now + 2)).await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));
    verify_mfa_code(&iam, &account, &serial, &c(now - 1))
        .await
        .unwrap();
    // An earlier step than one accepted is refused even inside the window.
    clock.advance_secs(30);
    let r = verify_mfa_code(&iam, &account, &serial, &c(now - 1)).await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));
    verify_mfa_code(&iam, &account, &serial, &c(now + 1))
        .await
        .unwrap();

    // A device whose clock runs 5 minutes fast: refused until resynced.
    clock.advance_secs(30 * 5);
    let now = t + 16;
    let r = verify_mfa_code(&iam, &account, &serial, &c(now + 10)).await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));
    // Resync needs two consecutive codes.
    let r = resync_mfa_device(
        &iam,
        &root,
        &ctx,
        Some("admin"),
        &serial,
        &c(now + 10),
        &c(now + 12),
    )
    .await;
    assert!(matches!(r, Err(IamError::InvalidAuthenticationCode(_))));
    resync_mfa_device(
        &iam,
        &root,
        &ctx,
        Some("admin"),
        &serial,
        &c(now + 10),
        &c(now + 11),
    )
    .await
    .unwrap();
    clock.advance_secs(30);
    verify_mfa_code(&iam, &account, &serial, &c(now + 12))
        .await
        .unwrap();
}

#[tokio::test]
async fn at_most_eight_devices_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let (iam, clock, root) = setup(&dir).await;
    let ctx = RequestContext::default();
    for i in 0..9 {
        let (serial, seed) = device(&iam, &root, &format!("d{i}")).await;
        let t = totp::step_at(T0) + 2 * i;
        let r = enable_mfa_device(
            &iam,
            &root,
            &ctx,
            Some("admin"),
            &serial,
            &totp::code_at(&seed, t - 1),
            &totp::code_at(&seed, t),
        )
        .await;
        if i < 8 {
            r.unwrap();
        } else {
            assert!(matches!(r, Err(IamError::LimitExceeded(_))), "{r:?}");
        }
        clock.advance_secs(60);
    }
    let admin = iam
        .store
        .get_user_by_name(root.account(), "admin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.mfa_devices.len(), 8);
}
