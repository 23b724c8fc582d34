//! CloudTrail's `requestParameters` and `responseElements` for the STS actions that mint
//! credentials, in CloudTrail's camelCase names (`roleArn`, `roleSessionName`,
//! `durationSeconds`, `sourceIdentity`, …; `credentials.accessKeyId`, `expiration`,
//! `assumedRoleUser`, `federatedUser`).
//!
//! Never written: the secret access key, the session token (CloudTrail logs the token;
//! fedgate does not — it is a bearer half of the credentials), MFA token codes, and the
//! session policy text, which is replaced by `policySha256` (hex SHA-256 of the `Policy`
//! parameter as sent), so an event stays small and a known policy can still be matched.
//! `durationSeconds` is the requested lifetime, or the one applied when none was asked for.

use super::AuditDetail;
use fedgate_store::model::Tag;
use fedgate_sts::assume_role::{AssumeRoleRequest, AssumeRoleResult};
use fedgate_sts::assume_role_with_web_identity::{WebIdentityRequest, WebIdentityResult};
use fedgate_sts::get_federation_token::{GetFederationTokenRequest, GetFederationTokenResult};
use fedgate_sts::get_session_token::GetSessionTokenRequest;
use fedgate_sts::issue::Credentials;
use serde_json::{Map, Value, json};

/// Hex SHA-256 of a session policy document, as sent.
pub fn policy_digest(doc: &str) -> String {
    fedgate_sigv4::sha256_hex(doc.as_bytes())
}

/// Request parameters under construction: absent values are left out, as CloudTrail does.
#[derive(Default)]
struct Fields(Map<String, Value>);

impl Fields {
    fn put(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }
    fn opt(self, name: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.put(name, v),
            None => self,
        }
    }
    fn list(self, name: &str, values: Vec<Value>) -> Self {
        if values.is_empty() {
            self
        } else {
            self.put(name, Value::Array(values))
        }
    }
    /// `policySha256`, `policyArns` and `tags`, shared by AssumeRole and GetFederationToken.
    fn session_policies(self, policy: Option<&str>, arns: &[String], tags: &[Tag]) -> Self {
        self.opt("policySha256", policy.map(policy_digest))
            .list(
                "policyArns",
                arns.iter().map(|a| json!({"arn": a})).collect(),
            )
            .list(
                "tags",
                tags.iter()
                    .map(|t| json!({"key": t.key, "value": t.value}))
                    .collect(),
            )
    }
    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// The requested duration, or else the lifetime of the credentials issued at `now_ms`.
fn duration(requested: Option<i64>, c: &Credentials, now_ms: i64) -> i64 {
    requested.unwrap_or_else(|| (c.expires_at_ms.saturating_sub(now_ms) + 500) / 1000)
}

/// `credentials` without its secret and token.
fn credentials(c: &Credentials) -> Value {
    json!({"accessKeyId": c.access_key_id.as_str(), "expiration": c.expiration})
}

pub fn assume_role(req: &AssumeRoleRequest, out: &AssumeRoleResult, now_ms: i64) -> AuditDetail {
    let c = &out.credentials;
    let request = Fields::default()
        .put("roleArn", req.role_arn.as_str())
        .put("roleSessionName", req.role_session_name.as_str())
        .put("durationSeconds", duration(req.duration_seconds, c, now_ms))
        .opt("externalId", req.external_id.as_deref())
        .opt("serialNumber", req.serial_number.as_deref())
        .opt("sourceIdentity", req.source_identity.as_deref())
        .session_policies(req.policy.as_deref(), &req.policy_arns, &req.tags)
        .list(
            "transitiveTagKeys",
            req.transitive_tag_keys.iter().map(|k| json!(k)).collect(),
        );
    let response = Fields::default()
        .put("credentials", credentials(c))
        .put(
            "assumedRoleUser",
            json!({"assumedRoleId": out.assumed_role_id, "arn": out.arn}),
        )
        .opt("packedPolicySize", out.packed_policy_size)
        .opt("sourceIdentity", out.source_identity.as_deref());
    AuditDetail {
        request_parameters: request.done(),
        response_elements: response.done(),
    }
}

pub fn get_session_token(
    req: &GetSessionTokenRequest,
    c: &Credentials,
    now_ms: i64,
) -> AuditDetail {
    let request = Fields::default()
        .put("durationSeconds", duration(req.duration_seconds, c, now_ms))
        .opt("serialNumber", req.serial_number.as_deref());
    AuditDetail {
        request_parameters: request.done(),
        response_elements: Fields::default().put("credentials", credentials(c)).done(),
    }
}

pub fn get_federation_token(
    req: &GetFederationTokenRequest,
    out: &GetFederationTokenResult,
    now_ms: i64,
) -> AuditDetail {
    let c = &out.credentials;
    let request = Fields::default()
        .put("name", req.name.as_str())
        .put("durationSeconds", duration(req.duration_seconds, c, now_ms))
        .session_policies(req.policy.as_deref(), &req.policy_arns, &req.tags);
    let response = Fields::default()
        .put("credentials", credentials(c))
        .put(
            "federatedUser",
            json!({"federatedUserId": out.federated_user_id, "arn": out.arn}),
        )
        .opt("packedPolicySize", out.packed_policy_size);
    AuditDetail {
        request_parameters: request.done(),
        response_elements: response.done(),
    }
}

/// AssumeRoleWithWebIdentity: the token itself is never written; the event names the person
/// (issuer, subject, audience) in `responseElements` as CloudTrail does.
pub fn assume_role_with_web_identity(
    req: &WebIdentityRequest,
    out: &WebIdentityResult,
    now_ms: i64,
) -> AuditDetail {
    let c = &out.credentials;
    let request = Fields::default()
        .put("roleArn", req.role_arn.as_str())
        .put("roleSessionName", req.role_session_name.as_str())
        .put("durationSeconds", duration(req.duration_seconds, c, now_ms))
        .session_policies(req.policy.as_deref(), &req.policy_arns, &[]);
    let response = Fields::default()
        .put("credentials", credentials(c))
        .put(
            "assumedRoleUser",
            json!({"assumedRoleId": out.assumed_role_id, "arn": out.arn}),
        )
        .put("subjectFromWebIdentityToken", out.identity.subject.as_str())
        .put("provider", out.identity.issuer.as_str())
        .put("audience", out.identity.audience.as_str())
        .opt("packedPolicySize", out.packed_policy_size)
        .opt("sourceIdentity", out.source_identity.as_deref());
    AuditDetail {
        request_parameters: request.done(),
        response_elements: response.done(),
    }
}
