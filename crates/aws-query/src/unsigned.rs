//! Dispatch of the STS actions that are not signed with SigV4 because the request carries
//! its own credential: `AssumeRoleWithWebIdentity` (an OIDC or OAuth 2.0 token) and
//! `AssumeRoleWithSAML` (a SAML assertion). They are rate-limited per source address like
//! every STS action, and audited — success or refusal — with the identity the credential
//! proved (never the credential).

use crate::actions::sts_saml;
use crate::actions::sts_web_identity::{self, FederatedAudit, UnsignedCall};
use crate::audit::AuditCtx;
use crate::dispatch::{Outcome, QueryApi};
use crate::error::ApiError;
use crate::form::Params;
use crate::throttle::{Scope, Verdict};
use fedgate_iam::authz::RequestContext;

/// The unsigned actions, by name.
pub const ACTIONS: &[&str] = &["AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"];

/// Whether `action` is served without a signature.
pub fn is_unsigned(action: &str) -> Option<&'static str> {
    ACTIONS.iter().copied().find(|a| *a == action)
}

pub(crate) async fn process(
    api: &QueryApi,
    params: &Params,
    audit_ctx: &AuditCtx<'_>,
    outcome: &mut Outcome,
) -> Result<String, ApiError> {
    if let Verdict::Refuse {
        audit, unaudited, ..
    } = api.throttle.check_ip(audit_ctx.peer)
    {
        if audit {
            audit_ctx.throttled(None, None, Scope::SourceIp, unaudited);
        }
        outcome.denied = true;
        return Err(ApiError::throttled());
    }
    let ctx = RequestContext {
        source_ip: audit_ctx.peer,
        secure_transport: api.config.secure_transport,
        region: String::new(),
        session: None,
        console: None,
    };
    let call = UnsignedCall {
        iam: &api.iam,
        ctx: &ctx,
        params,
        federation: &api.federation,
    };
    let mut audit = FederatedAudit::default();
    let result = match audit_ctx.action {
        "AssumeRoleWithSAML" => sts_saml::run(&call, &mut audit).await,
        _ => sts_web_identity::run(&call, &mut audit).await,
    };
    match &result {
        Ok(_) => {
            outcome.issued_credentials = true;
            audit_ctx.federated(&audit, None);
        }
        Err(e) if e.status.is_client_error() => {
            outcome.denied = true;
            audit_ctx.federated(&audit, Some(e));
        }
        Err(_) => {}
    }
    result
}
