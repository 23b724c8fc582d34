//! Customer-managed policies and versions, attaching managed policies, inline policies, quotas.
//!
//! - [`managed`]: `CreatePolicy`, `GetPolicy`, `ListPolicies`, `DeletePolicy`, policy tags.
//! - [`versions`]: `CreatePolicyVersion`, `GetPolicyVersion`, `ListPolicyVersions`,
//!   `DeletePolicyVersion`, `SetDefaultPolicyVersion`.
//! - [`attach`]: `Attach*Policy`, `Detach*Policy`, `ListAttached*Policies`,
//!   `ListEntitiesForPolicy`, with the attachment counts kept exact.
//! - [`inline`]: `Put*Policy`, `Get*Policy`, `Delete*Policy`, `List*Policies`.
//!
//! This module holds what they share: the three kinds of principal entity that carry
//! policies ([`Holder`]), name and path validation, and turning policy-engine refusals into
//! AWS's errors.

pub mod attach;
pub mod inline;
pub mod managed;
pub mod versions;

use crate::authz::{RequestContext, require};
use crate::{Iam, IamError};
use fedgate_core::{AccountId, Arn, Principal};
use fedgate_policy::PolicyError;
use fedgate_store::Entity;
use fedgate_store::model::{Group, Role, User};
use std::collections::BTreeMap;

/// Managed policies attachable to one user, group or role (IAM's default quota).
pub const MAX_ATTACHED: usize = 10;

/// The kinds of entity that carry managed and inline policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderKind {
    User,
    Group,
    Role,
}

impl HolderKind {
    /// `user`, `group`, `role` (ARN resource type, index member prefix, SourcePolicyType).
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::User => "user",
            HolderKind::Group => "group",
            HolderKind::Role => "role",
        }
    }
    /// `User`, `Group`, `Role` (in action names: `AttachUserPolicy`, …).
    pub fn title(self) -> &'static str {
        match self {
            HolderKind::User => "User",
            HolderKind::Group => "Group",
            HolderKind::Role => "Role",
        }
    }
    /// The request field that names the entity, as AWS's validation messages spell it.
    fn field(self) -> &'static str {
        match self {
            HolderKind::User => "userName",
            HolderKind::Group => "groupName",
            HolderKind::Role => "roleName",
        }
    }
    fn max_name(self) -> usize {
        match self {
            HolderKind::Group => 128,
            HolderKind::User | HolderKind::Role => 64,
        }
    }
    /// The policy kind (and so the size limit) of the entity's inline policies.
    pub fn inline_kind(self) -> fedgate_policy::PolicyKind {
        match self {
            HolderKind::User => fedgate_policy::PolicyKind::InlineUser,
            HolderKind::Group => fedgate_policy::PolicyKind::InlineGroup,
            HolderKind::Role => fedgate_policy::PolicyKind::InlineRole,
        }
    }
}

/// A user, group or role: the records that carry attached and inline policies.
pub trait Holder: Entity + Clone {
    const HOLDER: HolderKind;
    fn path(&self) -> &str;
    fn attached(&self) -> &Vec<String>;
    fn attached_mut(&mut self) -> &mut Vec<String>;
    fn inline(&self) -> &BTreeMap<String, String>;
    fn inline_mut(&mut self) -> &mut BTreeMap<String, String>;
    /// Its tags, as `aws:ResourceTag/*` and `iam:ResourceTag/*` (groups have none).
    fn holder_tags(&self) -> &[fedgate_store::model::Tag] {
        &[]
    }
    /// Its permissions boundary's ARN (groups have none).
    fn holder_boundary(&self) -> Option<&str> {
        None
    }
}

