//! `POST /console/delete`: deleting a user, group, role or customer-managed policy together
//! with what the API insists be removed first, as the AWS console does. The IAM API refuses
//! to delete an entity that still has dependents (`DeleteConflict`); the console lists them
//! and removes each with its own IAM action, then deletes the entity:
//!
//! | kind | removed first | then |
//! |---|---|---|
//! | user | console password, access keys, MFA devices (deactivated; virtual ones deleted), group memberships, attached and inline policies | DeleteUser |
//! | group | members, attached and inline policies | DeleteGroup |
//! | role | attached and inline policies | DeleteRole |
//! | policy | attachments to users, groups and roles; its use as a permissions boundary; non-default versions | DeletePolicy |
//!
//! Every step runs through [`fedgate_aws_query::QueryApi::invoke`] for the session's
//! principal: each is decided by the caller's policies and audited, exactly as if the caller
//! had made the calls one by one. The first refusal stops the sequence and is shown with how
//! many steps were done before it (those stay done, as they would through the API; there is
//! no dry run first). An AWS managed policy is refused before any step.

use super::act::{params, refused, refused_noting, safe_next, with_done, xml_text};
use crate::Sso;
use crate::page::{escape, redirect};
use axum::extract::{Request, State};
use axum::response::Response;
use fedgate_aws_query::ApiError;
use http::StatusCode;
use std::sync::Arc;

/// Items per list call; lists longer than this are read page by page.
const PAGE: &str = "1000";

/// What is being deleted.
enum Target {
    User(String),
    Group(String),
    Role(String),
    Policy(String),
}

/// `POST /console/delete` with `kind` (`user`, `group`, `role`, `policy`), `name` (the
/// policy's ARN for a policy), `next` and the CSRF token.
pub async fn run(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match super::open_form(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let next = safe_next(r.field("next").as_deref());
    let name = r.field("name").unwrap_or_default();
    let target = match r.field("kind").as_deref() {
        Some("user") => Target::User(name),
        Some("group") => Target::Group(name),
        Some("role") => Target::Role(name),
        Some("policy") => Target::Policy(name),
        _ => {
            let e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValue",
                "kind must be user, group, role or policy.",
            );
            return refused(&s, &e, &next);
        }
    };
    let mut run = Steps {
        sso: &sso,
        s: &s,
        done: 0,
    };
    let (result, action) = match &target {
        Target::User(n) => (run.user(n).await, "DeleteUser"),
        Target::Group(n) => (run.group(n).await, "DeleteGroup"),
        Target::Role(n) => (run.role(n).await, "DeleteRole"),
        Target::Policy(arn) => (run.policy(arn).await, "DeletePolicy"),
    };
    match result {
        Ok(()) => redirect(&with_done(&next, action), &[]),
        Err(e) if run.done == 0 => refused(&s, &e, &next),
        Err(e) => refused_noting(
            &s,
            &e,
            &next,
            &format!(
                "<p>{} step(s) before this one were done and stay done.</p>",
                run.done
            ),
        ),
    }
}

struct Steps<'a> {
    sso: &'a Sso,
    s: &'a super::Signed,
    /// Changes made so far.
    done: usize,
}

