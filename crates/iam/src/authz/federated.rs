//! Authorization of federated user sessions (`GetFederationToken`).
//!
//! As the IAM User Guide ("Permissions for GetFederationToken") and the STS API Reference
//! document:
//! - The session may do what both the calling IAM user's identity-based policies (within its
//!   permissions boundary) and the session policies passed to `GetFederationToken` allow. A
//!   session given no session policy has no permissions: it is evaluated with one empty
//!   session policy ([`NO_SESSION_POLICY`]), so nothing passes the session layer, while a
//!   resource-based policy naming the federated user's ARN still grants access on its own.
//! - When the root user federated, its side allows everything in its own account
//!   ([`ROOT_SIDE`]), so the session policies alone bound the session.
//! - It cannot call any IAM operation, nor any STS operation but `GetCallerIdentity`
//!   ([`refusal`]).
//!
//! Context: aws:PrincipalArn is the federated user's ARN, aws:userid `{account}:{name}`,
//! aws:PrincipalType `FederatedUser`; aws:PrincipalTag/* from the user's tags, overridden by
//! the session tags of the same key; aws:TokenIssueTime. No aws:username (AWS sets it for
//! IAM users only).

use super::session::{GONE, insert_session_keys, load, session_policies};
use super::{
    LoadedPolicy, PolicySource, PrincipalPolicies, RequestContext, Subject, base_context,
    principal_policies,
};
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_policy::PolicyKind;

/// The session policy a federated user session without one is evaluated with: it allows
/// nothing.
pub const NO_SESSION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

/// The root user's side of a session it federated: everything in its own account.
pub const ROOT_SIDE: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Why a federated user session whose IAM user is gone is denied.
const GONE_USER: &str = "because the federating user no longer exists";
const UNLOADABLE: &str = "because its policies could not be evaluated";

/// `Some(reason)` when a federated user session may not call `action` at all (IAM, and STS
/// other than `GetCallerIdentity`, which the call site allows before asking).
pub(super) fn refusal(principal: &Principal, action: &str) -> Option<&'static str> {
    if !matches!(principal, Principal::FederatedUser { .. }) {
        return None;
    }
    let (service, name) = action.split_once(':').unwrap_or((action, ""));
    if service.eq_ignore_ascii_case("iam") {
        return Some("because federated user sessions cannot call IAM operations");
    }
    if service.eq_ignore_ascii_case("sts") && !name.eq_ignore_ascii_case("GetCallerIdentity") {
        return Some(
            "because federated user sessions can call no STS operation but GetCallerIdentity",
        );
    }
    None
}

pub(super) fn compiled(
    iam: &Iam,
    label: &str,
    kind: PolicyKind,
    doc: &str,
) -> Option<LoadedPolicy> {
    let policy = iam.compiled.document(kind, doc).ok()?;
    Some(LoadedPolicy {
        label: label.into(),
        policy,
        document: doc.into(),
    })
}

/// The [`Subject`] of a federated user session.
pub(super) async fn federated_user_subject(
    iam: &Iam,
    principal: &Principal,
    ctx: &RequestContext,
) -> Result<Result<Subject, &'static str>, IamError> {
    let Principal::FederatedUser {
        account, user_id, ..
    } = principal
    else {
        return Ok(Err(GONE));
    };
    let Some(session) = load(iam, principal, ctx).await? else {
        return Ok(Err(GONE));
    };
    let principal_arn = principal.arn().to_string();
    let mut context = base_context(iam, principal, &principal_arn, ctx);
    let mut tags: Vec<(String, String)> = Vec::new();
    let loaded = match user_id {
        Some(id) => {
            let Some(user) = iam.store.get_user(account, id).await? else {
                return Ok(Err(GONE_USER));
            };
            for tag in &user.tags {
                context.insert(&format!("aws:PrincipalTag/{}", tag.key), tag.value.as_str());
                tags.push((tag.key.clone(), tag.value.clone()));
            }
            match principal_policies(iam, PolicySource::User(&user)).await? {
                Ok(p) => p,
                Err(reason) => return Ok(Err(reason)),
            }
        }
        None => match compiled(iam, "RootUser", PolicyKind::Managed, ROOT_SIDE) {
            Some(p) => PrincipalPolicies {
                identity: vec![p],
                boundary: None,
            },
            None => return Ok(Err(UNLOADABLE)),
        },
    };
    insert_session_keys(&mut context, &session);
    super::session::merge_tags(&mut tags, &session.details.tags);
    let mut session = match session_policies(iam, account, &session).await? {
        Ok(p) => p,
        Err(reason) => return Ok(Err(reason)),
    };
    if session.is_empty() {
        match compiled(
            iam,
            "NoSessionPolicy",
            PolicyKind::Session,
            NO_SESSION_POLICY,
        ) {
            Some(p) => session.push(p),
            None => return Ok(Err(UNLOADABLE)),
        }
    }
    Ok(Ok(Subject {
        principal_arn,
        role_arn: None,
        loaded,
        session,
        context,
        tags,
    }))
}
