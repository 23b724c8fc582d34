//! Managed-policy actions: policies, versions, tags, attachments, ListEntitiesForPolicy.
//! Policy objects and versions are handled here; attachments in [`attachments`].

mod attachments;

use super::shapes::{page, page_end, path_prefix, tag_keys, tag_params, tags, url_encoded};
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::policies::managed::{
    self as pm, CreatePolicy, ListPolicies, PolicyInfo, Scope, UsageFilter,
};
use fedgate_iam::policies::versions::{self as pv, VersionInfo};
use fedgate_store::model::{Group, Role, User};

pub const ACTIONS: &[ActionDef] = &[
    action!("CreatePolicy", Iam, Write, create_policy),
    action!("GetPolicy", Iam, Read, get_policy),
    action!("ListPolicies", Iam, Read, list_policies),
    action!("DeletePolicy", Iam, Write, delete_policy),
    action!("CreatePolicyVersion", Iam, Write, create_policy_version),
    action!("GetPolicyVersion", Iam, Read, get_policy_version),
    action!("ListPolicyVersions", Iam, Read, list_policy_versions),
    action!("DeletePolicyVersion", Iam, Write, delete_policy_version),
    action!(
        "SetDefaultPolicyVersion",
        Iam,
        Write,
        set_default_policy_version
    ),
    action!("TagPolicy", Iam, Write, tag_policy),
    action!("UntagPolicy", Iam, Write, untag_policy),
    action!("ListPolicyTags", Iam, Read, list_policy_tags),
    action!("AttachUserPolicy", Iam, Write, attachments::attach::<User>),
    action!(
        "AttachGroupPolicy",
        Iam,
        Write,
        attachments::attach::<Group>
    ),
    action!("AttachRolePolicy", Iam, Write, attachments::attach::<Role>),
    action!("DetachUserPolicy", Iam, Write, attachments::detach::<User>),
    action!(
        "DetachGroupPolicy",
        Iam,
        Write,
        attachments::detach::<Group>
    ),
    action!("DetachRolePolicy", Iam, Write, attachments::detach::<Role>),
    action!(
        "ListAttachedUserPolicies",
        Iam,
        Read,
        attachments::list_attached::<User>
    ),
    action!(
        "ListAttachedGroupPolicies",
        Iam,
        Read,
        attachments::list_attached::<Group>
    ),
    action!(
        "ListAttachedRolePolicies",
        Iam,
        Read,
        attachments::list_attached::<Role>
    ),
    action!(
        "ListEntitiesForPolicy",
        Iam,
        Read,
        attachments::list_entities_for_policy
    ),
];

/// The body of a `Policy` element. `full` adds what only GetPolicy/CreatePolicy return
/// (Description, Tags).
fn policy_fields(x: &mut Xml, p: &PolicyInfo, full: bool) {
    x.elem("PolicyName", &p.name)
        .elem("PolicyId", &p.policy_id)
        .elem("Arn", &p.arn)
        .elem("Path", &p.path)
        .elem("DefaultVersionId", &p.default_version_id)
        .elem("AttachmentCount", &p.attachment_count.to_string())
        .elem(
            "PermissionsBoundaryUsageCount",
            &p.boundary_usage_count.to_string(),
        )
        .elem("IsAttachable", "true");
    if full {
        x.opt("Description", p.description.as_deref());
    }
    x.elem("CreateDate", &p.create_date)
        .elem("UpdateDate", &p.update_date);
    if full {
        tags(x, &p.tags);
    }
}

fn one_policy(p: &PolicyInfo) -> String {
    let mut x = Xml::new();
    x.open("Policy");
    policy_fields(&mut x, p, true);
    x.close("Policy");
    x.into_string()
}

/// `true`/`false` of a boolean parameter (absent = `false`).
pub(crate) fn flag(params: &Params, name: &str) -> Result<bool, ApiError> {
    match params.get(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a boolean",
            lower_first(name)
        ))),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `PolicyUsageFilter`: `PermissionsPolicy` | `PermissionsBoundary`.
pub(crate) fn usage_filter(params: &Params) -> Result<Option<UsageFilter>, ApiError> {
    match params.get("PolicyUsageFilter") {
        None => Ok(None),
        Some("PermissionsPolicy") => Ok(Some(UsageFilter::PermissionsPolicy)),
        Some("PermissionsBoundary") => Ok(Some(UsageFilter::PermissionsBoundary)),
        Some(v) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]"
        ))),
    }
}

async fn create_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = CreatePolicy {
        name: required(p, "PolicyName")?.to_owned(),
        path: p.get("Path").map(str::to_owned),
        document: required(p, "PolicyDocument")?.to_owned(),
        description: p.get("Description").map(str::to_owned),
        tags: tag_params(p),
    };
    let created = pm::create_policy(c.iam, c.caller, c.ctx, req).await?;
    Ok(one_policy(&PolicyInfo::customer(
        c.caller.partition(),
        &created,
    )))
}

