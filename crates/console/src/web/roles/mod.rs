//! `/console/roles`: the account's IAM roles. `GET /console/roles` lists them (ListRoles)
//! and offers the create form (CreateRole, with a trust policy editor starting from a
//! template that trusts this account); `GET /console/roles/{name}` is one role ([`detail`]);
//! `POST /console/roles/{name}/revoke` revokes its active sessions ([`revoke`]).
//!
//! Reads go through `fedgate-iam` (and so the caller's policies); every change is the IAM
//! action itself, run by `/console/do` or [`fedgate_aws_query::QueryApi::invoke`].

mod detail;
mod revoke;

use super::layout::{action_form, done_notice, enc, escape, input, link, page, policy_editor};
use super::layout::{refusal, table};
use super::{Signed, audited};
use crate::Sso;
use crate::web::open;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
        .route("/console/roles", get(list))
        .route("/console/roles/{name}", get(detail::show))
        .route("/console/roles/{name}/revoke", post(revoke::run))
}

/// The console path of role `name`.
pub fn role_path(name: &str) -> String {
    format!("/console/roles/{}", enc(name))
}

/// `3600` → "1 hour", `7200` → "2 hours", anything else in seconds.
pub fn duration(secs: u32) -> String {
    match secs {
        3600 => "1 hour".to_owned(),
        s if s % 3600 == 0 => format!("{} hours", s / 3600),
        s => format!("{s} seconds"),
    }
}

/// A trust policy letting principals of account `account` (that their own policies allow)
/// assume the role: the console's starting point, as AWS's "AWS account: this account".
pub fn trust_template(partition: &str, account: &str) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \
\"Effect\": \"Allow\",\n      \"Principal\": {{\n        \"AWS\": \"arn:{partition}:iam::{account}:root\"\n      }},\n      \
\"Action\": \"sts:AssumeRole\"\n    }}\n  ]\n}}"
    )
}

/// `GET /console/roles`.
async fn list(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let listed = audited(
        &sso,
        &s,
        "ListRoles",
        fedgate_iam::roles::list_roles(iam, &s.caller.principal, &ctx, "/", None, 1000).await,
    );
    let roles = match listed {
        Ok((roles, more)) => {
            let rows: Vec<Vec<String>> = roles
                .iter()
                .map(|role| {
                    vec![
                        link(&role_path(&role.name), &role.name),
                        escape(&role.path),
                        escape(&role.created_at),
                        escape(&duration(role.max_session_duration)),
                        escape(role.description.as_deref().unwrap_or("")),
                    ]
                })
                .collect();
            let note = if more.is_some() {
                "<p>Only the first 1,000 roles are shown.</p>"
            } else {
                ""
            };
            format!(
                "{}{note}",
                table(
                    &[
                        "Role name",
                        "Path",
                        "Created",
                        "Maximum session duration",
                        "Description",
                    ],
                    &rows,
                    "This account has no roles yet.",
                )
            )
        }
        Err(e) => refusal(&e),
    };
    let body = format!(
        "{notice}<section aria-labelledby=\"h-roles\"><h2 id=\"h-roles\">Roles</h2>{roles}</section>\
<section aria-labelledby=\"h-new\"><h2 id=\"h-new\">Create role</h2>{form}</section>",
        notice = done_notice(&r.query),
        form = create_form(&sso, &s),
    );
    page(&s, "/console/roles", "Roles", &body)
}

/// The CreateRole form: name, description, maximum session duration, trust policy.
fn create_form(sso: &Sso, s: &Signed) -> String {
    let account = s.caller.principal.account().to_string();
    let mut durations = String::new();
    for hours in 1..=12u32 {
        let secs = hours * 3600;
        durations.push_str(&format!(
            "<option value=\"{secs}\"{sel}>{label}</option>",
            sel = if hours == 1 { " selected" } else { "" },
            label = duration(secs),
        ));
    }
    let fields = format!(
        "{name}{desc}<label for=\"f-MaxSessionDuration\">Maximum session duration</label>\
<select id=\"f-MaxSessionDuration\" name=\"MaxSessionDuration\">{durations}</select>{trust}",
        name = input("RoleName", "Role name", "text", "", true),
        desc = input("Description", "Description", "text", "", false),
        trust = policy_editor(
            "AssumeRolePolicyDocument",
            "Trust policy",
            &trust_template(&sso.api.iam.partition, &account),
            "trust",
        ),
    );
    action_form(
        s,
        "CreateRole",
        &[],
        &fields,
        "Create role",
        "/console/roles",
    )
}
