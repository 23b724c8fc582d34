//! The account password policy: Update/Get/Delete, and checking a password against it.
//!
//! [`check_password`] is the one pure rule check every password-setting action uses
//! (CreateLoginProfile, UpdateLoginProfile, ChangePassword). Without a policy, AWS's default
//! rules apply (IAM User Guide, "Set an account password policy for IAM users"): 8 to 128
//! characters and at least three of uppercase letters, lowercase letters, numbers and symbols.

use crate::authz::{RequestContext, authorize, require};
use crate::{Iam, IamError};
use fedgate_core::{Principal, Secret};
use fedgate_store::model::PasswordPolicy;

/// The non-alphanumeric characters AWS counts as symbols: `! @ # $ % ^ & * ( ) _ + - = [ ] { } | '`.
pub const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// The default rules' minimum length when no policy is set.
pub const DEFAULT_MINIMUM_LENGTH: usize = 8;

/// `UpdateAccountPasswordPolicy` parameters as given; `None` = omitted (AWS's default then).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordPolicyRequest {
    pub minimum_password_length: Option<u32>,
    pub require_symbols: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_uppercase_characters: Option<bool>,
    pub require_lowercase_characters: Option<bool>,
    pub allow_users_to_change_password: Option<bool>,
    pub max_password_age: Option<u32>,
    pub password_reuse_prevention: Option<u32>,
    pub hard_expiry: Option<bool>,
}

