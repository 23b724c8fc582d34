//! STS `AssumeRoleWithSAML`: an unsigned request (the SAML assertion is the credential) →
//! the typed request, the result → XML with `Subject`, `SubjectType`, `Issuer`, `Audience`
//! and `NameQualifier`. The assertion is never audited or logged; the event names the person
//! (CloudTrail's `SAMLUser`: name qualifier and subject).

use super::sts_assume_role::{credentials, int_param, policy_arns};
use super::sts_web_identity::{FederatedAudit, UnsignedCall};
use super::{AuditDetail, required};
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_sts::assume_role_with_saml::{SamlRequest, SamlResult, assume_role_with_saml};
use serde_json::json;

fn request(p: &Params) -> Result<SamlRequest, ApiError> {
    Ok(SamlRequest {
        role_arn: required(p, "RoleArn")?.to_owned(),
        principal_arn: required(p, "PrincipalArn")?.to_owned(),
        saml_assertion: required(p, "SAMLAssertion")?.to_owned(),
        policy: p.get("Policy").map(str::to_owned),
        policy_arns: policy_arns(p),
        duration_seconds: int_param(p, "DurationSeconds", "durationSeconds")?,
    })
}

/// CloudTrail's `requestParameters` and `responseElements` of a SAML sign-in (also the browser's).
pub fn audit_detail(req: &SamlRequest, out: &SamlResult) -> AuditDetail {
    let c = &out.credentials;
    let mut request = json!({
        "roleArn": req.role_arn,
        "principalArn": req.principal_arn,
    });
    if let Some(d) = req.duration_seconds {
        request["durationSeconds"] = json!(d);
    }
    if let Some(p) = &req.policy {
        request["policySha256"] = json!(super::sts_audit::policy_digest(p));
    }
    let mut response = json!({
        "credentials": {"accessKeyId": c.access_key_id.as_str(), "expiration": c.expiration},
        "assumedRoleUser": {"assumedRoleId": out.assumed_role_id, "arn": out.arn},
        "subject": out.subject,
        "subjectType": out.subject_type,
        "issuer": out.issuer,
        "audience": out.audience,
        "nameQualifier": out.name_qualifier,
    });
    if let Some(s) = &out.source_identity {
        response["sourceIdentity"] = json!(s);
    }
    AuditDetail {
        request_parameters: request,
        response_elements: response,
    }
}

/// CloudTrail's `userIdentity` of a SAML user.
pub fn saml_user(out: &SamlResult) -> serde_json::Value {
    json!({
        "type": "SAMLUser",
        "principalId": format!("{}:{}", out.name_qualifier, out.subject),
        "userName": out.subject,
        "identityProvider": out.name_qualifier,
    })
}

/// Runs the action; `audit` receives what the event should say, also on failure.
pub async fn run(c: &UnsignedCall<'_>, audit: &mut FederatedAudit) -> Result<String, ApiError> {
    let req = request(c.params)?;
    audit.account = fedgate_core::Arn::parse(&req.role_arn)
        .ok()
        .map(|a| a.account);
    let out = assume_role_with_saml(c.iam, &c.federation.saml, c.ctx, &req).await?;
    audit.identity = Some(saml_user(&out));
    audit.detail = Some(audit_detail(&req, &out));
    let mut x = Xml::new();
    x.open("AssumedRoleUser")
        .elem("Arn", &out.arn)
        .elem("AssumedRoleId", &out.assumed_role_id)
        .close("AssumedRoleUser");
    credentials(&mut x, &out.credentials);
    x.elem("Subject", &out.subject)
        .elem("SubjectType", &out.subject_type)
        .elem("Issuer", &out.issuer)
        .elem("Audience", &out.audience)
        .elem("NameQualifier", &out.name_qualifier);
    x.opt("SourceIdentity", out.source_identity.as_deref());
    if let Some(n) = out.packed_policy_size {
        x.elem("PackedPolicySize", &n.to_string());
    }
    Ok(x.into_string())
}
