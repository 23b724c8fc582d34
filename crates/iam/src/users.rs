//! IAM users: CreateUser, GetUser, ListUsers, UpdateUser (path and rename), DeleteUser (refused
//! while keys, policies, groups, a login profile or MFA devices remain), tags and permissions
//! boundaries. Every action is authorized on the user's ARN before its existence is revealed.

use crate::authz::{RequestContext, authorize, require};
use crate::entity_rules::{
    self as rules, RETRIES, boundary_count_txn, create_with_boundary, merge_tags, now, remove_tags,
    resolve_boundary, set_boundary, tag_page, validate_name, validate_path, validate_tag_keys,
    validate_tags,
};
use crate::{Iam, IamError};
use fedgate_core::{Arn, Principal, UniqueId, UniqueIdKind};
use fedgate_store::model::{KeyOwner, Tag, User};
use fedgate_store::{StoreError, Txn};

/// AWS's quota of groups per user.
pub const MAX_GROUPS_PER_USER: usize = 10;

/// AWS: 1–64 characters of `[\w+=,.@-]`.
pub fn validate_user_name(name: &str) -> Result<(), IamError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 64"
        )))
    }
}

pub fn user_arn(partition: &str, user: &User) -> Arn {
    Arn::user(partition, user.account_id.as_str(), &user.path, &user.name)
}

/// `GetUser`: the named user, or the caller itself when no name is given.
///
/// The caller is authorized before existence is revealed: an unauthorized caller gets
/// `AccessDenied` whether or not the user exists.
pub async fn get_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
) -> Result<User, IamError> {
    let account = caller.account();
    let name = match (user_name, caller) {
        (Some(n), _) => {
            validate_user_name(n)?;
            n.to_owned()
        }
        (None, Principal::User { name, .. }) => name.clone(),
        (None, Principal::AssumedRole { .. }) => {
            return Err(IamError::Validation(
                "Must specify userName when calling with non-User credentials".into(),
            ));
        }
        (None, Principal::Root { .. }) => {
            // AWS answers GetUser without a name, called by root, with the root "user".
            let resource = Arn::root(caller.partition(), account.as_str()).to_string();
            require(authorize(iam, caller, "iam:GetUser", &resource, ctx).await?)?;
            let acct = iam
                .store
                .get_account(account)
                .await?
                .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?;
            return Ok(User {
                account_id: acct.id.clone(),
                user_id: acct.id.to_string(),
                name: String::new(),
                path: String::new(),
                created_at: acct.created_at,
                tags: vec![],
                permissions_boundary: None,
                attached_policies: vec![],
                inline_policies: Default::default(),
                groups: vec![],
                login_profile: None,
                mfa_devices: vec![],
                password_last_used: None,
            });
        }
    };
    let found = iam.store.get_user_by_name(account, &name).await?;
    let resource = match &found {
        Some(u) => user_arn(caller.partition(), u),
        None => Arn::user(caller.partition(), account.as_str(), "/", &name),
    };
    require(authorize(iam, caller, "iam:GetUser", &resource.to_string(), ctx).await?)?;
    found.ok_or_else(|| {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    })
}

/// AWS's `NoSuchEntity` for a user name.
pub fn no_such_user(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
}

fn already_exists(name: &str) -> IamError {
    IamError::EntityAlreadyExists(format!("User with name {name} already exists."))
}

/// The user `name`, once the caller is allowed `action` on it. Authorization comes first
/// (on the user's ARN, or the ARN it would have at `/`), so an unauthorized caller learns
/// nothing about whether the user exists.
pub async fn authorized_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<User, IamError> {
    validate_name("userName", name, 128)?;
    let account = caller.account();
    let found = iam.store.get_user_by_name(account, name).await?;
    let arn = match &found {
        Some(u) => user_arn(&iam.partition, u),
        None => Arn::user(&iam.partition, account.as_str(), "/", name),
    };
    require(authorize(iam, caller, action, &arn.to_string(), ctx).await?)?;
    found.ok_or_else(|| no_such_user(name))
}