impl Steps<'_> {
    /// Runs one IAM action; returns its response XML.
    async fn call(&mut self, pairs: &[(&str, &str)]) -> Result<String, ApiError> {
        self.sso.api.invoke(&self.s.caller, &params(pairs)?).await
    }

    /// Runs one change and counts it.
    async fn change(&mut self, pairs: &[(&str, &str)]) -> Result<(), ApiError> {
        self.call(pairs).await?;
        self.done += 1;
        Ok(())
    }

    /// Every `member` chunk of a list action, page by page (`Marker`, `IsTruncated`).
    async fn list(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut all: Vec<(&str, &str)> = pairs.to_vec();
            all.push(("MaxItems", PAGE));
            if let Some(m) = &marker {
                all.push(("Marker", m));
            }
            let xml = self.call(&all).await?;
            out.extend(members(&xml));
            let truncated = xml_text(&xml, "IsTruncated").is_some_and(|t| t == "true");
            match xml_text(&xml, "Marker") {
                Some(m) if truncated && marker.as_deref() != Some(m.as_str()) => marker = Some(m),
                _ => return Ok(out),
            }
        }
    }

    async fn user(&mut self, user: &str) -> Result<(), ApiError> {
        match self
            .change(&[("Action", "DeleteLoginProfile"), ("UserName", user)])
            .await
        {
            Err(e) if e.code == "NoSuchEntity" => {
                // No console password, or no user: DeleteUser says which.
            }
            other => other?,
        }
        for key in self
            .list(&[("Action", "ListAccessKeys"), ("UserName", user)])
            .await?
        {
            let id = xml_text(&key, "AccessKeyId").unwrap_or_default();
            self.change(&[
                ("Action", "DeleteAccessKey"),
                ("UserName", user),
                ("AccessKeyId", &id),
            ])
            .await?;
        }
        for device in self
            .list(&[("Action", "ListMFADevices"), ("UserName", user)])
            .await?
        {
            let serial = xml_text(&device, "SerialNumber").unwrap_or_default();
            self.change(&[
                ("Action", "DeactivateMFADevice"),
                ("UserName", user),
                ("SerialNumber", &serial),
            ])
            .await?;
            // A virtual device would otherwise stay behind, unassigned, holding its seed.
            if serial.contains(":mfa/") {
                self.change(&[
                    ("Action", "DeleteVirtualMFADevice"),
                    ("SerialNumber", &serial),
                ])
                .await?;
            }
        }
        for group in self
            .list(&[("Action", "ListGroupsForUser"), ("UserName", user)])
            .await?
        {
            let g = xml_text(&group, "GroupName").unwrap_or_default();
            self.change(&[
                ("Action", "RemoveUserFromGroup"),
                ("UserName", user),
                ("GroupName", &g),
            ])
            .await?;
        }
        self.policies_of("User", user).await?;
        self.change(&[("Action", "DeleteUser"), ("UserName", user)])
            .await
    }

    async fn group(&mut self, group: &str) -> Result<(), ApiError> {
        // GetGroup lists the members (the group itself is not a `member`).
        for member in self
            .list(&[("Action", "GetGroup"), ("GroupName", group)])
            .await?
        {
            let u = xml_text(&member, "UserName").unwrap_or_default();
            self.change(&[
                ("Action", "RemoveUserFromGroup"),
                ("UserName", &u),
                ("GroupName", group),
            ])
            .await?;
        }
        self.policies_of("Group", group).await?;
        self.change(&[("Action", "DeleteGroup"), ("GroupName", group)])
            .await
    }

    async fn role(&mut self, role: &str) -> Result<(), ApiError> {
        self.policies_of("Role", role).await?;
        self.change(&[("Action", "DeleteRole"), ("RoleName", role)])
            .await
    }

    /// Detaches the managed policies and deletes the inline policies of a user, group or role.
    async fn policies_of(&mut self, kind: &str, name: &str) -> Result<(), ApiError> {
        let key = format!("{kind}Name");
        let (list_attached, detach, list_inline, delete_inline) = (
            format!("ListAttached{kind}Policies"),
            format!("Detach{kind}Policy"),
            format!("List{kind}Policies"),
            format!("Delete{kind}Policy"),
        );
        for attached in self
            .list(&[("Action", list_attached.as_str()), (key.as_str(), name)])
            .await?
        {
            let arn = xml_text(&attached, "PolicyArn").unwrap_or_default();
            self.change(&[
                ("Action", detach.as_str()),
                (key.as_str(), name),
                ("PolicyArn", arn.as_str()),
            ])
            .await?;
        }
        for inline in self
            .list(&[("Action", list_inline.as_str()), (key.as_str(), name)])
            .await?
        {
            self.change(&[
                ("Action", delete_inline.as_str()),
                (key.as_str(), name),
                ("PolicyName", inline.as_str()),
            ])
            .await?;
        }
        Ok(())
    }

    async fn policy(&mut self, arn: &str) -> Result<(), ApiError> {
        // AWS managed policies cannot be deleted: refuse before detaching anything.
        if fedgate_core::Arn::parse(arn).is_ok_and(|a| a.account == "aws") {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                "AWS managed policies cannot be deleted.",
            ));
        }
        for entity in self
            .list(&[
                ("Action", "ListEntitiesForPolicy"),
                ("PolicyArn", arn),
                ("PolicyUsageFilter", "PermissionsPolicy"),
            ])
            .await?
        {
            let Some((kind, name)) = entity_of(&entity) else {
                continue;
            };
            let (action, key) = (format!("Detach{kind}Policy"), format!("{kind}Name"));
            self.change(&[("Action", &action), (&key, &name), ("PolicyArn", arn)])
                .await?;
        }
        // Users and roles whose permissions boundary it is lose the boundary, as in the AWS
        // console (DeletePolicy refuses a policy in use as a boundary).
        for entity in self
            .list(&[
                ("Action", "ListEntitiesForPolicy"),
                ("PolicyArn", arn),
                ("PolicyUsageFilter", "PermissionsBoundary"),
            ])
            .await?
        {
            let Some((kind, name)) = entity_of(&entity) else {
                continue;
            };
            let (action, key) = (
                format!("Delete{kind}PermissionsBoundary"),
                format!("{kind}Name"),
            );
            self.change(&[("Action", &action), (&key, &name)]).await?;
        }
        for version in self
            .list(&[("Action", "ListPolicyVersions"), ("PolicyArn", arn)])
            .await?
        {
            if xml_text(&version, "IsDefaultVersion").is_some_and(|d| d == "true") {
                continue;
            }
            let id = xml_text(&version, "VersionId").unwrap_or_default();
            self.change(&[
                ("Action", "DeletePolicyVersion"),
                ("PolicyArn", arn),
                ("VersionId", &id),
            ])
            .await?;
        }
        self.change(&[("Action", "DeletePolicy"), ("PolicyArn", arn)])
            .await
    }
}

