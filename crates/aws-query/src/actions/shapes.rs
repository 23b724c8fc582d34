//! Pieces several IAM actions share: `Marker`/`MaxItems` paging, `PathPrefix`, the `User`
//! element, tag lists.

use super::member_list;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::users;
use fedgate_store::model::{Tag, User};

/// `Marker` and `MaxItems` of a List* request: AWS allows 1–1000 items, default 100.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub marker: Option<&'a str>,
    pub max_items: usize,
}

pub fn page(params: &Params) -> Result<Page<'_>, ApiError> {
    let max_items = match params.get("MaxItems") {
        None => 100,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"
                )));
            }
        },
    };
    let marker = params.get("Marker").filter(|m| !m.is_empty());
    Ok(Page { marker, max_items })
}

/// `<IsTruncated>` and, when more follow, `<Marker>`.
pub fn page_end(x: &mut Xml, next: Option<&str>) {
    match next {
        Some(m) => {
            x.elem("IsTruncated", "true").elem("Marker", m);
        }
        None => {
            x.elem("IsTruncated", "false");
        }
    }
}

/// `PathPrefix`: AWS requires `/` first; default `/` (everything).
pub fn path_prefix(params: &Params) -> Result<&str, ApiError> {
    let p = params.get("PathPrefix").unwrap_or("/");
    if !p.starts_with('/') || p.len() > 512 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{p}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*"
        )));
    }
    Ok(p)
}

/// The body of a `User` element (for GetUser, CreateUser, ListUsers, GetGroup, …): `Path`,
/// `UserName`, `UserId`, `Arn`, `CreateDate`, `PasswordLastUsed`, `PermissionsBoundary`,
/// `Tags` (AWS lists tags and the boundary only where the action documents them: `full`).
pub fn user_fields(x: &mut Xml, partition: &str, user: &User, full: bool) {
    x.elem("Path", &user.path)
        .elem("UserName", &user.name)
        .elem("UserId", &user.user_id)
        .elem("Arn", &users::user_arn(partition, user).to_string())
        .elem("CreateDate", &user.created_at);
    if let Some(t) = &user.password_last_used {
        x.elem("PasswordLastUsed", t);
    }
    if full {
        if let Some(b) = &user.permissions_boundary {
            x.open("PermissionsBoundary")
                .elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .elem("PermissionsBoundaryArn", b)
                .close("PermissionsBoundary");
        }
        tags(x, &user.tags);
    }
}

/// `<Tags>` with one member per tag (nothing when there are none).
pub fn tags(x: &mut Xml, tags: &[Tag]) {
    if tags.is_empty() {
        return;
    }
    x.open("Tags");
    for t in tags {
        x.open("member")
            .elem("Key", &t.key)
            .elem("Value", &t.value)
            .close("member");
    }
    x.close("Tags");
}

/// `Tags.member.N.Key` / `.Value` of a Create*/Tag* request.
pub fn tag_params(params: &Params) -> Vec<Tag> {
    (1..)
        .map_while(|i| {
            let key = params.get(&format!("Tags.member.{i}.Key"))?;
            let value = params
                .get(&format!("Tags.member.{i}.Value"))
                .unwrap_or_default();
            Some(Tag {
                key: key.to_owned(),
                value: value.to_owned(),
            })
        })
        .collect()
}

/// `TagKeys.member.N` of an Untag* request.
pub fn tag_keys(params: &Params) -> Vec<&str> {
    member_list(params, "TagKeys")
}

/// A policy document as IAM returns it (GetRole's `AssumeRolePolicyDocument`,
/// GetPolicyVersion's `Document`, Get*Policy's `PolicyDocument`): URL-encoded per RFC 3986.
pub fn url_encoded(doc: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // RFC 3986 unreserved characters stay as they are.
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(doc, SET).to_string()
}
