//! The authorization call site. Every action fedgate serves is decided here, by
//! [`authorize`]`(principal, action, resource, context)`, with the policy engine.
//!
//! - `sts:GetCallerIdentity` is always allowed, as AWS documents ("No permissions are required
//!   to perform this operation").
//! - The account root user may do anything in its own account (AWS: only SCPs limit root, and
//!   fedgate has no Organizations); nothing in another account.
//! - An IAM user is decided by the engine over its attached managed policies, within its
//!   permissions boundary. A policy fedgate cannot load (an ARN it does not know yet) grants
//!   nothing; a boundary it cannot load denies everything.
//!
//! Inline policies, group policies, customer-managed policies, resource-based policies and
//! session policies join the policy set with the IAM and STS issues.

use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_core::clock::iso8601;
use fedgate_policy::{Context, Effect, PolicySet, Request, access_denied_message, evaluate};
use std::net::IpAddr;
use std::sync::Arc;

/// What is known about the request besides who sent it.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Denied, with the message AWS would give (it names the principal, action and resource).
    Deny(String),
}

pub async fn authorize(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    ctx: &RequestContext,
) -> Result<Decision, IamError> {
    if action.eq_ignore_ascii_case("sts:GetCallerIdentity") {
        return Ok(Decision::Allow);
    }
    let principal_arn = principal.arn().to_string();
    let denied = |reason: &str| {
        Decision::Deny(format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {reason}"
        ))
    };
    match principal {
        Principal::Root { account, .. } => {
            let own = resource_account(resource).is_none_or(|a| a == account.as_str());
            Ok(if own {
                Decision::Allow
            } else {
                denied("because no resource-based policy allows the action")
            })
        }
        Principal::User {
            account, user_id, ..
        } => {
            let Some(user) = iam.store.get_user(account, user_id).await? else {
                return Ok(denied("because the user no longer exists"));
            };
            let (identity, boundary) = match user_policies(iam, &user) {
                Ok(p) => p,
                Err(reason) => return Ok(denied(reason)),
            };
            let mut context = Context::new();
            let now = iam.clock.now();
            context
                .insert("aws:username", user.name.as_str())
                .insert("aws:userid", user.user_id.as_str())
                .insert("aws:PrincipalArn", principal_arn.as_str())
                .insert("aws:PrincipalAccount", account.as_str())
                .insert("aws:PrincipalType", principal.principal_type())
                .insert("aws:CurrentTime", iso8601(now))
                .insert("aws:EpochTime", now.unix_timestamp().to_string())
                .insert("aws:SecureTransport", ctx.secure_transport.to_string());
            if !ctx.region.is_empty() {
                context.insert("aws:RequestedRegion", ctx.region.as_str());
            }
            if let Some(ip) = ctx.source_ip {
                context.insert("aws:SourceIp", ip.to_string());
            }
            for tag in &user.tags {
                context.insert(&format!("aws:PrincipalTag/{}", tag.key), tag.value.as_str());
            }
            let set = PolicySet {
                identity: identity
                    .iter()
                    .map(|(l, p)| (l.clone(), p.as_ref()))
                    .collect(),
                resource: None,
                boundary: boundary.as_ref().map(|(l, p)| (l.clone(), p.as_ref())),
                session: vec![],
            };
            let req = Request::new(&principal_arn, action, resource, &context);
            let decision = evaluate(&set, &req);
            Ok(match decision.effect {
                Effect::Allow => Decision::Allow,
                Effect::ExplicitDeny | Effect::ImplicitDeny => {
                    Decision::Deny(access_denied_message(&decision, &req).unwrap_or_else(|| {
                        format!("User: {principal_arn} is not authorized to perform: {action}")
                    }))
                }
            })
        }
    }
}

/// A user's identity policies and permissions boundary, compiled. A policy fedgate cannot
/// load grants nothing; a boundary it cannot load is an error (it must deny everything).
pub type LoadedPolicies = (
    Vec<(String, Arc<fedgate_policy::Policy>)>,
    Option<(String, Arc<fedgate_policy::Policy>)>,
);

pub fn user_policies(
    iam: &Iam,
    user: &fedgate_store::model::User,
) -> Result<LoadedPolicies, &'static str> {
    let identity = user
        .attached_policies
        .iter()
        .filter_map(|arn| iam.managed.get(arn).map(|p| (arn.clone(), p.clone())))
        .collect();
    let boundary = match &user.permissions_boundary {
        None => None,
        Some(arn) => match iam.managed.get(arn) {
            Some(p) => Some((arn.clone(), p.clone())),
            None => return Err("because its permissions boundary could not be evaluated"),
        },
    };
    Ok((identity, boundary))
}

/// The account field of an ARN (`arn:p:s:r:ACCOUNT:res`), if the resource is an ARN with one.
fn resource_account(resource: &str) -> Option<&str> {
    let account = resource.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// Turns a denial into the error every caller returns.
pub fn require(decision: Decision) -> Result<(), IamError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Deny(msg) => Err(IamError::AccessDenied(msg)),
    }
}
