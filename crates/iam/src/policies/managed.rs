//! Managed policies as objects: `CreatePolicy`, `GetPolicy`, `ListPolicies`, `DeletePolicy`,
//! `TagPolicy`, `UntagPolicy`, `ListPolicyTags`. AWS-managed policies (shipped in
//! [`crate::managed`]) can be read and listed; changing them is `UnmodifiableEntity`.

use super::attach::aws_usage;
use super::{managed_document_error, page_by_key, validate_name, validate_path};
use super::{validate_policy_arn, versions::require_customer};
use crate::authz::{RequestContext, authorize, require};
use crate::entity_rules::{
    AccountQuota, merge_tags, remove_tags, validate_tag_keys, validate_tags,
};
use crate::policy_ref::{PolicyRef, policy_arn, resolve};
use crate::{Iam, IamError};
use fedgate_core::clock::iso8601;
use fedgate_core::{Arn, Principal, UniqueId, UniqueIdKind};
use fedgate_policy::{PolicyKind, parse};
use fedgate_store::model::{ManagedPolicy, PolicyVersion, Tag};
use fedgate_store::{StoreError, Txn};

/// Tags per IAM resource.
pub const MAX_TAGS: usize = 50;

/// A managed policy as `GetPolicy`/`ListPolicies` report it (AWS's `Policy` shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    pub name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    pub attachment_count: u32,
    pub boundary_usage_count: u32,
    pub create_date: String,
    pub update_date: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
    pub aws_managed: bool,
}

impl PolicyInfo {
    pub fn customer(partition: &str, p: &ManagedPolicy) -> Self {
        PolicyInfo {
            name: p.name.clone(),
            policy_id: p.policy_id.clone(),
            arn: policy_arn(partition, p),
            path: p.path.clone(),
            default_version_id: p.default_version_id.clone(),
            attachment_count: p.attachment_count,
            boundary_usage_count: p.boundary_usage_count,
            create_date: p.created_at.clone(),
            update_date: p.updated_at.clone(),
            description: p.description.clone(),
            tags: p.tags.clone(),
            aws_managed: false,
        }
    }
}

/// The `Policy` of an AWS-managed policy, with this account's usage counts.
pub async fn aws_policy_info(
    iam: &Iam,
    account: &fedgate_core::AccountId,
    arn: &str,
) -> Result<Option<PolicyInfo>, IamError> {
    let Some(m) = iam.managed.meta(arn) else {
        return Ok(None);
    };
    let usage = aws_usage(iam, account, m.name).await?;
    Ok(Some(PolicyInfo {
        name: m.name.to_owned(),
        policy_id: m.policy_id.to_owned(),
        arn: m.arn.to_owned(),
        path: m.path.to_owned(),
        default_version_id: m.default_version_id.to_owned(),
        attachment_count: usage.attachment_count,
        boundary_usage_count: usage.boundary_usage_count,
        create_date: m.create_date.to_owned(),
        update_date: m.update_date.to_owned(),
        description: Some(m.description.to_owned()),
        tags: vec![],
        aws_managed: true,
    }))
}

