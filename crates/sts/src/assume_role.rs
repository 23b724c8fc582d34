//! `AssumeRole`: a session of an IAM role, for an IAM user or another role session (role
//! chaining), decided by the role's trust policy with the caller's identity policies.
//!
//! Order, as AWS: parameter validation; the role (an unknown role is denied like an untrusted
//! one, revealing nothing); MFA; `sts:AssumeRole` with the trust policy as the resource-based
//! policy (same account: a trust policy naming the caller suffices, one naming the account
//! delegates to the caller's identity policies; cross account: both must allow), then
//! `sts:TagSession` when tags are passed and `sts:SetSourceIdentity` when a source identity
//! is; the duration against the role's `MaxSessionDuration` (and one hour when chaining);
//! session policies and their packed size. The root user cannot assume roles.

use crate::StsError;
use crate::error::{access_denied, validation};
use crate::issue::{Credentials, issue};
use crate::params;
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Arn, Principal};
use fedgate_iam::authz::{Decision, LoadedPolicy, RequestContext, authorize_with_resource_policy};
use fedgate_iam::{Iam, IamError};
use fedgate_policy::{Context, PolicyKind};
use fedgate_store::model::{KeyOwner, Role, Session, SessionDetails, Tag};
use std::sync::Arc;

/// Longest session of a chained role (a role session assuming a role), seconds.
pub const CHAINED_MAX_SECS: i64 = 3600;
pub const DEFAULT_SECS: i64 = 3600;

#[derive(Debug, Clone, Default)]
pub struct AssumeRoleRequest {
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: Option<i64>,
    pub external_id: Option<String>,
    pub serial_number: Option<String>,
    pub token_code: Option<String>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<Tag>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AssumeRoleResult {
    pub credentials: Credentials,
    /// `{role id}:{session name}`
    pub assumed_role_id: String,
    /// `arn:{p}:sts::{account}:assumed-role/{role}/{session}`
    pub arn: String,
    pub packed_policy_size: Option<u32>,
    pub source_identity: Option<String>,
}

fn validate(req: &AssumeRoleRequest) -> Result<(), StsError> {
    let n = req.role_arn.chars().count();
    if !(20..=2048).contains(&n) {
        return Err(crate::error::constraint(
            &req.role_arn,
            "roleArn",
            "Member must have length between 20 and 2048",
        ));
    }
    params::validate_name(&req.role_session_name, "roleSessionName")?;
    if let Some(d) = req.duration_seconds {
        params::validate_duration(d, 900, 43200)?;
    }
    if let Some(e) = &req.external_id {
        params::validate_external_id(e)?;
    }
    if let Some(s) = &req.source_identity {
        params::validate_source_identity(s)?;
    }
    if let Some(serial) = &req.serial_number {
        fedgate_iam::mfa::validate_serial(serial)?;
    }
    if let Some(code) = &req.token_code {
        fedgate_iam::mfa::validate_code(code, "tokenCode")?;
    }
    if req.serial_number.is_some() != req.token_code.is_some() {
        return Err(validation(
            "SerialNumber and TokenCode must be given together.",
        ));
    }
    params::validate_tags(&req.tags, &req.transitive_tag_keys)
}

/// `arn:{partition}:iam::{account}:role/{path}{name}` → (account, path, name), for this
/// deployment's `partition` only and with an empty region, as IAM writes role ARNs. Anything
/// looser would let one role go by several ARNs, and a policy's `Resource` (a Deny on the
/// role's ARN) match some of them but not others.
pub(crate) fn parse_role_arn(arn: &str, partition: &str) -> Option<(AccountId, String, String)> {
    let a = Arn::parse(arn).ok()?;
    if a.service != "iam" || a.partition != partition || !a.region.is_empty() {
        return None;
    }
    let account = AccountId::parse(&a.account).ok()?;
    let rest = a.resource.strip_prefix("role/")?;
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n.to_owned()),
        None => ("/".to_owned(), rest.to_owned()),
    };
    (!name.is_empty()).then_some((account, path, name))
}

