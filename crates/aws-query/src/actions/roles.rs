//! IAM role actions: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
//! UpdateAssumeRolePolicy, DeleteRole, TagRole, UntagRole, ListRoleTags,
//! PutRolePermissionsBoundary, DeleteRolePermissionsBoundary.

use super::shapes::{page, page_end, path_prefix, tag_keys, tag_params, tags, url_encoded};
use super::users::tag_list;
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::roles::{self, NewRole};
use fedgate_store::model::Role;

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateRole", Iam, Write, create_role),
    action!("GetRole", Iam, Read, get_role),
    action!("ListRoles", Iam, Read, list_roles),
    action!("UpdateRole", Iam, Write, update_role),
    action!("UpdateRoleDescription", Iam, Write, update_role_description),
    action!(
        "UpdateAssumeRolePolicy",
        Iam,
        Write,
        update_assume_role_policy
    ),
    action!("DeleteRole", Iam, Write, delete_role),
    action!("TagRole", Iam, Write, tag_role),
    action!("UntagRole", Iam, Write, untag_role),
    action!("ListRoleTags", Iam, Read, list_role_tags),
    action!(
        "PutRolePermissionsBoundary",
        Iam,
        Write,
        put_role_permissions_boundary
    ),
    action!(
        "DeleteRolePermissionsBoundary",
        Iam,
        Write,
        delete_role_permissions_boundary
    ),
];

/// The body of a `Role` element. ListRoles (`full` false) leaves out PermissionsBoundary,
/// Tags and RoleLastUsed, as AWS does.
fn role_fields(x: &mut Xml, partition: &str, r: &Role, full: bool) {
    x.elem("Path", &r.path)
        .elem("RoleName", &r.name)
        .elem("RoleId", &r.role_id)
        .elem("Arn", &roles::role_arn(partition, r).to_string())
        .elem("CreateDate", &r.created_at)
        .elem(
            "AssumeRolePolicyDocument",
            &url_encoded(&r.assume_role_policy),
        )
        .opt("Description", r.description.as_deref())
        .elem("MaxSessionDuration", &r.max_session_duration.to_string());
    if !full {
        return;
    }
    if let Some(b) = &r.permissions_boundary {
        x.open("PermissionsBoundary")
            .elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
            .elem("PermissionsBoundaryArn", b)
            .close("PermissionsBoundary");
    }
    tags(x, &r.tags);
    x.open("RoleLastUsed");
    if let Some((date, region)) = &r.last_used {
        x.elem("LastUsedDate", date).elem("Region", region);
    }
    x.close("RoleLastUsed");
}

fn role_result(partition: &str, r: &Role) -> String {
    let mut x = Xml::new();
    x.open("Role");
    role_fields(&mut x, partition, r, true);
    x.close("Role");
    x.into_string()
}

/// `MaxSessionDuration` as a number (range checked by the iam crate).
fn max_session(params: &Params) -> Result<Option<u32>, ApiError> {
    params
        .get("MaxSessionDuration")
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                ApiError::validation(format!(
                    "1 validation error detected: Value '{v}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"
                ))
            })
        })
        .transpose()
}

async fn create_role(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = NewRole {
        name: required(p, "RoleName")?.to_owned(),
        path: p.get("Path").map(str::to_owned),
        assume_role_policy: required(p, "AssumeRolePolicyDocument")?.to_owned(),
        description: p.get("Description").map(str::to_owned),
        max_session_duration: max_session(p)?,
        permissions_boundary: p.get("PermissionsBoundary").map(str::to_owned),
        tags: tag_params(p),
    };
    let role = roles::create_role(c.iam, c.caller, c.ctx, req).await?;
    Ok(role_result(&c.iam.partition, &role))
}

async fn get_role(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let role = roles::get_role(c.iam, c.caller, c.ctx, name).await?;
    Ok(role_result(&c.iam.partition, &role))
}

async fn list_roles(c: &Call<'_>) -> Result<String, ApiError> {
    let pg = page(c.params)?;
    let prefix = path_prefix(c.params)?;
    let (list, next) =
        roles::list_roles(c.iam, c.caller, c.ctx, prefix, pg.marker, pg.max_items).await?;
    let mut x = Xml::new();
    x.open("Roles");
    for r in &list {
        x.open("member");
        role_fields(&mut x, &c.iam.partition, r, false);
        x.close("member");
    }
    x.close("Roles");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

async fn update_role(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let name = required(p, "RoleName")?;
    let max = max_session(p)?;
    roles::update_role(c.iam, c.caller, c.ctx, name, p.get("Description"), max).await?;
    Ok(String::new())
}

async fn update_role_description(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let d = required(c.params, "Description")?;
    let role = roles::update_role_description(c.iam, c.caller, c.ctx, name, d).await?;
    Ok(role_result(&c.iam.partition, &role))
}

async fn update_assume_role_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let doc = required(c.params, "PolicyDocument")?;
    roles::update_assume_role_policy(c.iam, c.caller, c.ctx, name, doc).await?;
    Ok(String::new())
}

async fn delete_role(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    roles::delete_role(c.iam, c.caller, c.ctx, name).await?;
    Ok(String::new())
}

async fn tag_role(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let t = tag_params(c.params);
    if t.is_empty() {
        return Err(ApiError::missing_parameter("Tags"));
    }
    roles::tag_role(c.iam, c.caller, c.ctx, name, &t).await?;
    Ok(String::new())
}

async fn untag_role(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let keys = tag_keys(c.params);
    if keys.is_empty() {
        return Err(ApiError::missing_parameter("TagKeys"));
    }
    roles::untag_role(c.iam, c.caller, c.ctx, name, &keys).await?;
    Ok(String::new())
}

async fn list_role_tags(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let pg = page(c.params)?;
    let (t, next) =
        roles::list_role_tags(c.iam, c.caller, c.ctx, name, pg.marker, pg.max_items).await?;
    Ok(tag_list(&t, next.as_deref()))
}

async fn put_role_permissions_boundary(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    let arn = required(c.params, "PermissionsBoundary")?;
    roles::set_role_permissions_boundary(c.iam, c.caller, c.ctx, name, Some(arn)).await?;
    Ok(String::new())
}

async fn delete_role_permissions_boundary(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "RoleName")?;
    roles::set_role_permissions_boundary(c.iam, c.caller, c.ctx, name, None).await?;
    Ok(String::new())
}