/// What `CreatePolicy` takes.
#[derive(Debug, Clone, Default)]
pub struct CreatePolicy {
    pub name: String,
    pub path: Option<String>,
    pub document: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

pub async fn create_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: CreatePolicy,
) -> Result<ManagedPolicy, IamError> {
    validate_name("policyName", &req.name, 128)?;
    let path = req.path.unwrap_or_else(|| "/".to_owned());
    validate_path(&path)?;
    if let Some(d) = &req.description
        && d.chars().count() > 1000
    {
        return Err(IamError::Validation(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000".into(),
        ));
    }
    validate_tags(&req.tags)?;
    let account = caller.account();
    let arn = Arn::iam_entity(
        caller.partition(),
        account.as_str(),
        "policy",
        &path,
        &req.name,
    );
    let arn_text = arn.to_string();
    let tag_keys = crate::authz::request_tag_keys(&req.tags);
    require(
        crate::authz::authorize_with(iam, caller, "iam:CreatePolicy", &arn_text, ctx, &tag_keys)
            .await?,
    )?;
    if !req.tags.is_empty() {
        // Tags set on create need the tag permission too, as AWS requires.
        require(
            crate::authz::authorize_with(iam, caller, "iam:TagPolicy", &arn_text, ctx, &tag_keys)
                .await?,
        )?;
    }
    parse(&req.document, PolicyKind::Managed).map_err(managed_document_error)?;
    let now = iso8601(iam.clock.now());
    let policy = ManagedPolicy {
        account_id: account.clone(),
        policy_id: UniqueId::generate(UniqueIdKind::Policy, iam.rng.as_ref()).0,
        name: req.name.clone(),
        path,
        created_at: now.clone(),
        updated_at: now.clone(),
        description: req.description,
        default_version_id: "v1".into(),
        versions: vec![PolicyVersion {
            version_id: "v1".into(),
            document: req.document,
            created_at: now,
        }],
        next_version: 2,
        attachment_count: 0,
        boundary_usage_count: 0,
        tags: req.tags,
    };
    let quota = AccountQuota {
        name: "PoliciesPerAccount",
        max: iam.quotas.policies,
    };
    match iam
        .store
        .create_entity_capped(&policy, Txn::new(), quota.max)
        .await
    {
        Ok(()) => Ok(policy),
        Err(StoreError::QuotaReached) => Err(quota.exceeded()),
        Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists(format!(
            "A policy called {} already exists. Duplicate names are not allowed.",
            req.name
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Authorizes `action` on `arn`, then resolves it (NoSuchEntity when there is no such policy).
pub async fn find_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
) -> Result<PolicyRef, IamError> {
    find_policy_with(iam, caller, ctx, action, arn, &[]).await
}

/// [`find_policy`] with the action's own condition keys.
pub async fn find_policy_with(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
    keys: &crate::authz::ActionKeys,
) -> Result<PolicyRef, IamError> {
    validate_policy_arn(arn)?;
    // Found first, so that a customer policy's tags decide too (aws:ResourceTag/*,
    // iam:ResourceTag/*); an unauthorized caller still learns nothing of its existence.
    let found = resolve(iam, caller.account(), arn).await?;
    let mut keys = keys.to_vec();
    if let Some(PolicyRef::Customer(p)) = &found {
        keys.extend(crate::authz::resource_tag_keys(&p.tags));
    }
    require(crate::authz::authorize_with(iam, caller, action, arn, ctx, &keys).await?)?;
    found.ok_or_else(|| not_found(arn))
}

pub(crate) fn not_found(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} was not found."))
}

pub async fn get_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<PolicyInfo, IamError> {
    match find_policy(iam, caller, ctx, "iam:GetPolicy", arn).await? {
        PolicyRef::Customer(p) => Ok(PolicyInfo::customer(caller.partition(), &p)),
        PolicyRef::Aws(a) => aws_policy_info(iam, caller.account(), &a)
            .await?
            .ok_or_else(|| not_found(arn)),
    }
}

/// `Scope` of `ListPolicies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    Aws,
    Local,
}

/// `PolicyUsageFilter` of `ListPolicies` and `ListEntitiesForPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageFilter {
    PermissionsPolicy,
    PermissionsBoundary,
}

#[derive(Debug, Clone, Default)]
pub struct ListPolicies {
    pub scope: Scope,
    pub only_attached: bool,
    pub path_prefix: String,
    pub usage: Option<UsageFilter>,
    pub marker: Option<String>,
    pub max_items: usize,
}

