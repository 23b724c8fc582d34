//! The SAML service provider's browser side: `GET /saml/metadata` (the SP metadata: entity
//! id, the ACS, the signing certificate when `saml.sp_key_file` is set), `GET
//! /sso/saml/{name}` (SP-initiated sign-in: an AuthnRequest, signed when there is an SP key,
//! to the IdP's HTTP-Redirect endpoint from its metadata; its ID kept in the store for ten
//! minutes), the assertion consumer service `POST /saml` (`SAMLResponse`; `RelayState` is
//! never followed) and `POST /saml/choose` (the role choice).
//!
//! A response answering a request (`InResponseTo`) must answer one fedgate sent, unused and
//! for the same provider (taken once, on any replica); a response without one is
//! IdP-initiated, as an IdP set up for AWS's `https://signin.aws.amazon.com/saml` posts.
//!
//! The response names its SAML provider through its Role attribute (`role,provider` pairs,
//! as for AWS); fedgate verifies it with that provider's metadata exactly as
//! `AssumeRoleWithSAML` does (`fedgate_sts::assume_role_with_saml::verify_assertion`, which
//! also spends the assertion: a replay is refused on any replica). One offered role → its
//! credentials; several → a choice page, the verified assertion kept server-side for five
//! minutes under a single-use CSRF token bound to an HttpOnly cookie; the trust policy is
//! checked when the role is chosen. Every ending is audited as `AssumeRoleWithSAML`. No
//! redirect is ever taken from the response or RelayState.

use crate::Sso;
use crate::audit::Caller;
use crate::flow::{self, CHOICE_TTL_MS};
use crate::page::{self, cookie, read_cookie};
use crate::routes::{caller, throttled};
use crate::views;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use fedgate_aws_query::ApiError;
use fedgate_aws_query::actions::sts_saml;
use fedgate_core::audit::AuditEvent;
use fedgate_core::clock::iso8601;
use fedgate_iam::authz::RequestContext;
use fedgate_sts::StsError;
use fedgate_sts::assume_role_with_saml::{
    Asked, Asserted, ROLE, SamlRequest, SamlResult, assume_role_as_asserted, verify_assertion,
};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

const COOKIE: &str = "fedgate_saml_choice";
/// A form carrying a base64 response of at most `MAX_RESPONSE_BYTES` and a RelayState.
const MAX_FORM_BYTES: usize = fedgate_saml::response::MAX_RESPONSE_BYTES * 3 / 2 + 16 * 1024;

pub fn router(sso: Arc<Sso>) -> Router {
    Router::new()
        .route("/saml", post(acs))
        .route("/saml/choose", post(choose))
        .route("/saml/metadata", axum::routing::get(sp_metadata))
        .route("/sso/saml/{name}", axum::routing::get(start))
        .with_state(sso)
}

const REQUEST_TTL_MS: i64 = 10 * 60 * 1000;

fn request_key(id: &str) -> String {
    format!(
        "sso/saml-request/{}",
        hex::encode(ring::digest::digest(&ring::digest::SHA256, id.as_bytes()))
    )
}

/// An AuthnRequest fedgate sent, waiting for its response.
#[derive(Serialize, Deserialize)]
struct Sent {
    provider_arn: String,
}

fn acs_url(sso: &Sso) -> String {
    format!("{}/saml", sso.public_url)
}

async fn sp_metadata(State(sso): State<Arc<Sso>>) -> Response {
    let doc = fedgate_saml::sp::metadata(
        &sso.api.federation.saml.sp_entity_id,
        &acs_url(&sso),
        sso.sp_key.as_deref(),
    );
    let mut r = axum::response::IntoResponse::into_response(doc);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/samlmetadata+xml"),
    );
    r
}

