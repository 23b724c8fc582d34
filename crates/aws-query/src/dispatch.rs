//! `Action`/`Version` dispatch for IAM and STS on one endpoint.

use crate::actions;
use crate::audit::AuditCtx;
use crate::auth::{Authenticated, Authenticator};
use crate::error::ApiError;
use crate::form::Params;
use crate::throttle::{Scope, Throttle, Verdict};
use crate::xml::{IAM_NS, STS_NS, response};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use fedgate_core::Principal;
use fedgate_core::audit::AuditSink;
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_sigv4::SignedRequest;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => "2010-05-08",
            Service::Sts => "2011-06-15",
        }
    }
    pub fn namespace(self) -> &'static str {
        match self {
            Service::Iam => IAM_NS,
            Service::Sts => STS_NS,
        }
    }
    /// The SigV4 service name and IAM action prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
        }
    }
}

fn lookup(action: &str) -> Option<(&'static actions::ActionDef, &'static str, Service)> {
    actions::lookup(action).map(|a| (a, a.name, a.service))
}

#[derive(Debug, Clone)]
pub struct QueryApiConfig {
    /// Largest accepted request body; larger ones get 413 `RequestEntityTooLarge`.
    pub max_body_bytes: usize,
    /// Whether requests arrive over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
}

/// Shared state of the Query API.
pub struct QueryApi {
    pub iam: Iam,
    pub request_ids: RequestIds,
    pub auth: Authenticator,
    pub audit: Arc<dyn AuditSink>,
    pub config: QueryApiConfig,
    /// Rate limits on STS actions, per source IP and per principal.
    pub throttle: Throttle,
    /// The verifiers of the unsigned federation actions.
    pub federation: Federation,
}

/// What `AssumeRoleWithWebIdentity` verifies tokens with: the registered issuers' keys
/// (discovery and JWKS, cached) and the claim rules.
#[derive(Debug)]
pub struct Federation {
    pub oidc_keys: fedgate_oidc::KeyCache,
    /// Where `ProviderId` access tokens are confirmed.
    pub oauth: fedgate_sts::assume_role_with_web_identity::OAuthApis,
    /// How SAML responses are checked (audience, ACS URLs, skew).
    pub saml: fedgate_sts::assume_role_with_saml::SamlSettings,
    pub web_identity: fedgate_sts::assume_role_with_web_identity::WebIdentitySettings,
}

impl std::fmt::Debug for QueryApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryApi")
            .field("config", &self.config)
            .finish()
    }
}

/// Request ids shaped like UUIDs: a random per-process key mixed with a counter, so ids are
/// unique within a process, unpredictable across processes, and cost no system call.
#[derive(Debug)]
pub struct RequestIds {
    key: [u64; 2],
    counter: std::sync::atomic::AtomicU64,
}

impl RequestIds {
    pub fn new(rng: &dyn fedgate_core::Rng) -> Self {
        let mut b = [0u8; 16];
        rng.fill(&mut b);
        let (hi, lo) = b.split_at(8);
        let word = |s: &[u8]| s.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
        RequestIds {
            key: [word(hi), word(lo)],
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn next(&self) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // SplitMix64 finalizer: a bijection, so distinct counters give distinct ids.
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let a = mix(n ^ self.key[0]);
        let b = mix(a ^ self.key[1]);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(36);
        for (i, x) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out.push('-');
            }
            out.push(char::from(HEX[usize::from(x >> 4)]));
            out.push(char::from(HEX[usize::from(x & 0x0f)]));
        }
        out
    }
}

/// What one request did, left in the response extensions for metrics.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub action: &'static str,
    /// The AWS error code; `None` for success.
    pub code: Option<&'static str>,
    /// Refused for its authentication, authorization or rate (and audited as a denial).
    pub denied: bool,
    /// Minted temporary credentials.
    pub issued_credentials: bool,
}

