//! The seeds' account-hygiene list, end to end through the AWS SDK on both backends: the root
//! user creates an admin IAM user and then gives up its own access keys, turns on root MFA,
//! sets a password policy; a new user has no permissions until a group grants them; a
//! PowerUser cannot create users.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use common::{Harness, code, now_step, user_with_api_key};

/// Root creates a virtual MFA device and enables it for itself with two consecutive codes.
async fn mfa_for_root(_h: &Harness, root: &aws_sdk_iam::Client) {
    use fedgate_iam::totp;
    let d = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("root-account-mfa-device")
        .send()
        .await
        .unwrap();
    let d = d.virtual_mfa_device().unwrap();
    let seed_text = std::str::from_utf8(d.base32_string_seed().unwrap().as_ref())
        .unwrap()
        .to_owned();
    let seed = totp::base32_decode(&seed_text).unwrap();
    let t = now_step();
    root.enable_mfa_device()
        .serial_number(d.serial_number())
        .authentication_code1(totp::code_at(&seed, t - 1))
        .authentication_code2(totp::code_at(&seed, t))
        .send()
        .await
        .unwrap();
}

async fn hygiene(h: &Harness) {
    let (rk, rs) = h.root_key().await;
    let root = h.iam(&rk, &rs);

    // 1. Root creates an administrator IAM user with console access and a key.
    let ops = user_with_api_key(h, &root, "ops-admin").await;
    root.attach_user_policy()
        .user_name("ops-admin")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    root.create_login_profile()
        .user_name("ops-admin")
        .password("Correct-Horse-Battery-9")
        .password_reset_required(true)
        .send()
        .await
        .unwrap();
    // Every change is audited, CloudTrail-shaped, without the secret.
    let audit = h.audit_lines();
    let event = audit
        .iter()
        .find(|l| l.contains("\"eventName\":\"CreateLoginProfile\""))
        .expect("CreateLoginProfile audited");
    assert!(!event.contains("Correct-Horse-Battery-9"), "{event}");
    assert!(event.contains("HIDDEN_DUE_TO_SECURITY_REASONS"), "{event}");
    assert!(event.contains("arn:aws:iam::123456789012:root"), "{event}");
    assert!(
        audit
            .iter()
            .any(|l| l.contains("\"eventName\":\"AttachUserPolicy\"") && l.contains("ops-admin"))
    );
    // The secret of a new access key appears in no audit line.
    assert!(!audit.iter().any(|l| l.contains("SecretAccessKey")));
    let users = ops.list_users().send().await.unwrap();
    assert!(users.users().iter().any(|u| u.user_name() == "ops-admin"));

    // 2. Root MFA on (see mfa_for_root below), then root gives up its access keys.
    mfa_for_root(h, &root).await;
    let keys = root.list_access_keys().send().await.unwrap();
    assert_eq!(keys.access_key_metadata().len(), 1);
    root.delete_access_key()
        .access_key_id(&rk)
        .send()
        .await
        .unwrap();
    let gone = root.list_users().send().await.unwrap_err();
    assert_eq!(code(&gone), "InvalidClientTokenId");
    let summary = ops.get_account_summary().send().await.unwrap();
    let map = summary.summary_map().unwrap();
    let get = |k: aws_sdk_iam::types::SummaryKeyType| map.get(&k).copied();
    assert_eq!(
        get(aws_sdk_iam::types::SummaryKeyType::AccountAccessKeysPresent),
        Some(0)
    );
    assert_eq!(
        get(aws_sdk_iam::types::SummaryKeyType::AccountMfaEnabled),
        Some(1)
    );

    // 3. A password policy, enforced on the next password set.
    ops.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .send()
        .await
        .unwrap();
    let policy = ops.get_account_password_policy().send().await.unwrap();
    assert_eq!(
        policy.password_policy().unwrap().minimum_password_length(),
        Some(14)
    );

    // 4. A new user has no permissions until a group grants them.
    let dev = user_with_api_key(h, &ops, "dev").await;
    let weak = ops
        .create_login_profile()
        .user_name("dev")
        .password("short1!A")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&weak), "PasswordPolicyViolation");
    let denied = dev.list_users().send().await.unwrap_err();
    assert_eq!(code(&denied), "AccessDenied");
    assert!(
        denied
            .message()
            .unwrap_or_default()
            .contains("is not authorized to perform: iam:ListUsers"),
        "{denied:?}"
    );
    ops.create_group()
        .group_name("readers")
        .send()
        .await
        .unwrap();
    ops.attach_group_policy()
        .group_name("readers")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    ops.add_user_to_group()
        .group_name("readers")
        .user_name("dev")
        .send()
        .await
        .unwrap();
    dev.list_users().send().await.unwrap();
    let still = dev.create_user().user_name("x").send().await.unwrap_err();
    assert_eq!(code(&still), "AccessDenied");

    // 5. A PowerUser cannot manage users or groups, but can do the rest.
    let power = user_with_api_key(h, &ops, "power").await;
    ops.attach_user_policy()
        .user_name("power")
        .policy_arn("arn:aws:iam::aws:policy/PowerUserAccess")
        .send()
        .await
        .unwrap();
    let no = power.create_user().user_name("y").send().await.unwrap_err();
    assert_eq!(code(&no), "AccessDenied");
    let no = power
        .create_group()
        .group_name("g")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&no), "AccessDenied");
    power.list_roles().send().await.unwrap();

    // AdministratorAccess is attached to the bootstrap admin and ops-admin.
    let admin_policy = ops
        .get_policy()
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    assert_eq!(admin_policy.policy().unwrap().attachment_count(), Some(2));
}

both_backends!(seeds_hygiene_list, crate::hygiene);
