//! Console passwords: login profiles, ChangePassword, password history and expiry.
//!
//! Passwords are argon2id hashes ([`crate::password`]); the clear password is a [`Secret`]
//! and is never logged or echoed. Every action that sets a password checks it against the
//! account password policy (or AWS's default rules) and, when the policy sets
//! `PasswordReusePrevention` N, against the current and earlier hashes (N in all).
//! [`password_expiry`] and [`is_expired`] are pure, for the console's sign-in.

use crate::access_keys::{KeyTarget, resolve_target};
use crate::authz::{RequestContext, require};
use crate::password_policy::{check_password, current_policy, validate_password_shape};
use crate::users::user_arn;
use crate::{Iam, IamError, password};
use fedgate_core::clock::iso8601;
use fedgate_core::{Principal, Secret};
use fedgate_store::model::{LoginProfile, PasswordPolicy, User};
use time::OffsetDateTime;

/// Most earlier hashes kept (the largest `PasswordReusePrevention` AWS allows).
pub const MAX_HISTORY: usize = 24;

/// When `profile`'s password expires under `policy` (`MaxPasswordAge` days after it was set);
/// `None` when passwords do not expire (no policy, or no maximum age).
pub fn password_expiry(
    profile: &LoginProfile,
    policy: Option<&PasswordPolicy>,
) -> Option<OffsetDateTime> {
    let days = policy?.max_password_age?;
    let set = OffsetDateTime::parse(
        &profile.password_changed_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    set.checked_add(time::Duration::days(i64::from(days)))
}

/// Whether the password has expired at `now`. An expired password still signs in; the user
/// must then choose a new one — unless the policy's `HardExpiry` is set, in which case only an
/// administrator can reset it (see [`may_change_own_password`]).
pub fn is_expired(
    profile: &LoginProfile,
    policy: Option<&PasswordPolicy>,
    now: OffsetDateTime,
) -> bool {
    password_expiry(profile, policy).is_some_and(|t| now >= t)
}

/// Whether the user may set a new password themself at `now`: not when it has expired under
/// a policy with `HardExpiry` (AWS: "the IAM user cannot access the console until an
/// administrator resets the password").
pub fn may_change_own_password(
    profile: &LoginProfile,
    policy: Option<&PasswordPolicy>,
    now: OffsetDateTime,
) -> bool {
    !(policy.is_some_and(|p| p.hard_expiry) && is_expired(profile, policy, now))
}

/// `PasswordPolicyViolation` when `new` matches the current password or one of the earlier
/// ones the policy's `PasswordReusePrevention` covers (N hashes in all, newest first).
pub fn check_reuse(
    profile: &LoginProfile,
    policy: Option<&PasswordPolicy>,
    new: &Secret,
) -> Result<(), IamError> {
    let Some(n) = policy.and_then(|p| p.password_reuse_prevention) else {
        return Ok(());
    };
    let reused = std::iter::once(&profile.password_hash)
        .chain(profile.history.iter())
        .take(n as usize)
        .any(|h| password::verify(new, h));
    if reused {
        Err(IamError::PasswordPolicyViolation(format!(
            "Password was used too recently: the account password policy prevents reusing any of the last {n} passwords"
        )))
    } else {
        Ok(())
    }
}

/// Replaces the password of `profile` with `hash` set at `now`, keeping the old hash in the history.
fn replace_password(profile: &mut LoginProfile, hash: String, now: &str) {
    let old = std::mem::replace(&mut profile.password_hash, hash);
    profile.history.insert(0, old);
    profile.history.truncate(MAX_HISTORY);
    profile.password_changed_at = now.to_owned();
}

fn no_profile(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("Login Profile for User {name} cannot be found."))
}

async fn target_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    action: &str,
) -> Result<User, IamError> {
    match resolve_target(iam, caller, ctx, user_name, action).await? {
        KeyTarget::User(u) => Ok(*u),
        KeyTarget::Root => Err(IamError::Validation(
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null".into(),
        )),
    }
}

