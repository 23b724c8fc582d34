//! The routes: `GET /sso/oidc/{name}` (to the provider), `GET /sso/oidc/{name}/callback`
//! (back from it) and `POST /sso/oidc/{name}/choose` (the role choice); the same under
//! `/sso/oauth/{name}` for OAuth 2.0 providers. A provider answers only under its own kind's
//! prefix. The only redirect target is the provider's configured or discovered
//! authorization endpoint.

use crate::Sso;
use crate::audit::Caller;
use crate::flow::{self, Choice, Pending, STATE_TTL_MS};
use crate::page::{self, cookie, read_cookie};
use crate::settings::ProviderSettings;
use crate::signin::{CHOICE_COOKIE, Flow, Refusal};
use axum::Router;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use fedgate_aws_query::throttle::Verdict;
use fedgate_iam::oidc_providers::{self, provider_arn};
use fedgate_oidc::{FederatedIdentity, Registration};
use http::StatusCode;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;

const STATE_COOKIE: &str = "fedgate_sso_state";
const MAX_FORM_BYTES: usize = 8 * 1024;

/// The sign-in routes, to merge into the gateway's router.
pub fn router(sso: Arc<Sso>) -> Router {
    let secure = sso.secure();
    let router = Router::new()
        .route("/sso/oidc/{name}", get(start))
        .route("/sso/oidc/{name}/callback", get(callback))
        .route("/sso/oidc/{name}/choose", post(choose))
        .route("/sso/oauth/{name}", get(start))
        .route("/sso/oauth/{name}/callback", get(callback))
        .route("/sso/oauth/{name}/choose", post(choose))
        .with_state(sso.clone())
        .merge(crate::saml::router(sso.clone()))
        .merge(crate::web::router(sso));
    if secure {
        router.layer(axum::middleware::map_response(hsts))
    } else {
        router
    }
}

/// Served over https, every browser-facing response says so for a year (HSTS), so that a
/// browser that has been here once never sends the console's cookies or forms over plain
/// http again. No `includeSubDomains`: fedgate does not speak for its sibling hosts.
async fn hsts(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        http::header::STRICT_TRANSPORT_SECURITY,
        http::HeaderValue::from_static("max-age=31536000"),
    );
    resp
}

pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Who sent `req`: its peer address and User-Agent (cut at 256 characters).
pub(crate) fn caller(req: &Request) -> Caller {
    Caller {
        peer: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
        user_agent: req
            .headers()
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect()),
    }
}

fn unknown(name: &str) -> Response {
    page::error(
        StatusCode::NOT_FOUND,
        "Unknown sign-in provider",
        &format!(
            "There is no sign-in provider named {:?}.",
            name.chars().take(64).collect::<String>()
        ),
    )
}

/// The named provider and the caller, unless the provider is unknown (404) or the caller's
/// address is over its rate (429): what every route checks first.
fn admitted<'a>(
    sso: &'a Sso,
    name: &str,
    req: &Request,
) -> Result<(&'a ProviderSettings, Caller), Box<Response>> {
    let p = sso
        .providers
        .get(name)
        .filter(|p| {
            let prefix = format!("/{}/", p.route_kind());
            req.uri().path().starts_with(&prefix)
        })
        .ok_or_else(|| Box::new(unknown(name)))?;
    let c = caller(req);
    match throttled(sso, &c) {
        Some(r) => Err(Box::new(r)),
        None => Ok((p, c)),
    }
}

/// The rate-limit page when `c`'s address is over its rate.
pub(crate) fn throttled(sso: &Sso, c: &Caller) -> Option<Response> {
    match sso.api.throttle.check_ip(c.peer) {
        Verdict::Refuse { .. } => Some(page::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-ins",
            "Too many sign-in attempts from your address. Wait a moment and try again.",
        )),
        _ => None,
    }
}

