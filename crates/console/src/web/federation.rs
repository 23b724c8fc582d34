//! `GET /federation`: AWS's console federation endpoint, for identity brokers.
//!
//! - `Action=getSigninToken&Session={"sessionId","sessionKey","sessionToken"}` (optionally
//!   `SessionDuration`, 900–43,200 seconds, for role sessions only) checks the temporary
//!   credentials — token authentic and unexpired, session live, secret equal in constant
//!   time — and answers `{"SigninToken":"…"}`: a one-use token valid for 15 minutes, kept in
//!   the store by its SHA-256.
//! - `Action=login&SigninToken=…&Destination=…` spends the token and starts a console
//!   session for those credentials, then goes to `Destination` when it is a console page of
//!   this gateway (`/console/…` or `{public_url}/console/…`), else to the dashboard.
//! - `Action=logout` ends the browser's console session.
//!
//! A federated console session never outlives its credentials: revoking the role's sessions,
//! deleting the role, or the credentials expiring ends it on every replica.
//! `GetSessionToken` credentials are refused, as AWS refuses them.

use super::Req;
use super::session::{self, ConsoleSession};
use crate::Sso;
use crate::flow::{self, random_token};
use crate::page::redirect;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use fedgate_core::{AccessKeyId, Principal};
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use subtle::ConstantTimeEq;

const TOKEN_TTL_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Serialize, Deserialize)]
struct SigninToken {
    key_id: String,
    expires_at_ms: i64,
    /// The console session's length asked with SessionDuration, ms.
    duration_ms: Option<i64>,
    /// Where the credentials came from (`federation`, or the SSO route), for the session
    /// and its `ConsoleLogin` event.
    #[serde(default)]
    via: String,
}

/// The `Session` parameter of `getSigninToken`: temporary credentials as JSON.
#[derive(Debug, Deserialize)]
pub struct SessionJson {
    #[serde(rename = "sessionId")]
    pub session_id: String,
    #[serde(rename = "sessionKey")]
    pub session_key: String,
    #[serde(rename = "sessionToken")]
    pub session_token: String,
}

/// Parses the `Session` parameter (at most 8 KB); `None` when it is not the expected object.
pub fn parse_session(raw: &str) -> Option<SessionJson> {
    if raw.len() > 8192 {
        return None;
    }
    serde_json::from_str(raw).ok()
}

fn token_key(t: &str) -> String {
    format!(
        "console/signin/{}",
        hex::encode(ring::digest::digest(&ring::digest::SHA256, t.as_bytes()))
    )
}

fn answer(status: StatusCode, v: &serde_json::Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    crate::page::secure_headers(h);
    r
}

fn bad(message: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({ "Error": message }),
    )
}

pub async fn handle(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if let Some(resp) = crate::routes::throttled(&sso, &r.caller) {
        return resp;
    }
    match r.field("Action").as_deref() {
        Some("getSigninToken") => get_signin_token(&sso, &r).await,
        Some("login") => login(&sso, &r).await,
        Some("logout") => {
            if let Some(c) =
                crate::page::read_cookie(&r.headers, session::SESSION_COOKIE, sso.secure())
            {
                let _ = session::end(&sso.api.iam.store, &c).await;
            }
            redirect("/console", &[sso.session_cookie("", 0)])
        }
        _ => bad("Action must be getSigninToken, login or logout."),
    }
}

