//! Login-profile and ChangePassword actions: CreateLoginProfile, GetLoginProfile,
//! UpdateLoginProfile, DeleteLoginProfile, ChangePassword. Passwords arrive as parameters and
//! go straight into [`Secret`]s; they are never echoed (the audit log hides them too).

use super::password_policy::bool_param;
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_core::Secret;
use fedgate_iam::login_profiles as lp;
use fedgate_store::model::{LoginProfile, User};

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateLoginProfile", Iam, Write, create_login_profile),
    action!("GetLoginProfile", Iam, Read, get_login_profile),
    action!("UpdateLoginProfile", Iam, Write, update_login_profile),
    action!("DeleteLoginProfile", Iam, Write, delete_login_profile),
    action!("ChangePassword", Iam, Write, change_password),
];

fn profile_xml(user: &User, profile: &LoginProfile) -> String {
    let mut x = Xml::new();
    x.open("LoginProfile")
        .elem("UserName", &user.name)
        .elem("CreateDate", &profile.created_at)
        .elem(
            "PasswordResetRequired",
            if profile.password_reset_required {
                "true"
            } else {
                "false"
            },
        )
        .close("LoginProfile");
    x.into_string()
}

async fn create_login_profile(c: &Call<'_>) -> Result<String, ApiError> {
    let password = Secret::new(required(c.params, "Password")?);
    let reset = bool_param(c.params, "PasswordResetRequired")?.unwrap_or(false);
    let (user, profile) = lp::create_login_profile(
        c.iam,
        c.caller,
        c.ctx,
        c.params.get("UserName"),
        &password,
        reset,
    )
    .await?;
    Ok(profile_xml(&user, &profile))
}

async fn get_login_profile(c: &Call<'_>) -> Result<String, ApiError> {
    let (user, profile) =
        lp::get_login_profile(c.iam, c.caller, c.ctx, c.params.get("UserName")).await?;
    Ok(profile_xml(&user, &profile))
}

async fn update_login_profile(c: &Call<'_>) -> Result<String, ApiError> {
    let password = c.params.get("Password").map(Secret::new);
    let reset = bool_param(c.params, "PasswordResetRequired")?;
    lp::update_login_profile(
        c.iam,
        c.caller,
        c.ctx,
        c.params.get("UserName"),
        password.as_ref(),
        reset,
    )
    .await?;
    Ok(String::new())
}

async fn delete_login_profile(c: &Call<'_>) -> Result<String, ApiError> {
    lp::delete_login_profile(c.iam, c.caller, c.ctx, c.params.get("UserName")).await?;
    Ok(String::new())
}

async fn change_password(c: &Call<'_>) -> Result<String, ApiError> {
    let old = Secret::new(required(c.params, "OldPassword")?);
    let new = Secret::new(required(c.params, "NewPassword")?);
    lp::change_password(c.iam, c.caller, c.ctx, &old, &new).await?;
    Ok(String::new())
}
