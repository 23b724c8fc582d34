//! `GET /console/roles/{name}`: one role. Its summary (GetRole); the trust policy in an
//! editor that saves with UpdateAssumeRolePolicy; the attached managed policies
//! (ListAttachedRolePolicies) with DetachRolePolicy, and AttachRolePolicy offering AWS's
//! AdministratorAccess, PowerUserAccess and ReadOnlyAccess and the account's own policies;
//! the inline policies (ListRolePolicies, GetRolePolicy) with DeleteRolePolicy; "Revoke active
//! sessions" ([`super::revoke`]); DeleteRole. Each read the caller may not make says why.

use super::super::layout::{action_form, done_notice, escape, link, page, page_with};
use super::super::layout::{policy_editor, refusal, table};
use super::super::policies::{policy_path, pretty_json};
use super::super::{Signed, audited};
use super::{duration, open, revoke};
use crate::Sso;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use fedgate_iam::policies::managed::{ListPolicies, Scope, list_policies};
use fedgate_iam::policies::{attach, inline};
use fedgate_store::model::Role;
use std::sync::Arc;

/// The AWS managed policies the attach form offers.
const AWS_OFFERED: &[&str] = &["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"];

/// `GET /console/roles/{name}`.
pub async fn show(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let role = match audited(
        &sso,
        &s,
        "GetRole",
        fedgate_iam::roles::get_role(iam, &s.caller.principal, &ctx, &name).await,
    ) {
        Ok(role) => role,
        Err(e) => {
            let body = format!(
                "{}<p><a href=\"/console/roles\">All roles</a></p>",
                refusal(&e)
            );
            return page_with(
                &s,
                e.status,
                "/console/roles",
                &format!("Role {name}"),
                &body,
            );
        }
    };
    let here = super::role_path(&role.name);
    let (attached, attached_arns) = attached_section(&sso, &s, &role, &here).await;
    let (inline_html, revoked_at) = inline_section(&sso, &s, &role, &here).await;
    let body = format!(
        "{notice}{summary}\
<section aria-labelledby=\"h-trust\"><h2 id=\"h-trust\">Trust relationships</h2>\
<p>Who may assume this role (the role's resource-based policy).</p>{trust}</section>\
<section aria-labelledby=\"h-att\"><h2 id=\"h-att\">Permissions policies</h2>{attached}{attach}</section>\
<section aria-labelledby=\"h-inl\"><h2 id=\"h-inl\">Inline policies</h2>{inline_html}</section>\
{revoke}{delete}",
        notice = done_notice(&r.query),
        summary = summary(&sso, &role),
        trust = action_form(
            &s,
            "UpdateAssumeRolePolicy",
            &[("RoleName", &role.name)],
            &policy_editor(
                "PolicyDocument",
                "Trust policy",
                &pretty_json(&role.assume_role_policy),
                "trust",
            ),
            "Update trust policy",
            &here,
        ),
        attach = attach_form(&sso, &s, &role, &attached_arns, &here).await,
        revoke = revoke::section(&s, &role, revoked_at.as_deref()),
        delete = delete_section(&s, &role),
    );
    page(&s, "/console/roles", &format!("Role {}", role.name), &body)
}

fn summary(sso: &Sso, role: &Role) -> String {
    let arn = fedgate_iam::roles::role_arn(&sso.api.iam.partition, role).to_string();
    let last_used = match &role.last_used {
        Some((date, region)) => format!("{date} ({region})"),
        None => "Never".to_owned(),
    };
    let rows = [
        ("ARN", arn),
        ("Role ID", role.role_id.clone()),
        ("Path", role.path.clone()),
        ("Created", role.created_at.clone()),
        ("Description", role.description.clone().unwrap_or_default()),
        (
            "Maximum session duration",
            duration(role.max_session_duration),
        ),
        (
            "Permissions boundary",
            role.permissions_boundary
                .clone()
                .unwrap_or_else(|| "None".to_owned()),
        ),
        ("Last used", last_used),
    ];
    let mut t = String::from("<table><tbody>");
    for (k, v) in rows {
        t.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape(k),
            escape(&v)
        ));
    }
    t.push_str("</tbody></table>");
    format!("<section aria-labelledby=\"h-sum\"><h2 id=\"h-sum\">Summary</h2>{t}</section>")
}

