//! Console passwords end to end through the AWS SDK for Rust, on both store backends: the
//! account password policy (IAM API Reference, UpdateAccountPasswordPolicy: omitted fields take
//! their defaults; GetAccountPasswordPolicy: NoSuchEntity when none is set), login profiles,
//! PasswordPolicyViolation for each rule, PasswordReusePrevention, and ChangePassword (the CLI
//! reference: root gets InvalidUserType).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, code, message, status};

async fn password_policy(h: &Harness) {
    let iam = h.admin_iam();
    let e = iam.get_account_password_policy().send().await.unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    assert_eq!(status(&e), 404);
    assert_eq!(
        message(&e),
        "The Password Policy with domain name 123456789012 cannot be found."
    );
    let e = iam
        .delete_account_password_policy()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");

    // Omitted fields take AWS's defaults.
    iam.update_account_password_policy().send().await.unwrap();
    let p = iam.get_account_password_policy().send().await.unwrap();
    let p = p.password_policy().unwrap();
    assert_eq!(p.minimum_password_length(), Some(6));
    assert!(!p.require_symbols() && !p.require_numbers());
    assert!(!p.require_uppercase_characters() && !p.require_lowercase_characters());
    assert!(!p.allow_users_to_change_password());
    assert!(!p.expire_passwords());
    assert_eq!(p.max_password_age(), None);
    assert_eq!(p.password_reuse_prevention(), None);
    assert_eq!(p.hard_expiry(), Some(false));

    iam.update_account_password_policy()
        .minimum_password_length(12)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .allow_users_to_change_password(true)
        .max_password_age(90)
        .password_reuse_prevention(5)
        .hard_expiry(true)
        .send()
        .await
        .unwrap();
    let p = iam.get_account_password_policy().send().await.unwrap();
    let p = p.password_policy().unwrap();
    assert_eq!(p.minimum_password_length(), Some(12));
    assert!(p.require_symbols() && p.require_numbers());
    assert!(p.require_uppercase_characters() && p.require_lowercase_characters());
    assert!(p.allow_users_to_change_password());
    assert!(p.expire_passwords());
    assert_eq!(p.max_password_age(), Some(90));
    assert_eq!(p.password_reuse_prevention(), Some(5));
    assert_eq!(p.hard_expiry(), Some(true));

    for (len, age, reuse) in [(5, 1, 1), (129, 1, 1), (8, 0, 1), (8, 1096, 1), (8, 1, 25)] {
        let e = iam
            .update_account_password_policy()
            .minimum_password_length(len)
            .max_password_age(age)
            .password_reuse_prevention(reuse)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&e), "ValidationError", "{len} {age} {reuse}");
        assert_eq!(status(&e), 400);
    }
    // A refused update changed nothing.
    let p = iam.get_account_password_policy().send().await.unwrap();
    assert_eq!(
        p.password_policy().unwrap().minimum_password_length(),
        Some(12)
    );

    iam.delete_account_password_policy().send().await.unwrap();
    let e = iam.get_account_password_policy().send().await.unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");

    // A user without permissions may not read or change it.
    let (k, s) = h.user_with_key("nopolicy").await;
    let e = h
        .iam(&k, &s)
        .update_account_password_policy()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
}
both_backends!(account_password_policy, super::password_policy);

async fn login_profiles(h: &Harness) {
    let iam = h.admin_iam();
    h.user_with_key("pat").await;
    let e = iam
        .get_login_profile()
        .user_name("pat")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    assert_eq!(message(&e), "Login Profile for User pat cannot be found.");

    // No policy: AWS's default rules (8 characters, three of four kinds).
    for weak in ["Ab1!", "alllowercase1"] {
        let e = iam
            .create_login_profile()
            .user_name("pat")
            .password(weak)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&e), "PasswordPolicyViolation", "{weak}");
        assert_eq!(status(&e), 400);
        assert!(!message(&e).contains(weak), "the password is not echoed");
    }
    let out = iam
        .create_login_profile()
        .user_name("pat")
        .password("Correct-Horse-1")
        .password_reset_required(true)
        .send()
        .await
        .unwrap();
    let lp = out.login_profile().unwrap();
    assert_eq!(lp.user_name(), "pat");
    assert!(lp.password_reset_required());
    let e = iam
        .create_login_profile()
        .user_name("pat")
        .password("Correct-Horse-2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "EntityAlreadyExists");
    assert_eq!(status(&e), 409);

    let got = iam
        .get_login_profile()
        .user_name("pat")
        .send()
        .await
        .unwrap();
    assert!(got.login_profile().unwrap().password_reset_required());
    iam.update_login_profile()
        .user_name("pat")
        .password_reset_required(false)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_login_profile()
        .user_name("pat")
        .send()
        .await
        .unwrap();
    assert!(!got.login_profile().unwrap().password_reset_required());
    let e = iam
        .update_login_profile()
        .user_name("pat")
        .password("short")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "PasswordPolicyViolation");
    iam.update_login_profile()
        .user_name("pat")
        .password("Another-Horse-2")
        .send()
        .await
        .unwrap();

    // The password is stored as an argon2id hash, never in clear.
    let user = h
        .app
        .iam
        .store
        .get_user_by_name(&h.admin.account_id, "pat")
        .await
        .unwrap()
        .unwrap();
    let profile = user.login_profile.unwrap();
    assert!(profile.password_hash.starts_with("$argon2id$"));
    assert_eq!(profile.history.len(), 1);

    iam.delete_login_profile()
        .user_name("pat")
        .send()
        .await
        .unwrap();
    let e = iam
        .delete_login_profile()
        .user_name("pat")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    let e = iam
        .get_login_profile()
        .user_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");
    assert_eq!(message(&e), "The user with name nobody cannot be found.");

    // Audit events never carry the password.
    let audit = h.audit_lines().join("\n");
    assert!(audit.contains("CreateLoginProfile"));
    assert!(!audit.contains("Correct-Horse-1") && !audit.contains("Another-Horse-2"));
}
both_backends!(login_profile_lifecycle, super::login_profiles);

