//! `GET /console/policies/view?arn=…`: one managed policy. Its summary (GetPolicy: ARN,
//! description, attachment and boundary counts); its versions (ListPolicyVersions) with
//! SetDefaultPolicyVersion and, for the others, DeletePolicyVersion; the default version's
//! document (GetPolicyVersion); a "New version" form (CreatePolicyVersion, the editor starting
//! from the default document, SetAsDefault ticked); the users, groups and roles using it
//! (ListEntitiesForPolicy); DeletePolicy. AWS managed policies are read-only: no forms.

use super::super::layout::{action_form, done_notice, enc, escape, link, page, page_with};
use super::super::layout::{policy_editor, refusal, table};
use super::super::{Signed, audited};
use super::{open, policy_path, pretty_json};
use crate::Sso;
use axum::extract::{Request, State};
use axum::response::Response;
use fedgate_iam::policies::HolderKind;
use fedgate_iam::policies::attach::{ListEntities, list_entities_for_policy};
use fedgate_iam::policies::managed::{PolicyInfo, get_policy};
use fedgate_iam::policies::versions::{get_policy_version, list_policy_versions};
use http::StatusCode;
use std::sync::Arc;

/// `GET /console/policies/view?arn=…`.
pub async fn show(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let Some(arn) = r.query_field("arn").filter(|a| !a.is_empty()) else {
        return page_with(
            &s,
            StatusCode::BAD_REQUEST,
            "/console/policies",
            "Policy",
            "<div class=\"err\" role=\"alert\">No policy ARN was given.</div>\
<p><a href=\"/console/policies\">All policies</a></p>",
        );
    };
    let ctx = s.caller.ctx(&sso.api);
    let info = match audited(
        &sso,
        &s,
        "GetPolicy",
        get_policy(&sso.api.iam, &s.caller.principal, &ctx, &arn).await,
    ) {
        Ok(i) => i,
        Err(e) => {
            let body = format!(
                "{}<p><a href=\"/console/policies\">All policies</a></p>",
                refusal(&e)
            );
            return page_with(&s, e.status, "/console/policies", "Policy", &body);
        }
    };
    let here = policy_path(&info.arn);
    let (versions, default_doc) = versions_section(&sso, &s, &info, &here).await;
    let body = format!(
        "{notice}{summary}\
<section aria-labelledby=\"h-doc\"><h2 id=\"h-doc\">Policy document ({v})</h2>{doc}</section>\
<section aria-labelledby=\"h-ver\"><h2 id=\"h-ver\">Versions</h2>{versions}{new_version}</section>\
<section aria-labelledby=\"h-ent\"><h2 id=\"h-ent\">Entities using this policy</h2>{entities}</section>{delete}",
        notice = done_notice(&r.query),
        summary = summary(&info),
        v = escape(&info.default_version_id),
        doc = match &default_doc {
            Ok(d) => format!("<pre>{}</pre>", escape(&pretty_json(d))),
            Err(e) => e.clone(),
        },
        new_version = match (&default_doc, info.aws_managed) {
            (Ok(d), false) => new_version_form(&s, &info, d, &here),
            _ => String::new(),
        },
        entities = entities_section(&sso, &s, &info).await,
        delete = delete_section(&s, &info),
    );
    page(
        &s,
        "/console/policies",
        &format!("Policy {}", info.name),
        &body,
    )
}

