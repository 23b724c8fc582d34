//! `GET /console/users/{name}`: one user — ARN, path and creation date (GetUser); groups
//! (ListGroupsForUser; remove, add); attached and inline policies ([`super::holder`]); the
//! console password (GetLoginProfile; create, change, remove); access keys (ListAccessKeys;
//! activate, deactivate, delete, create — the new secret shown once by [`super::keys`]); MFA
//! devices (ListMFADevices; deactivate); and "Delete user", which AWS refuses while anything
//! above remains (the refusal says what). Every section is read for the session's principal;
//! a section it may not read shows the engine's reason. A missing user is a 404.

use super::super::layout::{
    action_form, csrf_field, done_notice, enc, escape, link, page_with, refusal, table,
};
use super::super::{Signed, audited};
use super::forms::{field, group_names, name_chooser, open, read_status, section, select};
use super::holder::{attached_section, inline_section};
use crate::Sso;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use fedgate_store::model::{KeyStatus, User};
use http::StatusCode;
use std::sync::Arc;

/// Most keys, devices and groups one section lists.
const MAX_ITEMS: usize = 1000;

/// `GET /console/users/{name}`.
pub async fn page(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    show(&sso, req, &name).await
}

/// `GET /console/users/create`: the page of a user named `create` (the path the create form
/// posts to).
pub async fn page_of_create(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    show(&sso, req, "create").await
}

async fn show(sso: &Sso, req: Request, name: &str) -> Response {
    let (r, s) = match open(sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let got = fedgate_iam::users::get_user(iam, &s.caller.principal, &ctx, Some(name)).await;
    let user = match audited(sso, &s, "GetUser", got) {
        Ok(u) => u,
        Err(e) => {
            let body = format!(
                "{}<p><a href=\"/console/users\">Back to users</a></p>",
                refusal(&e)
            );
            return page_with(&s, read_status(&e), "/console/users", name, &body);
        }
    };
    let next = format!("/console/users/{}", enc(&user.name));
    let body = [
        done_notice(&r.query),
        summary(sso, &user),
        section(
            "groups",
            "Groups",
            &groups(sso, &s, &user.name, &next).await,
        ),
        section(
            "attached",
            "Permissions policies",
            &attached_section::<User>(sso, &s, &user.name, &next).await,
        ),
        section(
            "inline",
            "Inline policies",
            &inline_section::<User>(sso, &s, &user.name, &next).await,
        ),
        section(
            "password",
            "Console password",
            &password(sso, &s, &user.name, &next).await,
        ),
        section(
            "keys",
            "Access keys",
            &keys(sso, &s, &user.name, &next).await,
        ),
        section("mfa", "MFA devices", &mfa(sso, &s, &user.name, &next).await),
        section(
            "delete",
            "Delete user",
            &format!(
                "<p>Deletes the user's console password and access keys, deactivates its MFA \
devices, removes it from its groups, detaches its managed policies and deletes its inline \
policies (each an IAM action of its own, decided and audited), then the user.</p>{}",
                super::super::delete::form(&s, "user", &user.name, "Delete user", "/console/users")
            ),
        ),
    ]
    .concat();
    page_with(&s, StatusCode::OK, "/console/users", &user.name, &body)
}

fn summary(sso: &Sso, u: &User) -> String {
    let arn = fedgate_iam::users::user_arn(&sso.api.iam.partition, u).to_string();
    format!(
        "<dl><dt>ARN</dt><dd><code>{}</code></dd><dt>User ID</dt><dd>{}</dd><dt>Path</dt><dd>{}</dd>\
<dt>Created</dt><dd>{}</dd></dl>",
        escape(&arn),
        escape(&u.user_id),
        escape(&u.path),
        escape(&u.created_at)
    )
}

async fn groups(sso: &Sso, s: &Signed, name: &str, next: &str) -> String {
    let ctx = s.caller.ctx(&sso.api);
    let listed = fedgate_iam::groups::list_groups_for_user(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        name,
        None,
        MAX_ITEMS,
    )
    .await;
    let groups = match audited(sso, s, "ListGroupsForUser", listed) {
        Ok((g, _)) => g,
        Err(e) => return refusal(&e),
    };
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                link(&format!("/console/groups/{}", enc(&g.name)), &g.name),
                escape(&g.path),
                action_form(
                    s,
                    "RemoveUserFromGroup",
                    &[("UserName", name), ("GroupName", &g.name)],
                    "",
                    "Remove from group",
                    next,
                ),
            ]
        })
        .collect();
    let mut out = table(&["Group", "Path", ""], &rows, "The user is in no group.");
    let member_of: Vec<String> = groups.into_iter().map(|g| g.name).collect();
    let all = group_names(sso, s).await;
    if let Some(chooser) = name_chooser("f-add-GroupName", "GroupName", "Group", &all, &member_of) {
        out.push_str(&action_form(
            s,
            "AddUserToGroup",
            &[("UserName", name)],
            &chooser,
            "Add to group",
            next,
        ));
    }
    out
}