/// Which entity a `ListEntitiesForPolicy` member is: (`User`, `Group` or `Role`, its name).
fn entity_of(member: &str) -> Option<(&'static str, String)> {
    ["User", "Group", "Role"]
        .into_iter()
        .find_map(|kind| xml_text(member, &format!("{kind}Name")).map(|n| (kind, n)))
}

/// The contents of every `<member>…</member>` in a response (list items; nested members are
/// part of their parent's text). A member without child elements (a name in
/// `List*Policies`) is its unescaped text.
fn members(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<member>") {
        let body = &rest[start + "<member>".len()..];
        // The matching close tag: count nested members.
        let mut depth = 1usize;
        let mut at = 0usize;
        let end = loop {
            let open = body[at..].find("<member>").map(|i| at + i);
            let Some(close) = body[at..].find("</member>").map(|i| at + i) else {
                return out;
            };
            match open {
                Some(o) if o < close => {
                    depth += 1;
                    at = o + "<member>".len();
                }
                _ => {
                    depth -= 1;
                    at = close + "</member>".len();
                    if depth == 0 {
                        break close;
                    }
                }
            }
        };
        let item = &body[..end];
        out.push(if item.contains('<') {
            item.to_owned()
        } else {
            xml_text(&format!("<m>{item}</m>"), "m").unwrap_or_default()
        });
        rest = &body[end + "</member>".len()..];
    }
    out
}

/// A form that deletes `name` of `kind` with its dependents (see the module table).
pub fn form(s: &super::Signed, kind: &str, name: &str, label: &str, next: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/console/delete\">{csrf}\
<input type=\"hidden\" name=\"kind\" value=\"{kind}\">\
<input type=\"hidden\" name=\"name\" value=\"{name}\">\
<input type=\"hidden\" name=\"next\" value=\"{next}\">\
<button type=\"submit\" class=\"danger\">{label}</button></form>",
        csrf = super::layout::csrf_field(s),
        kind = escape(kind),
        name = escape(name),
        next = escape(next),
        label = escape(label),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn members_of_lists() {
        let xml = "<R><PolicyNames><member>a&amp;b</member><member>c</member></PolicyNames>\
<IsTruncated>false</IsTruncated></R>";
        assert_eq!(members(xml), ["a&b", "c"]);
        let xml = "<R><AccessKeyMetadata><member><UserName>u</UserName><AccessKeyId>AKIA1</AccessKeyId></member>\
<member><UserName>u</UserName><AccessKeyId>AKIA2</AccessKeyId></member></AccessKeyMetadata></R>";
        let m = members(xml);
        assert_eq!(m.len(), 2);
        assert_eq!(xml_text(&m[1], "AccessKeyId").as_deref(), Some("AKIA2"));
        let nested =
            "<R><member><Tags><member><Key>k</Key></member></Tags><Name>x</Name></member></R>";
        let m = members(nested);
        assert_eq!(m.len(), 1);
        assert_eq!(xml_text(&m[0], "Name").as_deref(), Some("x"));
        assert!(members("<member>unclosed").is_empty());
    }
}
