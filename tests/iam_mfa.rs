//! Virtual MFA devices through the AWS SDK for Rust, on both stores: create (seed + QR PNG),
//! enable with two consecutive codes computed here from the seed (RFC 6238), wrong and
//! non-consecutive codes, replay, assignment listing, delete while enabled, deactivate, tags,
//! and the root user's own MFA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::types::AssignmentStatusType;
use common::{Harness, failure, now_step};
use fedgate_iam::totp;

/// Creates a device and returns (serial, seed bytes).
async fn new_device(iam: &aws_sdk_iam::Client, name: &str) -> (String, Vec<u8>) {
    let out = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(name)
        .send()
        .await
        .unwrap();
    let d = out.virtual_mfa_device().unwrap();
    let seed_text = std::str::from_utf8(d.base32_string_seed().unwrap().as_ref())
        .unwrap()
        .to_owned();
    let png = d.qr_code_png().unwrap().as_ref();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "QRCodePNG is a PNG");
    let seed = totp::base32_decode(&seed_text).expect("Base32StringSeed is RFC 4648 base32");
    assert_eq!(seed.len(), 20);
    (d.serial_number().to_owned(), seed)
}

async fn user_flow(h: &Harness) {
    let iam = h.admin_iam();
    h.user_with_key("alice").await;
    let (serial, seed) = new_device(&iam, "alice-phone").await;
    assert_eq!(serial, "arn:aws:iam::123456789012:mfa/alice-phone");

    // The same name again is refused.
    let (c, st) = failure(
        iam.create_virtual_mfa_device()
            .virtual_mfa_device_name("alice-phone")
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("EntityAlreadyExists", 409));

    let t = now_step();
    let enable = |a: String, b: String| {
        iam.enable_mfa_device()
            .user_name("alice")
            .serial_number(&serial)
            .authentication_code1(a)
            .authentication_code2(b)
            .send()
    };
    // Wrong codes, stale codes and codes that are not consecutive are refused with 403.
    let (c, st) = failure(enable("000000".into(), "000001".into()).await);
    if totp::code_at(&seed, t - 1) != "000000" {
        assert_eq!((c.as_str(), st), ("InvalidAuthenticationCode", 403));
    }
    let (c, _) = failure(enable(totp::code_at(&seed, t - 6), totp::code_at(&seed, t - 5)).await);
    assert_eq!(c, "InvalidAuthenticationCode");
    let (c, _) = failure(enable(totp::code_at(&seed, t - 1), totp::code_at(&seed, t + 1)).await);
    assert_eq!(c, "InvalidAuthenticationCode");
    let (c, st) = failure(enable("12345".into(), "123456".into()).await);
    assert_eq!((c.as_str(), st), ("ValidationError", 400));
    // An unknown user.
    let (c, st) = failure(
        iam.enable_mfa_device()
            .user_name("nobody")
            .serial_number(&serial)
            .authentication_code1(totp::code_at(&seed, t - 1))
            .authentication_code2(totp::code_at(&seed, t))
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("NoSuchEntity", 404));

    // Two consecutive codes enable it.
    enable(totp::code_at(&seed, t - 1), totp::code_at(&seed, t))
        .await
        .unwrap();
    // Enabled already.
    let (c, st) = failure(enable(totp::code_at(&seed, t), totp::code_at(&seed, t + 1)).await);
    assert_eq!((c.as_str(), st), ("EntityAlreadyExists", 409));

    let listed = iam
        .list_mfa_devices()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.mfa_devices().len(), 1);
    assert_eq!(listed.mfa_devices()[0].serial_number(), serial);
    assert_eq!(listed.mfa_devices()[0].user_name(), "alice");
    assert!(!listed.is_truncated());

    // Sign-in verification: the codes used to enable cannot be used again; the next one can,
    // once.
    let account = h.admin.account_id.clone();
    let app_iam = &h.app.iam;
    let replay =
        fedgate_iam::mfa::verify_mfa_code(app_iam, &account, &serial, &totp::code_at(&seed, t))
            .await;
    assert!(matches!(
        replay,
        Err(fedgate_iam::IamError::InvalidAuthenticationCode(_))
    ));
    let next = totp::code_at(&seed, t + 1);
    fedgate_iam::mfa::verify_mfa_code(app_iam, &account, &serial, &next)
        .await
        .unwrap();
    let again = fedgate_iam::mfa::verify_mfa_code(app_iam, &account, &serial, &next).await;
    assert!(matches!(
        again,
        Err(fedgate_iam::IamError::InvalidAuthenticationCode(_))
    ));

    // Assignment status.
    let (spare, _) = new_device(&iam, "spare").await;
    let list = |status: AssignmentStatusType| {
        iam.list_virtual_mfa_devices()
            .assignment_status(status)
            .send()
    };
    let assigned = list(AssignmentStatusType::Assigned).await.unwrap();
    assert_eq!(assigned.virtual_mfa_devices().len(), 1);
    let a = &assigned.virtual_mfa_devices()[0];
    assert_eq!(a.serial_number(), serial);
    assert_eq!(a.user().unwrap().user_name(), "alice");
    assert!(a.enable_date().is_some());
    assert!(
        a.base32_string_seed().is_none(),
        "the seed is shown only once"
    );
    let unassigned = list(AssignmentStatusType::Unassigned).await.unwrap();
    let names: Vec<&str> = unassigned
        .virtual_mfa_devices()
        .iter()
        .map(|d| d.serial_number())
        .collect();
    assert_eq!(names, vec![spare.as_str()]);
    let any = list(AssignmentStatusType::Any).await.unwrap();
    assert_eq!(any.virtual_mfa_devices().len(), 2);
    // Paging.
    let first = iam
        .list_virtual_mfa_devices()
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert!(first.is_truncated());
    let second = iam
        .list_virtual_mfa_devices()
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.virtual_mfa_devices().len(), 1);
    assert_ne!(
        first.virtual_mfa_devices()[0].serial_number(),
        second.virtual_mfa_devices()[0].serial_number()
    );

    // Delete while enabled: DeleteConflict; deactivate, then delete works.
    let (c, st) = failure(
        iam.delete_virtual_mfa_device()
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("DeleteConflict", 409));
    iam.deactivate_mfa_device()
        .user_name("alice")
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    let (c, _) = failure(
        iam.deactivate_mfa_device()
            .user_name("alice")
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!(c, "NoSuchEntity");
    let listed = iam
        .list_mfa_devices()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert!(listed.mfa_devices().is_empty());
    iam.delete_virtual_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    let (c, st) = failure(
        iam.delete_virtual_mfa_device()
            .serial_number(&serial)
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("NoSuchEntity", 404));
    let any = list(AssignmentStatusType::Any).await.unwrap();
    assert_eq!(any.virtual_mfa_devices().len(), 1);

    // Tags.
    iam.tag_mfa_device()
        .serial_number(&spare)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("ops")
                .build()
                .unwrap(),
        )
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("env")
                .value("dev")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.untag_mfa_device()
        .serial_number(&spare)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = iam
        .list_mfa_device_tags()
        .serial_number(&spare)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), "team");
    assert_eq!(tags.tags()[0].value(), "ops");
    let (c, _) = failure(
        iam.tag_mfa_device()
            .serial_number(&spare)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("aws:x")
                    .value("y")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(c, "InvalidInput");
}
both_backends!(user_mfa, crate::user_flow);