fn unreachable_idp() -> Response {
    page::error(
        StatusCode::BAD_GATEWAY,
        "Sign-in provider unavailable",
        "The sign-in provider could not be reached. Try again later.",
    )
}

async fn start(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    let (p, _) = match admitted(&sso, &name, &req) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let endpoints = match sso.idp.endpoints(p).await {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(provider = %name, error = %e, "sso: no endpoints for the provider");
            return unreachable_idp();
        }
    };
    let iam = &sso.api.iam;
    let rng = iam.rng.as_ref();
    let (state, nonce, verifier) = (
        flow::random_token(rng),
        flow::random_token(rng),
        flow::random_token(rng),
    );
    let challenge = flow::pkce_challenge(&verifier);
    let base = format!("/{}/{name}", p.route_kind());
    let pending = Pending {
        provider: name.clone(),
        nonce: nonce.clone(),
        verifier,
    };
    let at = iam.clock.now_millis() + STATE_TTL_MS;
    if let Err(e) = flow::put(&iam.store, &flow::state_key(&state), &pending, at).await {
        tracing::error!(error = %e, "sso: storing the sign-in state failed");
        return page::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in unavailable",
            "fedgate could not start the sign-in. Try again later.",
        );
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &sso.redirect_uri(&base))
        .append_pair("scope", &p.scopes.join(" "))
        .append_pair("state", &state);
    if p.social.is_none() {
        query.append_pair("nonce", &nonce);
    }
    let query = query
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let sep = if endpoints.authorization.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{sep}{query}", endpoints.authorization);
    let c = cookie(
        STATE_COOKIE,
        &state,
        &base,
        STATE_TTL_MS / 1000,
        sso.secure(),
    );
    page::redirect(&location, &[c])
}

