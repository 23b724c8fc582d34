//! "Revoke active sessions" of a role, as AWS's console does it (IAM User Guide, "Revoking
//! IAM role temporary security credentials"): `POST /console/roles/{name}/revoke` puts the
//! inline policy `AWSRevokeOlderSessions` on the role, denying every action to sessions whose
//! `aws:TokenIssueTime` is before now (`DateLessThan`), through PutRolePolicy run by
//! [`fedgate_aws_query::QueryApi::invoke`]. Revoking again moves the date; sessions issued
//! after it, and the role's other uses, are unaffected.
//!
//! `aws:TokenIssueTime` has whole seconds, so the cut-off is the start of the next second:
//! every session issued up to the click is refused (and one issued in the same second too).

use super::super::act::{refused, with_done};
use super::super::layout::{csrf_field, escape};
use super::super::{Signed, csrf_ok, forbidden_csrf};
use super::{open, role_path};
use crate::Sso;
use crate::page::redirect;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use fedgate_store::model::Role;
use std::sync::Arc;

/// The inline policy's name, as AWS names it.
pub const POLICY_NAME: &str = "AWSRevokeOlderSessions";

/// The policy denying sessions issued before `cutoff` (ISO 8601), in AWS's words.
pub fn policy(cutoff: &str) -> String {
    format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Deny\",\"Action\":[\"*\"],\
\"Resource\":[\"*\"],\"Condition\":{{\"DateLessThan\":{{\"aws:TokenIssueTime\":\"{cutoff}\"}}}}}}]}}"
    )
}

/// The cut-off date of an `AWSRevokeOlderSessions` document, if it has the usual shape.
pub fn cutoff(doc: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(doc).ok()?;
    let statements = match v.get("Statement")? {
        serde_json::Value::Array(a) => a.clone(),
        one => vec![one.clone()],
    };
    statements.iter().find_map(|st| {
        st.get("Condition")?
            .get("DateLessThan")?
            .get("aws:TokenIssueTime")?
            .as_str()
            .map(str::to_owned)
    })
}

/// The section of the role page: what revoking does, when it was last done, and the button
/// (posting to this module's route, so the cut-off is the server's time of the click).
pub fn section(s: &Signed, role: &Role, revoked_at: Option<&str>) -> String {
    let last = match revoked_at {
        Some(t) => format!(
            "<p>Sessions issued before <strong>{}</strong> are refused (inline policy {POLICY_NAME}).</p>",
            escape(t)
        ),
        None => String::new(),
    };
    format!(
        "<section aria-labelledby=\"h-rev\"><h2 id=\"h-rev\">Revoke active sessions</h2>\
<p>Every temporary credential issued for this role until now stops working: the role gets \
the inline policy {POLICY_NAME}, which denies all actions to sessions issued before the \
current time. New sessions (a second from now on) are not affected.</p>{last}\
<form method=\"post\" action=\"{action}\">{csrf}\
<button type=\"submit\">Revoke active sessions</button></form></section>",
        action = escape(&format!("{}/revoke", role_path(&role.name))),
        csrf = csrf_field(s),
    )
}

/// `POST /console/roles/{name}/revoke`.
pub async fn run(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    if !csrf_ok(&s, &r) {
        return forbidden_csrf();
    }
    let back = role_path(&name);
    let now = sso.api.iam.clock.now();
    let next_second = now.replace_nanosecond(0).unwrap_or(now) + time::Duration::SECOND;
    let doc = policy(&fedgate_core::clock::iso8601(next_second));
    let params = match super::super::act::params(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", &name),
        ("PolicyName", POLICY_NAME),
        ("PolicyDocument", &doc),
    ]) {
        Ok(p) => p,
        Err(e) => return refused(&s, &e, &back),
    };
    match sso.api.invoke(&s.caller, &params).await {
        Ok(_) => redirect(&with_done(&back, "PutRolePolicy"), &[]),
        Err(e) => refused(&s, &e, &back),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_parses_and_names_its_cutoff() {
        let doc = policy("2026-11-23T11:33:17Z");
        assert!(fedgate_policy::parse(&doc, fedgate_policy::PolicyKind::InlineRole).is_ok());
        assert_eq!(cutoff(&doc).as_deref(), Some("2026-11-23T11:33:17Z"));
        assert_eq!(cutoff("not json"), None);
    }
}
