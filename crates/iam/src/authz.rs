//! The authorization call site. Every action fedgate serves is decided here, by
//! [`authorize`]`(principal, action, resource, context)`.
//!
//! Until the policy engine lands, the decision is [`interim_root_and_bootstrap_admin`]: a real,
//! safe default — the account's root user and the admin user created by bootstrap may act on
//! their own account; everyone else is denied. `sts:GetCallerIdentity` is always allowed, as
//! AWS documents ("No permissions are required to perform this operation").

use crate::{Iam, IamError};
use fedgate_core::Principal;
use std::net::IpAddr;

/// What is known about the request besides who sent it; the policy engine will read its keys.
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
    _ctx: &RequestContext,
) -> Result<Decision, IamError> {
    if action.eq_ignore_ascii_case("sts:GetCallerIdentity") {
        return Ok(Decision::Allow);
    }
    interim_root_and_bootstrap_admin(iam, principal, action, resource).await
}

/// The interim rule described in the module documentation.
pub async fn interim_root_and_bootstrap_admin(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
) -> Result<Decision, IamError> {
    let own_account = resource_account(resource).is_none_or(|a| a == principal.account().as_str());
    let admitted = match principal {
        Principal::Root { .. } => own_account,
        Principal::User {
            user_id, account, ..
        } => {
            own_account
                && iam
                    .store
                    .get_account(account)
                    .await?
                    .and_then(|a| a.bootstrap_admin_user_id)
                    .is_some_and(|admin| admin == *user_id)
        }
    };
    if admitted {
        Ok(Decision::Allow)
    } else {
        Ok(Decision::Deny(format!(
            "User: {} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
            principal.arn()
        )))
    }
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
