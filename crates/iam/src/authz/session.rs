//! Authorization of requests signed with temporary credentials.
//!
//! - An assumed-role session is decided over the role's *current* attached and inline
//!   policies, within the role's permissions boundary and the session policies (inline
//!   `Policy` and managed `PolicyArns` given to `AssumeRole`). Context: aws:PrincipalArn is the
//!   role's ARN (as AWS sets it), aws:userid `{role id}:{session}`, aws:PrincipalTag/* from the
//!   role's tags overridden by the session tags, aws:TokenIssueTime, aws:MultiFactorAuthPresent
//!   and aws:MultiFactorAuthAge, aws:SourceIdentity.
//! - `GetSessionToken` credentials act as their user (or root), with the session's keys. As
//!   AWS documents, they cannot call IAM without MFA, nor STS except `AssumeRole` and
//!   `GetCallerIdentity`.

use super::{GONE_ROLE, LoadedPolicy, PolicySource, Subject, base_context, load_managed};
use crate::{Iam, IamError};
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Principal};
use fedgate_policy::{Context, PolicyKind};
use fedgate_store::model::{Role, Session};
use std::sync::Arc;

/// Why a session whose record is gone is denied.
pub(super) const GONE: &str = "because the session no longer exists";

/// The session record of `principal`'s temporary key: the one authentication read, or the
/// store's.
pub(super) async fn load(
    iam: &Iam,
    principal: &Principal,
    ctx: &super::RequestContext,
) -> Result<Option<Arc<Session>>, IamError> {
    let Some(id) = principal.access_key_id().filter(|k| k.is_temporary()) else {
        return Ok(None);
    };
    if let Some(s) = ctx.session.as_ref().filter(|s| &s.access_key_id == id) {
        return Ok(Some(s.clone()));
    }
    Ok(iam.store.get_session(id).await?.map(Arc::new))
}

/// aws:TokenIssueTime, aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge of a session
/// (or console sign-in) issued at `issued_at_ms`, with MFA checked at `mfa_at_ms`.
pub(super) fn insert_sign_in_keys(
    context: &mut Context,
    issued_at_ms: i64,
    mfa_at_ms: Option<i64>,
) {
    if let Ok(t) =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(issued_at_ms) * 1_000_000)
    {
        context.insert("aws:TokenIssueTime", iso8601(t));
    }
    context.insert(
        "aws:MultiFactorAuthPresent",
        mfa_at_ms.is_some().to_string(),
    );
    if let (Some(at), Some(now)) = (
        mfa_at_ms,
        context
            .get("aws:EpochTime")
            .and_then(|v| v.first())
            .and_then(|v| v.parse::<i64>().ok()),
    ) {
        context.insert(
            "aws:MultiFactorAuthAge",
            (now - at / 1000).max(0).to_string(),
        );
    }
}

/// Adds the session's own keys: issue time, MFA, source identity, session tags.
pub(super) fn insert_session_keys(context: &mut Context, s: &Session) {
    let d = &s.details;
    insert_sign_in_keys(context, d.issued_at_ms, d.mfa_authenticated_at_ms);
    if let Some(si) = &d.source_identity {
        context.insert("aws:SourceIdentity", si.as_str());
    }
    for tag in &d.tags {
        context.insert(&format!("aws:PrincipalTag/{}", tag.key), tag.value.as_str());
    }
}

/// Session tags override the principal's own tags of the same key (case-insensitively).
pub(super) fn merge_tags(tags: &mut Vec<(String, String)>, session: &[fedgate_store::model::Tag]) {
    for t in session {
        tags.retain(|(k, _)| !k.eq_ignore_ascii_case(&t.key));
        tags.push((t.key.clone(), t.value.clone()));
    }
}

/// `Some(reason)` when `GetSessionToken` credentials (or a federated user session, see
/// [`super::federated`]) may not call `action` at all.
pub(super) async fn session_token_refusal(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    ctx: &super::RequestContext,
) -> Result<Option<&'static str>, IamError> {
    if let Some(why) = super::federated::refusal(principal, action) {
        return Ok(Some(why));
    }
    if matches!(
        principal,
        Principal::AssumedRole { .. } | Principal::FederatedUser { .. }
    ) || !principal.is_temporary()
    {
        return Ok(None);
    }
    let Some(s) = load(iam, principal, ctx).await? else {
        return Ok(Some(GONE));
    };
    let (service, name) = action.split_once(':').unwrap_or((action, ""));
    if service.eq_ignore_ascii_case("iam") && s.details.mfa_authenticated_at_ms.is_none() {
        return Ok(Some(
            "because IAM actions need MFA when called with GetSessionToken credentials",
        ));
    }
    if service.eq_ignore_ascii_case("sts")
        && !name.eq_ignore_ascii_case("AssumeRole")
        && !name.eq_ignore_ascii_case("GetCallerIdentity")
    {
        return Ok(Some(
            "because GetSessionToken credentials can call only AssumeRole and GetCallerIdentity in STS",
        ));
    }
    Ok(None)
}

/// The [`Subject`] of an assumed-role session.
pub(super) async fn assumed_role_subject(
    iam: &Iam,
    principal: &Principal,
    ctx: &super::RequestContext,
) -> Result<Result<Subject, &'static str>, IamError> {
    let Principal::AssumedRole {
        account, role_id, ..
    } = principal
    else {
        return Ok(Err(GONE));
    };
    let Some(role) = iam.store.get_entity::<Role>(account, role_id).await? else {
        return Ok(Err(GONE_ROLE));
    };
    let Some(session) = load(iam, principal, ctx).await? else {
        return Ok(Err(GONE));
    };
    let loaded = match super::principal_policies(iam, PolicySource::Role(&role)).await? {
        Ok(p) => p,
        Err(reason) => return Ok(Err(reason)),
    };
    let session_policies = match session_policies(iam, account, &session).await? {
        Ok(p) => p,
        Err(reason) => return Ok(Err(reason)),
    };
    let role_arn = principal
        .role_arn()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut context = base_context(iam, principal, &role_arn, ctx);
    for tag in &role.tags {
        context.insert(&format!("aws:PrincipalTag/{}", tag.key), tag.value.as_str());
    }
    insert_session_keys(&mut context, &session);
    let mut tags: Vec<(String, String)> = role
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    merge_tags(&mut tags, &session.details.tags);
    Ok(Ok(Subject {
        principal_arn: principal.arn().to_string(),
        role_arn: Some(role_arn),
        loaded,
        session: session_policies,
        context,
        tags,
    }))
}

/// The session policies of a session, compiled. One that cannot be loaded denies everything
/// (`Err`), since leaving it out would widen the session.
pub async fn session_policies(
    iam: &Iam,
    account: &AccountId,
    s: &Session,
) -> Result<Result<Vec<LoadedPolicy>, &'static str>, IamError> {
    const UNLOADABLE: &str = "because its session policy could not be evaluated";
    let mut out = Vec::new();
    if let Some(doc) = &s.details.session_policy {
        match iam.compiled.document(PolicyKind::Session, doc) {
            Ok(policy) => out.push(LoadedPolicy {
                label: "SessionPolicy".into(),
                policy,
                document: doc.clone(),
            }),
            Err(_) => return Ok(Err(UNLOADABLE)),
        }
    }
    for arn in &s.details.policy_arns {
        match load_managed(iam, account, arn).await? {
            Some(p) => out.push(p),
            None => return Ok(Err(UNLOADABLE)),
        }
    }
    Ok(Ok(out))
}
