//! Attaching managed policies to users, groups and roles: `Attach*Policy`, `Detach*Policy`,
//! `ListAttached*Policies`, `ListEntitiesForPolicy`.
//!
//! Every attach or detach writes, in one transaction, the entity (its list of policy ARNs,
//! with the per-entity quota checked there), the policy's usage counter and the policy's
//! reverse index of entities. Customer policies count in their own record
//! (`ManagedPolicy.attachment_count`); AWS-managed policies count per account in
//! `acct/{account}/awspolicy/{name}` ([`AwsPolicyUsage`]). Reverse indexes:
//! `acct/{account}/policy/{policy_id}/entities` and `acct/{account}/awspolicy/{name}/entities`,
//! members `user/{id}`, `group/{id}`, `role/{id}`.

use super::managed::{UsageFilter, find_policy};
use super::{Holder, HolderKind, MAX_ATTACHED, find_holder, holder_key, page_by_key};
use crate::authz::RequestContext;
use crate::policy_ref::PolicyRef;
use crate::{Iam, IamError};
use fedgate_core::{AccountId, Principal};
use fedgate_store::entities::entity_key;
use fedgate_store::model::{Group, ManagedPolicy, Role, User};
use fedgate_store::{StoreError, Txn};
use serde::{Deserialize, Serialize};

/// How an AWS-managed policy is used in one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsPolicyUsage {
    #[serde(default)]
    pub attachment_count: u32,
    #[serde(default)]
    pub boundary_usage_count: u32,
}

/// The record key of an AWS-managed policy's usage in `account`.
pub fn aws_usage_key(account: &AccountId, name: &str) -> String {
    format!("acct/{account}/awspolicy/{name}")
}

/// The reverse index of the entities a policy is attached to.
pub fn entities_index(account: &AccountId, policy: &PolicyRef, iam: &Iam) -> String {
    match policy {
        PolicyRef::Customer(p) => format!("acct/{account}/policy/{}/entities", p.policy_id),
        PolicyRef::Aws(arn) => {
            let name = iam.managed.meta(arn).map(|m| m.name).unwrap_or_default();
            format!("{}/entities", aws_usage_key(account, name))
        }
    }
}

/// The usage of AWS-managed policy `name` in `account` (zero when never attached).
pub async fn aws_usage(
    iam: &Iam,
    account: &AccountId,
    name: &str,
) -> Result<AwsPolicyUsage, IamError> {
    Ok(iam
        .store
        .get_json::<AwsPolicyUsage>(&aws_usage_key(account, name))
        .await?
        .map(|(u, _)| u)
        .unwrap_or_default())
}

