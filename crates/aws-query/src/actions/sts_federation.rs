//! STS `GetFederationToken` and `DecodeAuthorizationMessage`: form parameters → typed
//! requests, results → XML. The secret and session token appear only in the response body
//! (never audited); the decoded message only in the response of an allowed caller.

use super::sts_assume_role::{credentials, int_param, policy_arns};
use super::{Call, required};
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_sts::decode_authorization_message::decode_authorization_message;
use fedgate_sts::get_federation_token::{GetFederationTokenRequest, get_federation_token};

pub async fn get_federation_token_run(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = GetFederationTokenRequest {
        name: required(p, "Name")?.to_owned(),
        duration_seconds: int_param(p, "DurationSeconds", "durationSeconds")?,
        policy: p.get("Policy").map(str::to_owned),
        policy_arns: policy_arns(p),
        tags: super::shapes::tag_params(p),
    };
    let out = get_federation_token(c.iam, c.caller, c.ctx, &req).await?;
    c.record(super::sts_audit::get_federation_token(
        &req,
        &out,
        c.iam.clock.now_millis(),
    ));
    let mut x = Xml::new();
    credentials(&mut x, &out.credentials);
    x.open("FederatedUser")
        .elem("FederatedUserId", &out.federated_user_id)
        .elem("Arn", &out.arn)
        .close("FederatedUser");
    if let Some(n) = out.packed_policy_size {
        x.elem("PackedPolicySize", &n.to_string());
    }
    Ok(x.into_string())
}

pub async fn decode_authorization_message_run(c: &Call<'_>) -> Result<String, ApiError> {
    let encoded = required(c.params, "EncodedMessage")?;
    let decoded = decode_authorization_message(c.iam, c.caller, c.ctx, encoded).await?;
    let mut x = Xml::new();
    x.elem("DecodedMessage", &decoded);
    Ok(x.into_string())
}
