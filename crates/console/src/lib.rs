//! fedgate-console: the browser side of fedgate. Today: single sign-on through OpenID
//! Connect providers with the authorization code flow and PKCE (`/sso/oidc/{name}`) and
//! through OAuth 2.0 providers whose users are confirmed at their APIs (`/sso/oauth/{name}`:
//! Facebook, Login with Amazon, GitHub, Twitter/X), ending in a page of temporary credentials
//! for a role the person's identity is trusted by (a choice page when several are).
//!
//! The flow's state (state, nonce, PKCE verifier; later the verified identity awaiting a
//! role choice) lives in the store as expiring single-use records, so any replica can finish
//! a flow another began, and is bound to the browser by an HttpOnly, SameSite=Lax cookie.
//! ID tokens are verified by `fedgate-oidc` against the IAM OIDC provider registered in the
//! account; trust and minting are `fedgate-sts`'s (`AssumeRoleWithWebIdentity`'s code path),
//! audited like that action.
//!
//! SAML: the assertion consumer service `POST /saml` (IdP-initiated sign-in, verified as
//! `AssumeRoleWithSAML` verifies, with a role choice when the assertion offers several).
//!
//! Not here (yet): the web console itself (password sign-in, console sessions, pages),
//! SP-initiated SAML sign-in (`/sso/saml/{provider}`, signed AuthnRequests), the SP metadata,
//! and the `/federation` sign-in token endpoint.

mod audit;
mod flow;
mod idp;
mod page;
mod routes;
mod saml;
mod session_name;
mod settings;
mod signin;
mod views;
pub mod web;

pub use page::read_cookie;
pub use routes::router;
pub use settings::{ConsoleSettings, ProviderSettings, SamlSignIn, SocialSettings, SsoSettings};

use fedgate_aws_query::QueryApi;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The browser sign-in service: the Query API's services (IAM, the OIDC key cache, audit,
/// rate limits) plus the configured providers.
pub struct Sso {
    api: Arc<QueryApi>,
    public_url: String,
    region: String,
    providers: BTreeMap<String, ProviderSettings>,
    saml: BTreeMap<String, SamlSignIn>,
    sp_key: Option<Arc<fedgate_saml::sp::SpKey>>,
    idp: idp::IdpClient,
    console: ConsoleSettings,
    /// An argon2id hash of a random password, checked when the signing-in user does not
    /// exist so that timing does not tell.
    dummy_hash: Arc<std::sync::OnceLock<String>>,
    /// Password checks (argon2id) allowed to run at once.
    argon2_permits: tokio::sync::Semaphore,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("providers", &self.providers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Sso {
    /// The service for `settings`; requests to providers go through the OIDC key cache's
    /// HTTPS client (its certificate, redirect, time and size rules).
    pub fn new(api: Arc<QueryApi>, settings: SsoSettings) -> Result<Sso, String> {
        let idp = idp::IdpClient::new(
            api.federation.oidc_keys.fetcher().clone(),
            api.iam.clock.clone(),
        );
        Ok(Sso {
            api,
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
            region: settings.region,
            providers: settings.providers,
            saml: settings.saml,
            sp_key: settings.sp_key,
            idp,
            console: settings.console,
            dummy_hash: Arc::new(std::sync::OnceLock::new()),
            argon2_permits: tokio::sync::Semaphore::new(4),
        })
    }

    /// Whether cookies must be `Secure` (the public URL is https).
    fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Where the provider sends the browser back: `{public_url}/{route}/callback`.
    fn redirect_uri(&self, route: &str) -> String {
        format!("{}{route}/callback", self.public_url)
    }
}