/// SP-initiated sign-in: to the IdP with an AuthnRequest.
async fn start(
    State(sso): State<Arc<Sso>>,
    axum::extract::Path(name): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let c = caller(&req);
    if let Some(r) = throttled(&sso, &c) {
        return r;
    }
    let Some(s) = sso.saml.get(&name) else {
        return page::error(
            StatusCode::NOT_FOUND,
            "Unknown sign-in provider",
            &format!(
                "There is no SAML sign-in named {:?}.",
                name.chars().take(64).collect::<String>()
            ),
        );
    };
    let iam = &sso.api.iam;
    let provider = match fedgate_iam::saml_providers::by_name(iam, &s.account, &s.provider).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return page::error(
                StatusCode::NOT_FOUND,
                "Unknown sign-in provider",
                "The SAML provider of this sign-in is not registered in IAM.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "saml: reading the provider failed");
            return page::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in unavailable",
                "Try again later.",
            );
        }
    };
    let Some(destination) = provider.sso_redirect.clone() else {
        return page::error(
            StatusCode::BAD_GATEWAY,
            "Sign-in provider unusable",
            "The identity provider's metadata has no HTTP-Redirect sign-on endpoint.",
        );
    };
    let mut raw = [0u8; 20];
    iam.rng.fill(&mut raw);
    let id = format!("_{}", hex::encode(raw));
    let sent = Sent {
        provider_arn: fedgate_iam::saml_providers::provider_arn(&iam.partition, &provider),
    };
    let at = iam.clock.now_millis() + REQUEST_TTL_MS;
    if let Err(e) = flow::put(&iam.store, &request_key(&id), &sent, at).await {
        tracing::error!(error = %e, "saml: storing the request failed");
        return page::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in unavailable",
            "Try again later.",
        );
    }
    let acs = acs_url(&sso);
    let instant = iso8601(iam.clock.now());
    let request = fedgate_saml::sp::AuthnRequest {
        id: &id,
        issue_instant: &instant,
        destination: &destination,
        acs_url: &acs,
        sp_entity_id: &sso.api.federation.saml.sp_entity_id,
    };
    match request.redirect_url(&name, sso.sp_key.as_deref()) {
        Ok(url) => page::redirect(&url, &[]),
        Err(e) => {
            tracing::error!(error = %e, "saml: building the AuthnRequest failed");
            page::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "Try again later.",
            )
        }
    }
}

/// A response answering a request must answer one fedgate sent for the same provider
/// (taken once); a response answering none is IdP-initiated.
async fn check_in_response_to(sso: &Sso, asserted: &Asserted) -> Result<(), ApiError> {
    let Some(id) = &asserted.verified.in_response_to else {
        return Ok(());
    };
    match flow::take::<Sent>(&sso.api.iam.store, &request_key(id)).await {
        Ok(Some(s)) if s.provider_arn == asserted.provider_arn => Ok(()),
        Ok(_) => Err(bad(
            "The SAML response answers a sign-in request this service did not send, or one already answered or expired.",
        )),
        Err(e) => Err(ApiError::from(StsError::from(e))),
    }
}

/// A verified assertion waiting for its role choice.
#[derive(Serialize, Deserialize)]
struct Choice {
    asserted: Asserted,
    roles: Vec<String>,
    session_name: String,
}

fn ctx(sso: &Sso, c: &Caller) -> RequestContext {
    RequestContext {
        source_ip: c.peer,
        secure_transport: sso.api.config.secure_transport,
        region: String::new(),
        session: None,
        console: None,
    }
}

/// The audit event of a browser SAML sign-in, success or refusal.
fn audit(sso: &Sso, c: &Caller, outcome: Result<(&SamlRequest, &SamlResult), &ApiError>) {
    let iam = &sso.api.iam;
    let mut ev = AuditEvent::new(
        iso8601(iam.clock.now()),
        "sts.amazonaws.com",
        "AssumeRoleWithSAML",
    );
    let rid = sso.api.request_ids.next();
    ev.source_ip_address = c.peer.map(|p| p.to_string()).unwrap_or_default();
    ev.user_agent = c.user_agent.clone();
    ev.request_id = rid.clone();
    ev.event_id = rid;
    ev.additional_event_data = Some(serde_json::json!({ "signIn": "saml" }));
    match outcome {
        Ok((req, out)) => {
            ev.recipient_account_id = fedgate_core::Arn::parse(&req.role_arn)
                .ok()
                .map(|a| a.account);
            ev.user_identity = sts_saml::saml_user(out);
            let d = sts_saml::audit_detail(req, out);
            ev.request_parameters = d.request_parameters;
            ev.response_elements = d.response_elements;
        }
        Err(e) => {
            ev.user_identity = serde_json::json!({ "type": "Unknown" });
            ev.error_code = Some(e.code.to_owned());
            ev.error_message = Some(e.message.clone());
        }
    }
    sso.api.audit.emit(&ev);
}