async fn get_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let info = pm::get_policy(c.iam, c.caller, c.ctx, arn).await?;
    Ok(one_policy(&info))
}

async fn list_policies(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let pg = page(p)?;
    let scope = match p.get("Scope") {
        None | Some("All") => Scope::All,
        Some("AWS") => Scope::Aws,
        Some("Local") => Scope::Local,
        Some(v) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{v}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"
            )));
        }
    };
    let req = ListPolicies {
        scope,
        only_attached: flag(p, "OnlyAttached")?,
        path_prefix: path_prefix(p)?.to_owned(),
        usage: usage_filter(p)?,
        marker: pg.marker.map(str::to_owned),
        max_items: pg.max_items,
    };
    let (items, next) = pm::list_policies(c.iam, c.caller, c.ctx, &req).await?;
    let mut x = Xml::new();
    x.open("Policies");
    for i in &items {
        x.open("member");
        policy_fields(&mut x, i, false);
        x.close("member");
    }
    x.close("Policies");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

async fn delete_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    pm::delete_policy(c.iam, c.caller, c.ctx, arn).await?;
    Ok(String::new())
}

fn version_fields(x: &mut Xml, v: &VersionInfo, with_document: bool) {
    if with_document {
        x.elem("Document", &url_encoded(&v.document));
    }
    x.elem("VersionId", &v.version_id)
        .elem(
            "IsDefaultVersion",
            if v.is_default { "true" } else { "false" },
        )
        .elem("CreateDate", &v.created_at);
}

async fn create_policy_version(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let doc = required(c.params, "PolicyDocument")?;
    let default = flag(c.params, "SetAsDefault")?;
    let v = pv::create_policy_version(c.iam, c.caller, c.ctx, arn, doc, default).await?;
    let mut x = Xml::new();
    x.open("PolicyVersion");
    version_fields(&mut x, &v, false);
    x.close("PolicyVersion");
    Ok(x.into_string())
}

async fn get_policy_version(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let id = required(c.params, "VersionId")?;
    let v = pv::get_policy_version(c.iam, c.caller, c.ctx, arn, id).await?;
    let mut x = Xml::new();
    x.open("PolicyVersion");
    version_fields(&mut x, &v, true);
    x.close("PolicyVersion");
    Ok(x.into_string())
}

async fn list_policy_versions(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let pg = page(c.params)?;
    let start = offset(pg.marker)?;
    let all = pv::list_policy_versions(c.iam, c.caller, c.ctx, arn).await?;
    let end = start.saturating_add(pg.max_items).min(all.len());
    let mut x = Xml::new();
    x.open("Versions");
    for v in all.get(start..end).unwrap_or_default() {
        x.open("member");
        version_fields(&mut x, v, false);
        x.close("member");
    }
    x.close("Versions");
    let next = (end < all.len()).then(|| end.to_string());
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

/// A `Marker` this server handed out for a list it pages by position.
pub(crate) fn offset(marker: Option<&str>) -> Result<usize, ApiError> {
    marker.map_or(Ok(0), |m| {
        m.parse()
            .map_err(|_| ApiError::validation("Invalid Marker."))
    })
}

async fn delete_policy_version(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let id = required(c.params, "VersionId")?;
    pv::delete_policy_version(c.iam, c.caller, c.ctx, arn, id).await?;
    Ok(String::new())
}

async fn set_default_policy_version(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let id = required(c.params, "VersionId")?;
    pv::set_default_policy_version(c.iam, c.caller, c.ctx, arn, id).await?;
    Ok(String::new())
}

async fn tag_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let t = tag_params(c.params);
    if t.is_empty() {
        return Err(ApiError::missing_parameter("Tags"));
    }
    pm::tag_policy(c.iam, c.caller, c.ctx, arn, t).await?;
    Ok(String::new())
}

async fn untag_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let keys = tag_keys(c.params);
    if keys.is_empty() {
        return Err(ApiError::missing_parameter("TagKeys"));
    }
    pm::untag_policy(c.iam, c.caller, c.ctx, arn, &keys).await?;
    Ok(String::new())
}

async fn list_policy_tags(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, "PolicyArn")?;
    let pg = page(c.params)?;
    let start = offset(pg.marker)?;
    let all = pm::list_policy_tags(c.iam, c.caller, c.ctx, arn).await?;
    let end = start.saturating_add(pg.max_items).min(all.len());
    let mut x = Xml::new();
    x.open("Tags");
    for t in all.get(start..end).unwrap_or_default() {
        x.open("member")
            .elem("Key", &t.key)
            .elem("Value", &t.value)
            .close("member");
    }
    x.close("Tags");
    let next = (end < all.len()).then(|| end.to_string());
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}
