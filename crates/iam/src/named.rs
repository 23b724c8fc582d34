//! What users, groups and roles share as named, pathed IAM entities: their ARN, AWS's
//! `NoSuchEntity`/`EntityAlreadyExists` wording, looking one up by name only after the caller
//! is authorized, `PathPrefix` listing; and, for users and roles, tags, permissions
//! boundaries and the version-checked delete that releases the boundary's usage count.

use crate::authz::{
    RequestContext, authorize, authorize_with, request_tag_keys, require, resource_tag_keys,
};
use crate::entity_rules::{
    RETRIES, boundary_count_txn, list_with_prefix, merge_tags, remove_tags, resolve_boundary,
    set_boundary, tag_page, validate_name, validate_tag_keys, validate_tags,
};
use crate::{Iam, IamError};
use fedgate_core::{Arn, Principal};
use fedgate_store::model::{Group, Role, Tag, User};
use fedgate_store::{Entity, StoreError, Txn};
use std::future::Future;

/// A user, group or role: `Entity::KIND` is both its ARN resource type and the noun in
/// AWS's messages.
pub trait Named: Entity {
    /// The noun capitalized, as in "Role with name … already exists."
    const TITLE: &'static str;
    /// The request field that names it (`userName`, …) and its length limit on lookups.
    const NAME_FIELD: &'static str;
    const NAME_MAX: usize;
    fn path(&self) -> &str;
    /// Its tags, as `aws:ResourceTag/…` for requests on it (groups have none).
    fn resource_tags(&self) -> &[Tag] {
        &[]
    }
}

/// A user or role: tags and a permissions boundary, and what blocks its deletion.
pub trait Bounded: Named {
    fn tags(&self) -> &[Tag];
    fn tags_mut(&mut self) -> &mut Vec<Tag>;
    fn boundary(&self) -> Option<&str>;
    fn boundary_mut(&mut self) -> &mut Option<String>;
    /// Why `self` cannot be deleted yet (`DeleteConflict`), in the order AWS checks.
    fn delete_conflict(&self, iam: &Iam) -> impl Future<Output = Result<(), IamError>> + Send;
}

macro_rules! named {
    ($t:ty, $title:literal, $field:literal, $max:literal $(, $tags:ident)?) => {
        impl Named for $t {
            const TITLE: &'static str = $title;
            const NAME_FIELD: &'static str = $field;
            const NAME_MAX: usize = $max;
            fn path(&self) -> &str {
                &self.path
            }
            $(
                fn resource_tags(&self) -> &[Tag] {
                    &self.$tags
                }
            )?
        }
    };
}
named!(User, "User", "userName", 128, tags);
named!(Group, "Group", "groupName", 128);
named!(Role, "Role", "roleName", 64, tags);

/// `arn:…:iam::{account}:{kind}{path}{name}`.
pub fn arn_of<T: Named>(partition: &str, e: &T) -> Arn {
    Arn::iam_entity(partition, e.account().as_str(), T::KIND, e.path(), e.name())
}

/// AWS's `NoSuchEntity` for a name.
pub fn no_such<T: Named>(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The {} with name {name} cannot be found.", T::KIND))
}

/// AWS's `EntityAlreadyExists` for a name.
pub fn already_exists<T: Named>(name: &str) -> IamError {
    IamError::EntityAlreadyExists(format!("{} with name {name} already exists.", T::TITLE))
}

/// The entity `name`, once the caller is allowed `action` on it. Authorization comes first
/// (on its ARN, or the ARN it would have at `/`), so an unauthorized caller learns nothing
/// about whether it exists.
pub async fn authorized<T: Named>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<T, IamError> {
    authorized_with::<T>(iam, caller, ctx, action, name, vec![]).await
}

/// [`authorized`] with the action's own condition keys; the entity's tags are added as
/// `aws:ResourceTag/…` and `iam:ResourceTag/…`.
pub async fn authorized_with<T: Named>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    keys: Vec<(String, Vec<String>)>,
) -> Result<T, IamError> {
    authorized_with_entity_keys::<T>(iam, caller, ctx, action, name, keys, |_| vec![]).await
}

/// [`authorized_with`] plus the keys `entity_keys` reads from the entity found (e.g. its
/// permissions boundary), from the same lookup.
pub async fn authorized_with_entity_keys<T: Named>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    mut keys: Vec<(String, Vec<String>)>,
    entity_keys: impl FnOnce(&T) -> Vec<(String, Vec<String>)>,
) -> Result<T, IamError> {
    validate_name(T::NAME_FIELD, name, T::NAME_MAX)?;
    let account = caller.account();
    let found = iam.store.get_entity_by_name::<T>(account, name).await?;
    let arn = match &found {
        Some(e) => {
            keys.extend(resource_tag_keys(e.resource_tags()));
            keys.extend(entity_keys(e));
            arn_of(&iam.partition, e)
        }
        None => Arn::iam_entity(&iam.partition, account.as_str(), T::KIND, "/", name),
    };
    require(authorize_with(iam, caller, action, &arn.to_string(), ctx, &keys).await?)?;
    found.ok_or_else(|| no_such::<T>(name))
}

