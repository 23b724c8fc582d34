//! STS `AssumeRoleWithWebIdentity`: an unsigned request (the OIDC token is the credential) →
//! the typed request, the result → XML with `SubjectFromWebIdentityToken`, `Audience` and
//! `Provider`. The token is never audited or logged.

use super::sts_assume_role::{credentials, int_param, policy_arns};
use super::{AuditDetail, required};
use crate::dispatch::Federation;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_sts::assume_role_with_web_identity::{
    WebIdentityRequest, WebIdentityResult, assume_role_with_web_identity,
};

/// Everything an unsigned STS action gets: no caller, the federation verifiers instead.
pub struct UnsignedCall<'a> {
    pub iam: &'a Iam,
    pub ctx: &'a RequestContext,
    pub params: &'a Params,
    pub federation: &'a Federation,
}

/// What the audit event of a web identity request names, success or not.
#[derive(Debug, Default)]
pub struct FederatedAudit {
    /// CloudTrail's `userIdentity` (`WebIdentityUser`), when the token was verified.
    pub identity: Option<serde_json::Value>,
    /// The role's account.
    pub account: Option<String>,
    pub detail: Option<AuditDetail>,
}

fn request(p: &Params) -> Result<WebIdentityRequest, ApiError> {
    Ok(WebIdentityRequest {
        role_arn: required(p, "RoleArn")?.to_owned(),
        role_session_name: required(p, "RoleSessionName")?.to_owned(),
        web_identity_token: required(p, "WebIdentityToken")?.to_owned(),
        provider_id: p.get("ProviderId").map(str::to_owned),
        policy: p.get("Policy").map(str::to_owned),
        policy_arns: policy_arns(p),
        duration_seconds: int_param(p, "DurationSeconds", "durationSeconds")?,
    })
}

/// CloudTrail's `userIdentity` of a web identity user.
fn web_identity_user(out: &WebIdentityResult) -> serde_json::Value {
    let id = &out.identity;
    serde_json::json!({
        "type": "WebIdentityUser",
        "principalId": format!("{}:{}:{}", id.provider_id, id.audience, id.subject),
        "userName": id.subject,
        "identityProvider": id.provider_id,
    })
}

/// Runs the action; `audit` receives what the event should say, also on failure.
pub async fn run(c: &UnsignedCall<'_>, audit: &mut FederatedAudit) -> Result<String, ApiError> {
    let req = request(c.params)?;
    audit.account = fedgate_core::Arn::parse(&req.role_arn)
        .ok()
        .map(|a| a.account);
    let out = assume_role_with_web_identity(
        c.iam,
        &c.federation.oidc_keys,
        &c.federation.oauth,
        c.federation.web_identity,
        c.ctx,
        &req,
    )
    .await?;
    audit.identity = Some(web_identity_user(&out));
    audit.detail = Some(super::sts_audit::assume_role_with_web_identity(
        &req,
        &out,
        c.iam.clock.now_millis(),
    ));
    let mut x = Xml::new();
    x.elem("SubjectFromWebIdentityToken", &out.identity.subject)
        .elem("Audience", &out.identity.audience);
    x.open("AssumedRoleUser")
        .elem("Arn", &out.arn)
        .elem("AssumedRoleId", &out.assumed_role_id)
        .close("AssumedRoleUser");
    credentials(&mut x, &out.credentials);
    x.opt("SourceIdentity", out.source_identity.as_deref());
    x.elem("Provider", &out.identity.issuer);
    if let Some(n) = out.packed_policy_size {
        x.elem("PackedPolicySize", &n.to_string());
    }
    Ok(x.into_string())
}
