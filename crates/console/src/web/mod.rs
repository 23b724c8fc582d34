//! The web console: password sign-in at `/{account-id-or-alias}/console` (and `/console`,
//! which asks for the account), MFA, forced password change, lockout, idle timeout and
//! sign-out ([`signin`]); console sessions ([`session`]); AWS's federation endpoint
//! `/federation` ([`federation`]); and the pages under `/console/…`.
//!
//! Every page reads through `fedgate-iam`'s service functions and every change runs the IAM
//! action itself through [`fedgate_aws_query::QueryApi::invoke`] (`POST /console/do`,
//! [`act`]): the same validation, policy engine, error messages and audit events as a signed
//! API request, for the principal the console session speaks for. A denied read or action
//! shows the engine's reason.

pub mod account;
pub mod act;
pub mod dashboard;
pub mod delete;
pub mod federation;
pub mod groups;
pub mod layout;
pub mod lockout;
pub mod policies;
pub mod providers;
pub mod report;
pub mod roles;
pub mod security;
pub mod session;
pub mod signin;
pub mod simulator;
pub mod users;

use crate::Sso;
use crate::audit::Caller;
use crate::page::read_cookie;
use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fedgate_aws_query::{ApiError, ConsoleCaller};
use fedgate_core::Principal;
use fedgate_iam::authz::ConsoleSignIn;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use session::{ConsoleSession, SESSION_COOKIE};
use std::sync::Arc;

/// Largest form the console accepts (a policy document is at most 6,144 characters; a
/// SAML metadata document at most 10 MB per AWS, but fedgate caps metadata lower).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The console's routes.
pub fn router(sso: Arc<Sso>) -> Router {
    Router::new()
        .route("/console", get(signin::page_any))
        .route("/{account}/console", get(signin::page_for))
        .route("/console/signin", post(signin::submit))
        .route(
            "/console/mfa",
            get(signin::mfa_page).post(signin::mfa_submit),
        )
        .route(
            "/console/password",
            get(signin::password_page).post(signin::password_submit),
        )
        .route("/console/signout", post(signin::signout))
        .route("/console/do", post(act::run))
        .route("/console/delete", post(delete::run))
        .route("/console/validate-policy", post(act::validate_policy))
        .route("/console/static/console.js", get(script))
        .route("/console/home", get(dashboard::home))
        .route(
            "/federation",
            get(federation::handle).post(federation::handle),
        )
        .merge(users::routes())
        .merge(groups::routes())
        .merge(roles::routes())
        .merge(policies::routes())
        .merge(providers::routes())
        .merge(simulator::routes())
        .merge(account::routes())
        .merge(security::routes())
        .merge(report::routes())
        .with_state(sso)
}

/// What a console handler reads of the request.
pub struct Req {
    pub headers: http::HeaderMap,
    pub caller: Caller,
    pub query: String,
    pub body: Vec<u8>,
}