/// `holder!(Type, Kind)`; `holder!(Type, Kind, tagged)` for users and roles, which carry
/// tags and a permissions boundary.
macro_rules! holder {
    ($t:ty, $kind:ident) => {
        holder!(@impl $t, $kind,);
    };
    ($t:ty, $kind:ident, tagged) => {
        holder!(@impl $t, $kind,
            fn holder_tags(&self) -> &[fedgate_store::model::Tag] {
                &self.tags
            }
            fn holder_boundary(&self) -> Option<&str> {
                self.permissions_boundary.as_deref()
            }
        );
    };
    (@impl $t:ty, $kind:ident, $($tagged:tt)*) => {
        impl Holder for $t {
            const HOLDER: HolderKind = HolderKind::$kind;
            fn path(&self) -> &str {
                &self.path
            }
            fn attached(&self) -> &Vec<String> {
                &self.attached_policies
            }
            fn attached_mut(&mut self) -> &mut Vec<String> {
                &mut self.attached_policies
            }
            fn inline(&self) -> &BTreeMap<String, String> {
                &self.inline_policies
            }
            fn inline_mut(&mut self) -> &mut BTreeMap<String, String> {
                &mut self.inline_policies
            }
            $($tagged)*
        }
    };
}
holder!(User, User, tagged);
holder!(Group, Group);
holder!(Role, Role, tagged);

/// The ARN of a user, group or role.
pub fn holder_arn<T: Holder>(partition: &str, e: &T) -> String {
    Arn::iam_entity(
        partition,
        e.account().as_str(),
        T::HOLDER.as_str(),
        e.path(),
        e.name(),
    )
    .to_string()
}

/// Checks a user, group or role name as AWS does (`[\w+=,.@-]+`, 1–64 or 1–128 characters).
pub fn validate_holder_name(kind: HolderKind, name: &str) -> Result<(), IamError> {
    validate_name(kind.field(), name, kind.max_name())
}

/// `[\w+=,.@-]+` of 1..=`max` characters, with AWS's validation message naming `field`.
pub fn validate_name(field: &str, name: &str, max: usize) -> Result<(), IamError> {
    let ok = (1..=max).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and {max}"
        )))
    }
}

/// `Path`: `/` or `/…/` of `\u0021`–`\u007E`, at most 512 characters (the rule users, groups
/// and roles follow: [`crate::entity_rules::validate_path`]).
pub fn validate_path(path: &str) -> Result<(), IamError> {
    crate::entity_rules::validate_path("path", path)
}

/// A `PolicyArn` parameter: 20–2048 characters.
pub fn validate_policy_arn(arn: &str) -> Result<(), IamError> {
    if (20..=2048).contains(&arn.len()) {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "1 validation error detected: Value '{arn}' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
        )))
    }
}

/// A policy document the engine refused, as IAM reports it for a managed policy.
pub fn managed_document_error(e: PolicyError) -> IamError {
    match e {
        PolicyError::TooLarge { limit, .. } => {
            IamError::LimitExceeded(format!("Cannot exceed quota for PolicySize: {limit}"))
        }
        PolicyError::Malformed(m) => IamError::MalformedPolicyDocument(m),
    }
}

/// The user, group or role named `name` in the caller's account, after authorizing `action`
/// on its ARN. An unauthorized caller learns nothing about whether it exists.
pub async fn find_holder<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<T, IamError> {
    find_holder_with(iam, caller, ctx, action, name, vec![]).await
}

/// The actions whose context carries the target's current permissions boundary as
/// `iam:PermissionsBoundary` (AWS's list for the key, on existing users and roles).
const BOUNDARY_KEYED: &[&str] = &[
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:DetachUserPolicy",
    "iam:DetachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:DeleteUserPolicy",
    "iam:DeleteRolePolicy",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
];

