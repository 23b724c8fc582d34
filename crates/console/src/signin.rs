//! From a verified ID token to credentials: which roles of the provider's account trust the
//! identity, a choice among several, and minting through `AssumeRoleWithWebIdentity`'s code
//! path. Every ending is audited and rendered here.

use crate::audit::{self, Caller, Outcome};
use crate::flow::{self, CHOICE_TTL_MS, Choice};
use crate::page::{self, cookie};
use crate::settings::ProviderSettings;
use crate::{Sso, session_name, views};
use axum::response::Response;
use fedgate_aws_query::ApiError;
use fedgate_iam::authz::RequestContext;
use fedgate_oidc::FederatedIdentity;
use fedgate_sts::assume_role_with_web_identity::{WebIdentityRequest, assume_role_as_verified};
use fedgate_sts::web_identity_trust::trusting_roles;
use http::StatusCode;

pub const CHOICE_COOKIE: &str = "fedgate_sso_choice";

/// Why a sign-in stops: the page's status, title and message (safe to show), and the
/// audit event's error code.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, title: &'static str, m: &str) -> Self {
        Refusal {
            status,
            code,
            title,
            message: m.to_owned(),
        }
    }

    pub fn internal() -> Self {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "Sign-in failed",
            "fedgate could not complete the sign-in. Try again later.",
        )
    }

    /// An STS error: client mistakes keep their message, internal faults never show theirs.
    pub fn from_api(e: ApiError, title: &'static str) -> Self {
        if e.status.is_server_error() {
            return Refusal::internal();
        }
        Refusal {
            status: e.status,
            code: e.code,
            title,
            message: e.message,
        }
    }
}

/// Where the flow is: who signs in where.
pub struct Flow<'a> {
    pub sso: &'a Sso,
    pub name: &'a str,
    pub provider: &'a ProviderSettings,
    pub caller: &'a Caller,
    /// Cookies the answer sets (the spent flow's, cleared).
    pub cookies: Vec<String>,
}

impl Flow<'_> {
    /// The provider's route: `/sso/oidc/{name}` or `/sso/oauth/{name}`.
    pub fn base(&self) -> String {
        format!("/{}/{}", self.provider.route_kind(), self.name)
    }

    pub fn ctx(&self) -> RequestContext {
        RequestContext {
            source_ip: self.caller.peer,
            secure_transport: self.sso.api.config.secure_transport,
            region: String::new(),
            session: None,
            console: None,
        }
    }

    /// Audits the refusal and renders it.
    pub fn refuse(&self, identity: Option<&FederatedIdentity>, r: Refusal) -> Response {
        audit::emit(
            self.sso,
            self.caller,
            &self.base(),
            self.provider.account.as_str(),
            identity,
            Outcome::Refused {
                code: r.code,
                message: &r.message,
            },
        );
        page::html(
            r.status,
            r.title,
            &format!(
                "<p>{}</p>\n<p>Start again from your sign-in link.</p>",
                page::escape(&r.message)
            ),
            &self.cookies,
        )
    }

    /// The roles trusting `identity`: none → 403, one → its credentials, several → the
    /// choice page (the identity kept server-side, bound to a cookie and a CSRF token).
    pub async fn roles_for(
        mut self,
        identity: FederatedIdentity,
        provider_arn: String,
    ) -> Response {
        let sso = self.sso;
        let session = session_name::from_claims(&identity.claims);
        let account = &self.provider.account;
        let roles = match trusting_roles(
            &sso.api.iam,
            &self.ctx(),
            account,
            &identity,
            &provider_arn,
            &session,
        )
        .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "sso: listing the roles failed");
                return self.refuse(Some(&identity), Refusal::internal());
            }
        };
        let arns: Vec<String> = roles.into_iter().map(|(_, arn)| arn).collect();
        match arns.as_slice() {
            [] => {
                let m = format!(
                    "No role in account {account} trusts {} user {} (sts:AssumeRoleWithWebIdentity).",
                    identity.issuer, identity.subject
                );
                self.refuse(
                    Some(&identity),
                    Refusal::new(
                        StatusCode::FORBIDDEN,
                        "AccessDenied",
                        "No role trusts this identity",
                        &m,
                    ),
                )
            }
            [one] => {
                let one = one.clone();
                self.mint(identity, provider_arn, one, session).await
            }
            _ => {
                let csrf = flow::random_token(sso.api.iam.rng.as_ref());
                let who = identity.subject.clone();
                let choice = Choice {
                    provider: self.name.to_owned(),
                    roles: arns.clone(),
                    session_name: session,
                    provider_arn,
                    identity: (&identity).into(),
                };
                let at = sso.api.iam.clock.now_millis() + CHOICE_TTL_MS;
                if let Err(e) =
                    flow::put(&sso.api.iam.store, &flow::choice_key(&csrf), &choice, at).await
                {
                    tracing::error!(error = %e, "sso: storing the role choice failed");
                    return self.refuse(Some(&identity), Refusal::internal());
                }
                self.cookies.push(cookie(
                    CHOICE_COOKIE,
                    &csrf,
                    &format!("{}/choose", self.base()),
                    CHOICE_TTL_MS / 1000,
                    sso.secure(),
                ));
                page::html(
                    StatusCode::OK,
                    "Choose a role",
                    &views::choice(&format!("{}/choose", self.base()), &csrf, &arns, &who),
                    &self.cookies,
                )
            }
        }
    }

    /// Credentials for `role_arn` through `AssumeRoleWithWebIdentity`'s code path (which
    /// checks the trust policy again), audited, as the credentials page.
    pub async fn mint(
        self,
        identity: FederatedIdentity,
        provider_arn: String,
        role_arn: String,
        session: String,
    ) -> Response {
        let sso = self.sso;
        let req = WebIdentityRequest {
            role_arn,
            role_session_name: session,
            ..WebIdentityRequest::default()
        };
        let kept = identity.clone();
        match assume_role_as_verified(&sso.api.iam, &self.ctx(), &req, identity, provider_arn).await
        {
            Ok(out) => {
                audit::emit(
                    sso,
                    self.caller,
                    &self.base(),
                    self.provider.account.as_str(),
                    Some(&out.identity),
                    Outcome::Issued(&req, &out),
                );
                let console =
                    crate::web::federation::after_sso(sso, &out.credentials, &self.base()).await;
                page::html(
                    StatusCode::OK,
                    "Temporary credentials",
                    &views::credentials(
                        &out.credentials,
                        &out.arn,
                        &out.identity.subject,
                        &sso.public_url,
                        &sso.region,
                        console.as_deref(),
                    ),
                    &self.cookies,
                )
            }
            Err(e) => {
                let api = ApiError::from(e);
                if api.status.is_server_error() {
                    tracing::error!(code = api.code, "sso: minting failed");
                }
                self.refuse(Some(&kept), Refusal::from_api(api, "Sign-in refused"))
            }
        }
    }
}