fn user_agent(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn request_id(api: &QueryApi) -> String {
    api.request_ids.next()
}

/// The axum handler for `POST /` and `GET /`.
pub async fn handle(State(api): State<Arc<QueryApi>>, req: Request<Body>) -> Response {
    let rid = request_id(&api);
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let mut outcome = Outcome::default();
    let (result, ns, action) = process(&api, req, peer, &rid, &mut outcome).await;
    let (mut resp, code) = match result {
        Ok(body) => {
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
            (r, None)
        }
        Err(e) => {
            let code = e.code;
            (e.into_response_with(ns, &rid), Some(code))
        }
    };
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    outcome.action = action;
    outcome.code = code;
    resp.extensions_mut().insert(outcome);
    resp
}

async fn process(
    api: &QueryApi,
    req: Request<Body>,
    peer: Option<std::net::IpAddr>,
    rid: &str,
    outcome: &mut Outcome,
) -> (Result<String, ApiError>, &'static str, &'static str) {
    let (mut parts, body) = req.into_parts();
    // HTTP/2 carries the host in :authority, which SigV4 signers sign as `host`.
    if !parts.headers.contains_key(header::HOST)
        && let Some(v) = parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        parts.headers.insert(header::HOST, v);
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!(
                "Request body exceeds the limit of {} bytes.",
                api.config.max_body_bytes
            ),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > api.config.max_body_bytes) {
        return (Err(too_large()), STS_NS, "unknown");
    }
    let body = match Limited::new(body, api.config.max_body_bytes)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => return (Err(too_large()), STS_NS, "unknown"),
    };

    let query = parts.uri.query().unwrap_or("");
    let mut params = Params::default();
    let parsed = if parts.method == Method::POST {
        // Operation parameters may come in the query string (as in presigned URLs, whose
        // X-Amz-* auth parameters are SigV4's, not the operation's) and in the form body; a
        // name given in both is refused like any repeat.
        params
            .extend_from(query.as_bytes(), |n| n.starts_with("X-Amz-"))
            .and_then(|_| params.extend_from(&body, |_| false))
    } else if parts.method == Method::GET {
        params.extend_from(query.as_bytes(), |n| n.starts_with("X-Amz-"))
    } else {
        return (
            Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "InvalidAction",
                "The Query API accepts GET and POST.",
            )),
            STS_NS,
            "unknown",
        );
    };
    let fallback_ns = match params.get("Version") {
        Some("2010-05-08") => IAM_NS,
        _ => STS_NS,
    };
    if let Err(e) = parsed {
        return (Err(e.into()), fallback_ns, "unknown");
    }
    let Some(action_name) = params.get("Action") else {
        return (
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "MissingAction",
                "The request must contain the parameter Action.",
            )),
            fallback_ns,
            "unknown",
        );
    };
    if let Some(action) = crate::unsigned::is_unsigned(action_name) {
        let ns = STS_NS;
        if let Some(v) = params
            .get("Version")
            .filter(|v| *v != Service::Sts.version())
        {
            return (
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidAction",
                    format!("Could not find operation {action} for version {v}"),
                )),
                ns,
                action,
            );
        }
        let audit_ctx = AuditCtx {
            api,
            service: Service::Sts,
            action,
            peer,
            user_agent: user_agent(&parts.headers),
            rid,
        };
        let result = crate::unsigned::process(api, &params, &audit_ctx, outcome).await;
        return (
            result.map(|body| response(action, ns, &body, rid)),
            ns,
            action,
        );
    }
    let Some((def, action, service)) = lookup(action_name) else {
        return (
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                format!(
                    "Could not find operation {action_name} for version {}",
                    params.get("Version").unwrap_or("NO_VERSION_SPECIFIED")
                ),
            )),
            fallback_ns,
            "unknown",
        );
    };
    let ns = service.namespace();
    if let Some(v) = params.get("Version").filter(|v| *v != service.version()) {
        return (
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                format!("Could not find operation {action} for version {v}"),
            )),
            ns,
            action,
        );
    }

    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query,
        headers: &parts.headers,
        body: &body,
    };
    let audit_ctx = AuditCtx {
        api,
        service,
        action,
        peer,
        user_agent: user_agent(&parts.headers),
        rid,
    };
    // Before authentication, so that unsigned floods are limited too.
    if service == Service::Sts
        && let Verdict::Refuse {
            audit, unaudited, ..
        } = api.throttle.check_ip(peer)
    {
        if audit {
            let key = Authenticator::parse(&signed).ok();
            let key = key.as_ref().map(|a| a.credential.access_key_id.as_str());
            audit_ctx.throttled(None, key, Scope::SourceIp, unaudited);
        }
        outcome.denied = true;
        return (Err(ApiError::throttled()), ns, action);
    }
    let parsed_auth = match Authenticator::parse(&signed) {
        Ok(a) => a,
        Err(e) => {
            outcome.denied = true;
            audit_ctx.denied(None, None, &e);
            return (Err(e), ns, action);
        }
    };
    let Authenticated {
        principal,
        region,
        session,
    } = match api
        .auth
        .authenticate(&signed, &parsed_auth, service.prefix())
        .await
    {
        Ok(a) => a,
        Err(e) => {
            if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::BAD_REQUEST {
                outcome.denied = true;
                audit_ctx.denied(None, Some(&parsed_auth.credential.access_key_id), &e);
            }
            return (Err(e), ns, action);
        }
    };
    if service == Service::Sts
        && let Verdict::Refuse {
            audit, unaudited, ..
        } = api.throttle.check_principal(&principal.arn().to_string())
    {
        if audit {
            audit_ctx.throttled(Some(&principal), None, Scope::Principal, unaudited);
        }
        outcome.denied = true;
        return (Err(ApiError::throttled()), ns, action);
    }
    let ctx = RequestContext {
        source_ip: peer,
        secure_transport: api.config.secure_transport,
        region,
        session,
        console: None,
    };
    let result = run(api, def, &principal, &ctx, &params, &audit_ctx, outcome).await;
    (
        result.map(|body| response(action, ns, &body, rid)),
        ns,
        action,
    )
}