async fn policy_rules(h: &Harness) {
    let iam = h.admin_iam();
    h.user_with_key("quinn").await;
    iam.update_account_password_policy()
        .minimum_password_length(10)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .send()
        .await
        .unwrap();
    for (bad, rule) in [
        ("Abcdef1!", "minimum length of 10"),
        ("ABCDEFGH1!", "lowercase"),
        ("abcdefgh1!", "uppercase"),
        ("Abcdefghi!", "number"),
        ("Abcdefghi1", "symbol"),
    ] {
        let e = iam
            .create_login_profile()
            .user_name("quinn")
            .password(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&e), "PasswordPolicyViolation", "{bad}");
        assert!(message(&e).contains(rule), "{bad}: {}", message(&e));
    }
    iam.create_login_profile()
        .user_name("quinn")
        .password("Abcdefgh1'")
        .send()
        .await
        .unwrap();
}
both_backends!(policy_violations, super::policy_rules);

async fn change_password(h: &Harness) {
    let iam = h.admin_iam();
    let (k, s) = h.user_with_key("rita").await;
    let rita = h.iam(&k, &s);
    iam.create_login_profile()
        .user_name("rita")
        .password("Pass-word-A1")
        .password_reset_required(true)
        .send()
        .await
        .unwrap();
    // No policy letting users change passwords, and no iam:ChangePassword: denied.
    let e = rita
        .change_password()
        .old_password("Pass-word-A1")
        .new_password("Pass-word-B1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");

    iam.update_account_password_policy()
        .allow_users_to_change_password(true)
        .password_reuse_prevention(2)
        .minimum_password_length(8)
        .send()
        .await
        .unwrap();
    let change = |old: &'static str, new: &'static str| {
        let rita = rita.clone();
        async move {
            rita.change_password()
                .old_password(old)
                .new_password(new)
                .send()
                .await
        }
    };
    let e = change("wrong-password", "Pass-word-B1").await.unwrap_err();
    assert_eq!(code(&e), "InvalidUserType");
    assert_eq!(status(&e), 400);
    // The current password counts as a recent one.
    let e = change("Pass-word-A1", "Pass-word-A1").await.unwrap_err();
    assert_eq!(code(&e), "PasswordPolicyViolation");
    let e = change("Pass-word-A1", "short").await.unwrap_err();
    assert_eq!(code(&e), "PasswordPolicyViolation");
    change("Pass-word-A1", "Pass-word-B1").await.unwrap();
    // Changing clears PasswordResetRequired.
    let got = iam
        .get_login_profile()
        .user_name("rita")
        .send()
        .await
        .unwrap();
    assert!(!got.login_profile().unwrap().password_reset_required());
    // The old password no longer verifies.
    let e = change("Pass-word-A1", "Pass-word-C1").await.unwrap_err();
    assert_eq!(code(&e), "InvalidUserType");
    // A is one of the last two: refused. After C, A is the third back: allowed.
    let e = change("Pass-word-B1", "Pass-word-A1").await.unwrap_err();
    assert_eq!(code(&e), "PasswordPolicyViolation");
    assert!(message(&e).contains("last 2"), "{}", message(&e));
    change("Pass-word-B1", "Pass-word-C1").await.unwrap();
    // An administrator's reset is held to the same history.
    let e = iam
        .update_login_profile()
        .user_name("rita")
        .password("Pass-word-B1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "PasswordPolicyViolation");
    change("Pass-word-C1", "Pass-word-A1").await.unwrap();
    // The account setting grants what no policy allows, but an explicit Deny still wins.
    iam.put_user_policy()
        .user_name("rita")
        .policy_name("no-password-changes")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ChangePassword","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let e = change("Pass-word-A1", "Pass-word-D1").await.unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    assert!(message(&e).contains("explicit deny"), "{}", message(&e));
    iam.delete_user_policy()
        .user_name("rita")
        .policy_name("no-password-changes")
        .send()
        .await
        .unwrap();

    // A user without a login profile: NoSuchEntity.
    let (k2, s2) = h.user_with_key("sam").await;
    let e = h
        .iam(&k2, &s2)
        .change_password()
        .old_password("whatever-1A")
        .new_password("Pass-word-D1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchEntity");

    // Root cannot use ChangePassword (AWS CLI reference: InvalidUserType).
    let (rk, rs) = h.root_key().await;
    let e = h
        .iam(&rk, &rs)
        .change_password()
        .old_password("whatever-1A")
        .new_password("Pass-word-D1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidUserType");
}
both_backends!(change_own_password, super::change_password);