fn reset_choice(id: &str) -> String {
    select(
        id,
        "PasswordResetRequired",
        "Must create a new password at next sign-in",
        &[
            ("false".to_owned(), "No".to_owned()),
            ("true".to_owned(), "Yes".to_owned()),
        ],
        true,
    )
}

async fn password(sso: &Sso, s: &Signed, name: &str, next: &str) -> String {
    let ctx = s.caller.ctx(&sso.api);
    let got = fedgate_iam::login_profiles::get_login_profile(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        Some(name),
    )
    .await;
    match audited(sso, s, "GetLoginProfile", got) {
        Ok((_, p)) => format!(
            "<p id=\"password-state\">The user has a console password (created {}{}).</p>{}{}",
            escape(&p.created_at),
            if p.password_reset_required {
                "; to be changed at next sign-in"
            } else {
                ""
            },
            action_form(
                s,
                "UpdateLoginProfile",
                &[("UserName", name)],
                &format!(
                    "{}{}",
                    field(
                        "f-upd-Password",
                        "Password",
                        "New password",
                        "password",
                        true
                    ),
                    reset_choice("f-upd-PasswordResetRequired")
                ),
                "Change password",
                next,
            ),
            action_form(
                s,
                "DeleteLoginProfile",
                &[("UserName", name)],
                "",
                "Remove console password",
                next,
            ),
        ),
        Err(e) if e.code == "NoSuchEntity" => format!(
            "<p id=\"password-state\">The user has no console password.</p>{}",
            action_form(
                s,
                "CreateLoginProfile",
                &[("UserName", name)],
                &format!(
                    "{}{}",
                    field("f-new-Password", "Password", "Password", "password", true),
                    reset_choice("f-new-PasswordResetRequired")
                ),
                "Set console password",
                next,
            )
        ),
        Err(e) => refusal(&e),
    }
}

async fn keys(sso: &Sso, s: &Signed, name: &str, next: &str) -> String {
    let ctx = s.caller.ctx(&sso.api);
    let listed = fedgate_iam::access_keys::list_access_keys(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        Some(name),
        None,
        MAX_ITEMS,
    )
    .await;
    let mut out = match audited(sso, s, "ListAccessKeys", listed) {
        Err(e) => refusal(&e),
        Ok((_, keys, _)) => {
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    let id = k.access_key_id.as_str();
                    let (to, verb) = match k.status {
                        KeyStatus::Active => ("Inactive", "Deactivate"),
                        KeyStatus::Inactive => ("Active", "Activate"),
                    };
                    vec![
                        format!("<code>{}</code>", escape(id)),
                        escape(k.status.as_str()),
                        escape(&k.created_at),
                        format!(
                            "{}{}",
                            action_form(
                                s,
                                "UpdateAccessKey",
                                &[("UserName", name), ("AccessKeyId", id), ("Status", to)],
                                "",
                                verb,
                                next,
                            ),
                            action_form(
                                s,
                                "DeleteAccessKey",
                                &[("UserName", name), ("AccessKeyId", id)],
                                "",
                                "Delete",
                                next,
                            )
                        ),
                    ]
                })
                .collect();
            table(
                &["Access key ID", "Status", "Created", ""],
                &rows,
                "The user has no access keys.",
            )
        }
    };
    out.push_str(&format!(
        "<form method=\"post\" action=\"/console/users/{}/keys\">{}\
<button type=\"submit\">Create access key</button></form>",
        escape(&enc(name)),
        csrf_field(s)
    ));
    out
}

async fn mfa(sso: &Sso, s: &Signed, name: &str, next: &str) -> String {
    let ctx = s.caller.ctx(&sso.api);
    let listed = fedgate_iam::mfa::list_mfa_devices(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        Some(name),
        None,
        MAX_ITEMS,
    )
    .await;
    let list = match audited(sso, s, "ListMFADevices", listed) {
        Ok(l) => l,
        Err(e) => return refusal(&e),
    };
    let rows: Vec<Vec<String>> = list
        .devices
        .iter()
        .map(|d| {
            vec![
                format!("<code>{}</code>", escape(&d.serial_number)),
                escape(d.enabled_at.as_deref().unwrap_or("")),
                action_form(
                    s,
                    "DeactivateMFADevice",
                    &[("UserName", name), ("SerialNumber", &d.serial_number)],
                    "",
                    "Deactivate",
                    next,
                ),
            ]
        })
        .collect();
    table(
        &["Serial number", "Enabled", ""],
        &rows,
        "The user has no MFA device.",
    )
}