/// `ListPolicies`: AWS-managed policies first (name order), then the account's own (name
/// order). Returns the page and the next marker.
pub async fn list_policies(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: &ListPolicies,
) -> Result<(Vec<PolicyInfo>, Option<String>), IamError> {
    require(authorize(iam, caller, "iam:ListPolicies", "*", ctx).await?)?;
    let account = caller.account();
    let mut all = Vec::new();
    if req.scope != Scope::Local {
        for m in iam.managed.all() {
            if let Some(info) = aws_policy_info(iam, account, m.arn).await? {
                all.push(info);
            }
        }
    }
    if req.scope != Scope::Aws {
        let mut marker: Option<String> = None;
        loop {
            let (page, next) = iam
                .store
                .list_entities::<ManagedPolicy>(account, marker.as_deref(), 1000)
                .await?;
            all.extend(
                page.iter()
                    .map(|p| PolicyInfo::customer(caller.partition(), p)),
            );
            match next {
                Some(n) => marker = Some(n),
                None => break,
            }
        }
    }
    let kept: Vec<PolicyInfo> = all
        .into_iter()
        .filter(|p| p.path.starts_with(&req.path_prefix))
        .filter(|p| match req.usage {
            None => !req.only_attached || p.attachment_count > 0 || p.boundary_usage_count > 0,
            Some(UsageFilter::PermissionsPolicy) => !req.only_attached || p.attachment_count > 0,
            Some(UsageFilter::PermissionsBoundary) => {
                !req.only_attached || p.boundary_usage_count > 0
            }
        })
        .map(|mut p| {
            // ListPolicies leaves out Description and Tags (AWS: only GetPolicy has them).
            p.description = None;
            p.tags.clear();
            p
        })
        .collect();
    // AWS-managed policies first, then the account's own, each by name.
    Ok(page_by_key(
        kept,
        req.marker.as_deref(),
        req.max_items,
        |p| {
            let scope = if p.arn.contains(":iam::aws:") {
                '0'
            } else {
                '1'
            };
            format!("{scope}/{}/{}", p.name.to_lowercase(), p.policy_id)
        },
    ))
}

/// `DeletePolicy`: refused while the policy is attached, used as a boundary, or has versions
/// besides the default (AWS: delete those first; the default goes with the policy).
pub async fn delete_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<(), IamError> {
    let p = require_customer(
        find_policy(iam, caller, ctx, "iam:DeletePolicy", arn).await?,
        arn,
    )?;
    let account = caller.account();
    for _ in 0..16 {
        let Some((p, version)) = iam
            .store
            .get_entity_versioned::<ManagedPolicy>(account, &p.policy_id)
            .await?
        else {
            return Err(not_found(arn));
        };
        if p.attachment_count > 0 {
            return Err(IamError::DeleteConflict(
                "Cannot delete a policy attached to entities.".into(),
            ));
        }
        if p.boundary_usage_count > 0 {
            return Err(IamError::DeleteConflict(
                "Cannot delete a policy used as a permissions boundary.".into(),
            ));
        }
        if p.versions.len() > 1 {
            return Err(IamError::DeleteConflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".into(),
            ));
        }
        match iam.store.delete_entity(&p, version, Txn::new()).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

pub async fn tag_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    tags: Vec<Tag>,
) -> Result<(), IamError> {
    validate_tags(&tags)?;
    let keys = crate::authz::request_tag_keys(&tags);
    let p = require_customer(
        find_policy_with(iam, caller, ctx, "iam:TagPolicy", arn, &keys).await?,
        arn,
    )?;
    iam.store
        .update_entity::<ManagedPolicy, _, IamError, _>(caller.account(), &p.policy_id, |p| {
            merge_tags(&mut p.tags, &tags)
        })
        .await?
        .ok_or_else(|| not_found(arn))?
}

pub async fn untag_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    keys: &[&str],
) -> Result<(), IamError> {
    validate_tag_keys(keys)?;
    let tag_keys = vec![(
        "aws:TagKeys".to_owned(),
        keys.iter().map(|k| (*k).to_owned()).collect(),
    )];
    let p = require_customer(
        find_policy_with(iam, caller, ctx, "iam:UntagPolicy", arn, &tag_keys).await?,
        arn,
    )?;
    iam.store
        .update_entity::<ManagedPolicy, _, IamError, _>(caller.account(), &p.policy_id, |p| {
            remove_tags(&mut p.tags, keys);
            Ok(())
        })
        .await?
        .ok_or_else(|| not_found(arn))?
}

pub async fn list_policy_tags(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<Vec<Tag>, IamError> {
    match find_policy(iam, caller, ctx, "iam:ListPolicyTags", arn).await? {
        PolicyRef::Customer(p) => Ok(p.tags),
        PolicyRef::Aws(_) => Ok(vec![]),
    }
}