async fn get_signin_token(sso: &Sso, r: &Req) -> Response {
    let iam = &sso.api.iam;
    // From the query string as AWS documents it, or from a POST body, which keeps the
    // credentials out of proxies' access logs.
    let Some(raw) = r.field("Session") else {
        return bad("Session is required.");
    };
    let Some(s) = parse_session(&raw) else {
        return bad("Session must be a JSON object with sessionId, sessionKey and sessionToken.");
    };
    let duration_ms = match r.field("SessionDuration") {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (900..=43_200).contains(&n) => Some(n * 1000),
            _ => return bad("SessionDuration must be between 900 and 43200 seconds."),
        },
    };
    let invalid = || bad("The credentials in Session are not valid.");
    let Ok(id) = AccessKeyId::parse(&s.session_id) else {
        return invalid();
    };
    let resolved =
        match fedgate_sts::resolve::resolve_session(iam, &id, Some(&s.session_token)).await {
            Ok(r) => r,
            Err(fedgate_sts::StsError::ExpiredToken) => {
                return bad("The credentials in Session have expired.");
            }
            Err(fedgate_sts::StsError::InvalidClientTokenId) => return invalid(),
            Err(_) => return super::unavailable(),
        };
    let Ok(secret) = resolved.open_secret(iam) else {
        return super::unavailable();
    };
    let a = secret.expose().as_bytes();
    let b = s.session_key.as_bytes();
    if a.len() != b.len() || !bool::from(a.ct_eq(b)) {
        return invalid();
    }
    match resolved.principal {
        Principal::AssumedRole { .. } => {}
        Principal::FederatedUser { .. } if duration_ms.is_none() => {}
        Principal::FederatedUser { .. } => {
            return bad("SessionDuration is allowed only with role session credentials.");
        }
        _ => {
            return bad("Console sign-in needs credentials from AssumeRole or GetFederationToken.");
        }
    }
    let record = SigninToken {
        key_id: id.to_string(),
        expires_at_ms: resolved.session.expires_at_ms,
        duration_ms,
        via: "federation".into(),
    };
    match issue(sso, &record).await {
        Some(token) => answer(StatusCode::OK, &serde_json::json!({ "SigninToken": token })),
        None => super::unavailable(),
    }
}

/// Stores a one-use sign-in token for `record` (15 minutes) and returns it.
async fn issue(sso: &Sso, record: &SigninToken) -> Option<String> {
    let iam = &sso.api.iam;
    let token = random_token(iam.rng.as_ref());
    let now = iam.clock.now_millis();
    flow::put(&iam.store, &token_key(&token), record, now + TOKEN_TTL_MS)
        .await
        .ok()?;
    Some(token)
}

async fn login(sso: &Sso, r: &Req) -> Response {
    let iam = &sso.api.iam;
    let Some(token) = r.field("SigninToken").filter(|t| t.len() <= 256) else {
        return bad("SigninToken is required.");
    };
    let record: SigninToken = match flow::take(&iam.store, &token_key(&token)).await {
        Ok(Some(t)) => t,
        Ok(None) => return bad("The sign-in token is not valid, expired or was used already."),
        Err(_) => return super::unavailable(),
    };
    let Ok(id) = AccessKeyId::parse(&record.key_id) else {
        return bad("The sign-in token is not valid.");
    };
    let resolved = match fedgate_sts::resolve::load_session(iam, &id, record.expires_at_ms).await {
        Ok(r) => r,
        Err(_) => return bad("The credentials behind the sign-in token are no longer valid."),
    };
    if fedgate_sts::resolve::check_owner(iam, &resolved.session)
        .await
        .is_err()
    {
        return bad("The credentials behind the sign-in token are no longer valid.");
    }
    let now = iam.clock.now_millis();
    let ends = record.duration_ms.map_or(record.expires_at_ms, |d| {
        (now + d).min(record.expires_at_ms)
    });
    let via = if record.via.is_empty() {
        "federation"
    } else {
        record.via.as_str()
    };
    login_event(sso, r, &resolved.principal, via);
    match start(
        sso,
        resolved.principal,
        &record.key_id,
        record.expires_at_ms,
        ends,
        via,
    )
    .await
    {
        Ok(cookie) => {
            let dest = destination(sso, r.field("Destination").as_deref());
            redirect(&dest, &[cookie])
        }
        Err(resp) => resp,
    }
}

/// What the console header shows for a federated principal.
pub fn label_of(p: &Principal) -> String {
    match p {
        Principal::AssumedRole {
            role_name,
            session_name,
            ..
        } => format!("{role_name}/{session_name}"),
        Principal::FederatedUser { name, .. } => format!("federated-user/{name}"),
        other => other.arn().to_string(),
    }
}

