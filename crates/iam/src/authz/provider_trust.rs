//! Trust decisions for callers that are not IAM principals: users of an identity provider
//! (`AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`). Only the role's trust policy
//! decides (there are no identity policies to consult), with the principal matched as
//! `Federated` on the provider's ARN or, for the well-known web identity providers, also on
//! its bare name (`"Federated": "accounts.google.com"`, as AWS's examples write it). An
//! explicit Deny under either name denies.

use super::{LoadedPolicy, RequestContext};
use crate::Iam;
use fedgate_core::clock::iso8601;
use fedgate_policy::{Context, Effect, PolicySet, PrincipalType, Request, evaluate};

/// Providers AWS lets trust policies name without an ARN.
const WELL_KNOWN: &[&str] = &[
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "cognito-identity.amazonaws.com",
];

/// The names a trust policy may use for the provider `provider_arn` with id `provider_id`.
pub fn provider_names<'a>(provider_arn: &'a str, provider_id: &'a str) -> Vec<&'a str> {
    let mut names = vec![provider_arn];
    if WELL_KNOWN.contains(&provider_id) && provider_id != provider_arn {
        names.push(provider_id);
    }
    names
}

/// The context keys of a request from outside IAM (time, transport, source address, region).
pub fn anonymous_context(iam: &Iam, ctx: &RequestContext) -> Context {
    let mut c = Context::new();
    let now = iam.clock.now();
    c.insert("aws:CurrentTime", iso8601(now))
        .insert("aws:EpochTime", now.unix_timestamp().to_string())
        .insert("aws:SecureTransport", ctx.secure_transport.to_string());
    if !ctx.region.is_empty() {
        c.insert("aws:RequestedRegion", ctx.region.as_str());
    }
    if let Some(ip) = ctx.source_ip {
        c.insert("aws:SourceIp", ip.to_string());
    }
    c
}

/// Whether the trust policy lets a user of the provider (known by `names`) perform `action`
/// on `role_arn` with `context`.
pub fn provider_allowed(
    names: &[&str],
    action: &str,
    role_arn: &str,
    role_account: &str,
    trust: &LoadedPolicy,
    context: &Context,
) -> bool {
    let set = PolicySet {
        resource: Some((trust.label.clone(), trust.policy.as_ref())),
        ..PolicySet::default()
    };
    let mut allowed = false;
    for name in names {
        let mut req = Request::new(name, action, role_arn, context)
            .with_principal_type(PrincipalType::Federated)
            .with_resource_account(role_account);
        req.principal_account = None;
        match evaluate(&set, &req).effect {
            Effect::ExplicitDeny => return false,
            Effect::Allow => allowed = true,
            Effect::ImplicitDeny => {}
        }
    }
    allowed
}