/// Validates `password` and checks it against the account's policy; returns the policy.
async fn vet_new_password(
    iam: &Iam,
    caller: &Principal,
    password: &Secret,
    field: &str,
) -> Result<Option<PasswordPolicy>, IamError> {
    validate_password_shape(password, field)?;
    let policy = current_policy(iam, caller.account()).await?;
    check_password(policy.as_ref(), password)?;
    Ok(policy)
}

/// `CreateLoginProfile`: gives the user a console password.
pub async fn create_login_profile(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    new_password: &Secret,
    password_reset_required: bool,
) -> Result<(User, LoginProfile), IamError> {
    let user = target_user(iam, caller, ctx, user_name, "iam:CreateLoginProfile").await?;
    vet_new_password(iam, caller, new_password, "password").await?;
    let hash = password::hash(iam.rng.as_ref(), new_password)?;
    let now = iso8601(iam.clock.now());
    let profile = LoginProfile {
        password_hash: hash,
        created_at: now.clone(),
        password_changed_at: now,
        password_reset_required,
        history: vec![],
    };
    let p = profile.clone();
    let updated = iam
        .store
        .update_entity::<User, _, _, _>(caller.account(), &user.user_id, |u| {
            if u.login_profile.is_some() {
                return Err(IamError::EntityAlreadyExists(format!(
                    "Login Profile for user {} already exists.",
                    u.name
                )));
            }
            u.login_profile = Some(p.clone());
            Ok(u.clone())
        })
        .await?
        .ok_or_else(|| crate::access_keys::no_such_user(&user.name))??;
    Ok((updated, profile))
}

/// `GetLoginProfile`.
pub async fn get_login_profile(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
) -> Result<(User, LoginProfile), IamError> {
    let user = target_user(iam, caller, ctx, user_name, "iam:GetLoginProfile").await?;
    let profile = user
        .login_profile
        .clone()
        .ok_or_else(|| no_profile(&user.name))?;
    Ok((user, profile))
}

/// `UpdateLoginProfile`: a new password (policy and reuse checked) and/or the reset flag.
pub async fn update_login_profile(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    new_password: Option<&Secret>,
    password_reset_required: Option<bool>,
) -> Result<(), IamError> {
    let user = target_user(iam, caller, ctx, user_name, "iam:UpdateLoginProfile").await?;
    let current = user
        .login_profile
        .as_ref()
        .ok_or_else(|| no_profile(&user.name))?;
    let hash = match new_password {
        Some(p) => {
            let policy = vet_new_password(iam, caller, p, "password").await?;
            check_reuse(current, policy.as_ref(), p)?;
            Some(password::hash(iam.rng.as_ref(), p)?)
        }
        None => None,
    };
    let now = iso8601(iam.clock.now());
    iam.store
        .update_entity::<User, _, _, _>(caller.account(), &user.user_id, |u| {
            let name = u.name.clone();
            let profile = u.login_profile.as_mut().ok_or_else(|| no_profile(&name))?;
            if let Some(h) = &hash {
                replace_password(profile, h.clone(), &now);
            }
            if let Some(r) = password_reset_required {
                profile.password_reset_required = r;
            }
            Ok(())
        })
        .await?
        .ok_or_else(|| crate::access_keys::no_such_user(&user.name))?
}

/// `DeleteLoginProfile`: the user can no longer sign in to the console.
pub async fn delete_login_profile(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
) -> Result<(), IamError> {
    let user = target_user(iam, caller, ctx, user_name, "iam:DeleteLoginProfile").await?;
    iam.store
        .update_entity::<User, _, _, _>(caller.account(), &user.user_id, |u| {
            match u.login_profile.take() {
                Some(_) => Ok(()),
                None => Err(no_profile(&u.name)),
            }
        })
        .await?
        .ok_or_else(|| crate::access_keys::no_such_user(&user.name))?
}

