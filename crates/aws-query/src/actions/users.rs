//! IAM user actions: CreateUser, ListUsers, UpdateUser, DeleteUser, TagUser, UntagUser,
//! ListUserTags, PutUserPermissionsBoundary, DeleteUserPermissionsBoundary (GetUser is in
//! get_user).

use super::shapes::{page, page_end, path_prefix, tag_keys, tag_params, user_fields};
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::users::{self, NewUser};
use fedgate_store::model::{KeyOwner, Tag};

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateUser", Iam, Write, create_user),
    action!("ListUsers", Iam, Read, list_users),
    action!("UpdateUser", Iam, Write, update_user),
    action!("DeleteUser", Iam, Write, delete_user),
    action!("TagUser", Iam, Write, tag_user),
    action!("UntagUser", Iam, Write, untag_user),
    action!("ListUserTags", Iam, Read, list_user_tags),
    action!(
        "PutUserPermissionsBoundary",
        Iam,
        Write,
        put_user_permissions_boundary
    ),
    action!(
        "DeleteUserPermissionsBoundary",
        Iam,
        Write,
        delete_user_permissions_boundary
    ),
];

async fn create_user(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = NewUser {
        name: required(p, "UserName")?.to_owned(),
        path: p.get("Path").map(str::to_owned),
        permissions_boundary: p.get("PermissionsBoundary").map(str::to_owned),
        tags: tag_params(p),
    };
    let user = users::create_user(c.iam, c.caller, c.ctx, req).await?;
    let mut x = Xml::new();
    x.open("User");
    user_fields(&mut x, &c.iam.partition, &user, true);
    x.close("User");
    Ok(x.into_string())
}

async fn list_users(c: &Call<'_>) -> Result<String, ApiError> {
    let pg = page(c.params)?;
    let prefix = path_prefix(c.params)?;
    let (list, next) =
        users::list_users(c.iam, c.caller, c.ctx, prefix, pg.marker, pg.max_items).await?;
    let mut x = Xml::new();
    x.open("Users");
    for u in &list {
        // AWS's ListUsers leaves out PermissionsBoundary and Tags.
        x.open("member");
        user_fields(&mut x, &c.iam.partition, u, false);
        x.close("member");
    }
    x.close("Users");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

async fn update_user(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let name = required(p, "UserName")?;
    let new_name = p.get("NewUserName");
    let user = users::update_user(c.iam, c.caller, c.ctx, name, p.get("NewPath"), new_name).await?;
    if new_name.is_some() {
        // Cached principals of the user's keys carry the old name: drop them.
        let owner = KeyOwner::User {
            user_id: user.user_id.clone(),
            user_name: user.name.clone(),
        };
        if let Ok(keys) = c.iam.store.list_access_keys(&user.account_id, &owner).await {
            for k in keys {
                c.auth.forget_key(k.access_key_id.as_str());
            }
        }
    }
    Ok(String::new())
}

async fn delete_user(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "UserName")?;
    users::delete_user(c.iam, c.caller, c.ctx, name).await?;
    Ok(String::new())
}

async fn tag_user(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "UserName")?;
    let tags = tag_params(c.params);
    if tags.is_empty() {
        return Err(ApiError::missing_parameter("Tags"));
    }
    users::tag_user(c.iam, c.caller, c.ctx, name, &tags).await?;
    Ok(String::new())
}

async fn untag_user(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "UserName")?;
    let keys = tag_keys(c.params);
    if keys.is_empty() {
        return Err(ApiError::missing_parameter("TagKeys"));
    }
    users::untag_user(c.iam, c.caller, c.ctx, name, &keys).await?;
    Ok(String::new())
}

async fn list_user_tags(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "UserName")?;
    let pg = page(c.params)?;
    let (tags, next) =
        users::list_user_tags(c.iam, c.caller, c.ctx, name, pg.marker, pg.max_items).await?;
    Ok(tag_list(&tags, next.as_deref()))
}

/// The result of List*Tags: `Tags` (always present, possibly empty), `IsTruncated`, `Marker`.
pub(crate) fn tag_list(tags: &[Tag], next: Option<&str>) -> String {
    let mut x = Xml::new();
    x.open("Tags");
    for t in tags {
        x.open("member")
            .elem("Key", &t.key)
            .elem("Value", &t.value)
            .close("member");
    }
    x.close("Tags");
    page_end(&mut x, next);
    x.into_string()
}

async fn put_user_permissions_boundary(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "UserName")?;
    let arn = required(c.params, "PermissionsBoundary")?;
    users::set_user_permissions_boundary(c.iam, c.caller, c.ctx, name, Some(arn)).await?;
    Ok(String::new())
}

async fn delete_user_permissions_boundary(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "UserName")?;
    users::set_user_permissions_boundary(c.iam, c.caller, c.ctx, name, None).await?;
    Ok(String::new())
}
