//! STS `AssumeRole` and `GetSessionToken`: form parameters → typed requests, credentials →
//! XML. The secret and session token appear only in the response body (never audited: the
//! audit event's fields come from [`super::sts_audit`]).

use super::{Call, member_list, required};
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_sts::assume_role::{AssumeRoleRequest, assume_role};
use fedgate_sts::get_session_token::{GetSessionTokenRequest, get_session_token};
use fedgate_sts::issue::Credentials;

/// An optional integer parameter (`DurationSeconds`).
pub fn int_param(params: &Params, name: &str, field: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(name)
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ApiError::validation(format!(
                    "1 validation error detected: Value '{v}' at '{field}' failed to satisfy constraint: Member must be a number"
                ))
            })
        })
        .transpose()
}

/// The `Credentials` element of a minting action's result.
pub(crate) fn credentials(x: &mut Xml, c: &Credentials) {
    x.open("Credentials")
        .elem("AccessKeyId", c.access_key_id.as_str())
        .elem("SecretAccessKey", c.secret_access_key.expose())
        .elem("SessionToken", c.session_token.expose())
        .elem("Expiration", &c.expiration)
        .close("Credentials");
}

/// `PolicyArns.member.N.arn`.
pub(crate) fn policy_arns(p: &Params) -> Vec<String> {
    (1..)
        .map_while(|i| p.get(&format!("PolicyArns.member.{i}.arn")))
        .map(str::to_owned)
        .collect()
}

pub async fn run(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = AssumeRoleRequest {
        role_arn: required(p, "RoleArn")?.to_owned(),
        role_session_name: required(p, "RoleSessionName")?.to_owned(),
        duration_seconds: int_param(p, "DurationSeconds", "durationSeconds")?,
        external_id: p.get("ExternalId").map(str::to_owned),
        serial_number: p.get("SerialNumber").map(str::to_owned),
        token_code: p.get("TokenCode").map(str::to_owned),
        policy: p.get("Policy").map(str::to_owned),
        policy_arns: policy_arns(p),
        tags: super::shapes::tag_params(p),
        transitive_tag_keys: member_list(p, "TransitiveTagKeys")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        source_identity: p.get("SourceIdentity").map(str::to_owned),
    };
    let out = assume_role(c.iam, c.caller, c.ctx, &req).await?;
    c.record(super::sts_audit::assume_role(
        &req,
        &out,
        c.iam.clock.now_millis(),
    ));
    let mut x = Xml::new();
    credentials(&mut x, &out.credentials);
    x.open("AssumedRoleUser")
        .elem("AssumedRoleId", &out.assumed_role_id)
        .elem("Arn", &out.arn)
        .close("AssumedRoleUser");
    if let Some(n) = out.packed_policy_size {
        x.elem("PackedPolicySize", &n.to_string());
    }
    x.opt("SourceIdentity", out.source_identity.as_deref());
    Ok(x.into_string())
}

pub async fn get_session_token_run(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = GetSessionTokenRequest {
        duration_seconds: int_param(p, "DurationSeconds", "durationSeconds")?,
        serial_number: p.get("SerialNumber").map(str::to_owned),
        token_code: p.get("TokenCode").map(str::to_owned),
    };
    let creds = get_session_token(c.iam, c.caller, &req).await?;
    c.record(super::sts_audit::get_session_token(
        &req,
        &creds,
        c.iam.clock.now_millis(),
    ));
    let mut x = Xml::new();
    credentials(&mut x, &creds);
    Ok(x.into_string())
}
