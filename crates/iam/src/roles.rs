//! IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
//! UpdateAssumeRolePolicy, DeleteRole (refused while policies remain), tags and permissions
//! boundaries. Trust policies are checked with the policy parser as `PolicyKind::Trust`.

use crate::authz::{RequestContext, require};
use crate::entity_rules::{
    AccountQuota, create_with_boundary, now, resolve_boundary, validate_name, validate_path,
    validate_tags,
};
use crate::named::{self, Bounded, already_exists, authorized, delete_conflict, edit, no_such};
use crate::{Iam, IamError};
use fedgate_core::{Arn, Principal, UniqueId, UniqueIdKind};
use fedgate_policy::{PolicyError, PolicyKind};
use fedgate_store::model::{Role, Tag};

/// AWS's bounds for `MaxSessionDuration` (seconds) and its default.
pub const MIN_SESSION: u32 = 3600;
pub const MAX_SESSION: u32 = 43200;

pub fn role_arn(partition: &str, r: &Role) -> Arn {
    Arn::iam_entity(partition, r.account_id.as_str(), "role", &r.path, &r.name)
}

/// A trust policy: `MalformedPolicyDocument` with the parser's reason, `LimitExceeded` when
/// it is over the 2,048-character quota.
pub fn validate_trust_policy(doc: &str) -> Result<(), IamError> {
    match fedgate_policy::parse(doc, PolicyKind::Trust) {
        Ok(_) => Ok(()),
        Err(PolicyError::Malformed(m)) => Err(IamError::MalformedPolicyDocument(m)),
        Err(PolicyError::TooLarge { limit, .. }) => Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {limit}"
        ))),
    }
}

/// A role description: at most 1,000 characters of `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]`.
pub fn validate_description(d: &str) -> Result<(), IamError> {
    if d.chars().count() > 1000 {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value '{d}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000"
        )));
    }
    let ok = d.chars().all(
        |c| matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'),
    );
    if !ok {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value '{d}' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"
        )));
    }
    Ok(())
}

/// `MaxSessionDuration`: 3,600–43,200 seconds.
pub fn validate_max_session(secs: u32) -> Result<(), IamError> {
    if (MIN_SESSION..=MAX_SESSION).contains(&secs) {
        return Ok(());
    }
    let c = if secs < MIN_SESSION {
        format!("Member must have value greater than or equal to {MIN_SESSION}")
    } else {
        format!("Member must have value less than or equal to {MAX_SESSION}")
    };
    Err(IamError::Validation(format!(
        "1 validation error detected: Value '{secs}' at 'maxSessionDuration' failed to satisfy constraint: {c}"
    )))
}

/// The role `name`, once the caller is allowed `action` on it (see [`named::authorized`]).
pub async fn authorized_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    name: &str,
) -> Result<Role, IamError> {
    authorized::<Role>(iam, caller, ctx, action, name).await
}

/// A `CreateRole` request.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    pub name: String,
    pub path: Option<String>,
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_duration: Option<u32>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

/// `CreateRole`.
pub async fn create_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: NewRole,
) -> Result<Role, IamError> {
    validate_name("roleName", &req.name, 64)?;
    let path = req.path.unwrap_or_else(|| "/".into());
    validate_path("path", &path)?;
    if let Some(d) = &req.description {
        validate_description(d)?;
    }
    let max_session_duration = req.max_session_duration.unwrap_or(MIN_SESSION);
    validate_max_session(max_session_duration)?;
    validate_tags(&req.tags)?;
    let account = caller.account();
    let arn = Arn::iam_entity(&iam.partition, account.as_str(), "role", &path, &req.name);
    let arn = arn.to_string();
    // The request's tags and boundary are condition keys of the create (and of the tag
    // permission it also needs when tags are given).
    let mut keys = crate::authz::request_tag_keys(&req.tags);
    if let Some(b) = &req.permissions_boundary {
        keys.push(("iam:PermissionsBoundary".to_owned(), vec![b.clone()]));
    }
    require(crate::authz::authorize_with(iam, caller, "iam:CreateRole", &arn, ctx, &keys).await?)?;
    if !req.tags.is_empty() {
        let tag_keys = crate::authz::request_tag_keys(&req.tags);
        require(
            crate::authz::authorize_with(iam, caller, "iam:TagRole", &arn, ctx, &tag_keys).await?,
        )?;
    }
    validate_trust_policy(&req.assume_role_policy)?;
    if let Some(b) = &req.permissions_boundary {
        resolve_boundary(iam, account, b).await?;
    }
    let role = Role {
        account_id: account.clone(),
        role_id: UniqueId::generate(UniqueIdKind::Role, iam.rng.as_ref()).0,
        name: req.name,
        path,
        created_at: now(iam),
        assume_role_policy: req.assume_role_policy,
        description: req.description,
        max_session_duration,
        permissions_boundary: req.permissions_boundary,
        tags: req.tags,
        attached_policies: vec![],
        inline_policies: Default::default(),
        last_used: None,
    };
    let quota = AccountQuota {
        name: "RolesPerAccount",
        max: iam.quotas.roles,
    };
    create_with_boundary(
        iam,
        &role,
        role.permissions_boundary.as_deref(),
        quota,
        || already_exists::<Role>(&role.name),
    )
    .await?;
    Ok(role)
}