/// [`find_holder`] with the action's own condition keys (e.g. `iam:PolicyARN`); the found
/// entity's tags are added (`aws:ResourceTag/*`, `iam:ResourceTag/*`), and for
/// [`BOUNDARY_KEYED`] actions its current boundary (`iam:PermissionsBoundary`).
pub async fn find_holder_with<T: Holder>(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
    keys: Vec<(String, Vec<String>)>,
) -> Result<T, IamError> {
    let kind = T::HOLDER;
    validate_holder_name(kind, name)?;
    let account = caller.account();
    let found = iam.store.get_entity_by_name::<T>(account, name).await?;
    let mut keys = keys;
    if let Some(e) = &found {
        keys.extend(crate::authz::resource_tag_keys(e.holder_tags()));
        if let Some(b) = e.holder_boundary()
            && BOUNDARY_KEYED
                .iter()
                .any(|a| a.eq_ignore_ascii_case(action))
        {
            keys.push(("iam:PermissionsBoundary".into(), vec![b.to_owned()]));
        }
    }
    let resource = match &found {
        Some(e) => holder_arn(caller.partition(), e),
        None => Arn::iam_entity(
            caller.partition(),
            account.as_str(),
            kind.as_str(),
            "/",
            name,
        )
        .to_string(),
    };
    require(crate::authz::authorize_with(iam, caller, action, &resource, ctx, &keys).await?)?;
    found.ok_or_else(|| no_such_holder(kind, name))
}

pub(crate) fn no_such_holder(kind: HolderKind, name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The {} with name {name} cannot be found.",
        kind.as_str()
    ))
}

/// The record key of a user, group or role.
pub(crate) fn holder_key<T: Holder>(account: &AccountId, id: &str) -> String {
    fedgate_store::entities::entity_key::<T>(account, id)
}

/// One page of `items` ordered by `key`: the items whose key sorts after `marker` (a key
/// this returned), at most `max`, and the next marker (the last key on the page) when more
/// follow. Paging by key, not position, keeps pages stable under concurrent inserts and
/// deletes: nothing is skipped or repeated because an earlier item came or went.
pub(crate) fn page_by_key<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max: usize,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let mut keyed: Vec<(String, T)> = items.into_iter().map(|i| (key(&i), i)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let start = marker.map_or(0, |m| keyed.partition_point(|(k, _)| k.as_str() <= m));
    let rest = keyed.len().saturating_sub(start);
    let take = rest.min(max);
    let mut page: Vec<(String, T)> = keyed.into_iter().skip(start).take(take).collect();
    let next = (rest > take)
        .then(|| page.last().map(|(k, _)| k.clone()))
        .flatten();
    (page.drain(..).map(|(_, i)| i).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert!(validate_name("policyName", "My.Policy+1=,@-_", 128).is_ok());
        assert!(validate_name("policyName", "", 128).is_err());
        assert!(validate_name("policyName", "a b", 128).is_err());
        assert!(validate_name("policyName", &"a".repeat(129), 128).is_err());
        assert!(validate_holder_name(HolderKind::Group, &"g".repeat(128)).is_ok());
        assert!(validate_holder_name(HolderKind::User, &"u".repeat(65)).is_err());
        assert!(validate_path("/").is_ok());
        assert!(validate_path("/a/b/").is_ok());
        assert!(validate_path("a/").is_err());
        assert!(validate_path("/a").is_err());
        assert!(validate_path("/a b/").is_err());
    }

    #[test]
    fn pages() {
        let key = |n: &u32| format!("{n:03}");
        let (p, next) = page_by_key(vec![5, 1, 4, 2, 3], None, 2, key);
        assert_eq!((p, next.as_deref()), (vec![1, 2], Some("002")));
        // An item inserted before the marker neither shifts nor repeats the next page.
        let (p, next) = page_by_key(vec![5, 1, 4, 2, 3, 0], Some("002"), 2, key);
        assert_eq!((p, next.as_deref()), (vec![3, 4], Some("004")));
        let (p, next) = page_by_key(vec![5, 1, 4, 2, 3], Some("004"), 2, key);
        assert_eq!((p, next), (vec![5], None));
        let (p, next) = page_by_key(Vec::<u32>::new(), Some("zzz"), 2, key);
        assert!(p.is_empty() && next.is_none());
    }

    #[test]
    fn document_errors() {
        assert!(matches!(
            managed_document_error(PolicyError::TooLarge {
                limit: 6144,
                actual: 7000
            }),
            IamError::LimitExceeded(m) if m == "Cannot exceed quota for PolicySize: 6144"
        ));
    }
}