fn query_map(req: &Request) -> HashMap<String, String> {
    form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn bad_flow(m: &str) -> Refusal {
    Refusal::new(
        StatusCode::BAD_REQUEST,
        "AccessDenied",
        "Sign-in refused",
        m,
    )
}

/// The provider's answer to the browser: check it belongs to this browser's unused
/// sign-in, exchange the code, verify the ID token and its nonce, then find the roles.
async fn callback(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    let (p, c) = match admitted(&sso, &name, &req) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let q = query_map(&req);
    let cookie_state = read_cookie(req.headers(), STATE_COOKIE, sso.secure());
    let f = Flow {
        sso: &sso,
        name: &name,
        provider: p,
        caller: &c,
        cookies: vec![cookie(
            STATE_COOKIE,
            "",
            &format!("/{}/{name}", p.route_kind()),
            0,
            sso.secure(),
        )],
    };
    // The state must be this browser's (its cookie) and an unused record (taken now).
    let pending = match (q.get("state"), &cookie_state) {
        (Some(s), Some(cs)) if ct_eq(s, cs) => {
            match flow::take::<Pending>(&sso.api.iam.store, &flow::state_key(s)).await {
                Ok(p) => p.filter(|p| p.provider == name),
                Err(e) => {
                    tracing::error!(error = %e, "sso: reading the sign-in state failed");
                    return f.refuse(None, Refusal::internal());
                }
            }
        }
        _ => None,
    };
    // The provider's own error words are shown only on the sign-in this browser started: a
    // link with made-up `error_description` text must not put it on the gateway's pages.
    if let Some(err) = q.get("error").filter(|_| pending.is_some()) {
        let err: String = err.chars().take(64).collect();
        let desc: String = q
            .get("error_description")
            .map(|d| d.chars().take(300).collect())
            .unwrap_or_default();
        let m = format!("The identity provider refused the sign-in: {err}. {desc}");
        let status = if err == "access_denied" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        return f.refuse(
            None,
            Refusal::new(
                status,
                "AccessDenied",
                "Sign-in not completed",
                m.trim_end(),
            ),
        );
    }
    let refusal = match (&cookie_state, q.get("state"), q.get("code")) {
        (None, _, _) => {
            "This browser did not start this sign-in (no sign-in cookie; cookies must be enabled)."
        }
        (_, None, _) | (_, _, None) => "The sign-in response is incomplete.",
        _ => "This sign-in does not belong to this browser, has expired, or was already used.",
    };
    let (Some(pending), Some(code)) = (pending, q.get("code")) else {
        return f.refuse(None, bad_flow(refusal));
    };
    let verified = match p.social.as_ref() {
        None => exchange_and_verify(&f, code, &pending).await,
        Some(social) => exchange_and_confirm(&f, social, code, &pending).await,
    };
    let verified = match verified {
        Ok(v) => v,
        Err((identity, r)) => return f.refuse(identity.as_ref(), r),
    };
    f.roles_for(verified.0, verified.1).await
}

type Failed = (Option<FederatedIdentity>, Refusal);

fn idp_failed() -> Refusal {
    Refusal::new(
        StatusCode::BAD_GATEWAY,
        "IDPCommunicationError",
        "Sign-in provider error",
        "The sign-in provider did not complete the sign-in. Start again.",
    )
}

/// The code exchange at the provider's token endpoint.
async fn exchange(
    f: &Flow<'_>,
    code: &str,
    pending: &Pending,
) -> Result<crate::idp::TokenAnswer, Failed> {
    let (sso, p) = (f.sso, f.provider);
    let endpoints = sso.idp.endpoints(p).await.map_err(|e| {
        tracing::warn!(provider = %f.name, error = %e, "sso: no endpoints for the provider");
        (None, idp_failed())
    })?;
    sso.idp
        .exchange(
            &endpoints.token,
            p,
            code,
            &sso.redirect_uri(&f.base()),
            &pending.verifier,
        )
        .await
        .map_err(|e| {
            tracing::warn!(provider = %f.name, error = %e, "sso: the code exchange failed");
            (None, idp_failed())
        })
}

/// OAuth 2.0: the code exchange, then the access token confirmed at the provider's API (who
/// the user is; for Facebook and Amazon, also that the token is this client's). The
/// provider's name (`github.com`) stands for its ARN: such providers are not IAM resources.
async fn exchange_and_confirm(
    f: &Flow<'_>,
    social: &crate::SocialSettings,
    code: &str,
    pending: &Pending,
) -> Result<(FederatedIdentity, String), Failed> {
    let answer = exchange(f, code, pending).await?;
    let Some(token) = answer.access_token else {
        tracing::warn!(provider = %f.name, "sso: no access_token in the token endpoint's answer");
        return Err((None, idp_failed()));
    };
    let iam = &f.sso.api.iam;
    let identity = fedgate_oidc::social::confirm(
        f.sso.idp.fetcher(),
        social.kind,
        &social.api_url,
        &token,
        Some(&f.provider.client_id),
        iam.clock.now().unix_timestamp(),
    )
    .await
    .map_err(|e| {
        let api = fedgate_aws_query::ApiError::from(fedgate_sts::StsError::WebIdentity(e));
        (None, Refusal::from_api(api, "Sign-in refused"))
    })?;
    if !ct_eq(&identity.audience, &f.provider.client_id) {
        let r = Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidIdentityToken",
            "Sign-in refused",
            "The access token was not issued to this client.",
        );
        return Err((Some(identity), r));
    }
    Ok((identity, social.kind.provider_id().to_owned()))
}