/// `ChangePassword`: an IAM user changes their own password. Root gets `InvalidUserType`
/// (AWS: "This command can be called by IAM users only"). Allowed when the account policy
/// lets users change their own passwords, or when the user's policies allow
/// `iam:ChangePassword` on their own ARN. A wrong `OldPassword` is refused with
/// `InvalidUserType` and nothing changes.
pub async fn change_password(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    old_password: &Secret,
    new_password: &Secret,
) -> Result<(), IamError> {
    let Principal::User { user_id, .. } = caller else {
        return Err(IamError::InvalidUserType(
            "ChangePassword can be called by IAM users only; the account root user cannot use it."
                .into(),
        ));
    };
    let user = iam
        .store
        .get_user(caller.account(), user_id)
        .await?
        .ok_or_else(|| IamError::NoSuchEntity("The user cannot be found.".into()))?;
    let policy = current_policy(iam, caller.account()).await?;
    // The engine always decides; AllowUsersToChangePassword grants what no policy allows (as
    // attaching IAMUserChangePassword would) but never overrides an explicit Deny.
    let arn = user_arn(caller.partition(), &user).to_string();
    let (decision, explicit) =
        crate::authz::decide(iam, caller, "iam:ChangePassword", &arn, ctx, &[]).await?;
    let granted_by_account = policy
        .as_ref()
        .is_some_and(|p| p.allow_users_to_change_password);
    if explicit || !granted_by_account {
        require(decision)?;
    }
    validate_password_shape(old_password, "oldPassword")?;
    validate_password_shape(new_password, "newPassword")?;
    let current = user
        .login_profile
        .as_ref()
        .ok_or_else(|| no_profile(&user.name))?;
    if !password::verify(old_password, &current.password_hash) {
        return Err(IamError::InvalidUserType(
            "The old password is incorrect.".into(),
        ));
    }
    let now = iam.clock.now();
    if !may_change_own_password(current, policy.as_ref(), now) {
        return Err(IamError::AccessDenied(
            "Your password has expired and the account password policy (HardExpiry) requires an administrator to reset it.".into(),
        ));
    }
    check_password(policy.as_ref(), new_password)?;
    check_reuse(current, policy.as_ref(), new_password)?;
    let hash = password::hash(iam.rng.as_ref(), new_password)?;
    let expected = current.password_hash.clone();
    let now = iso8601(now);
    iam.store
        .update_entity::<User, _, _, _>(caller.account(), &user.user_id, |u| {
            let name = u.name.clone();
            let profile = u.login_profile.as_mut().ok_or_else(|| no_profile(&name))?;
            // The password changed since the old one was verified: verify again.
            if profile.password_hash != expected {
                return Err(IamError::InvalidUserType(
                    "The old password is incorrect.".into(),
                ));
            }
            replace_password(profile, hash.clone(), &now);
            profile.password_reset_required = false;
            Ok(())
        })
        .await?
        .ok_or_else(|| crate::access_keys::no_such_user(&user.name))?
}

