//! `/console/policies`: managed policies. `GET /console/policies` lists the account's own
//! policies and, apart, the AWS managed ones fedgate ships (ListPolicies with scope `Local`
//! and `AWS`), with the CreatePolicy form (a policy editor validated live);
//! `GET /console/policies/view?arn=…` is one policy ([`view`]).
//!
//! Reads go through `fedgate-iam`; every change is the IAM action itself (`/console/do`), so
//! a malformed document gets the API's `MalformedPolicyDocument` refusal.

mod view;

use super::layout::{action_form, done_notice, enc, escape, input, link, page, policy_editor};
use super::layout::{refusal, table};
use super::{Signed, audited};
use crate::Sso;
use crate::web::open;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::get;
use fedgate_iam::policies::managed::{ListPolicies, PolicyInfo, Scope, list_policies};
use std::sync::Arc;

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
        .route("/console/policies", get(list))
        .route("/console/policies/view", get(view::show))
}

/// The console path of the managed policy `arn`.
pub fn policy_path(arn: &str) -> String {
    format!("/console/policies/view?arn={}", enc(arn))
}

/// The starting document of the create form: read-only IAM access.
const TEMPLATE: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \
\"Effect\": \"Allow\",\n      \"Action\": [\n        \"iam:Get*\",\n        \"iam:List*\"\n      ],\n      \
\"Resource\": \"*\"\n    }\n  ]\n}";

/// A JSON document re-indented (two spaces) with its members in their own order; anything
/// that is not JSON comes back unchanged.
pub fn pretty_json(doc: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(doc).is_err() {
        return doc.to_owned();
    }
    let mut out = String::with_capacity(doc.len() * 2);
    let mut depth = 0usize;
    let (mut in_str, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = doc.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|n| *n == '}' || *n == ']') {
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                if !out.ends_with('{') && !out.ends_with('[') {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// `GET /console/policies`.
async fn list(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let own = policy_table(
        &sso,
        &s,
        Scope::Local,
        "This account has no policies of its own yet.",
    )
    .await;
    let aws = policy_table(&sso, &s, Scope::Aws, "No AWS managed policies are shipped.").await;
    let fields = format!(
        "{}{}{}",
        input("PolicyName", "Policy name", "text", "", true),
        input("Description", "Description", "text", "", false),
        policy_editor("PolicyDocument", "Policy document", TEMPLATE, "identity"),
    );
    let body = format!(
        "{notice}<section aria-labelledby=\"h-own\"><h2 id=\"h-own\">Customer managed policies</h2>{own}</section>\
<section aria-labelledby=\"h-new\"><h2 id=\"h-new\">Create policy</h2>{form}</section>\
<section aria-labelledby=\"h-aws\"><h2 id=\"h-aws\">AWS managed policies</h2>{aws}</section>",
        notice = done_notice(&r.query),
        form = action_form(
            &s,
            "CreatePolicy",
            &[],
            &fields,
            "Create policy",
            "/console/policies"
        ),
    );
    page(&s, "/console/policies", "Policies", &body)
}

/// ListPolicies of `scope` as a table (or why it cannot be read).
async fn policy_table(sso: &Sso, s: &Signed, scope: Scope, empty: &str) -> String {
    let req = ListPolicies {
        scope,
        path_prefix: "/".into(),
        max_items: 1000,
        ..Default::default()
    };
    let ctx = s.caller.ctx(&sso.api);
    let listed = audited(
        sso,
        s,
        "ListPolicies",
        list_policies(&sso.api.iam, &s.caller.principal, &ctx, &req).await,
    );
    match listed {
        Ok((policies, more)) => {
            let rows: Vec<Vec<String>> = policies.iter().map(row).collect();
            let note = if more.is_some() {
                "<p>Only the first 1,000 policies are shown.</p>"
            } else {
                ""
            };
            format!(
                "{}{note}",
                table(
                    &[
                        "Policy name",
                        "Path",
                        "Attachments",
                        "Default version",
                        "Updated"
                    ],
                    &rows,
                    empty,
                )
            )
        }
        Err(e) => refusal(&e),
    }
}

fn row(p: &PolicyInfo) -> Vec<String> {
    vec![
        link(&policy_path(&p.arn), &p.name),
        escape(&p.path),
        p.attachment_count.to_string(),
        escape(&p.default_version_id),
        escape(&p.update_date),
    ]
}

#[cfg(test)]
mod tests {
    use super::pretty_json;

    #[test]
    fn pretty_json_keeps_member_order_and_strings() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a:b","c:\"d,e{"],"Resource":"*","Condition":{}}]}"#;
        let p = pretty_json(doc);
        assert!(p.starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n"));
        assert!(p.contains("\"c:\\\"d,e{\""), "{p}");
        assert!(p.contains("\"Condition\": {}"), "{p}");
        let a: serde_json::Value = serde_json::from_str(doc).unwrap_or_default();
        let b: serde_json::Value = serde_json::from_str(&p).unwrap_or_default();
        assert_eq!(a, b);
        assert_eq!(pretty_json("not json {"), "not json {");
    }
}