/// Creates the usage record if it does not exist yet (so that it can be updated as a pair).
async fn ensure_usage(iam: &Iam, key: &str) -> Result<(), IamError> {
    let body = serde_json::to_vec(&AwsPolicyUsage::default())
        .map_err(|e| IamError::Store(StoreError::corrupt(e)))?;
    match iam
        .store
        .backend()
        .commit(Txn::new().check_absent(key).put(key, body))
        .await
    {
        Ok(()) | Err(StoreError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn member<T: Holder>(e: &T) -> String {
    format!("{}/{}", T::HOLDER.as_str(), e.id())
}

fn quota(kind: HolderKind) -> IamError {
    IamError::LimitExceeded(format!(
        "Cannot exceed quota for PoliciesPer{}: {MAX_ATTACHED}",
        kind.title()
    ))
}

/// The usage record key and a way to change its counter, for either kind of policy.
fn usage_target(iam: &Iam, account: &AccountId, policy: &PolicyRef) -> String {
    match policy {
        PolicyRef::Customer(p) => entity_key::<ManagedPolicy>(account, &p.policy_id),
        PolicyRef::Aws(arn) => aws_usage_key(
            account,
            iam.managed.meta(arn).map(|m| m.name).unwrap_or_default(),
        ),
    }
}

/// Applies `f` to the entity and the policy's counter atomically. `f` returns whether the
/// counter goes up (`Some(true)`), down (`Some(false)`) or stays (`None`).
async fn change<T, F>(
    iam: &Iam,
    account: &AccountId,
    holder: &T,
    policy: &PolicyRef,
    arn: &str,
    mut f: F,
) -> Result<(), IamError>
where
    T: Holder,
    F: FnMut(&mut T) -> Result<Option<bool>, IamError>,
{
    let ekey = holder_key::<T>(account, holder.id());
    let ukey = usage_target(iam, account, policy);
    let index = entities_index(account, policy, iam);
    let m = member(holder);
    let txn_for = |delta: Option<bool>| match delta {
        Some(true) => Txn::new().index_add(&index, &m),
        Some(false) => Txn::new().index_remove(&index, &m),
        None => Txn::new(),
    };
    let bump = |count: &mut u32, delta: Option<bool>| match delta {
        Some(true) => *count = count.saturating_add(1),
        Some(false) => *count = count.saturating_sub(1),
        None => {}
    };
    let done = match policy {
        PolicyRef::Customer(_) => {
            iam.store
                .update_pair::<T, ManagedPolicy, _, IamError, _>(&ekey, &ukey, |e, p| {
                    let delta = f(e)?;
                    bump(&mut p.attachment_count, delta);
                    Ok(((), txn_for(delta)))
                })
                .await?
        }
        PolicyRef::Aws(_) => {
            ensure_usage(iam, &ukey).await?;
            iam.store
                .update_pair::<T, AwsPolicyUsage, _, IamError, _>(&ekey, &ukey, |e, u| {
                    let delta = f(e)?;
                    bump(&mut u.attachment_count, delta);
                    Ok(((), txn_for(delta)))
                })
                .await?
        }
    };
    match done {
        Some(r) => r,
        // The entity or the policy went away meanwhile.
        None => Err(IamError::NoSuchEntity(format!(
            "Policy {arn} does not exist or is not attachable."
        ))),
    }
}

/// `Attach{User,Group,Role}Policy`. Attaching a policy already attached changes nothing.
pub async fn attach<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    arn: &str,
) -> Result<(), IamError> {
    super::validate_policy_arn(arn)?;
    let action = format!("iam:Attach{}Policy", T::HOLDER.title());
    let policy_arn_key = vec![("iam:PolicyARN".to_owned(), vec![arn.to_owned()])];
    let holder: T =
        super::find_holder_with(iam, caller, ctx, &action, name, policy_arn_key).await?;
    let account = caller.account();
    let policy = crate::policy_ref::resolve(iam, account, arn)
        .await?
        .ok_or_else(|| {
            IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
        })?;
    change(iam, account, &holder, &policy, arn, |e: &mut T| {
        if e.attached().iter().any(|a| a == arn) {
            return Ok(None);
        }
        if e.attached().len() >= MAX_ATTACHED {
            return Err(quota(T::HOLDER));
        }
        e.attached_mut().push(arn.to_owned());
        Ok(Some(true))
    })
    .await
}

/// `Detach{User,Group,Role}Policy`: `NoSuchEntity` when the policy is not attached.
pub async fn detach<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    arn: &str,
) -> Result<(), IamError> {
    super::validate_policy_arn(arn)?;
    let action = format!("iam:Detach{}Policy", T::HOLDER.title());
    let policy_arn_key = vec![("iam:PolicyARN".to_owned(), vec![arn.to_owned()])];
    let holder: T =
        super::find_holder_with(iam, caller, ctx, &action, name, policy_arn_key).await?;
    let account = caller.account();
    let not_attached = || IamError::NoSuchEntity(format!("Policy {arn} was not found."));
    if !holder.attached().iter().any(|a| a == arn) {
        return Err(not_attached());
    }
    let Some(policy) = crate::policy_ref::resolve(iam, account, arn).await? else {
        return Err(not_attached());
    };
    change(iam, account, &holder, &policy, arn, |e: &mut T| {
        let Some(i) = e.attached().iter().position(|a| a == arn) else {
            return Err(not_attached());
        };
        e.attached_mut().remove(i);
        Ok(Some(false))
    })
    .await
}

/// One `AttachedPolicies` member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

/// `(path, name)` of a managed-policy ARN (`…:policy/{path}{name}`).
fn path_and_name(arn: &str) -> (String, String) {
    let res = arn.split_once(":policy/").map(|(_, r)| r).unwrap_or(arn);
    match res.rfind('/') {
        Some(i) => (format!("/{}", &res[..=i]), res[i + 1..].to_owned()),
        None => ("/".to_owned(), res.to_owned()),
    }
}

/// `ListAttached{User,Group,Role}Policies`, filtered by the policies' `PathPrefix`.
pub async fn list_attached<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    path_prefix: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(Vec<AttachedPolicy>, Option<String>), IamError> {
    let action = format!("iam:ListAttached{}Policies", T::HOLDER.title());
    let holder: T = find_holder(iam, caller, ctx, &action, name).await?;
    let all: Vec<AttachedPolicy> = holder
        .attached()
        .iter()
        .filter_map(|arn| {
            let (path, name) = path_and_name(arn);
            path.starts_with(path_prefix).then(|| AttachedPolicy {
                name,
                arn: arn.clone(),
            })
        })
        .collect();
    Ok(page_by_key(all, marker, max_items, |p| p.arn.clone()))
}

/// One entity `ListEntitiesForPolicy` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEntity {
    pub kind: HolderKind,
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone, Default)]
pub struct ListEntities {
    /// `User`, `Group`, `Role` (others: everything).
    pub filter: Option<HolderKind>,
    pub path_prefix: String,
    pub usage: Option<UsageFilter>,
    pub marker: Option<String>,
    pub max_items: usize,
}