/// The root user changes its own console password (the console's "change password"; AWS has
/// no API for it). The old password must match; the new one must be 8 to 128 characters
/// and mix at least three of upper case, lower case, digits and symbols (AWS's root rules;
/// the IAM password policy does not apply to root). Callers other than root get
/// `InvalidUserType`.
pub async fn change_root_password(
    iam: &Iam,
    caller: &Principal,
    old_password: &Secret,
    new_password: &Secret,
) -> Result<(), IamError> {
    let Principal::Root { account, .. } = caller else {
        return Err(IamError::InvalidUserType(
            "Only the account root user changes the root password.".into(),
        ));
    };
    validate_password_shape(old_password, "oldPassword")?;
    validate_password_shape(new_password, "newPassword")?;
    let acct = iam
        .store
        .get_account(account)
        .await?
        .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?;
    let current = acct.root_password_hash.clone().unwrap_or_default();
    if current.is_empty() || !password::verify(old_password, &current) {
        return Err(IamError::InvalidUserType(
            "The old password is incorrect.".into(),
        ));
    }
    // Checked after the old password, so a refusal here tells only someone who knows it.
    let p = new_password.expose();
    let classes = [
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if p.chars().count() < 8 || classes < 3 {
        return Err(IamError::PasswordPolicyViolation(
            "The root password must be at least 8 characters and mix at least three of upper case letters, lower case letters, numbers and symbols.".into(),
        ));
    }
    let hash = password::hash(iam.rng.as_ref(), new_password)?;
    let now = iso8601(iam.clock.now());
    iam.store
        .update_account(account, |a| {
            if a.root_password_hash.as_deref() != Some(current.as_str()) {
                return Err(IamError::InvalidUserType(
                    "The old password is incorrect.".into(),
                ));
            }
            a.root_password_hash = Some(hash.clone());
            a.root_password_changed_at = Some(now.clone());
            Ok(())
        })
        .await?
        .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedgate_core::rng::TestRng;

    fn policy(age: Option<u32>, reuse: Option<u32>, hard: bool) -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: 6,
            require_symbols: false,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: false,
            allow_users_to_change_password: true,
            max_password_age: age,
            password_reuse_prevention: reuse,
            hard_expiry: hard,
        }
    }

    fn profile(hash: String, changed: &str) -> LoginProfile {
        LoginProfile {
            password_hash: hash,
            created_at: changed.into(),
            password_changed_at: changed.into(),
            password_reset_required: false,
            history: vec![],
        }
    }

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn expiry_counts_max_age_days_from_the_last_change() {
        let p = profile("x".into(), "2026-01-01T00:00:00Z");
        assert_eq!(password_expiry(&p, None), None);
        assert_eq!(password_expiry(&p, Some(&policy(None, None, false))), None);
        let pol = policy(Some(90), None, false);
        assert_eq!(
            password_expiry(&p, Some(&pol)),
            Some(at("2026-04-01T00:00:00Z"))
        );
        assert!(!is_expired(&p, Some(&pol), at("2026-03-31T23:59:59Z")));
        assert!(is_expired(&p, Some(&pol), at("2026-04-01T00:00:00Z")));
        assert!(!is_expired(&p, None, at("2099-01-01T00:00:00Z")));
    }

    #[test]
    fn hard_expiry_only_blocks_an_expired_password() {
        let p = profile("x".into(), "2026-01-01T00:00:00Z");
        let soft = policy(Some(1), None, false);
        let hard = policy(Some(1), None, true);
        let later = at("2026-01-03T00:00:00Z");
        assert!(may_change_own_password(&p, Some(&soft), later));
        assert!(!may_change_own_password(&p, Some(&hard), later));
        assert!(may_change_own_password(
            &p,
            Some(&hard),
            at("2026-01-01T12:00:00Z")
        ));
    }

    #[test]
    fn reuse_prevention_covers_current_and_history() {
        let rng = TestRng::seeded(1);
        let h = |s: &str| password::hash(&rng, &Secret::new(s)).unwrap();
        let mut p = profile(h("third"), "2026-01-01T00:00:00Z");
        p.history = vec![h("second"), h("first")];
        let s = Secret::new;
        // Without a reuse rule anything goes.
        assert!(check_reuse(&p, None, &s("third")).is_ok());
        assert!(check_reuse(&p, Some(&policy(None, None, false)), &s("third")).is_ok());
        // N = 2: the current and the one before.
        let two = policy(None, Some(2), false);
        assert!(check_reuse(&p, Some(&two), &s("third")).is_err());
        assert!(check_reuse(&p, Some(&two), &s("second")).is_err());
        assert!(check_reuse(&p, Some(&two), &s("first")).is_ok());
        assert!(check_reuse(&p, Some(&two), &s("fourth")).is_ok());
        let three = policy(None, Some(3), false);
        assert!(matches!(
            check_reuse(&p, Some(&three), &s("first")),
            Err(IamError::PasswordPolicyViolation(_))
        ));
    }

    #[test]
    fn history_keeps_newest_first_and_is_bounded() {
        let mut p = profile("h0".into(), "2026-01-01T00:00:00Z");
        for i in 1..=30 {
            replace_password(&mut p, format!("h{i}"), "2026-02-01T00:00:00Z");
        }
        assert_eq!(p.password_hash, "h30");
        assert_eq!(p.history.len(), MAX_HISTORY);
        assert_eq!(p.history[0], "h29");
        assert_eq!(p.password_changed_at, "2026-02-01T00:00:00Z");
    }
}
