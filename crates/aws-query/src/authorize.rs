//! `POST /authorize`: the JSON decision API for other services (docs/authorize-api.md).
//!
//! A service that received a SigV4-signed request passes what its caller sent (method, path,
//! query, headers and the payload hash, or a presigned URL) with the action, resource and
//! extra condition keys; fedgate verifies the caller's signature and session exactly as for
//! its own API, resolves the principal, and answers the engine's decision with the matching
//! statements and the reason.
//!
//! The asking service signs its own `POST /authorize` with SigV4 (scope service `fedgate`)
//! and must be allowed `fedgate:Authorize` by its policies: knowing whether someone may act
//! is itself a permission. A caller whose credentials fail is answered `Deny` with the AWS
//! error code the service should return to it (HTTP 200: the asking service asked well);
//! a malformed question is a 400 JSON error `{"__type","message"}`. A denial carries an
//! `encodedMessage` that the caller's account can read with `sts:DecodeAuthorizationMessage`.
//!
//! Not covered: S3's single-encoded paths and chunked payloads (fedgate-sigv4 verifies the
//! canonical form of every non-S3 service), SigV4a.

use crate::auth::Authenticated;
use crate::dispatch::{Outcome, QueryApi};
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use fedgate_core::Principal;
use fedgate_core::audit::AuditEvent;
use fedgate_core::clock::iso8601;
use fedgate_iam::authz::{Explanation, LoadedPolicy, RequestContext, authorize, explain};
use fedgate_policy::PolicyKind;
use fedgate_sigv4::SignedRequest;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The SigV4 service name the asking service signs `POST /authorize` for.
pub const SERVICE: &str = "fedgate";
/// The permission the asking service needs.
pub const ACTION: &str = "fedgate:Authorize";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuthorizeRequest {
    /// The caller's request as the service received it (or `presigned_url`).
    request: Option<ForwardedRequest>,
    /// A presigned URL the caller used (method GET unless `presigned_method` says otherwise).
    presigned_url: Option<String>,
    presigned_method: Option<String>,
    /// The SigV4 service name the caller signed for.
    service: String,
    action: String,
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, OneOrMany>,
    /// The caller's address (aws:SourceIp) and whether it came over TLS (aws:SecureTransport).
    source_ip: Option<String>,
    #[serde(default)]
    secure_transport: bool,
    /// A resource-based policy of the resource (JSON text), decided with the identity's.
    resource_policy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ForwardedRequest {
    method: String,
    /// Raw path as on the wire (percent-encoded).
    path: String,
    #[serde(default)]
    query: String,
    headers: BTreeMap<String, OneOrMany>,
    /// Hex SHA-256 of the body; or the body itself (`body`, UTF-8) when small.
    payload_hash: Option<String>,
    body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn values(&self) -> Vec<String> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Condition keys a service may set: its own (`s3:prefix`, …) and the request-describing
/// `aws:` keys below; every other `aws:` key describes the principal or session and only
/// fedgate sets it.
fn settable(key: &str) -> bool {
    const AWS_PREFIXES: &[&str] = &["aws:requesttag/", "aws:resourcetag/"];
    const AWS_KEYS: &[&str] = &[
        "aws:tagkeys",
        "aws:referer",
        "aws:useragent",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:calledvia",
        "aws:viaawsservice",
        "aws:resourceaccount",
    ];
    let k = key.to_ascii_lowercase();
    if !k.starts_with("aws:") {
        return k.contains(':') && !k.starts_with("fedgate:");
    }
    AWS_KEYS.contains(&k.as_str()) || AWS_PREFIXES.iter().any(|p| k.starts_with(p))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

fn json_error(e: &ApiError, rid: &str) -> Response {
    let body = json!({"__type": e.code, "message": e.message, "requestId": rid});
    let mut r = (e.status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-amzn-ErrorType", v);
    }
    r
}

/// The axum handler for `POST /authorize`.
pub async fn handle(State(api): State<Arc<QueryApi>>, req: Request<Body>) -> Response {
    let rid = api.request_ids.next();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let (result, code) = match process(&api, req, peer, &rid).await {
        Ok(answer) => {
            let mut r = (StatusCode::OK, answer.to_string()).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (r, None)
        }
        Err(e) => (json_error(&e, &rid), Some((e.code, e.status))),
    };
    let mut resp = result;
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp.extensions_mut().insert(Outcome {
        action: "Authorize",
        code: code.map(|(c, _)| c),
        // The asking service's own authentication or fedgate:Authorize failed.
        denied: code.is_some_and(|(_, s)| s == StatusCode::FORBIDDEN),
        issued_credentials: false,
    });
    resp
}

async fn process(
    api: &QueryApi,
    req: Request<Body>,
    peer: Option<IpAddr>,
    rid: &str,
) -> Result<Value, ApiError> {
    let (mut parts, body) = req.into_parts();
    if !parts.headers.contains_key(header::HOST)
        && let Some(v) = parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        parts.headers.insert(header::HOST, v);
    }
    let body = Limited::new(body, api.config.max_body_bytes)
        .collect()
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!(
                    "Request body exceeds the limit of {} bytes.",
                    api.config.max_body_bytes
                ),
            )
        })?
        .to_bytes();
    // 1. The asking service.
    let own = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    let parsed = crate::auth::Authenticator::parse(&own)?;
    let asker = api.auth.authenticate(&own, &parsed, SERVICE).await?;
    let asker_ctx = RequestContext {
        source_ip: peer,
        secure_transport: api.config.secure_transport,
        region: asker.region.clone(),
        session: asker.session.clone(),
        console: None,
    };
    if let fedgate_iam::authz::Decision::Deny(m) =
        authorize(&api.iam, &asker.principal, ACTION, "*", &asker_ctx).await?
    {
        let e = ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", m);
        audit(
            api,
            &asker.principal,
            None,
            None,
            "Deny",
            Some(e.code),
            peer,
            rid,
        );
        return Err(e);
    }
    // 2. The question.
    let q: AuthorizeRequest =
        serde_json::from_slice(&body).map_err(|e| bad(format!("Invalid request body: {e}")))?;
    validate(&q)?;
    let resource_policy = match &q.resource_policy {
        Some(doc) => Some(LoadedPolicy {
            label: "ResourcePolicy".into(),
            policy: api
                .iam
                .compiled
                .document(PolicyKind::Resource, doc)
                .map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "MalformedPolicyDocument",
                        e.to_string(),
                    )
                })?,
            document: doc.clone(),
        }),
        None => None,
    };
    let source_ip = q
        .source_ip
        .as_deref()
        .map(|s| {
            s.parse::<IpAddr>()
                .map_err(|_| bad("sourceIp is not an IP address."))
        })
        .transpose()?;
    // 3. The caller's credentials.
    let forwarded = Forwarded::from_question(&q)?;
    let caller = match forwarded.authenticate(api, &q.service).await {
        Ok(a) => a,
        Err(e) if e.status.is_client_error() => {
            let answer = json!({
                "decision": "Deny",
                "reason": "authentication_failed",
                "error": {"code": e.code, "message": e.message},
            });
            audit(
                api,
                &asker.principal,
                None,
                Some(&q),
                "Deny",
                Some(e.code),
                peer,
                rid,
            );
            return Ok(answer);
        }
        Err(e) => return Err(e),
    };
    // 4. The decision.
    let ctx = RequestContext {
        source_ip,
        secure_transport: q.secure_transport,
        region: caller.region.clone(),
        session: caller.session.clone(),
        console: None,
    };
    let keys: Vec<(String, Vec<String>)> = q
        .context
        .iter()
        .map(|(k, v)| (k.clone(), v.values()))
        .collect();
    // The resource's account when its ARN names none: what the service says
    // (aws:ResourceAccount), else the asking service's own (it holds the resource).
    let resource_account = q
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("aws:ResourceAccount"))
        .and_then(|(_, v)| v.values().into_iter().next())
        .unwrap_or_else(|| asker.principal.account().to_string());
    let ex = explain(
        &api.iam,
        &caller.principal,
        &q.action,
        &q.resource,
        &resource_account,
        &ctx,
        &keys,
        resource_policy.as_ref(),
    )
    .await?;
    let decision = if ex.allowed { "Allow" } else { "Deny" };
    audit(
        api,
        &asker.principal,
        Some(&caller.principal),
        Some(&q),
        decision,
        None,
        peer,
        rid,
    );
    let mut out = answer(&caller, &ex);
    if !ex.allowed
        && let Some(obj) = out.as_object_mut()
    {
        obj.insert(
            "encodedMessage".into(),
            Value::String(encoded_denial(api, &caller.principal, &q, &keys, &ex)),
        );
    }
    Ok(out)
}