/// `ListUsers`/`ListGroups`/`ListRoles`: authorized with `action` on `{kind}{prefix}`, then
/// the entities whose path starts with `prefix`, in name order, one page.
pub async fn list_named<T: Named>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    prefix: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, Option<String>), IamError> {
    let account = caller.account();
    let arn = Arn::iam(
        &iam.partition,
        account.as_str(),
        format!("{}{prefix}", T::KIND),
    );
    require(authorize(iam, caller, action, &arn.to_string(), ctx).await?)?;
    list_with_prefix::<T>(iam, account, prefix, T::path, marker, max).await
}

/// Authorizes `action` on entity `name`, then edits it atomically with `f`.
pub async fn edit<T: Named, R>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    f: impl FnMut(&mut T) -> Result<R, IamError> + Send,
) -> Result<R, IamError> {
    edit_with(iam, caller, ctx, action, name, vec![], f).await
}

/// [`edit`] with the action's own condition keys.
pub async fn edit_with<T: Named, R>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    keys: Vec<(String, Vec<String>)>,
    f: impl FnMut(&mut T) -> Result<R, IamError> + Send,
) -> Result<R, IamError> {
    let e = authorized_with::<T>(iam, caller, ctx, action, name, keys).await?;
    iam.store
        .update_entity::<T, _, _, _>(caller.account(), e.id(), f)
        .await?
        .ok_or_else(|| no_such::<T>(name))?
}

/// `TagUser`/`TagRole`: adds or replaces (key regardless of case) tags; at most 50 in all.
pub async fn tag<T: Bounded>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    tags: &[Tag],
) -> Result<(), IamError> {
    validate_tags(tags)?;
    let keys = request_tag_keys(tags);
    edit_with::<T, _>(iam, caller, ctx, action, name, keys, |e| {
        merge_tags(e.tags_mut(), tags)
    })
    .await
}

/// `UntagUser`/`UntagRole`: removes the tags with these keys; unknown keys are ignored.
pub async fn untag<T: Bounded>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    keys: &[&str],
) -> Result<(), IamError> {
    validate_tag_keys(keys)?;
    let tag_keys = vec![(
        "aws:TagKeys".to_owned(),
        keys.iter().map(|k| (*k).to_owned()).collect(),
    )];
    edit_with::<T, _>(iam, caller, ctx, action, name, tag_keys, |e| {
        remove_tags(e.tags_mut(), keys);
        Ok(())
    })
    .await
}

/// `ListUserTags`/`ListRoleTags`: one page of the entity's tags.
pub async fn list_tags<T: Bounded>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Tag>, Option<String>), IamError> {
    let e = authorized::<T>(iam, caller, ctx, action, name).await?;
    Ok(tag_page(e.tags(), marker, max))
}

/// `Put…PermissionsBoundary` (`Some(arn)`) and `Delete…PermissionsBoundary` (`None`), with
/// `actions` = (put, delete).
pub async fn set_permissions_boundary<T: Bounded>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    actions: (&str, &str),
    name: &str,
    boundary: Option<&str>,
) -> Result<(), IamError> {
    let action = if boundary.is_some() {
        actions.0
    } else {
        actions.1
    };
    // iam:PermissionsBoundary: the boundary being set, or (on delete) the one in place.
    let boundary_key = |b: &str| vec![("iam:PermissionsBoundary".to_owned(), vec![b.to_owned()])];
    let keys = boundary.map(boundary_key).unwrap_or_default();
    let e =
        authorized_with_entity_keys::<T>(
            iam,
            caller,
            ctx,
            action,
            name,
            keys,
            |e| match boundary {
                Some(_) => vec![],
                None => e.boundary().map(boundary_key).unwrap_or_default(),
            },
        )
        .await?;
    let account = caller.account();
    if let Some(b) = boundary {
        resolve_boundary(iam, account, b).await?;
    }
    if set_boundary::<T>(iam, account, e.id(), boundary, T::boundary_mut).await? {
        Ok(())
    } else {
        Err(no_such::<T>(name))
    }
}

/// `DeleteUser`/`DeleteRole`: refused while [`Bounded::delete_conflict`] says so. Deletes
/// only the version it checked (so nothing added meanwhile is lost) and releases the
/// boundary's usage count in the same commit.
pub async fn delete_bounded<T: Bounded>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<(), IamError> {
    let found = authorized::<T>(iam, caller, ctx, action, name).await?;
    let account = caller.account();
    for _ in 0..RETRIES {
        let Some((e, version)) = iam
            .store
            .get_entity_versioned::<T>(account, found.id())
            .await?
        else {
            return Err(no_such::<T>(name));
        };
        e.delete_conflict(iam).await?;
        let extra = match e.boundary() {
            Some(b) => boundary_count_txn(iam, account, b, -1).await?,
            None => Txn::new(),
        };
        match iam.store.delete_entity(&e, version, extra).await {
            // Its temporary credentials end with it: every request signed with one checks
            // that its owner still exists (fedgate_sts::resolve::check_owner).
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// `DeleteConflict` with AWS's wording: "Cannot delete entity, must {what} first."
pub fn delete_conflict(what: &str) -> IamError {
    IamError::DeleteConflict(format!("Cannot delete entity, must {what} first."))
}
