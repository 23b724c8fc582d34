//! IAM group actions: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
//! AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.

use super::shapes::{page, page_end, path_prefix, user_fields};
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::groups;
use fedgate_store::model::Group;

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateGroup", Iam, Write, create_group),
    action!("GetGroup", Iam, Read, get_group),
    action!("ListGroups", Iam, Read, list_groups),
    action!("UpdateGroup", Iam, Write, update_group),
    action!("DeleteGroup", Iam, Write, delete_group),
    action!("AddUserToGroup", Iam, Write, add_user_to_group),
    action!("RemoveUserFromGroup", Iam, Write, remove_user_from_group),
    action!("ListGroupsForUser", Iam, Read, list_groups_for_user),
];

/// The body of a `Group` element: `Path`, `GroupName`, `GroupId`, `Arn`, `CreateDate`.
fn group_fields(x: &mut Xml, partition: &str, g: &Group) {
    x.elem("Path", &g.path)
        .elem("GroupName", &g.name)
        .elem("GroupId", &g.group_id)
        .elem("Arn", &groups::group_arn(partition, g).to_string())
        .elem("CreateDate", &g.created_at);
}

/// `<Groups>` with one member per group, then the paging elements.
fn group_list(partition: &str, list: &[Group], next: Option<&str>) -> String {
    let mut x = Xml::new();
    x.open("Groups");
    for g in list {
        x.open("member");
        group_fields(&mut x, partition, g);
        x.close("member");
    }
    x.close("Groups");
    page_end(&mut x, next);
    x.into_string()
}

async fn create_group(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "GroupName")?;
    let g = groups::create_group(c.iam, c.caller, c.ctx, name, c.params.get("Path")).await?;
    let mut x = Xml::new();
    x.open("Group");
    group_fields(&mut x, &c.iam.partition, &g);
    x.close("Group");
    Ok(x.into_string())
}

async fn get_group(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "GroupName")?;
    let pg = page(c.params)?;
    let (g, users, next) =
        groups::get_group(c.iam, c.caller, c.ctx, name, pg.marker, pg.max_items).await?;
    let mut x = Xml::new();
    x.open("Group");
    group_fields(&mut x, &c.iam.partition, &g);
    x.close("Group").open("Users");
    for u in &users {
        x.open("member");
        user_fields(&mut x, &c.iam.partition, u, false);
        x.close("member");
    }
    x.close("Users");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

async fn list_groups(c: &Call<'_>) -> Result<String, ApiError> {
    let pg = page(c.params)?;
    let prefix = path_prefix(c.params)?;
    let (list, next) =
        groups::list_groups(c.iam, c.caller, c.ctx, prefix, pg.marker, pg.max_items).await?;
    Ok(group_list(&c.iam.partition, &list, next.as_deref()))
}

async fn update_group(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let name = required(p, "GroupName")?;
    groups::update_group(
        c.iam,
        c.caller,
        c.ctx,
        name,
        p.get("NewPath"),
        p.get("NewGroupName"),
    )
    .await?;
    Ok(String::new())
}

async fn delete_group(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "GroupName")?;
    groups::delete_group(c.iam, c.caller, c.ctx, name).await?;
    Ok(String::new())
}

async fn add_user_to_group(c: &Call<'_>) -> Result<String, ApiError> {
    let group = required(c.params, "GroupName")?;
    let user = required(c.params, "UserName")?;
    groups::add_user_to_group(c.iam, c.caller, c.ctx, group, user).await?;
    Ok(String::new())
}

async fn remove_user_from_group(c: &Call<'_>) -> Result<String, ApiError> {
    let group = required(c.params, "GroupName")?;
    let user = required(c.params, "UserName")?;
    groups::remove_user_from_group(c.iam, c.caller, c.ctx, group, user).await?;
    Ok(String::new())
}

async fn list_groups_for_user(c: &Call<'_>) -> Result<String, ApiError> {
    let user = required(c.params, "UserName")?;
    let pg = page(c.params)?;
    let (list, next) =
        groups::list_groups_for_user(c.iam, c.caller, c.ctx, user, pg.marker, pg.max_items).await?;
    Ok(group_list(&c.iam.partition, &list, next.as_deref()))
}