impl Req {
    pub async fn read(req: Request) -> Result<Req, Response> {
        let caller = crate::routes::caller(&req);
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, MAX_FORM_BYTES).collect().await {
            Ok(b) => b.to_bytes().to_vec(),
            Err(_) => {
                return Err(crate::page::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request too large",
                    "The form is larger than the console accepts.",
                ));
            }
        };
        Ok(Req {
            headers: parts.headers,
            caller,
            query: parts.uri.query().unwrap_or("").to_owned(),
            body,
        })
    }

    /// The first value of form field `name` (body, then query string).
    pub fn field(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .chain(form_urlencoded::parse(self.query.as_bytes()))
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub fn query_field(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A request of a live console session.
pub struct Signed {
    pub cookie: String,
    pub record: ConsoleSession,
    pub caller: ConsoleCaller,
}

impl Sso {
    pub(crate) fn limits(&self) -> session::Limits {
        session::Limits {
            idle_ms: i64::from(self.console.idle_timeout_secs) * 1000,
            max_ms: i64::from(self.console.max_session_secs) * 1000,
        }
    }

    /// The session cookie `value` (max-age 0 deletes it): path `/`, HttpOnly, SameSite=Lax,
    /// Secure over https.
    pub(crate) fn session_cookie(&self, value: &str, max_age_secs: i64) -> String {
        crate::page::cookie(SESSION_COOKIE, value, "/", max_age_secs, self.secure())
    }
}

/// Where a signed-out browser goes: the sign-in page.
fn to_sign_in() -> Response {
    crate::page::redirect("/console", &[])
}

/// The request's live console session, or the answer to give instead (the sign-in page).
/// A federated session lives only as long as its temporary credentials: their record is read
/// on every request (revoked, expired or owner deleted → signed out).
pub async fn signed(sso: &Sso, req: &Req) -> Result<Signed, Response> {
    signed_any(sso, req, false).await
}

/// [`signed`], also for a session that must change its password first (the password page).
pub async fn signed_any(sso: &Sso, req: &Req, password_page: bool) -> Result<Signed, Response> {
    let iam = &sso.api.iam;
    let Some(cookie) = read_cookie(&req.headers, SESSION_COOKIE, sso.secure()) else {
        return Err(to_sign_in());
    };
    let now = iam.clock.now_millis();
    let record = match session::load(&iam.store, &cookie, now, sso.limits()).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(to_sign_in()),
        Err(_) => return Err(unavailable()),
    };
    let ended = || async {
        let _ = session::end(&iam.store, &cookie).await;
        Err(to_sign_in())
    };
    let Some(mut principal) = record.principal() else {
        return ended().await;
    };
    let mut sts_session = None;
    if let Some((id, expires)) = &record.sts_key {
        let Ok(id) = fedgate_core::AccessKeyId::parse(id) else {
            return ended().await;
        };
        let live = match fedgate_sts::resolve::load_session(iam, &id, *expires).await {
            Ok(r) => fedgate_sts::resolve::check_owner(iam, &r.session)
                .await
                .map(|()| r),
            Err(e) => Err(e),
        };
        match live {
            Ok(r) if *expires > now => sts_session = Some(r.session),
            Ok(_)
            | Err(
                fedgate_sts::StsError::InvalidClientTokenId | fedgate_sts::StsError::ExpiredToken,
            ) => return ended().await,
            Err(_) => return Err(unavailable()),
        }
    } else {
        // A password session lives while its password does: a reset, a change made elsewhere
        // or a deleted login profile ends it. The principal is rebuilt from the current
        // record, so a renamed user acts under its new name.
        let current = match &principal {
            Principal::User {
                account, user_id, ..
            } => match iam.store.get_user(account, user_id).await {
                Ok(Some(u)) => {
                    let hash = u.login_profile.as_ref().map(|p| p.password_hash.clone());
                    principal = Principal::User {
                        partition: principal.partition().to_owned(),
                        account: u.account_id.clone(),
                        user_id: u.user_id.clone(),
                        name: u.name.clone(),
                        path: u.path.clone(),
                        access_key_id: None,
                    };
                    hash
                }
                Ok(None) => None,
                Err(_) => return Err(unavailable()),
            },
            Principal::Root { account, .. } => match iam.store.get_account(account).await {
                Ok(a) => a.and_then(|a| a.root_password_hash),
                Err(_) => return Err(unavailable()),
            },
            _ => None,
        };
        let same = current.is_some_and(|h| {
            crate::routes::ct_eq(&signin::credential_fingerprint(&h), &record.credential)
        });
        if !same {
            return ended().await;
        }
    }
    if record.must_change_password && !password_page {
        return Err(crate::page::redirect("/console/password", &[]));
    }
    let sign_in = record.sts_key.is_none().then_some(ConsoleSignIn {
        signed_in_at_ms: record.signed_in_at_ms,
        mfa_at_ms: record.mfa_at_ms,
    });
    Ok(Signed {
        cookie,
        caller: ConsoleCaller {
            principal,
            session: sts_session,
            sign_in,
            peer: req.caller.peer,
            user_agent: req.caller.user_agent.clone(),
            region: sso.region.clone(),
        },
        record,
    })
}

/// A page request of a live session: the request read, and its session (or the answer to
/// give instead).
pub async fn open(sso: &Sso, req: Request) -> Result<(Req, Signed), Response> {
    let r = Req::read(req).await?;
    let s = signed(sso, &r).await?;
    Ok((r, s))
}

/// [`open`] for a form post: the session's CSRF token must be in the form (else 403).
pub async fn open_form(sso: &Sso, req: Request) -> Result<(Req, Signed), Response> {
    let (r, s) = open(sso, req).await?;
    if !csrf_ok(&s, &r) {
        return Err(forbidden_csrf());
    }
    Ok((r, s))
}

/// The form's CSRF token matches the session's (constant time).
pub fn csrf_ok(s: &Signed, req: &Req) -> bool {
    req.field("csrf")
        .is_some_and(|t| crate::routes::ct_eq(&t, &s.record.csrf))
}

fn unavailable() -> Response {
    crate::page::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service unavailable",
        "fedgate cannot reach its store. Try again in a moment.",
    )
}

pub fn forbidden_csrf() -> Response {
    crate::page::error(
        StatusCode::FORBIDDEN,
        "Form expired",
        "The form's security token does not match your session. Reload the page and try again.",
    )
}

/// A read's result, with a denial audited as the API audits it.
pub fn audited<T>(
    sso: &Sso,
    s: &Signed,
    action: &str,
    r: Result<T, fedgate_iam::IamError>,
) -> Result<T, ApiError> {
    r.map_err(|e| {
        let e = ApiError::from(e);
        if e.code == "AccessDenied" {
            sso.api.audit_console_denial(&s.caller, action, &e);
        }
        e
    })
}

/// The console's only script: live validation of policy documents.
async fn script() -> Response {
    let mut r = include_str!("console.js").into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}