/// The code exchange and the ID token: verified against the IAM OIDC provider registered
/// for the issuer in the account, for this client, with this sign-in's nonce.
async fn exchange_and_verify(
    f: &Flow<'_>,
    code: &str,
    pending: &Pending,
) -> Result<(FederatedIdentity, String), Failed> {
    let (sso, p) = (f.sso, f.provider);
    let answer = exchange(f, code, pending).await?;
    let Some(id_token) = answer.id_token else {
        tracing::warn!(provider = %f.name, "sso: no id_token in the token endpoint's answer");
        return Err((None, idp_failed()));
    };
    let iam = &sso.api.iam;
    let registered = oidc_providers::for_issuer(iam, &p.account, &p.issuer)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "sso: reading the OIDC provider failed");
            (None, Refusal::internal())
        })?
        .filter(|r| fedgate_oidc::claims::issuer_matches(&p.issuer, &r.issuer_url))
        .ok_or_else(|| {
            tracing::warn!(provider = %f.name, "sso: the issuer is not an IAM OIDC provider of the account");
            let m = format!("{} is not registered as an OpenID Connect provider of account {}.", p.issuer, p.account);
            (None, Refusal::new(StatusCode::FORBIDDEN, "InvalidIdentityToken", "Sign-in refused", &m))
        })?;
    let identity = fedgate_oidc::verify(
        &sso.api.federation.oidc_keys,
        &id_token,
        Registration {
            issuer_url: &registered.issuer_url,
            client_ids: &registered.client_ids,
        },
        iam.clock.now().unix_timestamp(),
        sso.api.federation.web_identity.leeway_secs,
    )
    .await
    .map_err(|e| {
        let api = fedgate_aws_query::ApiError::from(fedgate_sts::StsError::WebIdentity(e));
        (None, Refusal::from_api(api, "Sign-in refused"))
    })?;
    let for_us =
        identity.audience == p.client_id || identity.original_audience.contains(&p.client_id);
    let nonce_ok = identity
        .claims
        .get("nonce")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|n| ct_eq(n, &pending.nonce));
    if !for_us || !nonce_ok {
        let m = if for_us {
            "The ID token's nonce does not match this sign-in."
        } else {
            "The ID token was not issued to this client."
        };
        let r = Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidIdentityToken",
            "Sign-in refused",
            m,
        );
        return Err((Some(identity), r));
    }
    let arn = provider_arn(&iam.partition, &registered);
    Ok((identity, arn))
}

/// The role choice: the form's CSRF token must equal the cookie and name an unused record
/// of a verified identity; the role must be one offered. The trust policy is checked again.
async fn choose(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    let (p, c) = match admitted(&sso, &name, &req) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let cookie_csrf = read_cookie(req.headers(), CHOICE_COOKIE, sso.secure());
    let f = Flow {
        sso: &sso,
        name: &name,
        provider: p,
        caller: &c,
        cookies: vec![cookie(
            CHOICE_COOKIE,
            "",
            &format!("/{}/{name}/choose", p.route_kind()),
            0,
            sso.secure(),
        )],
    };
    let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES).await else {
        return f.refuse(None, bad_flow("The form is too large."));
    };
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let choice = match (form.get("csrf"), &cookie_csrf) {
        (Some(t), Some(ct)) if ct_eq(t, ct) => {
            match flow::take::<Choice>(&sso.api.iam.store, &flow::choice_key(t)).await {
                Ok(ch) => ch.filter(|ch| ch.provider == name),
                Err(e) => {
                    tracing::error!(error = %e, "sso: reading the role choice failed");
                    return f.refuse(None, Refusal::internal());
                }
            }
        }
        _ => None,
    };
    let Some(choice) = choice else {
        return f.refuse(
            None,
            bad_flow("This role choice does not belong to this browser, has expired, or was already used."),
        );
    };
    let identity: FederatedIdentity = choice.identity.into();
    let leeway = sso.api.federation.web_identity.leeway_secs;
    if identity.expires_at.saturating_add(leeway) < sso.api.iam.clock.now().unix_timestamp() {
        return f.refuse(Some(&identity), bad_flow("The sign-in has expired."));
    }
    let role = form.get("role_arn").filter(|r| choice.roles.contains(r));
    let Some(role) = role.cloned() else {
        let r = Refusal::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Sign-in refused",
            "That role was not offered to you.",
        );
        return f.refuse(Some(&identity), r);
    };
    f.mint(identity, choice.provider_arn, role, choice.session_name)
        .await
}
