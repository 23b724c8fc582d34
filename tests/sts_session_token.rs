//! STS GetSessionToken end to end through the AWS SDK for Rust, on both backends: a user's
//! session credentials authenticate as the user, cannot call IAM without MFA nor
//! GetSessionToken again, can assume a role; root sessions are cut to one hour; durations
//! outside AWS's bounds are refused; deleting the user ends its sessions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_sts::error::ProvideErrorMetadata;
use common::Harness;

const ACCT: &str = "123456789012";

async fn user_sessions(h: &Harness) {
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let out = sts.get_session_token().send().await.unwrap();
    let c = out.credentials().unwrap();
    assert!(c.access_key_id().starts_with("ASIA"));
    // Default 12 hours.
    let secs = c.expiration().secs() - aws_smithy_types_now();
    assert!((43_100..=43_300).contains(&secs), "{secs}");
    let (key, secret, token) = (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    );
    let session = h.sts_session(&key, &secret, &token);
    let me = session.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCT}:user/admin").as_str())
    );
    assert!(me.user_id().unwrap().starts_with("AIDA"));

    // No IAM without MFA; no GetSessionToken with session credentials.
    let err = h
        .iam_session(&key, &secret, &token)
        .list_users()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::code(&err),
        Some("AccessDenied")
    );
    let err = session.get_session_token().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some("Cannot call GetSessionToken with session credentials")
    );

    // The session can assume a role that trusts its user.
    let trust = common::trust_policy(
        &format!("arn:aws:iam::{ACCT}:user/admin"),
        r#""sts:AssumeRole""#,
    );
    h.iam(&k, &s)
        .create_role()
        .role_name("R")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let out = session
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCT}:role/R"))
        .role_session_name("from-session")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        format!("arn:aws:sts::{ACCT}:assumed-role/R/from-session")
    );

    // Duration bounds.
    for d in [899, 129_601] {
        let err = sts
            .get_session_token()
            .duration_seconds(d)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ValidationError"), "{d}");
    }
    let out = sts
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let secs = out.credentials().unwrap().expiration().secs() - aws_smithy_types_now();
    assert!((850..=950).contains(&secs), "{secs}");

    // Root sessions last at most an hour.
    let (rk, rs) = h.root_key().await;
    let out = h
        .sts(&rk, &rs)
        .get_session_token()
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    let secs = out.credentials().unwrap().expiration().secs() - aws_smithy_types_now();
    assert!((3500..=3700).contains(&secs), "{secs}");

    // Deleting the user ends its sessions.
    let (bk, bs) = h.user_with_key("bob").await;
    let out = h.sts(&bk, &bs).get_session_token().send().await.unwrap();
    let c = out.credentials().unwrap();
    let bob = h.sts_session(c.access_key_id(), c.secret_access_key(), c.session_token());
    bob.get_caller_identity().send().await.unwrap();
    let admin = h.iam(&k, &s);
    let keys = admin
        .list_access_keys()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    for key in keys.access_key_metadata() {
        admin
            .delete_access_key()
            .user_name("bob")
            .access_key_id(key.access_key_id().unwrap())
            .send()
            .await
            .unwrap();
    }
    admin.delete_user().user_name("bob").send().await.unwrap();
    let err = bob.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
}
both_backends!(get_session_token, super::user_sessions);

/// MFA through GetSessionToken: a wrong code is refused; a right one gives a session that may
/// call IAM and that satisfies a trust policy requiring aws:MultiFactorAuthPresent.
async fn mfa_sessions(h: &Harness) {
    use fedgate_iam::totp;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let out = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("admin-phone")
        .send()
        .await
        .unwrap();
    let d = out.virtual_mfa_device().unwrap();
    let serial = d.serial_number().to_owned();
    let seed =
        totp::base32_decode(std::str::from_utf8(d.base32_string_seed().unwrap().as_ref()).unwrap())
            .unwrap();
    let t = totp::step_at(aws_smithy_types_now());
    iam.enable_mfa_device()
        .user_name("admin")
        .serial_number(&serial)
        .authentication_code1(totp::code_at(&seed, t - 1))
        .authentication_code2(totp::code_at(&seed, t))
        .send()
        .await
        .unwrap();
    let sts = h.sts(&k, &s);
    let wrong = if totp::code_at(&seed, t + 1) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let err = sts
        .get_session_token()
        .serial_number(&serial)
        .token_code(wrong)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    let out = sts
        .get_session_token()
        .serial_number(&serial)
        .token_code(totp::code_at(&seed, t + 1))
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let (key, secret, token) = (c.access_key_id(), c.secret_access_key(), c.session_token());
    h.iam_session(key, secret, token)
        .list_users()
        .send()
        .await
        .unwrap();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCT}:user/admin"}},"Action":"sts:AssumeRole","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}]}}"#
    );
    iam.create_role()
        .role_name("NeedsMfa")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let arn = format!("arn:aws:iam::{ACCT}:role/NeedsMfa");
    // Long-term keys without MFA: refused; the MFA session: allowed.
    let err = sts
        .assume_role()
        .role_arn(&arn)
        .role_session_name("nomfa")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    h.sts_session(key, secret, token)
        .assume_role()
        .role_arn(&arn)
        .role_session_name("withmfa")
        .send()
        .await
        .unwrap();
}
both_backends!(get_session_token_mfa, super::mfa_sessions);

fn aws_smithy_types_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A GetSessionToken session acts as its user is now, not as it was named when the session
/// was made: after alice is renamed and a new alice created, the old session cannot assume a
/// role that trusts the new alice's ARN.
async fn renamed_user_sessions(h: &Harness) {
    let admin = h.admin_iam();
    admin.create_user().user_name("alice").send().await.unwrap();
    let (k, s) = {
        let out = admin
            .create_access_key()
            .user_name("alice")
            .send()
            .await
            .unwrap();
        let key = out.access_key().unwrap();
        (
            key.access_key_id().to_owned(),
            key.secret_access_key().to_owned(),
        )
    };
    let out = h.sts(&k, &s).get_session_token().send().await.unwrap();
    let c = out.credentials().unwrap();
    let session = h.sts_session(c.access_key_id(), c.secret_access_key(), c.session_token());
    admin
        .update_user()
        .user_name("alice")
        .new_user_name("alice-old")
        .send()
        .await
        .unwrap();
    admin.create_user().user_name("alice").send().await.unwrap();
    admin
        .create_role()
        .role_name("for-alice")
        .assume_role_policy_document(common::trust_policy(
            &format!("arn:aws:iam::{ACCT}:user/alice"),
            r#""sts:AssumeRole""#,
        ))
        .send()
        .await
        .unwrap();
    let err = session
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCT}:role/for-alice"))
        .role_session_name("old")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
}
both_backends!(get_session_token_after_rename, super::renamed_user_sessions);
