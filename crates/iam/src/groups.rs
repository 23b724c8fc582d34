//! IAM groups: CreateGroup, GetGroup (with its members), ListGroups, UpdateGroup, DeleteGroup,
//! and membership: AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
//!
//! Membership lives in two places written in one commit: `User.groups` (group ids, at most
//! 10) and the group's member index `acct/{account}/group/{group_id}/members` (user ids).
//! Adding writes the user and the group record together (`update_pair`), so a group deleted
//! meanwhile cannot gain a member, and a delete that saw no members cannot miss one.

use crate::authz::{RequestContext, authorize, require};
use crate::entity_rules::{AccountQuota, RETRIES, now, validate_name, validate_path};
use crate::named::{self, already_exists, authorized, no_such};
use crate::users::{MAX_GROUPS_PER_USER, authorized_user, no_such_user};
use crate::{Iam, IamError};
use fedgate_core::{AccountId, Arn, Principal, UniqueId, UniqueIdKind};
use fedgate_store::entities::entity_key;
use fedgate_store::model::{Group, User};
use fedgate_store::{StoreError, Txn};

/// The index of a group's members (user ids).
pub fn members_index(account: &AccountId, group_id: &str) -> String {
    format!("acct/{account}/group/{group_id}/members")
}

pub fn group_arn(partition: &str, g: &Group) -> Arn {
    Arn::iam_entity(partition, g.account_id.as_str(), "group", &g.path, &g.name)
}

fn no_such_group(name: &str) -> IamError {
    no_such::<Group>(name)
}

/// The group `name`, once the caller is allowed `action` on it (see [`named::authorized`]).
pub async fn authorized_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<Group, IamError> {
    authorized::<Group>(iam, caller, ctx, action, name).await
}

/// `CreateGroup`.
pub async fn create_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    path: Option<&str>,
) -> Result<Group, IamError> {
    validate_name("groupName", name, 128)?;
    let path = path.unwrap_or("/");
    validate_path("path", path)?;
    let account = caller.account();
    let arn = Arn::iam_entity(&iam.partition, account.as_str(), "group", path, name);
    require(authorize(iam, caller, "iam:CreateGroup", &arn.to_string(), ctx).await?)?;
    let group = Group {
        account_id: account.clone(),
        group_id: UniqueId::generate(UniqueIdKind::Group, iam.rng.as_ref()).0,
        name: name.to_owned(),
        path: path.to_owned(),
        created_at: now(iam),
        attached_policies: vec![],
        inline_policies: Default::default(),
    };
    let quota = AccountQuota {
        name: "GroupsPerAccount",
        max: iam.quotas.groups,
    };
    iam.store
        .create_entity_capped(&group, Txn::new(), quota.max)
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists => already_exists::<Group>(name),
            StoreError::QuotaReached => quota.exceeded(),
            other => other.into(),
        })?;
    Ok(group)
}

/// `GetGroup`: the group and one page of its members (in user-id order; the marker is the
/// last user id returned).
pub async fn get_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Group, Vec<User>, Option<String>), IamError> {
    let group = authorized_group(iam, caller, ctx, "iam:GetGroup", name).await?;
    let account = caller.account();
    let index = members_index(account, &group.group_id);
    let ids = iam.store.index_page(&index, marker, max).await?;
    let mut users = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(u) = iam.store.get_entity::<User>(account, id).await? {
            users.push(u);
        }
    }
    let next = match ids.last() {
        Some(last) if ids.len() == max => {
            let more = iam.store.index_page(&index, Some(last), 1).await?;
            (!more.is_empty()).then(|| last.clone())
        }
        _ => None,
    };
    Ok((group, users, next))
}

/// `ListGroups`: groups whose path starts with `prefix`, in name order, one page.
pub async fn list_groups(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    prefix: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Group>, Option<String>), IamError> {
    named::list_named::<Group>(iam, caller, ctx, "iam:ListGroups", prefix, marker, max).await
}

/// `UpdateGroup`: a new path and/or name; `iam:UpdateGroup` is needed on both ARNs.
/// Membership is by id, so members stay.
pub async fn update_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    new_path: Option<&str>,
    new_name: Option<&str>,
) -> Result<(), IamError> {
    if let Some(p) = new_path {
        validate_path("newPath", p)?;
    }
    if let Some(n) = new_name {
        validate_name("newGroupName", n, 128)?;
    }
    let group = authorized_group(iam, caller, ctx, "iam:UpdateGroup", name).await?;
    let account = caller.account();
    let path = new_path.unwrap_or(&group.path);
    let target = new_name.unwrap_or(&group.name);
    if path != group.path || target != group.name {
        let arn = Arn::iam_entity(&iam.partition, account.as_str(), "group", path, target);
        require(authorize(iam, caller, "iam:UpdateGroup", &arn.to_string(), ctx).await?)?;
    }
    let set_path = |g: &mut Group| {
        if let Some(p) = new_path {
            g.path = p.to_owned();
        }
        Ok::<_, IamError>(((), Txn::new()))
    };
    let done = match new_name {
        Some(n) => iam
            .store
            .rename_entity::<Group, _, _, _>(account, &group.group_id, n, set_path)
            .await
            .map_err(|e| match e {
                StoreError::AlreadyExists => already_exists::<Group>(n),
                other => other.into(),
            })?,
        None => {
            iam.store
                .update_entity_with::<Group, _, _, _>(account, &group.group_id, set_path)
                .await?
        }
    };
    done.ok_or_else(|| no_such_group(name))?
}

