//! Managed-policy ARNs: AWS-managed (`arn:aws:iam::aws:policy/…`, shipped in [`crate::managed`])
//! and customer-managed (`arn:{partition}:iam::{account}:policy/{path}{name}`, stored as
//! [`ManagedPolicy`]). One place turns an ARN into the policy it names.

use crate::{Iam, IamError};
use fedgate_core::{AccountId, Arn};
use fedgate_store::model::ManagedPolicy;

/// What a managed-policy ARN names.
#[derive(Debug, Clone)]
pub enum PolicyRef {
    /// One of the AWS-managed policies fedgate ships.
    Aws(String),
    /// A customer-managed policy of the caller's account.
    Customer(Box<ManagedPolicy>),
}

/// The ARN of a customer-managed policy.
pub fn policy_arn(partition: &str, p: &ManagedPolicy) -> String {
    Arn::iam_entity(partition, p.account_id.as_str(), "policy", &p.path, &p.name).to_string()
}

/// Resolves `arn` for a caller in `account`: `Ok(None)` when no such policy exists (or it
/// belongs to another account, which IAM treats the same way); `Validation` when `arn` is not
/// a policy ARN at all.
pub async fn resolve(
    iam: &Iam,
    account: &AccountId,
    arn: &str,
) -> Result<Option<PolicyRef>, IamError> {
    if iam.managed.get(arn).is_some() {
        return Ok(Some(PolicyRef::Aws(arn.to_owned())));
    }
    let parsed =
        Arn::parse(arn).map_err(|_| IamError::Validation(format!("ARN {arn} is not valid.")))?;
    let Some(path_and_name) = parsed.resource.strip_prefix("policy/") else {
        return Err(IamError::Validation(format!("ARN {arn} is not valid.")));
    };
    // Only the canonical spelling names a policy (same partition, no region), so one policy
    // cannot be attached twice under two ARN strings.
    if parsed.service != "iam"
        || parsed.account != account.as_str()
        || parsed.partition != iam.partition
        || !parsed.region.is_empty()
    {
        return Ok(None);
    }
    let (path, name) = match path_and_name.rfind('/') {
        Some(i) => (
            format!("/{}", &path_and_name[..=i]),
            &path_and_name[i + 1..],
        ),
        None => ("/".to_owned(), path_and_name),
    };
    let found = iam
        .store
        .get_entity_by_name::<ManagedPolicy>(account, name)
        .await?;
    // Names are unique per account regardless of case, but the ARN must match exactly.
    Ok(found
        .filter(|p| p.name == name && p.path == path)
        .map(|p| PolicyRef::Customer(Box::new(p))))
}
