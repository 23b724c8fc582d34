//! Audit events of the Query API: one CloudTrail-shaped event per successful change or
//! credential issuance and per denial, with secrets removed.

use crate::actions::AuditDetail;
use crate::dispatch::QueryApi;
use crate::dispatch::Service;
use crate::error::ApiError;
use crate::form::Params;
use crate::throttle::Scope;
use fedgate_core::Principal;
use fedgate_core::audit::AuditEvent;
use fedgate_core::clock::iso8601;

pub(crate) struct AuditCtx<'a> {
    pub(crate) api: &'a QueryApi,
    pub(crate) service: Service,
    pub(crate) action: &'static str,
    pub(crate) peer: Option<std::net::IpAddr>,
    pub(crate) user_agent: Option<String>,
    pub(crate) rid: &'a str,
}

/// Request parameters never written to the audit log (secrets and one-time codes).
fn is_secret_param(name: &str) -> bool {
    const SECRET: &[&str] = &[
        "Password",
        "OldPassword",
        "NewPassword",
        "AuthenticationCode1",
        "AuthenticationCode2",
        "TokenCode",
        "SAMLAssertion",
        "WebIdentityToken",
        "SessionToken",
    ];
    SECRET.contains(&name) || name.contains("Secret")
}

impl AuditCtx<'_> {
    /// An event of this request: time, source, action, address, user agent and request id.
    fn event(&self) -> AuditEvent {
        let mut ev = AuditEvent::new(
            iso8601(self.api.iam.clock.now()),
            &format!("{}.amazonaws.com", self.service.prefix()),
            self.action,
        );
        ev.source_ip_address = self.peer.map(|p| p.to_string()).unwrap_or_default();
        ev.user_agent = self.user_agent.clone();
        ev.request_id = self.rid.to_owned();
        ev.event_id = self.rid.to_owned();
        ev
    }

    /// One CloudTrail-shaped event for a successful change or credential issuance: who, what,
    /// and either the handler's [`AuditDetail`] (typed request parameters and response
    /// elements, never a secret) or else the request's parameters with secrets removed and
    /// no response elements (they may hold secrets).
    pub(crate) fn changed(
        &self,
        principal: &Principal,
        params: &Params,
        detail: Option<AuditDetail>,
    ) {
        let mut ev = self.event();
        ev.user_identity = identity(principal);
        ev.recipient_account_id = Some(principal.account().to_string());
        if let Some(d) = detail {
            ev.request_parameters = d.request_parameters;
            ev.response_elements = d.response_elements;
            self.api.audit.emit(&ev);
            return;
        }
        let mut request = serde_json::Map::new();
        for (k, v) in params.iter() {
            if matches!(k, "Action" | "Version") || k.starts_with("X-Amz-") {
                continue;
            }
            let value = if is_secret_param(k) {
                serde_json::Value::String("HIDDEN_DUE_TO_SECURITY_REASONS".into())
            } else {
                serde_json::Value::String(v.to_owned())
            };
            request.insert(k.to_owned(), value);
        }
        ev.request_parameters = serde_json::Value::Object(request);
        self.api.audit.emit(&ev);
    }

    /// The event of an unsigned federation request (`AssumeRoleWithWebIdentity`): the
    /// identity its token proved (`WebIdentityUser`), or `Unknown` when the token was refused;
    /// the handler's typed parameters on success, the error on refusal. Never the token.
    pub(crate) fn federated(
        &self,
        audit: &crate::actions::sts_web_identity::FederatedAudit,
        error: Option<&ApiError>,
    ) {
        let mut ev = self.event();
        ev.user_identity = audit
            .identity
            .clone()
            .unwrap_or_else(|| serde_json::json!({ "type": "Unknown" }));
        ev.recipient_account_id = audit.account.clone();
        if let Some(e) = error {
            ev.error_code = Some(e.code.to_owned());
            ev.error_message = Some(e.message.clone());
        } else if let Some(d) = &audit.detail {
            ev.request_parameters = d.request_parameters.clone();
            ev.response_elements = d.response_elements.clone();
        }
        self.api.audit.emit(&ev);
    }

    /// The denial of a request over its rate: which limit refused it, and how many refusals
    /// of the same bucket went unaudited since its last audited one.
    pub(crate) fn throttled(
        &self,
        principal: Option<&Principal>,
        key_id: Option<&str>,
        scope: Scope,
        unaudited: u64,
    ) {
        self.emit_denied(
            principal,
            key_id,
            &ApiError::throttled(),
            Some(serde_json::json!({
                "throttle": scope.as_str(),
                "refusalsNotAudited": unaudited,
            })),
        );
    }

    /// One CloudTrail-shaped event for a refused request (no parameters, no secrets).
    pub(crate) fn denied(&self, principal: Option<&Principal>, key_id: Option<&str>, e: &ApiError) {
        self.emit_denied(principal, key_id, e, None);
    }

    fn emit_denied(
        &self,
        principal: Option<&Principal>,
        key_id: Option<&str>,
        e: &ApiError,
        additional: Option<serde_json::Value>,
    ) {
        let mut ev = self.event();
        ev.error_code = Some(e.code.to_owned());
        ev.error_message = Some(e.message.clone());
        ev.additional_event_data = additional;
        ev.user_identity = match principal {
            Some(p) => identity(p),
            None => serde_json::json!({ "type": "Unknown", "accessKeyId": key_id }),
        };
        ev.recipient_account_id = principal.map(|p| p.account().to_string());
        self.api.audit.emit(&ev);
    }
}

/// CloudTrail's `userIdentity` for a principal.
pub(crate) fn identity(p: &Principal) -> serde_json::Value {
    serde_json::json!({
        "type": match p {
            Principal::Root { .. } => "Root",
            Principal::User { .. } => "IAMUser",
            Principal::AssumedRole { .. } => "AssumedRole",
            Principal::FederatedUser { .. } => "FederatedUser",
        },
        "principalId": p.user_id(),
        "arn": p.arn().to_string(),
        "accountId": p.account().as_str(),
        "accessKeyId": p.access_key_id().map(|k| k.as_str()),
    })
}
