//! What the server's configuration (`[sso.oidc.<name>]`, `[sso.oauth.<name>]`) hands the
//! sign-in service.

use fedgate_core::{AccountId, Secret};
use fedgate_oidc::social::Social;
use std::collections::BTreeMap;

/// An OAuth 2.0 provider without ID tokens: which one, and where its users are confirmed.
#[derive(Debug, Clone)]
pub struct SocialSettings {
    pub kind: Social,
    pub api_url: String,
}

/// One sign-in provider: OpenID Connect (`social` is `None`) or OAuth 2.0.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// OpenID Connect: as registered with CreateOpenIDConnectProvider in `account`.
    /// Empty for an OAuth 2.0 provider.
    pub issuer: String,
    pub client_id: String,
    /// Empty for a public client.
    pub client_secret: Secret,
    pub account: AccountId,
    pub scopes: Vec<String>,
    /// Overrides of the discovery document's endpoints.
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    /// Set for an OAuth 2.0 provider (both endpoints are then set too).
    pub social: Option<SocialSettings>,
}

impl ProviderSettings {
    /// The routes' prefix: `sso/oidc` or `sso/oauth`.
    pub fn route_kind(&self) -> &'static str {
        if self.social.is_some() {
            "sso/oauth"
        } else {
            "sso/oidc"
        }
    }
}

#[derive(Debug, Clone)]
pub struct SsoSettings {
    /// `public_url`: redirect URIs are `{public_url}/sso/oidc/{name}/callback` (OpenID
    /// Connect) or `{public_url}/sso/oauth/{name}/callback` (OAuth 2.0).
    pub public_url: String,
    /// The region written into the CLI profile.
    pub region: String,
    /// By name, unique across both kinds.
    pub providers: BTreeMap<String, ProviderSettings>,
    /// SP-initiated SAML sign-in at `/sso/saml/{name}`.
    pub saml: BTreeMap<String, SamlSignIn>,
    /// The SP's key signing AuthnRequests and published in its metadata.
    pub sp_key: Option<std::sync::Arc<fedgate_saml::sp::SpKey>>,
    /// The web console's session and lockout limits.
    pub console: ConsoleSettings,
}

/// An IAM SAML provider of `account` people sign in through at `/sso/saml/{name}`.
#[derive(Debug, Clone)]
pub struct SamlSignIn {
    pub account: AccountId,
    pub provider: String,
}

/// The web console's limits (`[console]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// A session unused this long ends (default 15 minutes).
    pub idle_timeout_secs: u32,
    /// A session ends this long after sign-in whatever its use (default 12 hours).
    pub max_session_secs: u32,
    /// Failed password or MFA attempts in a row before sign-in is locked (default 10).
    pub lockout_attempts: u32,
    /// How long the lock lasts (default 30 minutes).
    pub lockout_secs: u32,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            idle_timeout_secs: 15 * 60,
            max_session_secs: 12 * 3600,
            lockout_attempts: 10,
            lockout_secs: 30 * 60,
        }
    }
}