/// A `CreateUser` request.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub name: String,
    pub path: Option<String>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

/// `CreateUser`: names are unique in the account regardless of case; tags need `iam:TagUser`
/// too; the boundary must name an existing managed policy.
pub async fn create_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: NewUser,
) -> Result<User, IamError> {
    validate_name("userName", &req.name, 64)?;
    let path = req.path.unwrap_or_else(|| "/".into());
    validate_path("path", &path)?;
    validate_tags(&req.tags)?;
    let account = caller.account();
    let arn = Arn::user(&iam.partition, account.as_str(), &path, &req.name).to_string();
    require(authorize(iam, caller, "iam:CreateUser", &arn, ctx).await?)?;
    if !req.tags.is_empty() {
        require(authorize(iam, caller, "iam:TagUser", &arn, ctx).await?)?;
    }
    if let Some(b) = &req.permissions_boundary {
        resolve_boundary(iam, account, b).await?;
    }
    let user = User {
        account_id: account.clone(),
        user_id: UniqueId::generate(UniqueIdKind::User, iam.rng.as_ref()).0,
        name: req.name,
        path,
        created_at: now(iam),
        tags: req.tags,
        permissions_boundary: req.permissions_boundary,
        attached_policies: vec![],
        inline_policies: Default::default(),
        groups: vec![],
        login_profile: None,
        mfa_devices: vec![],
        password_last_used: None,
    };
    create_with_boundary(iam, &user, user.permissions_boundary.as_deref(), || {
        already_exists(&user.name)
    })
    .await?;
    Ok(user)
}

/// `ListUsers`: users whose path starts with `prefix`, in name order, one page.
pub async fn list_users(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    prefix: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<User>, Option<String>), IamError> {
    let account = caller.account();
    let arn = Arn::iam(&iam.partition, account.as_str(), format!("user{prefix}"));
    require(authorize(iam, caller, "iam:ListUsers", &arn.to_string(), ctx).await?)?;
    rules::list_with_prefix::<User>(iam, account, prefix, |u| &u.path, marker, max).await
}

/// `UpdateUser`: a new path and/or a new name (free regardless of case). The caller needs
/// `iam:UpdateUser` on both the current and the new ARN, as AWS requires.
pub async fn update_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    new_path: Option<&str>,
    new_name: Option<&str>,
) -> Result<User, IamError> {
    if let Some(p) = new_path {
        validate_path("newPath", p)?;
    }
    if let Some(n) = new_name {
        validate_name("newUserName", n, 64)?;
    }
    let user = authorized_user(iam, caller, ctx, "iam:UpdateUser", name).await?;
    let account = caller.account();
    let path = new_path.unwrap_or(&user.path);
    let target = new_name.unwrap_or(&user.name);
    if path != user.path || target != user.name {
        let arn = Arn::user(&iam.partition, account.as_str(), path, target).to_string();
        require(authorize(iam, caller, "iam:UpdateUser", &arn, ctx).await?)?;
    }
    let set_path = |u: &mut User| {
        if let Some(p) = new_path {
            u.path = p.to_owned();
        }
        Ok::<_, IamError>((u.clone(), Txn::new()))
    };
    let done = match new_name {
        Some(n) => iam
            .store
            .rename_entity::<User, _, _, _>(account, &user.user_id, n, set_path)
            .await
            .map_err(|e| match e {
                StoreError::AlreadyExists => already_exists(n),
                other => other.into(),
            })?,
        None => {
            iam.store
                .update_entity_with::<User, _, _, _>(account, &user.user_id, set_path)
                .await?
        }
    };
    let mut updated = done.ok_or_else(|| no_such_user(name))??;
    if let Some(n) = new_name {
        n.clone_into(&mut updated.name);
    }
    Ok(updated)
}

