//! The audit event of a browser sign-in, success or refusal: CloudTrail's
//! `AssumeRoleWithWebIdentity` event (as the Query action writes it), with
//! `additionalEventData.signIn` naming the sign-in route. It names the person (issuer,
//! subject, audience, session name) and never carries the ID token, the authorization code,
//! the PKCE verifier, the state or the secret half of the credentials.

use crate::Sso;
use fedgate_aws_query::actions::sts_audit;
use fedgate_core::audit::AuditEvent;
use fedgate_core::clock::iso8601;
use fedgate_oidc::FederatedIdentity;
use fedgate_sts::assume_role_with_web_identity::{WebIdentityRequest, WebIdentityResult};
use std::net::IpAddr;

/// Who is on the other end of the browser.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub peer: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// How a sign-in ended.
pub enum Outcome<'a> {
    Issued(&'a WebIdentityRequest, &'a WebIdentityResult),
    Refused { code: &'a str, message: &'a str },
}

/// CloudTrail's `userIdentity` of a web identity user.
fn web_identity_user(id: &FederatedIdentity) -> serde_json::Value {
    serde_json::json!({
        "type": "WebIdentityUser",
        "principalId": format!("{}:{}:{}", id.provider_id, id.audience, id.subject),
        "userName": id.subject,
        "identityProvider": id.provider_id,
    })
}

/// Emits the event of a sign-in at `route` (`/sso/oidc/{name}`) into `account`.
pub fn emit(
    sso: &Sso,
    caller: &Caller,
    route: &str,
    account: &str,
    identity: Option<&FederatedIdentity>,
    outcome: Outcome<'_>,
) {
    let iam = &sso.api.iam;
    let mut ev = AuditEvent::new(
        iso8601(iam.clock.now()),
        "sts.amazonaws.com",
        "AssumeRoleWithWebIdentity",
    );
    let rid = sso.api.request_ids.next();
    ev.source_ip_address = caller.peer.map(|p| p.to_string()).unwrap_or_default();
    ev.user_agent = caller.user_agent.clone();
    ev.request_id = rid.clone();
    ev.event_id = rid;
    ev.recipient_account_id = Some(account.to_owned());
    ev.user_identity = identity
        .map(web_identity_user)
        .unwrap_or_else(|| serde_json::json!({ "type": "Unknown" }));
    ev.additional_event_data = Some(serde_json::json!({
        "signIn": route.trim_start_matches('/'),
    }));
    match outcome {
        Outcome::Issued(req, out) => {
            let d = sts_audit::assume_role_with_web_identity(req, out, iam.clock.now_millis());
            ev.request_parameters = d.request_parameters;
            ev.response_elements = d.response_elements;
        }
        Outcome::Refused { code, message } => {
            ev.error_code = Some(code.to_owned());
            ev.error_message = Some(message.to_owned());
        }
    }
    sso.api.audit.emit(&ev);
}
