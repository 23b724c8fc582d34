//! Account password-policy actions: UpdateAccountPasswordPolicy, GetAccountPasswordPolicy,
//! DeleteAccountPasswordPolicy.

use super::{ActionDef, Call};
use crate::action;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::password_policy::{self as pp, PasswordPolicyRequest};

pub const ACTIONS: &[ActionDef] = &[
    action!(
        "UpdateAccountPasswordPolicy",
        Iam,
        Write,
        update_account_password_policy
    ),
    action!(
        "GetAccountPasswordPolicy",
        Iam,
        Read,
        get_account_password_policy
    ),
    action!(
        "DeleteAccountPasswordPolicy",
        Iam,
        Write,
        delete_account_password_policy
    ),
];

/// The camelCase member name AWS uses in validation messages (`MaxPasswordAge` → `maxPasswordAge`).
fn member(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// An optional boolean parameter (`true`/`false`, as the SDKs send them).
pub(crate) fn bool_param(params: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a boolean",
            member(name)
        ))),
    }
}

fn int_param(params: &Params, name: &str) -> Result<Option<u32>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v.parse::<u32>().map(Some).map_err(|_| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be an integer",
                member(name)
            ))
        }),
    }
}

async fn update_account_password_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = PasswordPolicyRequest {
        minimum_password_length: int_param(p, "MinimumPasswordLength")?,
        require_symbols: bool_param(p, "RequireSymbols")?,
        require_numbers: bool_param(p, "RequireNumbers")?,
        require_uppercase_characters: bool_param(p, "RequireUppercaseCharacters")?,
        require_lowercase_characters: bool_param(p, "RequireLowercaseCharacters")?,
        allow_users_to_change_password: bool_param(p, "AllowUsersToChangePassword")?,
        max_password_age: int_param(p, "MaxPasswordAge")?,
        password_reuse_prevention: int_param(p, "PasswordReusePrevention")?,
        hard_expiry: bool_param(p, "HardExpiry")?,
    };
    pp::update_account_password_policy(c.iam, c.caller, c.ctx, &req).await?;
    Ok(String::new())
}

async fn get_account_password_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let policy = pp::get_account_password_policy(c.iam, c.caller, c.ctx).await?;
    let b = |v: bool| if v { "true" } else { "false" };
    let mut x = Xml::new();
    x.open("PasswordPolicy")
        .elem(
            "MinimumPasswordLength",
            &policy.minimum_password_length.to_string(),
        )
        .elem("RequireSymbols", b(policy.require_symbols))
        .elem("RequireNumbers", b(policy.require_numbers))
        .elem(
            "RequireUppercaseCharacters",
            b(policy.require_uppercase_characters),
        )
        .elem(
            "RequireLowercaseCharacters",
            b(policy.require_lowercase_characters),
        )
        .elem(
            "AllowUsersToChangePassword",
            b(policy.allow_users_to_change_password),
        )
        .elem("ExpirePasswords", b(policy.max_password_age.is_some()));
    if let Some(age) = policy.max_password_age {
        x.elem("MaxPasswordAge", &age.to_string());
    }
    if let Some(n) = policy.password_reuse_prevention {
        x.elem("PasswordReusePrevention", &n.to_string());
    }
    x.elem("HardExpiry", b(policy.hard_expiry))
        .close("PasswordPolicy");
    Ok(x.into_string())
}

async fn delete_account_password_policy(c: &Call<'_>) -> Result<String, ApiError> {
    pp::delete_account_password_policy(c.iam, c.caller, c.ctx).await?;
    Ok(String::new())
}