/// The denial sealed for `sts:DecodeAuthorizationMessage` (only the caller's account can read
/// it, with that permission), as AWS services put one in their AccessDenied messages.
fn encoded_denial(
    api: &QueryApi,
    caller: &Principal,
    q: &AuthorizeRequest,
    keys: &[(String, Vec<String>)],
    ex: &Explanation,
) -> String {
    let mut d = fedgate_sts::DenialDetails::for_principal(caller, &q.action, &q.resource);
    d.explicit_deny = ex.explicit_deny;
    d.matched_statements = ex
        .matched
        .iter()
        .map(|m| fedgate_sts::StatementDescription::from_matched(m, &d.principal_id))
        .collect();
    d.context = keys.to_vec();
    if let Some(ip) = &q.source_ip {
        d.context.push(("aws:SourceIp".into(), vec![ip.clone()]));
    }
    fedgate_sts::encode_denial(&api.iam, &d)
}

fn validate(q: &AuthorizeRequest) -> Result<(), ApiError> {
    let (svc, name) = q.action.split_once(':').unwrap_or(("", ""));
    if svc.is_empty() || name.is_empty() || q.action.len() > 256 {
        return Err(bad("action must be service:Action."));
    }
    if q.resource.is_empty() || q.resource.len() > 2048 {
        return Err(bad("resource must be an ARN or *."));
    }
    if q.service.is_empty() || q.service.len() > 64 {
        return Err(bad(
            "service must be the SigV4 service name the caller signed for.",
        ));
    }
    if q.context.len() > 100 {
        return Err(bad("context holds at most 100 keys."));
    }
    if let Some(k) = q.context.keys().find(|k| !settable(k)) {
        return Err(bad(format!(
            "Context key {k} cannot be set: fedgate sets the principal's and session's keys itself; services set their own (service:key) and aws:RequestTag/*, aws:ResourceTag/*, aws:TagKeys, aws:Referer, aws:UserAgent, aws:SourceVpc, aws:SourceVpce, aws:VpcSourceIp, aws:SourceArn, aws:SourceAccount, aws:CalledVia, aws:ViaAWSService, aws:ResourceAccount."
        )));
    }
    if q.request.is_some() == q.presigned_url.is_some() {
        return Err(bad("Give exactly one of request and presignedUrl."));
    }
    Ok(())
}

