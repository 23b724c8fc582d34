//! The authorization decision with its reasons, for services that ask fedgate whether their
//! caller may act (`POST /authorize`): the same rules as [`super::decide`] (the same opening,
//! [`super::opening`], then identity ∩ boundary ∩ session policies, and an optional
//! resource-based policy) but answering which statements matched, why a denial happened, and
//! the principal's tags.

use super::opening::Fixed;
use super::{
    ActionKeys, LoadedPolicy, Opening, PrincipalPolicies, RequestContext, Subject, evaluate_full,
    insert_action_keys, opening,
};
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_policy::{Effect, MatchedStatement, Request, access_denied_message};

/// A decision and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub allowed: bool,
    /// Denied by a `Deny` statement (or by a rule as strong: a session that may not call the
    /// action at all, a deleted principal).
    pub explicit_deny: bool,
    /// For a denial, AWS's message naming principal, action and resource and the reason.
    pub message: Option<String>,
    /// A short machine-readable reason: `allowed`, `explicit_deny`, `no_allow`,
    /// `no_allow_in_boundary`, `no_allow_in_session_policy`, `root_own_account`,
    /// `root_other_account`, `always_allowed`, `principal_unusable`.
    pub reason: &'static str,
    pub matched: Vec<MatchedStatement>,
    /// The principal's tags (a session's tags over the user's or role's), as `aws:PrincipalTag`.
    pub tags: Vec<(String, String)>,
}

impl Explanation {
    fn fixed(allowed: bool, explicit: bool, reason: &'static str, message: Option<String>) -> Self {
        Explanation {
            allowed,
            explicit_deny: explicit,
            message,
            reason,
            matched: vec![],
            tags: vec![],
        }
    }
}

/// Decides `action` on `resource` for `principal`, with the action's condition keys and an
/// optional resource-based policy, and says why. `resource_account` owns the resource when
/// its ARN names no account (`*`, `arn:aws:orders:::shop/42`): a principal of another
/// account then needs the resource policy's allow as well, as AWS decides cross-account
/// requests.
///
/// The root user is allowed everything in its own account, except that a resource policy's
/// `Deny` statements bind it as they bind anyone; in another account only a resource policy
/// can allow it.
#[allow(clippy::too_many_arguments)]
pub async fn explain(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    resource_account: &str,
    ctx: &RequestContext,
    keys: &ActionKeys,
    resource_policy: Option<&LoadedPolicy>,
) -> Result<Explanation, IamError> {
    let opened = match (principal, resource_policy) {
        (Principal::Root { .. }, Some(_)) => root_subject(iam, principal, action, ctx).await?,
        _ => {
            opening(
                iam,
                principal,
                action,
                resource,
                Some(resource_account),
                ctx,
            )
            .await?
        }
    };
    let mut subject = match opened {
        Opening::Decided(d) => {
            return Ok(Explanation::fixed(
                d.allowed,
                d.explicit_deny,
                d.reason,
                d.message,
            ));
        }
        Opening::Policies(s) => *s,
    };
    insert_action_keys(&mut subject.context, keys);
    let mut req = Request::new(&subject.principal_arn, action, resource, &subject.context);
    req.session_role_arn = subject.role_arn.as_deref();
    if super::resource_account(resource).is_none() {
        req = req.with_resource_account(resource_account);
    }
    let (decision, req) = evaluate_full(
        &subject.loaded,
        &subject.session,
        resource_policy,
        req,
        principal.account(),
    );
    let allowed = decision.effect == Effect::Allow;
    let reason = match (decision.effect, decision.denied_by) {
        (Effect::Allow, _) => "allowed",
        (Effect::ExplicitDeny, _) => "explicit_deny",
        (Effect::ImplicitDeny, Some(fedgate_policy::PolicyType::Boundary)) => {
            "no_allow_in_boundary"
        }
        (Effect::ImplicitDeny, Some(fedgate_policy::PolicyType::Session)) => {
            "no_allow_in_session_policy"
        }
        (Effect::ImplicitDeny, _) => "no_allow",
    };
    let message = (!allowed).then(|| {
        access_denied_message(&decision, &req).unwrap_or_else(|| {
            format!(
                "User: {} is not authorized to perform: {}",
                req.principal_arn, req.action
            )
        })
    });
    Ok(Explanation {
        allowed,
        explicit_deny: decision.effect == Effect::ExplicitDeny,
        message,
        reason,
        matched: decision.matched,
        tags: std::mem::take(&mut subject.tags),
    })
}

/// The root user facing a resource policy: its own side allows everything
/// ([`super::federated::ROOT_SIDE`]), so the resource policy's statements decide, its `Deny`
/// statements included. A session token limited to some actions still refuses the others.
async fn root_subject(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    ctx: &RequestContext,
) -> Result<Opening, IamError> {
    let principal_arn = principal.arn().to_string();
    let refused = |why: &str| {
        Ok(Opening::Decided(Fixed {
            allowed: false,
            explicit_deny: true,
            reason: "principal_unusable",
            message: Some(format!(
                "User: {principal_arn} is not authorized to perform: {action} {why}"
            )),
        }))
    };
    if let Some(why) = super::session::session_token_refusal(iam, principal, action, ctx).await? {
        return refused(why);
    }
    let Some(side) = super::federated::compiled(
        iam,
        "RootUser",
        fedgate_policy::PolicyKind::Managed,
        super::federated::ROOT_SIDE,
    ) else {
        return refused("because its policies could not be evaluated");
    };
    let mut context = super::base_context(iam, principal, &principal_arn, ctx);
    if principal.is_temporary() {
        let Some(s) = super::session::load(iam, principal, ctx).await? else {
            return refused(super::session::GONE);
        };
        super::session::insert_session_keys(&mut context, &s);
    }
    Ok(Opening::Policies(Box::new(Subject {
        principal_arn,
        role_arn: None,
        loaded: PrincipalPolicies {
            identity: vec![side],
            boundary: None,
        },
        session: vec![],
        context,
        tags: vec![],
    })))
}
