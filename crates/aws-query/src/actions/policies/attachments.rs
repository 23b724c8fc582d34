//! `Attach{User,Group,Role}Policy`, `Detach{User,Group,Role}Policy`,
//! `ListAttached{User,Group,Role}Policies` and `ListEntitiesForPolicy`.

use super::super::shapes::{page, page_end, path_prefix};
use super::super::{Call, required};
use super::usage_filter;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::policies::attach::{self as pa, ListEntities};
use fedgate_iam::policies::{Holder, HolderKind};

fn holder_param<T: Holder>() -> String {
    format!("{}Name", T::HOLDER.title())
}

pub async fn attach<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, &holder_param::<T>())?;
    let arn = required(c.params, "PolicyArn")?;
    pa::attach::<T>(c.iam, c.caller, c.ctx, name, arn).await?;
    Ok(String::new())
}

pub async fn detach<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, &holder_param::<T>())?;
    let arn = required(c.params, "PolicyArn")?;
    pa::detach::<T>(c.iam, c.caller, c.ctx, name, arn).await?;
    Ok(String::new())
}

pub async fn list_attached<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, &holder_param::<T>())?;
    let prefix = path_prefix(c.params)?;
    let pg = page(c.params)?;
    let (items, next) = pa::list_attached::<T>(
        c.iam,
        c.caller,
        c.ctx,
        name,
        prefix,
        pg.marker,
        pg.max_items,
    )
    .await?;
    let mut x = Xml::new();
    x.open("AttachedPolicies");
    for p in &items {
        x.open("member")
            .elem("PolicyName", &p.name)
            .elem("PolicyArn", &p.arn)
            .close("member");
    }
    x.close("AttachedPolicies");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

pub async fn list_entities_for_policy(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let arn = required(p, "PolicyArn")?;
    let filter = match p.get("EntityFilter") {
        None | Some("LocalManagedPolicy") | Some("AWSManagedPolicy") => None,
        Some("User") => Some(HolderKind::User),
        Some("Group") => Some(HolderKind::Group),
        Some("Role") => Some(HolderKind::Role),
        Some(v) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{v}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]"
            )));
        }
    };
    let pg = page(p)?;
    let req = ListEntities {
        filter,
        path_prefix: path_prefix(p)?.to_owned(),
        usage: usage_filter(p)?,
        marker: pg.marker.map(str::to_owned),
        max_items: pg.max_items,
    };
    let (items, next) = pa::list_entities_for_policy(c.iam, c.caller, c.ctx, arn, &req).await?;
    let mut x = Xml::new();
    for (kind, list, name_tag, id_tag) in [
        (HolderKind::Group, "PolicyGroups", "GroupName", "GroupId"),
        (HolderKind::User, "PolicyUsers", "UserName", "UserId"),
        (HolderKind::Role, "PolicyRoles", "RoleName", "RoleId"),
    ] {
        x.open(list);
        for e in items.iter().filter(|e| e.kind == kind) {
            x.open("member")
                .elem(name_tag, &e.name)
                .elem(id_tag, &e.id)
                .close("member");
        }
        x.close(list);
    }
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}