/// The caller's request rebuilt from the question.
struct Forwarded {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
    payload_hash: Option<String>,
}

impl Forwarded {
    fn from_question(q: &AuthorizeRequest) -> Result<Self, ApiError> {
        if let Some(r) = &q.request {
            let mut headers = HeaderMap::new();
            for (name, values) in &r.headers {
                let n = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| bad(format!("Invalid header name {name:?}.")))?;
                for v in values.values() {
                    let v = HeaderValue::from_str(&v)
                        .map_err(|_| bad(format!("Invalid value of header {name}.")))?;
                    headers.append(n.clone(), v);
                }
            }
            if r.body.is_some() && r.payload_hash.is_some() {
                return Err(bad("Give at most one of body and payloadHash."));
            }
            if http::Method::from_bytes(r.method.as_bytes()).is_err() {
                return Err(bad("Invalid method."));
            }
            if !r.path.starts_with('/') {
                return Err(bad("path must start with '/'."));
            }
            return Ok(Forwarded {
                method: r.method.clone(),
                path: r.path.clone(),
                query: r.query.trim_start_matches('?').to_owned(),
                headers,
                body: r.body.clone().unwrap_or_default().into_bytes(),
                payload_hash: r.payload_hash.clone(),
            });
        }
        let url = q.presigned_url.as_deref().unwrap_or_default();
        let uri: http::Uri = url.parse().map_err(|_| bad("presignedUrl is not a URL."))?;
        let host = uri
            .authority()
            .ok_or_else(|| bad("presignedUrl has no host."))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            HeaderValue::from_str(host.as_str()).map_err(|_| bad("Invalid host."))?,
        );
        Ok(Forwarded {
            method: q.presigned_method.clone().unwrap_or_else(|| "GET".into()),
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or("").to_owned(),
            headers,
            body: vec![],
            payload_hash: None,
        })
    }

    async fn authenticate(&self, api: &QueryApi, service: &str) -> Result<Authenticated, ApiError> {
        let signed = SignedRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        };
        let parsed = crate::auth::Authenticator::parse(&signed)?;
        api.auth
            .authenticate_forwarded(&signed, &parsed, service, self.payload_hash.as_deref())
            .await
    }
}