/// `ListEntitiesForPolicy`: groups, users and roles using the policy as a permissions policy
/// (the reverse index) and, unless filtered out, as a permissions boundary.
pub async fn list_entities_for_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    req: &ListEntities,
) -> Result<(Vec<PolicyEntity>, Option<String>), IamError> {
    let policy = find_policy(iam, caller, ctx, "iam:ListEntitiesForPolicy", arn).await?;
    let account = caller.account();
    let wants = |k: HolderKind| req.filter.is_none_or(|f| f == k);
    let mut out: Vec<(HolderKind, String, String, String)> = Vec::new();
    if req.usage != Some(UsageFilter::PermissionsBoundary) {
        let index = entities_index(account, &policy, iam);
        let mut after: Option<String> = None;
        loop {
            let members = iam.store.index_page(&index, after.as_deref(), 1000).await?;
            for m in &members {
                let Some((kind, id)) = m.split_once('/') else {
                    continue;
                };
                match kind {
                    "user" if wants(HolderKind::User) => {
                        push::<User>(iam, account, id, &mut out).await?
                    }
                    "group" if wants(HolderKind::Group) => {
                        push::<Group>(iam, account, id, &mut out).await?
                    }
                    "role" if wants(HolderKind::Role) => {
                        push::<Role>(iam, account, id, &mut out).await?
                    }
                    _ => {}
                }
            }
            if members.len() < 1000 {
                break;
            }
            after = members.last().cloned();
        }
    }
    if req.usage != Some(UsageFilter::PermissionsPolicy) {
        if wants(HolderKind::User) {
            boundary_users::<User>(
                iam,
                account,
                arn,
                |u| u.permissions_boundary.as_deref(),
                &mut out,
            )
            .await?;
        }
        if wants(HolderKind::Role) {
            boundary_users::<Role>(
                iam,
                account,
                arn,
                |r| r.permissions_boundary.as_deref(),
                &mut out,
            )
            .await?;
        }
    }
    out.retain(|(_, _, _, path)| path.starts_with(&req.path_prefix));
    out.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
    out.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
    let entities = out
        .into_iter()
        .map(|(kind, name, id, _)| PolicyEntity { kind, name, id })
        .collect();
    Ok(page_by_key(
        entities,
        req.marker.as_deref(),
        req.max_items,
        |e| format!("{}/{}/{}", e.kind as u8, e.name.to_lowercase(), e.id),
    ))
}

async fn push<T: Holder>(
    iam: &Iam,
    account: &AccountId,
    id: &str,
    out: &mut Vec<(HolderKind, String, String, String)>,
) -> Result<(), IamError> {
    if let Some(e) = iam.store.get_entity::<T>(account, id).await? {
        out.push((
            T::HOLDER,
            e.name().to_owned(),
            e.id().to_owned(),
            e.path().to_owned(),
        ));
    }
    Ok(())
}

async fn boundary_users<T: Holder>(
    iam: &Iam,
    account: &AccountId,
    arn: &str,
    boundary: impl Fn(&T) -> Option<&str>,
    out: &mut Vec<(HolderKind, String, String, String)>,
) -> Result<(), IamError> {
    let mut marker: Option<String> = None;
    loop {
        let (page, next) = iam
            .store
            .list_entities::<T>(account, marker.as_deref(), 1000)
            .await?;
        for e in page.iter().filter(|e| boundary(e) == Some(arn)) {
            out.push((
                T::HOLDER,
                e.name().to_owned(),
                e.id().to_owned(),
                e.path().to_owned(),
            ));
        }
        match next {
            Some(n) => marker = Some(n),
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arn_paths() {
        assert_eq!(
            path_and_name("arn:aws:iam::aws:policy/AdministratorAccess"),
            ("/".into(), "AdministratorAccess".into())
        );
        assert_eq!(
            path_and_name("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
            ("/job-function/".into(), "ViewOnlyAccess".into())
        );
        assert_eq!(
            path_and_name("arn:aws:iam::123456789012:policy/a/b/P"),
            ("/a/b/".into(), "P".into())
        );
    }

    #[test]
    fn quota_messages_are_aws_wording() {
        assert_eq!(
            quota(HolderKind::User).to_string(),
            "Cannot exceed quota for PoliciesPerUser: 10"
        );
        assert_eq!(
            quota(HolderKind::Role).to_string(),
            "Cannot exceed quota for PoliciesPerRole: 10"
        );
    }
}