fn refuse(sso: &Sso, c: &Caller, e: ApiError, cookies: &[String]) -> Response {
    audit(sso, c, Err(&e));
    let (status, message) = if e.status.is_server_error() {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "fedgate could not complete the sign-in. Try again later.".to_owned(),
        )
    } else {
        (e.status, e.message)
    };
    page::html(
        status,
        "Sign-in refused",
        &format!(
            "<p>{}</p>\n<p>Start again from your identity provider.</p>",
            page::escape(&message)
        ),
        cookies,
    )
}

fn bad(m: &str) -> ApiError {
    ApiError::from(StsError::Saml(fedgate_saml::SamlError::Invalid(
        m.to_owned(),
    )))
}

async fn form(req: Request) -> Option<HashMap<String, String>> {
    let body = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
        .await
        .ok()?;
    Some(form_urlencoded::parse(&body).into_owned().collect())
}

/// Verifies the response with the provider its Role attribute names (of several, the one
/// whose entity id is the Issuer).
async fn verified(sso: &Sso, b64: &str) -> Result<Asserted, ApiError> {
    let xml = fedgate_saml::response::decode(b64).map_err(|e| ApiError::from(StsError::Saml(e)))?;
    let (issuer, providers) = fedgate_saml::response::unverified_hints(&xml, ROLE)
        .map_err(|e| ApiError::from(StsError::Saml(e)))?;
    let settings = &sso.api.federation.saml;
    let mut last = bad("The SAML response names no SAML provider in its Role attribute.");
    for arn in &providers {
        let known = match parse_provider(sso, arn).await {
            Some(p) => p.entity_id == issuer || providers.len() == 1,
            None => false,
        };
        if !known {
            // Not the unverified ARN itself: the response is anyone's until verified.
            last = bad("The SAML response names no registered SAML provider for its issuer.");
            continue;
        }
        return verify_assertion(&sso.api.iam, settings, arn, b64)
            .await
            .map_err(ApiError::from);
    }
    Err(last)
}

async fn parse_provider(sso: &Sso, arn: &str) -> Option<fedgate_store::model::SamlProvider> {
    let a = fedgate_core::Arn::parse(arn).ok()?;
    let name = a.resource.strip_prefix("saml-provider/")?;
    let account = fedgate_core::AccountId::parse(&a.account).ok()?;
    fedgate_iam::saml_providers::by_name(&sso.api.iam, &account, name)
        .await
        .ok()
        .flatten()
}

async fn mint(
    sso: &Sso,
    c: &Caller,
    asserted: &Asserted,
    role_arn: &str,
    session: &str,
    cookies: &[String],
) -> Response {
    // The IdP's SessionDuration, as the AWS console honours it (cut to the role's maximum),
    // and never past its SessionNotOnOrAfter.
    let duration = match asserted.session_duration() {
        Ok(d) => d,
        Err(e) => return refuse(sso, c, ApiError::from(e), cookies),
    };
    let asked = Asked {
        session_name: session,
        policy: None,
        policy_arns: &[],
        duration_seconds: duration,
        not_after: asserted.verified.session_not_on_or_after,
        cap_to_role_max: true,
    };
    let req = SamlRequest {
        role_arn: role_arn.to_owned(),
        principal_arn: asserted.provider_arn.clone(),
        ..SamlRequest::default()
    };
    match assume_role_as_asserted(&sso.api.iam, &ctx(sso, c), asserted, role_arn, asked).await {
        Ok(out) => {
            audit(sso, c, Ok((&req, &out)));
            let console = crate::web::federation::after_sso(sso, &out.credentials, "saml").await;
            page::html(
                StatusCode::OK,
                "Temporary credentials",
                &views::credentials(
                    &out.credentials,
                    &out.arn,
                    &out.subject,
                    &sso.public_url,
                    &sso.region,
                    console.as_deref(),
                ),
                cookies,
            )
        }
        Err(e) => refuse(sso, c, ApiError::from(e), cookies),
    }
}

