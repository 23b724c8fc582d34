//! Pieces shared by the user and group pages: opening a signed request, labelled selects,
//! checkboxes and password fields, the choices the forms offer (managed policies, groups,
//! users — read through the IAM service, so the caller's policies decide what is listed).

use super::super::layout::escape;
use super::super::{Signed, audited};
use crate::Sso;
pub use crate::web::open;
use fedgate_aws_query::ApiError;
use fedgate_iam::policies::managed::{ListPolicies, Scope, list_policies};
use http::StatusCode;

/// The AWS managed policies the forms offer first.
pub const AWS_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMUserChangePassword",
];

/// Largest page the option lists read.
const MAX_OPTIONS: usize = 1000;

/// The status of a page whose main read was refused: a denial is explained on an ordinary
/// page (200); anything else keeps its own status (404 for a missing entity).
pub fn read_status(e: &ApiError) -> StatusCode {
    if e.code == "AccessDenied" {
        StatusCode::OK
    } else {
        e.status
    }
}

/// `<section>` with a labelled `<h2>`.
pub fn section(id: &str, title: &str, body: &str) -> String {
    format!(
        "<section aria-labelledby=\"h-{id}\"><h2 id=\"h-{id}\">{t}</h2>{body}</section>",
        id = escape(id),
        t = escape(title),
    )
}

/// A labelled `<select>` of (value, text) options.
pub fn select(
    id: &str,
    name: &str,
    label: &str,
    options: &[(String, String)],
    required: bool,
) -> String {
    let mut opts = String::new();
    for (v, t) in options {
        opts.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            escape(v),
            escape(t)
        ));
    }
    format!(
        "<label for=\"{id}\">{l}</label><select id=\"{id}\" name=\"{n}\"{r}>{opts}</select>",
        id = escape(id),
        l = escape(label),
        n = escape(name),
        r = if required { " required" } else { "" },
    )
}

/// A checkbox sending `name=value` when ticked, with its label after it.
pub fn checkbox(id: &str, name: &str, value: &str, label: &str) -> String {
    format!(
        "<div><input type=\"checkbox\" id=\"{id}\" name=\"{n}\" value=\"{v}\"> \
<label for=\"{id}\" class=\"inline\">{l}</label></div>",
        id = escape(id),
        n = escape(name),
        v = escape(value),
        l = escape(label),
    )
}

/// A labelled input with its own `id` (for pages with several forms using one name).
pub fn field(id: &str, name: &str, label: &str, kind: &str, required: bool) -> String {
    let auto = if kind == "password" {
        " autocomplete=\"new-password\""
    } else {
        ""
    };
    format!(
        "<label for=\"{id}\">{l}</label><input id=\"{id}\" name=\"{n}\" type=\"{k}\"{auto}{r}>",
        id = escape(id),
        l = escape(label),
        n = escape(name),
        k = escape(kind),
        r = if required { " required" } else { "" },
    )
}

/// Managed policies to attach, as (ARN, label): the AWS managed ones above, then the
/// account's own (ListPolicies; when the caller may not list them, the AWS ones only).
pub async fn policy_choices(sso: &Sso, s: &Signed) -> Vec<(String, String)> {
    let iam = &sso.api.iam;
    let mut out: Vec<(String, String)> = AWS_POLICIES
        .iter()
        .map(|n| {
            (
                format!("arn:{}:iam::aws:policy/{n}", iam.partition),
                format!("{n} (AWS managed)"),
            )
        })
        .collect();
    let req = ListPolicies {
        scope: Scope::Local,
        path_prefix: "/".into(),
        max_items: MAX_OPTIONS,
        ..Default::default()
    };
    let ctx = s.caller.ctx(&sso.api);
    let listed = list_policies(iam, &s.caller.principal, &ctx, &req).await;
    if let Ok((policies, _)) = audited(sso, s, "ListPolicies", listed) {
        out.extend(policies.into_iter().map(|p| (p.arn, p.name)));
    }
    out
}

/// The account's group names (ListGroups).
pub async fn group_names(sso: &Sso, s: &Signed) -> Result<Vec<String>, ApiError> {
    let ctx = s.caller.ctx(&sso.api);
    let listed = fedgate_iam::groups::list_groups(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        "/",
        None,
        MAX_OPTIONS,
    )
    .await;
    audited(sso, s, "ListGroups", listed).map(|(g, _)| g.into_iter().map(|g| g.name).collect())
}

/// The account's user names (ListUsers).
pub async fn user_names(sso: &Sso, s: &Signed) -> Result<Vec<String>, ApiError> {
    let ctx = s.caller.ctx(&sso.api);
    let listed = fedgate_iam::users::list_users(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        "/",
        None,
        MAX_OPTIONS,
    )
    .await;
    audited(sso, s, "ListUsers", listed).map(|(u, _)| u.into_iter().map(|u| u.name).collect())
}

/// A name chooser for an add form: a select of `names` not in `taken`, or a text input when
/// the names could not be listed. `None` when there is nothing left to add.
pub fn name_chooser(
    id: &str,
    name: &str,
    label: &str,
    names: &Result<Vec<String>, ApiError>,
    taken: &[String],
) -> Option<String> {
    match names {
        Ok(all) => {
            let free: Vec<(String, String)> = all
                .iter()
                .filter(|n| !taken.contains(n))
                .map(|n| (n.clone(), n.clone()))
                .collect();
            (!free.is_empty()).then(|| select(id, name, label, &free, true))
        }
        Err(_) => Some(field(id, name, label, "text", true)),
    }
}
