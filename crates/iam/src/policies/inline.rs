//! Inline policies of users, groups and roles: `Put*Policy`, `Get*Policy`, `Delete*Policy`,
//! `List*Policies`.
//!
//! AWS limits the *aggregate* size of an entity's inline policies (non-whitespace
//! characters): 2,048 for a user, 5,120 for a group, 10,240 for a role. The check runs inside
//! the atomic update, so two concurrent puts cannot together exceed it.

use super::{Holder, find_holder, validate_name};
use crate::authz::RequestContext;
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_policy::{PolicyError, counted_size, parse};

fn too_large<T: Holder>(name: &str) -> IamError {
    IamError::LimitExceeded(format!(
        "Maximum policy size of {} bytes exceeded for {} {name}",
        T::HOLDER.inline_kind().size_limit(),
        T::HOLDER.as_str()
    ))
}

fn no_such_policy<T: Holder>(policy: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The {} policy with name {policy} cannot be found.",
        T::HOLDER.as_str()
    ))
}

/// `Put{User,Group,Role}Policy`: adds or replaces inline policy `policy` of entity `name`.
pub async fn put<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    policy: &str,
    document: &str,
) -> Result<(), IamError> {
    validate_name("policyName", policy, 128)?;
    let action = format!("iam:Put{}Policy", T::HOLDER.title());
    let holder: T = find_holder(iam, caller, ctx, &action, name).await?;
    parse(document, T::HOLDER.inline_kind()).map_err(|e| match e {
        PolicyError::TooLarge { .. } => too_large::<T>(holder.name()),
        PolicyError::Malformed(m) => IamError::MalformedPolicyDocument(m),
    })?;
    let limit = T::HOLDER.inline_kind().size_limit();
    let size = counted_size(document);
    iam.store
        .update_entity::<T, _, IamError, _>(caller.account(), holder.id(), |e| {
            let others: usize = e
                .inline()
                .iter()
                .filter(|(n, _)| n.as_str() != policy)
                .map(|(_, d)| counted_size(d))
                .sum();
            if others + size > limit {
                return Err(too_large::<T>(e.name()));
            }
            e.inline_mut()
                .insert(policy.to_owned(), document.to_owned());
            Ok(())
        })
        .await?
        .ok_or_else(|| super::no_such_holder(T::HOLDER, name))?
}

/// `Get{User,Group,Role}Policy`: the entity's name as stored and the document.
pub async fn get<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    policy: &str,
) -> Result<(String, String), IamError> {
    validate_name("policyName", policy, 128)?;
    let action = format!("iam:Get{}Policy", T::HOLDER.title());
    let holder: T = find_holder(iam, caller, ctx, &action, name).await?;
    let doc = holder
        .inline()
        .get(policy)
        .cloned()
        .ok_or_else(|| no_such_policy::<T>(policy))?;
    Ok((holder.name().to_owned(), doc))
}

/// `Delete{User,Group,Role}Policy`.
pub async fn delete<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    policy: &str,
) -> Result<(), IamError> {
    validate_name("policyName", policy, 128)?;
    let action = format!("iam:Delete{}Policy", T::HOLDER.title());
    let holder: T = find_holder(iam, caller, ctx, &action, name).await?;
    iam.store
        .update_entity::<T, _, IamError, _>(caller.account(), holder.id(), |e| {
            e.inline_mut()
                .remove(policy)
                .map(|_| ())
                .ok_or_else(|| no_such_policy::<T>(policy))
        })
        .await?
        .ok_or_else(|| super::no_such_holder(T::HOLDER, name))?
}

/// `List{User,Group,Role}Policies`: names in order, after `marker` (the last name of the
/// previous page), at most `max_items`; the next marker when more follow.
pub async fn list<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(Vec<String>, Option<String>), IamError> {
    let action = format!("iam:List{}Policies", T::HOLDER.title());
    let holder: T = find_holder(iam, caller, ctx, &action, name).await?;
    let mut names: Vec<String> = holder
        .inline()
        .keys()
        .filter(|n| marker.is_none_or(|m| n.as_str() > m))
        .take(max_items.saturating_add(1))
        .cloned()
        .collect();
    let next = if names.len() > max_items {
        names.truncate(max_items);
        names.last().cloned()
    } else {
        None
    };
    Ok((names, next))
}