/// Starts a console session for temporary credentials `key_id` (expiring at
/// `expires_at_ms`), ending at `ends_at_ms` at the latest; returns the `Set-Cookie` value.
pub async fn start(
    sso: &Sso,
    principal: Principal,
    key_id: &str,
    expires_at_ms: i64,
    ends_at_ms: i64,
    via: &str,
) -> Result<String, Response> {
    let iam = &sso.api.iam;
    let now = iam.clock.now_millis();
    let limits = sso.limits();
    let ends = ends_at_ms.min(expires_at_ms).min(now + limits.max_ms);
    let record = ConsoleSession {
        label: label_of(&principal),
        principal: serde_json::to_value(&principal).unwrap_or_default(),
        csrf: String::new(),
        signed_in_at_ms: now,
        mfa_at_ms: None,
        last_seen_ms: now,
        ends_at_ms: ends,
        sts_key: Some((key_id.to_owned(), expires_at_ms)),
        must_change_password: false,
        via: via.to_owned(),
        credential: String::new(),
    };
    let value = session::create(&iam.store, iam.rng.as_ref(), record, limits)
        .await
        .map_err(|_| super::unavailable())?;
    Ok(sso.session_cookie(&value, ((ends - now) / 1000).max(1)))
}

/// A console path to land on: `/console/…` or `{public_url}/console/…`, else the dashboard.
fn destination(sso: &Sso, d: Option<&str>) -> String {
    let path = d.map(|d| d.strip_prefix(sso.public_url.as_str()).unwrap_or(d));
    super::act::safe_next(path)
}

/// For credentials just minted by a browser sign-in (SSO): a one-use link that opens a
/// console session for them (`/federation?Action=login&SigninToken=…`), or `None` when the
/// token could not be stored (the credentials page still works without it). The session
/// starts only when the person follows the link from the credentials page, never by itself.
pub async fn after_sso(
    sso: &Sso,
    creds: &fedgate_sts::issue::Credentials,
    via: &str,
) -> Option<String> {
    let record = SigninToken {
        key_id: creds.access_key_id.to_string(),
        expires_at_ms: creds.expires_at_ms,
        duration_ms: None,
        via: via.trim_start_matches('/').to_owned(),
    };
    let token = issue(sso, &record).await?;
    Some(format!(
        "/federation?Action=login&SigninToken={}",
        super::layout::enc(&token)
    ))
}

/// CloudTrail's `ConsoleLogin` event of a federated console sign-in.
fn login_event(sso: &Sso, r: &Req, p: &Principal, via: &str) {
    let iam = &sso.api.iam;
    let mut ev = fedgate_core::audit::AuditEvent::new(
        fedgate_core::clock::iso8601(iam.clock.now()),
        "signin.amazonaws.com",
        "ConsoleLogin",
    );
    ev.event_type = "AwsConsoleSignIn";
    let rid = sso.api.request_ids.next();
    ev.request_id = rid.clone();
    ev.event_id = rid;
    ev.source_ip_address = r.caller.peer.map(|p| p.to_string()).unwrap_or_default();
    ev.user_agent = r.caller.user_agent.clone();
    ev.recipient_account_id = Some(p.account().to_string());
    let kind = match p {
        Principal::FederatedUser { .. } => "FederatedUser",
        _ => "AssumedRole",
    };
    ev.user_identity = serde_json::json!({
        "type": kind,
        "principalId": p.user_id(),
        "arn": p.arn().to_string(),
        "accountId": p.account().to_string(),
        "accessKeyId": p.access_key_id().map(|k| k.to_string()),
    });
    ev.response_elements = serde_json::json!({ "ConsoleLogin": "Success" });
    ev.additional_event_data = Some(serde_json::json!({
        "LoginTo": format!("{}/console/home", sso.public_url),
        "MobileVersion": "No",
        "MFAUsed": "No",
        "signIn": via,
    }));
    sso.api.audit.emit(&ev);
}