/// `GetRole`.
pub async fn get_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
) -> Result<Role, IamError> {
    authorized_role(iam, caller, ctx, "iam:GetRole", name).await
}

/// `ListRoles`: roles whose path starts with `prefix`, in name order, one page.
pub async fn list_roles(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    prefix: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Role>, Option<String>), IamError> {
    named::list_named::<Role>(iam, caller, ctx, "iam:ListRoles", prefix, marker, max).await
}

/// `UpdateRole`: description and/or maximum session duration (unset ones stay).
pub async fn update_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    description: Option<&str>,
    max_session_duration: Option<u32>,
) -> Result<(), IamError> {
    if let Some(d) = description {
        validate_description(d)?;
    }
    if let Some(s) = max_session_duration {
        validate_max_session(s)?;
    }
    edit::<Role, _>(iam, caller, ctx, "iam:UpdateRole", name, |r| {
        if let Some(d) = description {
            r.description = Some(d.to_owned());
        }
        if let Some(s) = max_session_duration {
            r.max_session_duration = s;
        }
        Ok(())
    })
    .await
}

/// `UpdateRoleDescription`: returns the updated role.
pub async fn update_role_description(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    description: &str,
) -> Result<Role, IamError> {
    validate_description(description)?;
    edit::<Role, _>(iam, caller, ctx, "iam:UpdateRoleDescription", name, |r| {
        r.description = Some(description.to_owned());
        Ok(r.clone())
    })
    .await
}

/// `UpdateAssumeRolePolicy`.
pub async fn update_assume_role_policy(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    document: &str,
) -> Result<(), IamError> {
    let role = authorized_role(iam, caller, ctx, "iam:UpdateAssumeRolePolicy", name).await?;
    validate_trust_policy(document)?;
    iam.store
        .update_entity::<Role, _, _, _>(caller.account(), &role.role_id, |r| {
            document.clone_into(&mut r.assume_role_policy);
            Ok::<_, IamError>(())
        })
        .await?
        .ok_or_else(|| no_such::<Role>(name))?
}

impl Bounded for Role {
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
    /// Inline or attached policies.
    async fn delete_conflict(&self, _iam: &Iam) -> Result<(), IamError> {
        if !self.inline_policies.is_empty() {
            return Err(delete_conflict("delete policies"));
        }
        if !self.attached_policies.is_empty() {
            return Err(delete_conflict("detach all policies"));
        }
        Ok(())
    }
}

/// `DeleteRole`: refused while inline or attached policies remain.
pub async fn delete_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
) -> Result<(), IamError> {
    named::delete_bounded::<Role>(iam, caller, ctx, "iam:DeleteRole", name).await
}

/// `TagRole`: adds or replaces (key regardless of case) tags; at most 50 in all.
pub async fn tag_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    tags: &[Tag],
) -> Result<(), IamError> {
    named::tag::<Role>(iam, caller, ctx, "iam:TagRole", name, tags).await
}

/// `UntagRole`.
pub async fn untag_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    keys: &[&str],
) -> Result<(), IamError> {
    named::untag::<Role>(iam, caller, ctx, "iam:UntagRole", name, keys).await
}

/// `ListRoleTags`: one page of the role's tags.
pub async fn list_role_tags(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Tag>, Option<String>), IamError> {
    named::list_tags::<Role>(iam, caller, ctx, "iam:ListRoleTags", name, marker, max).await
}

/// `PutRolePermissionsBoundary` (`Some(arn)`) and `DeleteRolePermissionsBoundary` (`None`).
pub async fn set_role_permissions_boundary(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    boundary: Option<&str>,
) -> Result<(), IamError> {
    let actions = (
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
    );
    named::set_permissions_boundary::<Role>(iam, caller, ctx, actions, name, boundary).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_duration_bounds() {
        assert!(validate_max_session(3600).is_ok());
        assert!(validate_max_session(43200).is_ok());
        assert!(validate_max_session(3599).is_err());
        assert!(validate_max_session(43201).is_err());
    }

    #[test]
    fn descriptions_are_limited() {
        assert!(validate_description("Role for CI — no").is_err());
        assert!(validate_description("Role for CI; café").is_ok());
        assert!(validate_description(&"d".repeat(1001)).is_err());
    }

    #[test]
    fn trust_policy_needs_a_principal() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
        assert!(validate_trust_policy(ok).is_ok());
        let no_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
        assert!(matches!(
            validate_trust_policy(no_principal),
            Err(IamError::MalformedPolicyDocument(_))
        ));
    }
}