fn answer(caller: &Authenticated, ex: &Explanation) -> Value {
    let p = &caller.principal;
    let tags: serde_json::Map<String, Value> = ex
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut principal = json!({
        "arn": p.arn().to_string(),
        "accountId": p.account().as_str(),
        "userId": p.user_id(),
        "type": p.principal_type(),
        "accessKeyId": p.access_key_id().map(|k| k.as_str()),
        "tags": tags,
    });
    if let (Some(role), Some(obj)) = (p.role_arn(), principal.as_object_mut()) {
        obj.insert("roleArn".into(), Value::String(role.to_string()));
    }
    if let (Some(s), Some(obj)) = (&caller.session, principal.as_object_mut()) {
        let d = &s.details;
        if let Some(si) = &d.source_identity {
            obj.insert("sourceIdentity".into(), Value::String(si.clone()));
        }
        obj.insert(
            "mfaAuthenticated".into(),
            Value::Bool(d.mfa_authenticated_at_ms.is_some()),
        );
    }
    let matched: Vec<Value> = ex
        .matched
        .iter()
        .map(|m| {
            json!({
                "sourcePolicyId": m.source,
                "sourcePolicyType": format!("{:?}", m.policy_type),
                "sid": m.sid,
                "statementIndex": m.index,
                "effect": format!("{:?}", m.effect),
            })
        })
        .collect();
    let mut out = json!({
        "decision": if ex.allowed { "Allow" } else { "Deny" },
        "reason": ex.reason,
        "explicitDeny": ex.explicit_deny,
        "principal": principal,
        "matchedStatements": matched,
    });
    if let (Some(m), Some(obj)) = (&ex.message, out.as_object_mut()) {
        obj.insert("message".into(), Value::String(m.clone()));
    }
    out
}

/// One CloudTrail-shaped event per question: who asked, about whom, what, and the answer.
#[allow(clippy::too_many_arguments, reason = "one flat audit record")]
fn audit(
    api: &QueryApi,
    asker: &Principal,
    caller: Option<&Principal>,
    q: Option<&AuthorizeRequest>,
    decision: &str,
    error: Option<&str>,
    peer: Option<IpAddr>,
    rid: &str,
) {
    let mut ev = AuditEvent::new(iso8601(api.iam.clock.now()), "fedgate", "Authorize");
    ev.source_ip_address = peer.map(|p| p.to_string()).unwrap_or_default();
    ev.request_id = rid.to_owned();
    ev.event_id = rid.to_owned();
    ev.user_identity = crate::audit::identity(asker);
    ev.recipient_account_id = Some(asker.account().to_string());
    ev.request_parameters = match q {
        Some(q) => json!({
            "action": q.action,
            "resource": q.resource,
            "service": q.service,
            "callerArn": caller.map(|c| c.arn().to_string()),
            "callerSourceIp": q.source_ip,
        }),
        None => Value::Null,
    };
    ev.response_elements = json!({ "decision": decision });
    ev.error_code = error.map(str::to_owned);
    api.audit.emit(&ev);
}