pub async fn assume_role(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: &AssumeRoleRequest,
) -> Result<AssumeRoleResult, StsError> {
    validate(req)?;
    let caller_arn = caller.arn().to_string();
    let not_authorized = || {
        access_denied(format!(
            "User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {}",
            req.role_arn
        ))
    };
    if matches!(caller, Principal::Root { .. }) {
        return Err(access_denied("Roles may not be assumed by root accounts."));
    }
    let chained = matches!(caller, Principal::AssumedRole { .. });
    if chained && req.duration_seconds.is_some_and(|d| d > CHAINED_MAX_SECS) {
        return Err(validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    let Some((account, path, name)) = parse_role_arn(&req.role_arn, &iam.partition) else {
        return Err(validation(format!("{} is invalid", req.role_arn)));
    };
    let role = iam
        .store
        .get_entity_by_name::<Role>(&account, &name)
        .await?
        .filter(|r| r.path == path && r.name == name && r.account_id == account)
        .ok_or_else(not_authorized)?;
    // Policies are matched against the role's own ARN, never the caller's spelling of it.
    let role_arn = Arn::iam_entity(
        &iam.partition,
        account.as_str(),
        "role",
        &role.path,
        &role.name,
    )
    .to_string();
    let caller_session = caller_session(iam, caller, ctx).await?;

    // MFA given with the request, or carried by GetSessionToken credentials.
    let now_ms = iam.clock.now_millis();
    let mfa_at = match (&req.serial_number, &req.token_code) {
        (Some(serial), Some(code)) => {
            verify_mfa(iam, caller, serial, code).await?;
            Some(now_ms)
        }
        _ if !chained => caller_session
            .as_ref()
            .and_then(|s| s.details.mfa_authenticated_at_ms),
        _ => None,
    };

    // Tags carried through chaining: the caller's transitive ones, which cannot be replaced.
    let (mut tags, mut transitive) = (Vec::new(), Vec::new());
    if let Some(s) = caller_session.as_ref().filter(|_| chained) {
        for t in &s.details.tags {
            if s.details
                .transitive_tag_keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&t.key))
            {
                if req.tags.iter().any(|n| n.key.eq_ignore_ascii_case(&t.key)) {
                    return Err(validation(format!(
                        "One or more session tags conflict with transitive tags of the calling session: {}",
                        t.key
                    )));
                }
                tags.push(t.clone());
                transitive.push(t.key.clone());
            }
        }
    }
    tags.extend(req.tags.iter().cloned());
    transitive.extend(req.transitive_tag_keys.iter().cloned());

    // SourceIdentity: kept through chaining and never changed.
    let inherited_si = caller_session
        .as_ref()
        .and_then(|s| s.details.source_identity.clone());
    if let (Some(old), Some(new)) = (&inherited_si, &req.source_identity)
        && old != new
    {
        return Err(access_denied(format!(
            "User: {caller_arn} is not authorized to perform: sts:SetSourceIdentity on resource: {}: the source identity of the session cannot be changed",
            req.role_arn
        )));
    }
    let source_identity = inherited_si.or_else(|| req.source_identity.clone());

    // The trust policy decides, with the caller's identity policies.
    let trust = trust_policy(iam, &role).ok_or_else(not_authorized)?;
    // The role's tags as aws:ResourceTag/* and iam:ResourceTag/* (AWS's ABAC on AssumeRole).
    let role_tags = fedgate_iam::authz::resource_tag_keys(&role.tags);
    let extra = |c: &mut Context| request_context(c, req, &role_tags, mfa_at, now_ms);
    let allowed = |d: Decision| matches!(d, Decision::Allow);
    if !allowed(
        authorize_with_resource_policy(
            iam,
            caller,
            "sts:AssumeRole",
            &role_arn,
            ctx,
            &trust,
            extra,
        )
        .await?,
    ) {
        return Err(not_authorized());
    }
    for (needed, action) in [
        (!req.tags.is_empty(), "sts:TagSession"),
        (req.source_identity.is_some(), "sts:SetSourceIdentity"),
    ] {
        if needed
            && !allowed(
                authorize_with_resource_policy(iam, caller, action, &role_arn, ctx, &trust, |c| {
                    request_context(c, req, &role_tags, mfa_at, now_ms)
                })
                .await?,
            )
        {
            return Err(access_denied(format!(
                "User: {caller_arn} is not authorized to perform: {action} on resource: {}",
                req.role_arn
            )));
        }
    }

    let duration = req.duration_seconds.unwrap_or(DEFAULT_SECS);
    if duration > i64::from(role.max_session_duration) {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    params::check_session_policies(iam, &account, req.policy.as_deref(), &req.policy_arns).await?;
    let packed = params::packed_policy_size(req.policy.as_deref(), &req.policy_arns, &tags)?;

    let principal = |access_key_id| Principal::AssumedRole {
        partition: iam.partition.clone(),
        account: account.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: req.role_session_name.clone(),
        access_key_id,
    };
    let details = SessionDetails {
        owner_id: role.role_id.clone(),
        session_policy: req.policy.clone(),
        policy_arns: req.policy_arns.clone(),
        tags,
        transitive_tag_keys: transitive,
        source_identity: source_identity.clone(),
        mfa_authenticated_at_ms: mfa_at,
        ..SessionDetails::default()
    };
    let (credentials, principal) = issue(iam, principal, details, duration).await?;
    note_role_used(iam, &role, ctx).await;
    let has_session_inputs =
        req.policy.is_some() || !req.policy_arns.is_empty() || !req.tags.is_empty();
    Ok(AssumeRoleResult {
        credentials,
        assumed_role_id: principal.user_id().into_owned(),
        arn: principal.arn().to_string(),
        packed_policy_size: has_session_inputs.then_some(packed),
        source_identity,
    })
}

/// The role's trust policy, compiled (cached); `None`, logged, if the stored document no
/// longer compiles (the role then trusts nobody).
pub(crate) fn trust_policy(iam: &Iam, role: &Role) -> Option<LoadedPolicy> {
    match iam
        .compiled
        .document(PolicyKind::Trust, &role.assume_role_policy)
    {
        Ok(policy) => Some(LoadedPolicy {
            label: "TrustPolicy".into(),
            policy,
            document: role.assume_role_policy.clone(),
        }),
        Err(e) => {
            tracing::warn!(role = %role.name, error = %e, "stored trust policy does not compile");
            None
        }
    }
}

/// The request's own condition keys for the trust policy.
fn request_context(
    c: &mut Context,
    req: &AssumeRoleRequest,
    role_tags: &[(String, Vec<String>)],
    mfa_at: Option<i64>,
    now_ms: i64,
) {
    for (key, values) in role_tags {
        c.insert_multi(key, values.iter().cloned());
    }
    c.insert("sts:RoleSessionName", req.role_session_name.as_str());
    if let Some(e) = &req.external_id {
        c.insert("sts:ExternalId", e.as_str());
    }
    if let Some(s) = &req.source_identity {
        c.insert("sts:SourceIdentity", s.as_str());
    }
    if let Some(at) = mfa_at {
        c.insert("aws:MultiFactorAuthPresent", "true");
        c.insert("aws:MultiFactorAuthAge", ((now_ms - at) / 1000).to_string());
    }
    for t in &req.tags {
        c.insert(&format!("aws:RequestTag/{}", t.key), t.value.as_str());
    }
    if !req.tags.is_empty() {
        c.insert_multi("aws:TagKeys", req.tags.iter().map(|t| t.key.clone()));
    }
    if !req.transitive_tag_keys.is_empty() {
        c.insert_multi(
            "sts:TransitiveTagKeys",
            req.transitive_tag_keys.iter().cloned(),
        );
    }
}

/// The calling session, when the caller signs with temporary credentials.
async fn caller_session(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<Option<Arc<Session>>, StsError> {
    let Some(id) = caller.access_key_id().filter(|k| k.is_temporary()) else {
        return Ok(None);
    };
    if let Some(s) = ctx.session.as_ref().filter(|s| &s.access_key_id == id) {
        return Ok(Some(s.clone()));
    }
    Ok(iam.store.get_session(id).await?.map(Arc::new))
}

/// Checks `SerialNumber`/`TokenCode` for the calling user; AWS answers a failure with
/// `AccessDenied`.
pub(crate) async fn verify_mfa(
    iam: &Iam,
    caller: &Principal,
    serial: &str,
    code: &str,
) -> Result<(), StsError> {
    let owner = match caller {
        Principal::Root { .. } => KeyOwner::Root,
        Principal::User { user_id, name, .. } => KeyOwner::User {
            user_id: user_id.clone(),
            user_name: name.clone(),
        },
        Principal::AssumedRole { .. } | Principal::FederatedUser { .. } => {
            return Err(access_denied(
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            ));
        }
    };
    match fedgate_iam::mfa::verify_mfa_code_for(iam, caller.account(), Some(&owner), serial, code)
        .await
    {
        Ok(()) => Ok(()),
        Err(IamError::NoSuchEntity(_) | IamError::InvalidAuthenticationCode(_)) => Err(
            access_denied("MultiFactorAuthentication failed with invalid MFA one time pass code."),
        ),
        Err(e) => Err(e.into()),
    }
}

/// When the role's last use was recorded, if ever.
fn recorded(r: &Role) -> Option<&str> {
    r.last_used.as_ref().map(|(at, _)| at.as_str())
}

/// Records the role's last use (RoleLastUsed) unless a use within the last five minutes is
/// recorded already (as for access keys: AWS's own tracking is not per request either), so a
/// busy role is not rewritten, and its record not fought over, on every AssumeRole. A failure
/// does not fail the request.
pub(crate) async fn note_role_used(iam: &Iam, role: &Role, ctx: &RequestContext) {
    use fedgate_iam::access_keys::use_date_is_stale;
    let now = iam.clock.now();
    if !use_date_is_stale(recorded(role), now) {
        return;
    }
    let at = iso8601(now);
    let region = ctx.region.clone();
    let r = iam
        .store
        .update_entity::<Role, _, (), _>(&role.account_id, &role.role_id, |r| {
            if !use_date_is_stale(recorded(r), now) {
                return Err(());
            }
            r.last_used = Some((at.clone(), region.clone()));
            Ok(())
        })
        .await;
    if let Err(e) = r {
        tracing::warn!(role = %role.name, error = %e, "could not record role last use");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let (a, p, n) = parse_role_arn("arn:aws:iam::123456789012:role/a/b/Dev", "aws")
            .unwrap_or_else(|| unreachable!());
        assert_eq!(
            (a.as_str(), p.as_str(), n.as_str()),
            ("123456789012", "/a/b/", "Dev")
        );
        for bad in [
            "arn:aws:iam::123456789012:user/Dev",
            "arn:aws:s3:::bucket",
            "arn:aws:iam:us-east-1:123456789012:role/Dev",
            "arn:aws-cn:iam::123456789012:role/Dev",
            "arn:x:iam::123456789012:role/Dev",
        ] {
            assert!(parse_role_arn(bad, "aws").is_none(), "{bad}");
        }
        assert!(parse_role_arn("arn:aws-cn:iam::123456789012:role/Dev", "aws-cn").is_some());
    }
}
