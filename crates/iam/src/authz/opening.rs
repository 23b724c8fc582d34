//! The rules that come before any policy is read, shared by [`super::decide`] and
//! [`super::explain::explain`] so the two can never disagree on them.

use super::{RequestContext, Subject, is_aws_managed_policy, resource_account, session};
use crate::{Iam, IamError};
use fedgate_core::Principal;

/// A decision made before any policy is read.
pub(super) struct Fixed {
    pub allowed: bool,
    pub explicit_deny: bool,
    /// See [`super::Explanation::reason`].
    pub reason: &'static str,
    /// AWS's denial message.
    pub message: Option<String>,
}

/// How a decision starts, for [`super::decide`] and [`super::explain`] alike.
pub(super) enum Opening {
    Decided(Fixed),
    /// The principal's policies decide.
    Policies(Box<Subject>),
}

/// The rules that come before policies: GetCallerIdentity is always allowed; a session
/// token limited to some actions refuses the others; root may do anything in its own
/// account and nothing elsewhere without a resource policy; a principal that cannot be
/// loaded (deleted) is refused. Otherwise the principal's policies, loaded.
///
/// The resource's account is the one in its ARN, else `resource_account`, else the
/// principal's own.
pub(super) async fn opening(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    resource_account_default: Option<&str>,
    ctx: &RequestContext,
) -> Result<Opening, IamError> {
    let fixed = |allowed, explicit_deny, reason, message| {
        Ok(Opening::Decided(Fixed {
            allowed,
            explicit_deny,
            reason,
            message,
        }))
    };
    if action.eq_ignore_ascii_case("sts:GetCallerIdentity") {
        return fixed(true, false, "always_allowed", None);
    }
    let principal_arn = principal.arn().to_string();
    let denied = |reason: &str| {
        Some(format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {reason}"
        ))
    };
    if let Some(why) = session::session_token_refusal(iam, principal, action, ctx).await? {
        return fixed(false, true, "principal_unusable", denied(why));
    }
    if let Principal::Root { account, .. } = principal {
        let own = resource_account(resource)
            .or(resource_account_default)
            .is_none_or(|a| a == account.as_str() || is_aws_managed_policy(resource));
        return if own {
            fixed(true, false, "root_own_account", None)
        } else {
            fixed(
                false,
                false,
                "root_other_account",
                denied("because no resource-based policy allows the action"),
            )
        };
    }
    match Subject::load(iam, principal, ctx).await? {
        Ok(s) => Ok(Opening::Policies(Box::new(s))),
        Err(why) => fixed(false, true, "principal_unusable", denied(why)),
    }
}