fn summary(info: &PolicyInfo) -> String {
    let rows = [
        ("ARN", info.arn.clone()),
        ("Policy ID", info.policy_id.clone()),
        (
            "Type",
            if info.aws_managed {
                "AWS managed".to_owned()
            } else {
                "Customer managed".to_owned()
            },
        ),
        ("Path", info.path.clone()),
        ("Description", info.description.clone().unwrap_or_default()),
        ("Attachments", info.attachment_count.to_string()),
        (
            "Used as permissions boundary",
            info.boundary_usage_count.to_string(),
        ),
        ("Created", info.create_date.clone()),
        ("Updated", info.update_date.clone()),
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

/// The versions table, and the default version's document (or the refusal HTML).
async fn versions_section(
    sso: &Sso,
    s: &Signed,
    info: &PolicyInfo,
    here: &str,
) -> (String, Result<String, String>) {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let p = &s.caller.principal;
    let default_doc = audited(
        sso,
        s,
        "GetPolicyVersion",
        get_policy_version(iam, p, &ctx, &info.arn, &info.default_version_id).await,
    )
    .map(|v| v.document)
    .map_err(|e| refusal(&e));
    let listed = audited(
        sso,
        s,
        "ListPolicyVersions",
        list_policy_versions(iam, p, &ctx, &info.arn).await,
    );
    let versions = match listed {
        Ok(list) => {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|v| {
                    let hidden = [
                        ("PolicyArn", info.arn.as_str()),
                        ("VersionId", v.version_id.as_str()),
                    ];
                    let actions = if v.is_default || info.aws_managed {
                        String::new()
                    } else {
                        format!(
                            "{}{}",
                            action_form(
                                s,
                                "SetDefaultPolicyVersion",
                                &hidden,
                                "",
                                "Set as default",
                                here
                            ),
                            action_form(s, "DeletePolicyVersion", &hidden, "", "Delete", here),
                        )
                    };
                    vec![
                        escape(&v.version_id),
                        if v.is_default { "Default" } else { "" }.to_owned(),
                        escape(&v.created_at),
                        actions,
                    ]
                })
                .collect();
            table(&["Version", "", "Created", ""], &rows, "No versions.")
        }
        Err(e) => refusal(&e),
    };
    (versions, default_doc)
}

fn new_version_form(s: &Signed, info: &PolicyInfo, doc: &str, here: &str) -> String {
    let fields = format!(
        "{}<label><input type=\"checkbox\" name=\"SetAsDefault\" value=\"true\" checked> \
Set as the default version</label>",
        policy_editor(
            "PolicyDocument",
            "Policy document",
            &pretty_json(doc),
            "identity"
        ),
    );
    format!(
        "<h3>New version</h3><p>A policy keeps at most five versions: delete one first when it \
has five.</p>{}",
        action_form(
            s,
            "CreatePolicyVersion",
            &[("PolicyArn", &info.arn)],
            &fields,
            "Create version",
            here,
        )
    )
}

async fn entities_section(sso: &Sso, s: &Signed, info: &PolicyInfo) -> String {
    let ctx = s.caller.ctx(&sso.api);
    let req = ListEntities {
        path_prefix: "/".into(),
        max_items: 1000,
        ..Default::default()
    };
    let listed = audited(
        sso,
        s,
        "ListEntitiesForPolicy",
        list_entities_for_policy(&sso.api.iam, &s.caller.principal, &ctx, &info.arn, &req).await,
    );
    match listed {
        Ok((entities, _)) => {
            let rows: Vec<Vec<String>> = entities
                .iter()
                .map(|e| {
                    let base = match e.kind {
                        HolderKind::User => "/console/users/",
                        HolderKind::Group => "/console/groups/",
                        HolderKind::Role => "/console/roles/",
                    };
                    vec![
                        escape(e.kind.title()),
                        link(&format!("{base}{}", enc(&e.name)), &e.name),
                        escape(&e.id),
                    ]
                })
                .collect();
            table(
                &["Type", "Name", "ID"],
                &rows,
                "No user, group or role uses this policy.",
            )
        }
        Err(e) => refusal(&e),
    }
}

fn delete_section(s: &Signed, info: &PolicyInfo) -> String {
    if info.aws_managed {
        return String::new();
    }
    format!(
        "<section aria-labelledby=\"h-del\"><h2 id=\"h-del\">Delete policy</h2>\
<p>Detaches it from every user, group and role and deletes its non-default versions (each \
an IAM action of its own, decided and audited), then the policy.</p>{}</section>",
        super::super::delete::form(
            s,
            "policy",
            &info.arn,
            &format!("Delete policy {}", info.name),
            "/console/policies",
        )
    )
}
