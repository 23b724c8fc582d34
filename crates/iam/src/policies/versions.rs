//! Versions of customer-managed policies: `CreatePolicyVersion` (at most five per policy),
//! `GetPolicyVersion`, `ListPolicyVersions`, `DeletePolicyVersion` (never the default),
//! `SetDefaultPolicyVersion`. AWS-managed policies have one readable version, their default.

use super::managed::{find_policy, not_found};
use super::managed_document_error;
use crate::authz::RequestContext;
use crate::policy_ref::PolicyRef;
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_core::clock::iso8601;
use fedgate_policy::{PolicyKind, parse};
use fedgate_store::model::{ManagedPolicy, PolicyVersion};

/// Versions a managed policy can have.
pub const MAX_VERSIONS: usize = 5;

/// A policy version as the version actions report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version_id: String,
    pub is_default: bool,
    pub created_at: String,
    /// The URL-decoded JSON text (only `GetPolicyVersion` returns it).
    pub document: String,
}

/// The customer-managed policy `r`, or `UnmodifiableEntity` for an AWS-managed one.
pub(crate) fn require_customer(r: PolicyRef, arn: &str) -> Result<ManagedPolicy, IamError> {
    match r {
        PolicyRef::Customer(p) => Ok(*p),
        PolicyRef::Aws(_) => Err(IamError::UnmodifiableEntity(format!(
            "Policy {arn} is an AWS managed policy and cannot be modified."
        ))),
    }
}

/// `VersionId`: `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`.
pub fn validate_version_id(v: &str) -> Result<(), IamError> {
    let ok = v.strip_prefix('v').is_some_and(|rest| {
        let (num, suffix) = rest.split_once('.').unwrap_or((rest, ""));
        !num.is_empty()
            && !num.starts_with('0')
            && num.bytes().all(|b| b.is_ascii_digit())
            && suffix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "1 validation error detected: Value '{v}' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"
        )))
    }
}

fn info(p: &ManagedPolicy, v: &PolicyVersion) -> VersionInfo {
    VersionInfo {
        version_id: v.version_id.clone(),
        is_default: v.version_id == p.default_version_id,
        created_at: v.created_at.clone(),
        document: v.document.clone(),
    }
}

fn no_version(arn: &str, v: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} version {v} does not exist."))
}

pub async fn create_policy_version(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    document: &str,
    set_as_default: bool,
) -> Result<VersionInfo, IamError> {
    let r = find_policy(iam, caller, ctx, "iam:CreatePolicyVersion", arn).await?;
    let p = require_customer(r, arn)?;
    parse(document, PolicyKind::Managed).map_err(managed_document_error)?;
    let now = iso8601(iam.clock.now());
    iam.store
        .update_entity::<ManagedPolicy, _, IamError, _>(caller.account(), &p.policy_id, |p| {
            if p.versions.len() >= MAX_VERSIONS {
                return Err(IamError::LimitExceeded(format!(
                    "A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version."
                )));
            }
            let v = PolicyVersion {
                version_id: format!("v{}", p.next_version),
                document: document.to_owned(),
                created_at: now.clone(),
            };
            p.next_version += 1;
            p.updated_at = now.clone();
            if set_as_default {
                p.default_version_id = v.version_id.clone();
            }
            let out = info(p, &v);
            p.versions.push(v);
            Ok(out)
        })
        .await?
        .ok_or_else(|| not_found(arn))?
}

pub async fn get_policy_version(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    version_id: &str,
) -> Result<VersionInfo, IamError> {
    validate_version_id(version_id)?;
    match find_policy(iam, caller, ctx, "iam:GetPolicyVersion", arn).await? {
        PolicyRef::Customer(p) => p
            .versions
            .iter()
            .find(|v| v.version_id == version_id)
            .map(|v| info(&p, v))
            .ok_or_else(|| no_version(arn, version_id)),
        PolicyRef::Aws(a) => {
            // fedgate ships the default version of each AWS-managed policy only.
            match (iam.managed.meta(&a), iam.managed.document(&a)) {
                (Some(m), Some(doc)) if m.default_version_id == version_id => Ok(VersionInfo {
                    version_id: m.default_version_id.to_owned(),
                    is_default: true,
                    created_at: m.update_date.to_owned(),
                    document: doc.to_owned(),
                }),
                _ => Err(no_version(arn, version_id)),
            }
        }
    }
}

/// Newest first, as IAM lists them.
pub async fn list_policy_versions(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<Vec<VersionInfo>, IamError> {
    match find_policy(iam, caller, ctx, "iam:ListPolicyVersions", arn).await? {
        PolicyRef::Customer(p) => Ok(p.versions.iter().rev().map(|v| info(&p, v)).collect()),
        PolicyRef::Aws(a) => Ok(iam
            .managed
            .meta(&a)
            .map(|m| VersionInfo {
                version_id: m.default_version_id.to_owned(),
                is_default: true,
                created_at: m.update_date.to_owned(),
                document: String::new(),
            })
            .into_iter()
            .collect()),
    }
}

pub async fn delete_policy_version(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    version_id: &str,
) -> Result<(), IamError> {
    validate_version_id(version_id)?;
    let r = find_policy(iam, caller, ctx, "iam:DeletePolicyVersion", arn).await?;
    let p = require_customer(r, arn)?;
    iam.store
        .update_entity::<ManagedPolicy, _, IamError, _>(caller.account(), &p.policy_id, |p| {
            let Some(i) = p.versions.iter().position(|v| v.version_id == version_id) else {
                return Err(no_version(arn, version_id));
            };
            if p.default_version_id == version_id {
                return Err(IamError::DeleteConflict(
                    "Cannot delete the default version of a policy.".into(),
                ));
            }
            p.versions.remove(i);
            Ok(())
        })
        .await?
        .ok_or_else(|| not_found(arn))?
}

pub async fn set_default_policy_version(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    version_id: &str,
) -> Result<(), IamError> {
    validate_version_id(version_id)?;
    let r = find_policy(iam, caller, ctx, "iam:SetDefaultPolicyVersion", arn).await?;
    let p = require_customer(r, arn)?;
    iam.store
        .update_entity::<ManagedPolicy, _, IamError, _>(caller.account(), &p.policy_id, |p| {
            if !p.versions.iter().any(|v| v.version_id == version_id) {
                return Err(no_version(arn, version_id));
            }
            p.default_version_id = version_id.to_owned();
            Ok(())
        })
        .await?
        .ok_or_else(|| not_found(arn))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids() {
        for ok in ["v1", "v12", "v3.beta-1", "v1."] {
            assert!(validate_version_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "v", "v0", "1", "V1", "v1x", "v01", "v1.a_b"] {
            assert!(validate_version_id(bad).is_err(), "{bad}");
        }
    }
}
