//! What the server's configuration (`[sso.oidc.<name>]`) hands the sign-in service.

use fedgate_core::{AccountId, Secret};
use fedgate_oidc::fetch::FetchConfig;
use std::collections::BTreeMap;

/// One OpenID Connect sign-in provider.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// As registered with CreateOpenIDConnectProvider in `account`.
    pub issuer: String,
    pub client_id: String,
    /// Empty for a public client.
    pub client_secret: Secret,
    pub account: AccountId,
    pub scopes: Vec<String>,
    /// Overrides of the discovery document's endpoints.
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SsoSettings {
    /// `public_url`: redirect URIs are `{public_url}/sso/oidc/{name}/callback`.
    pub public_url: String,
    /// The region written into the CLI profile.
    pub region: String,
    pub providers: BTreeMap<String, ProviderSettings>,
    /// The HTTPS rules of every request to a provider (the key cache's).
    pub fetch: FetchConfig,
}