/// Why `u` cannot be deleted yet, in the order AWS checks (`DeleteConflict`).
async fn delete_conflict(iam: &Iam, u: &User) -> Result<(), IamError> {
    let conflict = |what: &str| {
        Err(IamError::DeleteConflict(format!(
            "Cannot delete entity, must {what} first."
        )))
    };
    if u.login_profile.is_some() {
        return conflict("delete login profile");
    }
    let owner = KeyOwner::User {
        user_id: u.user_id.clone(),
        user_name: u.name.clone(),
    };
    if !iam
        .store
        .list_access_keys(&u.account_id, &owner)
        .await?
        .is_empty()
    {
        return conflict("delete access keys");
    }
    if !u.mfa_devices.is_empty() {
        return conflict("delete MFA device");
    }
    if !u.inline_policies.is_empty() {
        return conflict("delete policies");
    }
    if !u.attached_policies.is_empty() {
        return conflict("detach all policies");
    }
    if !u.groups.is_empty() {
        return conflict("remove user from all groups");
    }
    Ok(())
}

/// `DeleteUser`: refused while the user has access keys, policies, groups, a login profile
/// or MFA devices. Deletes only the version it checked, so nothing added meanwhile is lost.
pub async fn delete_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
) -> Result<(), IamError> {
    let user = authorized_user(iam, caller, ctx, "iam:DeleteUser", name).await?;
    let account = caller.account();
    for _ in 0..RETRIES {
        let Some((u, version)) = iam
            .store
            .get_entity_versioned::<User>(account, &user.user_id)
            .await?
        else {
            return Err(no_such_user(name));
        };
        delete_conflict(iam, &u).await?;
        let extra = match &u.permissions_boundary {
            Some(b) => boundary_count_txn(iam, account, b, -1).await?,
            None => Txn::new(),
        };
        match iam.store.delete_entity(&u, version, extra).await {
            Ok(()) => {
                // Its temporary credentials end with it.
                iam.store.end_sessions(account, &u.user_id).await?;
                return Ok(());
            }
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// `TagUser`: adds or replaces (key regardless of case) tags; at most 50 in all.
pub async fn tag_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    tags: &[Tag],
) -> Result<(), IamError> {
    validate_tags(tags)?;
    let user = authorized_user(iam, caller, ctx, "iam:TagUser", name).await?;
    iam.store
        .update_entity::<User, _, _, _>(caller.account(), &user.user_id, |u| {
            merge_tags(&mut u.tags, tags)
        })
        .await?
        .ok_or_else(|| no_such_user(name))?
}

/// `UntagUser`: removes the tags with these keys; unknown keys are ignored.
pub async fn untag_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    keys: &[&str],
) -> Result<(), IamError> {
    validate_tag_keys(keys)?;
    let user = authorized_user(iam, caller, ctx, "iam:UntagUser", name).await?;
    iam.store
        .update_entity::<User, _, _, _>(caller.account(), &user.user_id, |u| {
            remove_tags(&mut u.tags, keys);
            Ok::<_, IamError>(())
        })
        .await?
        .ok_or_else(|| no_such_user(name))?
}

/// `ListUserTags`: one page of the user's tags.
pub async fn list_user_tags(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Tag>, Option<String>), IamError> {
    let user = authorized_user(iam, caller, ctx, "iam:ListUserTags", name).await?;
    Ok(tag_page(&user.tags, marker, max))
}

/// `PutUserPermissionsBoundary` (`Some(arn)`) and `DeleteUserPermissionsBoundary` (`None`).
pub async fn set_user_permissions_boundary(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    boundary: Option<&str>,
) -> Result<(), IamError> {
    let action = if boundary.is_some() {
        "iam:PutUserPermissionsBoundary"
    } else {
        "iam:DeleteUserPermissionsBoundary"
    };
    let user = authorized_user(iam, caller, ctx, action, name).await?;
    let account = caller.account();
    if let Some(b) = boundary {
        resolve_boundary(iam, account, b).await?;
    }
    let found = set_boundary::<User>(iam, account, &user.user_id, boundary, |u| {
        &mut u.permissions_boundary
    })
    .await?;
    if found {
        Ok(())
    } else {
        Err(no_such_user(name))
    }
}