/// Runs an authenticated action: its handler (which authorizes), then the audit event of a
/// change or a denial.
async fn run(
    api: &QueryApi,
    def: &actions::ActionDef,
    principal: &Principal,
    ctx: &RequestContext,
    params: &Params,
    audit_ctx: &AuditCtx<'_>,
    outcome: &mut Outcome,
) -> Result<String, ApiError> {
    let call = actions::Call {
        iam: &api.iam,
        caller: principal,
        ctx,
        params,
        auth: &api.auth,
        audit: std::sync::OnceLock::new(),
    };
    let result = (def.handler)(&call).await;
    if result.is_ok() && def.access != actions::Access::Read {
        audit_ctx.changed(principal, params, call.audit.into_inner());
        outcome.issued_credentials = def.access == actions::Access::Credentials;
    }
    if let Err(e) = &result
        && e.code == "AccessDenied"
    {
        outcome.denied = true;
        audit_ctx.denied(Some(principal), None, e);
    }
    result
}

/// Who a web console request speaks for, as the console's session established it.
#[derive(Debug, Clone)]
pub struct ConsoleCaller {
    pub principal: Principal,
    /// The temporary credentials' session behind a federated console session.
    pub session: Option<Arc<fedgate_store::model::Session>>,
    /// How a password sign-in went (MFA), for user and root console sessions.
    pub sign_in: Option<fedgate_iam::authz::ConsoleSignIn>,
    pub peer: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    /// `aws:RequestedRegion`: the gateway's region, as the AWS console's IAM calls carry
    /// theirs.
    pub region: String,
}

impl ConsoleCaller {
    /// The request context the policy engine sees for this caller.
    pub fn ctx(&self, api: &QueryApi) -> RequestContext {
        RequestContext {
            source_ip: self.peer,
            secure_transport: api.config.secure_transport,
            region: self.region.clone(),
            session: self.session.clone(),
            console: self.sign_in,
        }
    }
}

impl QueryApi {
    /// Runs the IAM action named by `params`' `Action` for a console session: the same
    /// handler, validation, authorization and audit event as a signed Query request (only
    /// SigV4 differs: the console authenticated the caller). Returns the inside of the
    /// action's `…Result` element.
    pub async fn invoke(&self, who: &ConsoleCaller, params: &Params) -> Result<String, ApiError> {
        let name = params.get("Action").unwrap_or("");
        let Some((def, action, Service::Iam)) = lookup(name) else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                format!(
                    "The console does not perform {:?}.",
                    name.chars().take(64).collect::<String>()
                ),
            ));
        };
        let rid = request_id(self);
        let audit_ctx = AuditCtx {
            api: self,
            service: Service::Iam,
            action,
            peer: who.peer,
            user_agent: who.user_agent.clone(),
            rid: &rid,
        };
        let ctx = who.ctx(self);
        run(
            self,
            def,
            &who.principal,
            &ctx,
            params,
            &audit_ctx,
            &mut Outcome::default(),
        )
        .await
    }

    /// Audits a denial the console met while reading for `who` (`action` is the IAM action
    /// name, e.g. `ListUsers`), as the API audits a denied read.
    pub fn audit_console_denial(&self, who: &ConsoleCaller, action: &str, e: &ApiError) {
        let Some((_, action, service)) = lookup(action) else {
            return;
        };
        let rid = request_id(self);
        AuditCtx {
            api: self,
            service,
            action,
            peer: who.peer,
            user_agent: who.user_agent.clone(),
            rid: &rid,
        }
        .denied(Some(&who.principal), None, e);
    }
}

#[cfg(test)]
mod tests {
    use super::RequestIds;
    use fedgate_core::rng::TestRng;

    #[test]
    fn request_ids_are_unique_uuid_v4_shaped() {
        let ids = RequestIds::new(&TestRng::seeded(1));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = ids.next();
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert!(seen.insert(id));
        }
        // Another process (another key) does not repeat the first one's ids.
        let other = RequestIds::new(&TestRng::seeded(2));
        assert!(!seen.contains(&other.next()));
    }
}