/// The attached policies table (with detach buttons), and their ARNs.
async fn attached_section(sso: &Sso, s: &Signed, role: &Role, here: &str) -> (String, Vec<String>) {
    let ctx = s.caller.ctx(&sso.api);
    let listed = audited(
        sso,
        s,
        "ListAttachedRolePolicies",
        attach::list_attached::<Role>(
            &sso.api.iam,
            &s.caller.principal,
            &ctx,
            &role.name,
            "/",
            None,
            1000,
        )
        .await,
    );
    match listed {
        Ok((policies, _)) => {
            let rows: Vec<Vec<String>> = policies
                .iter()
                .map(|p| {
                    vec![
                        link(&policy_path(&p.arn), &p.name),
                        escape(&p.arn),
                        action_form(
                            s,
                            "DetachRolePolicy",
                            &[("RoleName", &role.name), ("PolicyArn", &p.arn)],
                            "",
                            "Detach",
                            here,
                        ),
                    ]
                })
                .collect();
            let arns = policies.into_iter().map(|p| p.arn).collect();
            (
                table(
                    &["Policy", "ARN", ""],
                    &rows,
                    "No managed policies are attached.",
                ),
                arns,
            )
        }
        Err(e) => (refusal(&e), Vec::new()),
    }
}

/// The AttachRolePolicy form: AWS's three job-function policies and the account's own,
/// less those already attached.
async fn attach_form(
    sso: &Sso,
    s: &Signed,
    role: &Role,
    attached: &[String],
    here: &str,
) -> String {
    let iam = &sso.api.iam;
    let mut options = String::new();
    let mut add = |arn: &str, label: &str| {
        if !attached.iter().any(|a| a == arn) {
            options.push_str(&format!(
                "<option value=\"{}\">{}</option>",
                escape(arn),
                escape(label)
            ));
        }
    };
    for m in iam.managed.all().filter(|m| AWS_OFFERED.contains(&m.name)) {
        add(m.arn, &format!("{} (AWS managed)", m.name));
    }
    let ctx = s.caller.ctx(&sso.api);
    let req = ListPolicies {
        scope: Scope::Local,
        path_prefix: "/".into(),
        max_items: 1000,
        ..Default::default()
    };
    let own = audited(
        sso,
        s,
        "ListPolicies",
        list_policies(iam, &s.caller.principal, &ctx, &req).await,
    );
    let note = match own {
        Ok((policies, _)) => {
            for p in &policies {
                add(&p.arn, &p.name);
            }
            String::new()
        }
        Err(e) => format!(
            "<p>The account's own policies cannot be offered:</p>{}",
            refusal(&e)
        ),
    };
    if options.is_empty() {
        return format!("{note}<p>Every policy on offer is attached.</p>");
    }
    let fields = format!(
        "<label for=\"f-PolicyArn\">Policy</label><select id=\"f-PolicyArn\" name=\"PolicyArn\">{options}</select>"
    );
    format!(
        "<h3>Attach a policy</h3>{note}{}",
        action_form(
            s,
            "AttachRolePolicy",
            &[("RoleName", &role.name)],
            &fields,
            "Attach policy",
            here,
        )
    )
}

/// The inline policies (document and delete button each), and when the role's sessions
/// were last revoked (the date of its `AWSRevokeOlderSessions` policy).
async fn inline_section(
    sso: &Sso,
    s: &Signed,
    role: &Role,
    here: &str,
) -> (String, Option<String>) {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let p = &s.caller.principal;
    let names = match audited(
        sso,
        s,
        "ListRolePolicies",
        inline::list::<Role>(iam, p, &ctx, &role.name, None, 1000).await,
    ) {
        Ok((names, _)) => names,
        Err(e) => return (refusal(&e), None),
    };
    let mut revoked_at = None;
    let mut rows = Vec::new();
    for n in &names {
        let doc = match audited(
            sso,
            s,
            "GetRolePolicy",
            inline::get::<Role>(iam, p, &ctx, &role.name, n).await,
        ) {
            Ok((_, doc)) => {
                if n == revoke::POLICY_NAME {
                    revoked_at = revoke::cutoff(&doc);
                }
                format!(
                    "<details><summary>Document</summary><pre>{}</pre></details>",
                    escape(&pretty_json(&doc))
                )
            }
            Err(e) => refusal(&e),
        };
        rows.push(vec![
            escape(n),
            doc,
            action_form(
                s,
                "DeleteRolePolicy",
                &[("RoleName", &role.name), ("PolicyName", n)],
                "",
                "Delete",
                here,
            ),
        ]);
    }
    (
        table(
            &["Policy name", "Policy", ""],
            &rows,
            "This role has no inline policies.",
        ),
        revoked_at,
    )
}

fn delete_section(s: &Signed, role: &Role) -> String {
    format!(
        "<section aria-labelledby=\"h-del\"><h2 id=\"h-del\">Delete role</h2>\
<p>Detaches its managed policies and deletes its inline policies (each an IAM action of its \
own, decided and audited), then the role. Sessions already issued for the role stop \
working.</p>{}</section>",
        super::super::delete::form(
            s,
            "role",
            &role.name,
            &format!("Delete role {}", role.name),
            "/console/roles",
        )
    )
}