async fn acs(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let c = caller(&req);
    if let Some(r) = throttled(&sso, &c) {
        return r;
    }
    let Some(f) = form(req).await else {
        return refuse(&sso, &c, bad("The sign-in form is too large."), &[]);
    };
    let Some(b64) = f.get("SAMLResponse") else {
        return refuse(&sso, &c, bad("The form has no SAMLResponse."), &[]);
    };
    let asserted = match verified(&sso, b64).await {
        Ok(a) => a,
        Err(e) => return refuse(&sso, &c, e, &[]),
    };
    if let Err(e) = check_in_response_to(&sso, &asserted).await {
        return refuse(&sso, &c, e, &[]);
    }
    let session = match asserted.session_name() {
        Ok(s) => s,
        Err(e) => return refuse(&sso, &c, ApiError::from(e), &[]),
    };
    let roles = asserted.offered_roles();
    match roles.as_slice() {
        [] => refuse(
            &sso,
            &c,
            bad("The SAML assertion offers no role of this provider."),
            &[],
        ),
        [one] => mint(&sso, &c, &asserted, one, &session, &[]).await,
        _ => {
            let csrf = flow::random_token(sso.api.iam.rng.as_ref());
            let who = asserted.verified.name_id.clone();
            // The provider's metadata (up to 10 MB) is not needed to mint: not kept.
            let mut asserted = asserted;
            asserted.provider.metadata = String::new();
            asserted.provider.signing_certs = Vec::new();
            let choice = Choice {
                asserted,
                roles: roles.clone(),
                session_name: session,
            };
            let at = sso.api.iam.clock.now_millis() + CHOICE_TTL_MS;
            if let Err(e) =
                flow::put(&sso.api.iam.store, &flow::choice_key(&csrf), &choice, at).await
            {
                tracing::error!(error = %e, "saml: storing the role choice failed");
                return refuse(&sso, &c, ApiError::from(StsError::from(e)), &[]);
            }
            let set = cookie(
                COOKIE,
                &csrf,
                "/saml/choose",
                CHOICE_TTL_MS / 1000,
                sso.secure(),
            );
            page::html(
                StatusCode::OK,
                "Choose a role",
                &views::choice("/saml/choose", &csrf, &roles, &who),
                &[set],
            )
        }
    }
}

async fn choose(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let c = caller(&req);
    if let Some(r) = throttled(&sso, &c) {
        return r;
    }
    let cleared = [cookie(COOKIE, "", "/saml/choose", 0, sso.secure())];
    let cookie_csrf = read_cookie(req.headers(), COOKIE, sso.secure());
    let Some(f) = form(req).await else {
        return refuse(&sso, &c, bad("The form is too large."), &cleared);
    };
    let choice = match (f.get("csrf"), &cookie_csrf) {
        (Some(t), Some(ct))
            if t.len() == ct.len() && bool::from(t.as_bytes().ct_eq(ct.as_bytes())) =>
        {
            match flow::take::<Choice>(&sso.api.iam.store, &flow::choice_key(t)).await {
                Ok(ch) => ch,
                Err(e) => return refuse(&sso, &c, ApiError::from(StsError::from(e)), &cleared),
            }
        }
        _ => None,
    };
    let Some(choice) = choice else {
        let e = ApiError::from(StsError::Iam(fedgate_iam::IamError::AccessDenied(
            "This role choice does not belong to this browser, has expired, or was already used."
                .into(),
        )));
        return refuse(&sso, &c, e, &cleared);
    };
    let Some(role) = f.get("role_arn").filter(|r| choice.roles.contains(r)) else {
        let e = ApiError::from(StsError::Iam(fedgate_iam::IamError::AccessDenied(
            "That role was not offered to you.".into(),
        )));
        return refuse(&sso, &c, e, &cleared);
    };
    let skew = sso.api.federation.saml.skew_secs;
    if choice.asserted.verified.not_on_or_after + skew <= sso.api.iam.clock.now().unix_timestamp() {
        let e = ApiError::from(StsError::Saml(fedgate_saml::SamlError::Expired(
            "The SAML assertion has expired.".into(),
        )));
        return refuse(&sso, &c, e, &cleared);
    }
    mint(
        &sso,
        &c,
        &choice.asserted,
        role,
        &choice.session_name,
        &cleared,
    )
    .await
}