fn range_error(value: u32, field: &str, min: u32, max: u32) -> Option<String> {
    if value < min {
        Some(format!(
            "Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        ))
    } else if value > max {
        Some(format!(
            "Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))
    } else {
        None
    }
}

/// The policy a request sets, with AWS's defaults for omitted fields (length 6, every flag
/// false, no expiry, no reuse prevention), or a `ValidationError` naming every bad value.
pub fn policy_from_request(req: &PasswordPolicyRequest) -> Result<PasswordPolicy, IamError> {
    let errors: Vec<String> = [
        req.minimum_password_length
            .and_then(|v| range_error(v, "minimumPasswordLength", 6, 128)),
        req.max_password_age
            .and_then(|v| range_error(v, "maxPasswordAge", 1, 1095)),
        req.password_reuse_prevention
            .and_then(|v| range_error(v, "passwordReusePrevention", 1, 24)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !errors.is_empty() {
        let n = errors.len();
        let s = if n == 1 { "" } else { "s" };
        return Err(IamError::Validation(format!(
            "{n} validation error{s} detected: {}",
            errors.join("; ")
        )));
    }
    Ok(PasswordPolicy {
        minimum_password_length: req.minimum_password_length.unwrap_or(6),
        require_symbols: req.require_symbols.unwrap_or(false),
        require_numbers: req.require_numbers.unwrap_or(false),
        require_uppercase_characters: req.require_uppercase_characters.unwrap_or(false),
        require_lowercase_characters: req.require_lowercase_characters.unwrap_or(false),
        allow_users_to_change_password: req.allow_users_to_change_password.unwrap_or(false),
        max_password_age: req.max_password_age,
        password_reuse_prevention: req.password_reuse_prevention,
        hard_expiry: req.hard_expiry.unwrap_or(false),
    })
}

/// The shape AWS accepts for any password parameter: 1–128 characters of
/// `[\u0009\u000A\u000D\u0020-\u00FF]`. `field` is the parameter's camelCase name.
pub fn validate_password_shape(password: &Secret, field: &str) -> Result<(), IamError> {
    let p = password.expose();
    let n = p.chars().count();
    let ok = (1..=128).contains(&n)
        && p.chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'));
    if ok {
        Ok(())
    } else {
        // The value is a secret: AWS does not echo it either.
        Err(IamError::Validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length between 1 and 128 and satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
        )))
    }
}

/// The rules `password` breaks under `policy` (or the default rules when `None`), in AWS's
/// words; empty when it complies.
pub fn password_violations(policy: Option<&PasswordPolicy>, password: &str) -> Vec<String> {
    let len = password.chars().count();
    let upper = password.chars().any(|c| c.is_ascii_uppercase());
    let lower = password.chars().any(|c| c.is_ascii_lowercase());
    let number = password.chars().any(|c| c.is_ascii_digit());
    let symbol = password.chars().any(|c| SYMBOLS.contains(c));
    let mut out = Vec::new();
    match policy {
        None => {
            if len < DEFAULT_MINIMUM_LENGTH {
                out.push(format!(
                    "Password should have a minimum length of {DEFAULT_MINIMUM_LENGTH}"
                ));
            }
            let kinds = [upper, lower, number, symbol]
                .iter()
                .filter(|k| **k)
                .count();
            if kinds < 3 {
                out.push(
                    "Password should have at least three of the following: uppercase letters, lowercase letters, numbers, and symbols (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')".into(),
                );
            }
        }
        Some(p) => {
            if len < p.minimum_password_length as usize {
                out.push(format!(
                    "Password should have a minimum length of {}",
                    p.minimum_password_length
                ));
            }
            if p.require_lowercase_characters && !lower {
                out.push("Password should have at least one lowercase letter".into());
            }
            if p.require_uppercase_characters && !upper {
                out.push("Password should have at least one uppercase letter".into());
            }
            if p.require_numbers && !number {
                out.push("Password should have at least one number".into());
            }
            if p.require_symbols && !symbol {
                out.push("Password should have at least one symbol".into());
            }
        }
    }
    out
}

/// `PasswordPolicyViolation` unless `password` complies with `policy` (default rules when `None`).
pub fn check_password(policy: Option<&PasswordPolicy>, password: &Secret) -> Result<(), IamError> {
    let v = password_violations(policy, password.expose());
    if v.is_empty() {
        Ok(())
    } else {
        Err(IamError::PasswordPolicyViolation(v.join("; ")))
    }
}

/// The account's password policy, if one is set.
pub async fn current_policy(
    iam: &Iam,
    account: &fedgate_core::AccountId,
) -> Result<Option<PasswordPolicy>, IamError> {
    Ok(iam
        .store
        .get_account(account)
        .await?
        .and_then(|a| a.password_policy))
}

fn no_policy(account: &fedgate_core::AccountId) -> IamError {
    IamError::NoSuchEntity(format!(
        "The Password Policy with domain name {account} cannot be found."
    ))
}

fn no_account() -> IamError {
    IamError::NoSuchEntity("The account does not exist.".into())
}

/// `UpdateAccountPasswordPolicy`: replaces the whole policy (omitted fields take AWS's defaults).
pub async fn update_account_password_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: &PasswordPolicyRequest,
) -> Result<PasswordPolicy, IamError> {
    require(authorize(iam, caller, "iam:UpdateAccountPasswordPolicy", "*", ctx).await?)?;
    let policy = policy_from_request(req)?;
    let set = policy.clone();
    iam.store
        .update_account(caller.account(), move |a| {
            a.password_policy = Some(set.clone());
            Ok::<_, IamError>(())
        })
        .await?
        .ok_or_else(no_account)??;
    Ok(policy)
}

/// `GetAccountPasswordPolicy`: `NoSuchEntity` when none is set.
pub async fn get_account_password_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<PasswordPolicy, IamError> {
    require(authorize(iam, caller, "iam:GetAccountPasswordPolicy", "*", ctx).await?)?;
    current_policy(iam, caller.account())
        .await?
        .ok_or_else(|| no_policy(caller.account()))
}

/// `DeleteAccountPasswordPolicy`: `NoSuchEntity` when none is set.
pub async fn delete_account_password_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<(), IamError> {
    require(authorize(iam, caller, "iam:DeleteAccountPasswordPolicy", "*", ctx).await?)?;
    let account = caller.account().clone();
    iam.store
        .update_account(caller.account(), |a| match a.password_policy.take() {
            Some(_) => Ok(()),
            None => Err(IamError::NoSuchEntity(
                "The account policy with name PasswordPolicy cannot be found.".into(),
            )),
        })
        .await?
        .ok_or_else(|| no_policy(&account))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: 10,
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            allow_users_to_change_password: true,
            max_password_age: Some(90),
            password_reuse_prevention: Some(3),
            hard_expiry: false,
        }
    }

    fn only(v: Vec<String>, needle: &str) {
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains(needle), "{v:?}");
    }

    #[test]
    fn strict_policy_accepts_a_compliant_password() {
        assert!(password_violations(Some(&strict()), "Abcdefgh1!").is_empty());
    }

    #[test]
    fn each_rule_fails_alone() {
        let p = strict();
        only(
            password_violations(Some(&p), "Abcdef1!"),
            "minimum length of 10",
        );
        only(password_violations(Some(&p), "ABCDEFGH1!"), "lowercase");
        only(password_violations(Some(&p), "abcdefgh1!"), "uppercase");
        only(password_violations(Some(&p), "Abcdefghi!"), "number");
        only(password_violations(Some(&p), "Abcdefghi1"), "symbol");
    }

    #[test]
    fn every_aws_symbol_counts_and_others_do_not() {
        let p = strict();
        for s in SYMBOLS.chars() {
            assert!(
                password_violations(Some(&p), &format!("Abcdefgh1{s}")).is_empty(),
                "{s}"
            );
        }
        for s in ['~', '.', ',', '?', ' ', '"', '<'] {
            only(
                password_violations(Some(&p), &format!("Abcdefgh1{s}")),
                "symbol",
            );
        }
    }

    #[test]
    fn rules_off_accept_anything_long_enough() {
        let p = PasswordPolicy {
            minimum_password_length: 6,
            require_symbols: false,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: false,
            allow_users_to_change_password: false,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: false,
        };
        assert!(password_violations(Some(&p), "aaaaaa").is_empty());
        only(
            password_violations(Some(&p), "aaaaa"),
            "minimum length of 6",
        );
    }

    #[test]
    fn default_rules_need_eight_and_three_kinds() {
        assert!(password_violations(None, "Abcdefg1").is_empty());
        assert!(password_violations(None, "abcdefg1!").is_empty());
        only(password_violations(None, "Abcde1!"), "minimum length of 8");
        only(
            password_violations(None, "abcdefgh1"),
            "three of the following",
        );
        assert_eq!(password_violations(None, "abc").len(), 2);
    }

    #[test]
    fn check_password_reports_every_failed_rule() {
        let err = check_password(Some(&strict()), &Secret::new("abc")).unwrap_err();
        match err {
            IamError::PasswordPolicyViolation(m) => {
                for needle in ["minimum length", "uppercase", "number", "symbol"] {
                    assert!(m.contains(needle), "{m}");
                }
                assert!(!m.contains("abc"), "the password is never echoed: {m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn omitted_fields_take_aws_defaults() {
        let p = policy_from_request(&PasswordPolicyRequest::default()).unwrap();
        assert_eq!(p.minimum_password_length, 6);
        assert!(!p.require_symbols && !p.allow_users_to_change_password && !p.hard_expiry);
        assert_eq!(
            (p.max_password_age, p.password_reuse_prevention),
            (None, None)
        );
    }

    #[test]
    fn out_of_range_values_are_validation_errors() {
        for req in [
            PasswordPolicyRequest {
                minimum_password_length: Some(5),
                ..Default::default()
            },
            PasswordPolicyRequest {
                minimum_password_length: Some(129),
                ..Default::default()
            },
            PasswordPolicyRequest {
                max_password_age: Some(0),
                ..Default::default()
            },
            PasswordPolicyRequest {
                max_password_age: Some(1096),
                ..Default::default()
            },
            PasswordPolicyRequest {
                password_reuse_prevention: Some(25),
                ..Default::default()
            },
        ] {
            assert!(
                matches!(policy_from_request(&req), Err(IamError::Validation(_))),
                "{req:?}"
            );
        }
        let ok = PasswordPolicyRequest {
            minimum_password_length: Some(128),
            max_password_age: Some(1095),
            password_reuse_prevention: Some(24),
            ..Default::default()
        };
        assert!(policy_from_request(&ok).is_ok());
    }

    #[test]
    fn password_shape() {
        assert!(validate_password_shape(&Secret::new("ok pass\tword"), "password").is_ok());
        assert!(validate_password_shape(&Secret::new(""), "password").is_err());
        assert!(validate_password_shape(&Secret::new("a".repeat(129)), "password").is_err());
        assert!(validate_password_shape(&Secret::new("bad\u{7}"), "password").is_err());
        assert!(validate_password_shape(&Secret::new("ÿ"), "password").is_ok());
        assert!(validate_password_shape(&Secret::new("Ā"), "password").is_err());
    }
}
