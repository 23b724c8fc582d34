//! IAM users: CreateUser, GetUser, ListUsers, UpdateUser (path and rename), DeleteUser (refused
//! while keys, policies, groups, a login profile or MFA devices remain), tags and permissions
//! boundaries. Every action is authorized on the user's ARN before its existence is revealed.

use crate::authz::{RequestContext, authorize, require};
use crate::entity_rules::{
    AccountQuota, create_with_boundary, now, resolve_boundary, validate_name, validate_path,
    validate_tags,
};
use crate::named::{self, Bounded, already_exists, authorized, delete_conflict, no_such};
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
        (None, Principal::AssumedRole { .. } | Principal::FederatedUser { .. }) => {
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
    // The caller itself is found by its id: a name can have moved to another user since
    // the caller's key was resolved.
    let found = match caller {
        Principal::User { user_id, .. } if user_name.is_none() => {
            iam.store.get_user(account, user_id).await?
        }
        _ => iam.store.get_user_by_name(account, &name).await?,
    };
    authorize_on_user(iam, caller, ctx, "iam:GetUser", found.as_ref(), &name).await?;
    found.ok_or_else(|| {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    })
}

/// Authorizes `action` on a user the caller named (`found`, or only its `name` when there is
/// no such user, so that an unauthorized caller learns nothing of whether it exists), with the
/// user's tags as `aws:ResourceTag/*` and `iam:ResourceTag/*`.
pub(crate) async fn authorize_on_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    found: Option<&User>,
    name: &str,
) -> Result<(), IamError> {
    let (resource, keys) = match found {
        Some(u) => (
            user_arn(caller.partition(), u),
            crate::authz::resource_tag_keys(&u.tags),
        ),
        None => (
            Arn::user(caller.partition(), caller.account().as_str(), "/", name),
            vec![],
        ),
    };
    require(
        crate::authz::authorize_with(iam, caller, action, &resource.to_string(), ctx, &keys)
            .await?,
    )
}

/// AWS's `NoSuchEntity` for a user name.
pub fn no_such_user(name: &str) -> IamError {
    no_such::<User>(name)
}

/// The user `name`, once the caller is allowed `action` on it (see [`named::authorized`]).
pub async fn authorized_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<User, IamError> {
    authorized::<User>(iam, caller, ctx, action, name).await
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
    // The request's tags and boundary are condition keys of the create (and of the tag
    // permission it also needs when tags are given).
    let mut keys = crate::authz::request_tag_keys(&req.tags);
    if let Some(b) = &req.permissions_boundary {
        keys.push(("iam:PermissionsBoundary".to_owned(), vec![b.clone()]));
    }
    require(crate::authz::authorize_with(iam, caller, "iam:CreateUser", &arn, ctx, &keys).await?)?;
    if !req.tags.is_empty() {
        let tag_keys = crate::authz::request_tag_keys(&req.tags);
        require(
            crate::authz::authorize_with(iam, caller, "iam:TagUser", &arn, ctx, &tag_keys).await?,
        )?;
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
    let quota = AccountQuota {
        name: "UsersPerAccount",
        max: iam.quotas.users,
    };
    create_with_boundary(
        iam,
        &user,
        user.permissions_boundary.as_deref(),
        quota,
        || already_exists::<User>(&user.name),
    )
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
    named::list_named::<User>(iam, caller, ctx, "iam:ListUsers", prefix, marker, max).await
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
                StoreError::AlreadyExists => already_exists::<User>(n),
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

impl Bounded for User {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
    fn tags_mut(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
    fn boundary(&self) -> Option<&str> {
        self.permissions_boundary.as_deref()
    }
    fn boundary_mut(&mut self) -> &mut Option<String> {
        &mut self.permissions_boundary
    }
    /// A login profile, access keys, MFA devices, policies or groups, in AWS's order.
    async fn delete_conflict(&self, iam: &Iam) -> Result<(), IamError> {
        if self.login_profile.is_some() {
            return Err(delete_conflict("delete login profile"));
        }
        let owner = KeyOwner::User {
            user_id: self.user_id.clone(),
            user_name: self.name.clone(),
        };
        if !iam
            .store
            .list_access_keys(&self.account_id, &owner)
            .await?
            .is_empty()
        {
            return Err(delete_conflict("delete access keys"));
        }
        if !self.mfa_devices.is_empty() {
            return Err(delete_conflict("delete MFA device"));
        }
        if !self.inline_policies.is_empty() {
            return Err(delete_conflict("delete policies"));
        }
        if !self.attached_policies.is_empty() {
            return Err(delete_conflict("detach all policies"));
        }
        if !self.groups.is_empty() {
            return Err(delete_conflict("remove user from all groups"));
        }
        Ok(())
    }
}

/// `DeleteUser`: refused while the user has access keys, policies, groups, a login profile
/// or MFA devices. Deletes only the version it checked, so nothing added meanwhile is lost.
pub async fn delete_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
) -> Result<(), IamError> {
    named::delete_bounded::<User>(iam, caller, ctx, "iam:DeleteUser", name).await
}

/// `TagUser`: adds or replaces (key regardless of case) tags; at most 50 in all.
pub async fn tag_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    tags: &[Tag],
) -> Result<(), IamError> {
    named::tag::<User>(iam, caller, ctx, "iam:TagUser", name, tags).await
}

/// `UntagUser`: removes the tags with these keys; unknown keys are ignored.
pub async fn untag_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    keys: &[&str],
) -> Result<(), IamError> {
    named::untag::<User>(iam, caller, ctx, "iam:UntagUser", name, keys).await
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
    named::list_tags::<User>(iam, caller, ctx, "iam:ListUserTags", name, marker, max).await
}

/// `PutUserPermissionsBoundary` (`Some(arn)`) and `DeleteUserPermissionsBoundary` (`None`).
pub async fn set_user_permissions_boundary(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    boundary: Option<&str>,
) -> Result<(), IamError> {
    let actions = (
        "iam:PutUserPermissionsBoundary",
        "iam:DeleteUserPermissionsBoundary",
    );
    named::set_permissions_boundary::<User>(iam, caller, ctx, actions, name, boundary).await
}