/// `DeleteGroup`: refused while it has members, inline or attached policies.
pub async fn delete_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
) -> Result<(), IamError> {
    let group = authorized_group(iam, caller, ctx, "iam:DeleteGroup", name).await?;
    let account = caller.account();
    let conflict =
        |what: &str| IamError::DeleteConflict(format!("Cannot delete entity, must {what} first."));
    for _ in 0..RETRIES {
        let Some((g, version)) = iam
            .store
            .get_entity_versioned::<Group>(account, &group.group_id)
            .await?
        else {
            return Err(no_such_group(name));
        };
        let index = members_index(account, &g.group_id);
        if !iam.store.index_page(&index, None, 1).await?.is_empty() {
            return Err(conflict("remove users from group"));
        }
        if !g.inline_policies.is_empty() {
            return Err(conflict("delete policies"));
        }
        if !g.attached_policies.is_empty() {
            return Err(conflict("detach all policies"));
        }
        match iam.store.delete_entity(&g, version, Txn::new()).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// `AddUserToGroup`: adding a member twice is a no-op; a user is in at most 10 groups.
pub async fn add_user_to_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    group_name: &str,
    user_name: &str,
) -> Result<(), IamError> {
    validate_name("userName", user_name, 128)?;
    let group = authorized_group(iam, caller, ctx, "iam:AddUserToGroup", group_name).await?;
    let account = caller.account();
    let user = iam
        .store
        .get_user_by_name(account, user_name)
        .await?
        .ok_or_else(|| no_such_user(user_name))?;
    let index = members_index(account, &group.group_id);
    let done = iam
        .store
        .update_pair::<User, Group, _, _, _>(
            &entity_key::<User>(account, &user.user_id),
            &entity_key::<Group>(account, &group.group_id),
            |u, g| {
                if u.groups.contains(&g.group_id) {
                    return Ok(((), Txn::new().index_add(&index, &u.user_id)));
                }
                if u.groups.len() >= MAX_GROUPS_PER_USER {
                    return Err(IamError::LimitExceeded(format!(
                        "Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}"
                    )));
                }
                u.groups.push(g.group_id.clone());
                Ok(((), Txn::new().index_add(&index, &u.user_id)))
            },
        )
        .await?;
    match done {
        Some(r) => r,
        // One of them vanished meanwhile: say which.
        None if iam
            .store
            .get_entity::<Group>(account, &group.group_id)
            .await?
            .is_none() =>
        {
            Err(no_such_group(group_name))
        }
        None => Err(no_such_user(user_name)),
    }
}

/// `RemoveUserFromGroup`.
pub async fn remove_user_from_group(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    group_name: &str,
    user_name: &str,
) -> Result<(), IamError> {
    validate_name("userName", user_name, 128)?;
    let group = authorized_group(iam, caller, ctx, "iam:RemoveUserFromGroup", group_name).await?;
    let account = caller.account();
    let user = iam
        .store
        .get_user_by_name(account, user_name)
        .await?
        .ok_or_else(|| no_such_user(user_name))?;
    let index = members_index(account, &group.group_id);
    iam.store
        .update_entity_with::<User, _, _, _>(account, &user.user_id, |u| {
            if !u.groups.contains(&group.group_id) {
                return Err(IamError::NoSuchEntity(format!(
                    "The user with name {user_name} cannot be found in group {group_name}."
                )));
            }
            u.groups.retain(|g| *g != group.group_id);
            Ok(((), Txn::new().index_remove(&index, &u.user_id)))
        })
        .await?
        .ok_or_else(|| no_such_user(user_name))?
}

/// `ListGroupsForUser`: the user's groups in name order, one page (the marker is the
/// lowercased name and id of the last group returned).
pub async fn list_groups_for_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Group>, Option<String>), IamError> {
    let user = authorized_user(iam, caller, ctx, "iam:ListGroupsForUser", user_name).await?;
    let account = caller.account();
    let mut groups = Vec::with_capacity(user.groups.len());
    for id in &user.groups {
        if let Some(g) = iam.store.get_entity::<Group>(account, id).await? {
            groups.push((format!("{}/{}", g.name.to_lowercase(), g.group_id), g));
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let rest: Vec<_> = groups
        .into_iter()
        .filter(|(k, _)| marker.is_none_or(|m| k.as_str() > m))
        .collect();
    let next = (rest.len() > max)
        .then(|| rest.get(max.saturating_sub(1)).map(|(k, _)| k.clone()))
        .flatten();
    Ok((rest.into_iter().take(max).map(|(_, g)| g).collect(), next))
}