/// A user with no policies may not touch MFA devices; existence is not revealed.
async fn denied_flow(h: &Harness) {
    let (k, s) = h.user_with_key("nopolicy").await;
    let iam = h.iam(&k, &s);
    let (c, st) = failure(iam.list_virtual_mfa_devices().send().await);
    assert_eq!((c.as_str(), st), ("AccessDenied", 403));
    let (c, _) = failure(
        iam.create_virtual_mfa_device()
            .virtual_mfa_device_name("mine")
            .send()
            .await,
    );
    assert_eq!(c, "AccessDenied");
    let (c, _) = failure(
        iam.delete_virtual_mfa_device()
            .serial_number("arn:aws:iam::123456789012:mfa/none")
            .send()
            .await,
    );
    assert_eq!(c, "AccessDenied");
}
both_backends!(mfa_denied, crate::denied_flow);

async fn root_flow(h: &Harness) {
    let (k, s) = h.root_key().await;
    let iam = h.iam(&k, &s);
    let (serial, seed) = new_device(&iam, "root-mfa").await;
    let t = now_step();
    // No UserName: the root user itself.
    iam.enable_mfa_device()
        .serial_number(&serial)
        .authentication_code1(totp::code_at(&seed, t - 1))
        .authentication_code2(totp::code_at(&seed, t))
        .send()
        .await
        .unwrap();
    let listed = iam.list_mfa_devices().send().await.unwrap();
    assert_eq!(listed.mfa_devices().len(), 1);
    assert_eq!(listed.mfa_devices()[0].serial_number(), serial);
    assert_eq!(listed.mfa_devices()[0].user_name(), "123456789012");
    let account = h
        .app
        .iam
        .store
        .get_account(&h.admin.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.root_mfa_devices, vec![serial.clone()]);
    let summary = iam.get_account_summary().send().await.unwrap();
    let map = summary.summary_map().unwrap();
    use aws_sdk_iam::types::SummaryKeyType as K;
    assert_eq!(map[&K::AccountMfaEnabled], 1);
    assert_eq!(map[&K::AccountAccessKeysPresent], 1);
    assert_eq!(map[&K::MfaDevicesInUse], 1);
    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assigned.virtual_mfa_devices()[0].user().unwrap().arn(),
        "arn:aws:iam::123456789012:root"
    );
    // The admin user's own list is separate.
    let admin = h.admin_iam();
    assert!(
        admin
            .list_mfa_devices()
            .send()
            .await
            .unwrap()
            .mfa_devices()
            .is_empty()
    );
    // Sign-in check bound to the owner: root's device does not vouch for a user.
    let user = fedgate_store::model::KeyOwner::User {
        user_id: "AIDAEXAMPLE".into(),
        user_name: "admin".into(),
    };
    let r = fedgate_iam::mfa::verify_mfa_code_for(
        &h.app.iam,
        &h.admin.account_id,
        Some(&user),
        &serial,
        &totp::code_at(&seed, t + 1),
    )
    .await;
    assert!(matches!(r, Err(fedgate_iam::IamError::NoSuchEntity(_))));
    // Deactivate (empty UserName also means root).
    iam.deactivate_mfa_device()
        .user_name("")
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    let summary = iam.get_account_summary().send().await.unwrap();
    assert_eq!(summary.summary_map().unwrap()[&K::AccountMfaEnabled], 0);
    assert!(
        iam.list_mfa_devices()
            .send()
            .await
            .unwrap()
            .mfa_devices()
            .is_empty()
    );
}
both_backends!(root_mfa, crate::root_flow);
