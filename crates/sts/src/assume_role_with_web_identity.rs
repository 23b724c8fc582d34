//! `AssumeRoleWithWebIdentity`: a role session for the holder of an OIDC ID token (a person
//! signed in at Google, Entra, Keycloak…, or a Kubernetes service account), decided by the
//! role's trust policy alone. The request is not signed: the token is the credential.
//!
//! Order: parameters; the role (an unknown role is refused like an untrusted one); the
//! token's header rules and its `iss`, which must name an OIDC provider registered in the
//! role's account; the issuer's keys and the signature; the claims (issuer, a registered
//! audience, times); then `sts:AssumeRoleWithWebIdentity` on the trust policy with the
//! provider's condition keys (`{provider}:aud`, `:sub`, `:oaud`, `:amr`), then
//! `sts:TagSession` for session tags from the `https://aws.amazon.com/tags` claim and
//! `sts:SetSourceIdentity` for a `https://aws.amazon.com/source_identity` claim; the
//! duration against the role's `MaxSessionDuration`; session policies.
//!
//! [`assume_role_as_verified`] is the second half alone (role, trust, duration, minting)
//! for an identity verified already: the browser sign-in verifies the ID token itself,
//! with its nonce, and mints through it so that sessions, limits and trust are identical.
//! The trust decision is in [`crate::web_identity_trust`].
//!
//! With `ProviderId` (`graph.facebook.com` or `www.amazon.com`, the two AWS accepts) the
//! token is an OAuth 2.0 access token instead: it is confirmed at the provider's API
//! ([`fedgate_oidc::social`]), the provider needs no IAM registration (trust policies name it
//! as `"Federated": "graph.facebook.com"`), and the trust policy sees AWS's keys
//! (`graph.facebook.com:app_id`, `graph.facebook.com:id`, `www.amazon.com:app_id`,
//! `www.amazon.com:user_id`). `Provider` in the answer is then the `ProviderId`.

use crate::StsError;
use crate::assume_role::parse_role_arn;
use crate::error::{constraint, validation};
use crate::federated_session::{Asked, issue_for_role, load_role};
use crate::issue::Credentials;
use crate::params;
use crate::web_identity_trust::{TrustQuestion, admit, not_authorized, session_inputs};
use fedgate_core::AccountId;
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_iam::oidc_providers::{self, provider_arn};
use fedgate_oidc::fetch::Fetcher;
use fedgate_oidc::social::{self, Social};
use fedgate_oidc::{FederatedIdentity, KeyCache, OidcError, Registration};
use fedgate_store::model::Role;

#[derive(Debug, Clone, Default)]
pub struct WebIdentityRequest {
    pub role_arn: String,
    pub role_session_name: String,
    pub web_identity_token: String,
    pub provider_id: Option<String>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub duration_seconds: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct WebIdentityResult {
    pub credentials: Credentials,
    pub assumed_role_id: String,
    pub arn: String,
    pub packed_policy_size: Option<u32>,
    pub source_identity: Option<String>,
    /// The verified identity (`SubjectFromWebIdentityToken`, `Provider` = its issuer,
    /// `Audience`); also what the audit event names.
    pub identity: FederatedIdentity,
    pub provider_arn: String,
}

/// How the verifier is set up (`oidc.*` in the configuration).
#[derive(Debug, Clone, Copy)]
pub struct WebIdentitySettings {
    /// Accepted clock difference for `exp`, `nbf` and `iat`, seconds.
    pub leeway_secs: i64,
}

/// Where OAuth 2.0 access tokens (`ProviderId`) are confirmed: the providers' API base URLs
/// (`oidc.facebook_api_url`, `oidc.amazon_api_url`) and the HTTPS client (the key cache's).
#[derive(Debug, Clone)]
pub struct OAuthApis {
    pub fetcher: Fetcher,
    pub facebook_api_url: String,
    pub amazon_api_url: String,
}

impl OAuthApis {
    /// The providers' public APIs.
    pub fn new(fetcher: Fetcher) -> OAuthApis {
        OAuthApis {
            fetcher,
            facebook_api_url: Social::Facebook.default_api_url().to_owned(),
            amazon_api_url: Social::Amazon.default_api_url().to_owned(),
        }
    }

    fn api_url(&self, social: Social) -> &str {
        match social {
            Social::Facebook => &self.facebook_api_url,
            _ => &self.amazon_api_url,
        }
    }
}

impl Default for WebIdentitySettings {
    fn default() -> Self {
        WebIdentitySettings { leeway_secs: 60 }
    }
}

/// The parameters' constraints, in AWS's order; the token's length only when `token`.
fn validate(req: &WebIdentityRequest, token: bool) -> Result<(), StsError> {
    let n = req.role_arn.chars().count();
    if !(20..=2048).contains(&n) {
        return Err(constraint(
            &req.role_arn,
            "roleArn",
            "Member must have length between 20 and 2048",
        ));
    }
    params::validate_name(&req.role_session_name, "roleSessionName")?;
    let t = req.web_identity_token.len();
    if token && !(4..=20_000).contains(&t) {
        return Err(constraint(
            "***",
            "webIdentityToken",
            "Member must have length between 4 and 20000",
        ));
    }
    if let Some(d) = req.duration_seconds {
        params::validate_duration(d, 900, 43200)?;
    }
    if let Some(p) = &req.provider_id {
        let n = p.chars().count();
        if !(4..=2048).contains(&n) {
            return Err(constraint(
                p,
                "providerId",
                "Member must have length between 4 and 2048",
            ));
        }
        if oauth_provider(p).is_none() {
            return Err(validation(format!(
                "ProviderId {p} is not supported: OAuth 2.0 access tokens are accepted from www.amazon.com and graph.facebook.com; omit ProviderId for OpenID Connect ID tokens."
            )));
        }
    }
    Ok(())
}

/// The OAuth 2.0 provider a `ProviderId` names, if `AssumeRoleWithWebIdentity` accepts it.
fn oauth_provider(provider_id: &str) -> Option<Social> {
    Social::from_provider_id(provider_id).filter(|s| s.is_sts_provider())
}

pub async fn assume_role_with_web_identity(
    iam: &Iam,
    keys: &KeyCache,
    oauth: &OAuthApis,
    settings: WebIdentitySettings,
    ctx: &RequestContext,
    req: &WebIdentityRequest,
) -> Result<WebIdentityResult, StsError> {
    validate(req, true)?;
    if parse_role_arn(&req.role_arn, &iam.partition).is_none() {
        return Err(validation(format!("{} is invalid", req.role_arn)));
    }
    if let Some(social) = req.provider_id.as_deref().and_then(oauth_provider) {
        let (account, role) =
            load_role(iam, &req.role_arn, "sts:AssumeRoleWithWebIdentity").await?;
        let identity = social::confirm(
            &oauth.fetcher,
            social,
            oauth.api_url(social),
            &req.web_identity_token,
            None,
            iam.clock.now().unix_timestamp(),
        )
        .await?;
        let provider = social.provider_id().to_owned();
        return mint(iam, ctx, req, account, role, identity, provider).await;
    }
    let iss = fedgate_oidc::unverified_issuer(&req.web_identity_token)?;
    let (account, role) = load_role(iam, &req.role_arn, "sts:AssumeRoleWithWebIdentity").await?;
    let provider = oidc_providers::for_issuer(iam, &account, &iss)
        .await?
        .filter(|p| fedgate_oidc::claims::issuer_matches(&iss, &p.issuer_url))
        .ok_or_else(|| {
            StsError::WebIdentity(OidcError::Invalid(format!(
                "No OpenIDConnect provider found in your account for {iss}"
            )))
        })?;
    let identity = fedgate_oidc::verify(
        keys,
        &req.web_identity_token,
        Registration {
            issuer_url: &provider.issuer_url,
            client_ids: &provider.client_ids,
        },
        iam.clock.now().unix_timestamp(),
        settings.leeway_secs,
    )
    .await?;
    let provider_arn = provider_arn(&iam.partition, &provider);
    mint(iam, ctx, req, account, role, identity, provider_arn).await
}

/// `AssumeRoleWithWebIdentity` for `identity`, verified already by the caller against the
/// OIDC provider `provider_arn` registered in the role's account, or confirmed at an OAuth
/// 2.0 provider's API (`provider_arn` is then the provider's name, `github.com`)
/// (`req.web_identity_token` is not used): the role, the trust policy, the duration,
/// session policies, minting.
pub async fn assume_role_as_verified(
    iam: &Iam,
    ctx: &RequestContext,
    req: &WebIdentityRequest,
    identity: FederatedIdentity,
    provider_arn: String,
) -> Result<WebIdentityResult, StsError> {
    validate(req, false)?;
    let (account, role) = load_role(iam, &req.role_arn, "sts:AssumeRoleWithWebIdentity").await?;
    let same_account = fedgate_core::Arn::parse(&provider_arn)
        .is_ok_and(|a| a.account == account.as_str() && a.service == "iam");
    let social = Social::from_provider_id(&provider_arn)
        .is_some_and(|s| s.provider_id() == identity.provider_id);
    if !same_account && !social {
        return Err(not_authorized());
    }
    mint(iam, ctx, req, account, role, identity, provider_arn).await
}

/// Trust, duration, session policies, then the credentials.
async fn mint(
    iam: &Iam,
    ctx: &RequestContext,
    req: &WebIdentityRequest,
    account: AccountId,
    role: Role,
    identity: FederatedIdentity,
    provider_arn: String,
) -> Result<WebIdentityResult, StsError> {
    let inputs = session_inputs(&identity)?;
    admit(
        iam,
        ctx,
        &TrustQuestion {
            role: &role,
            role_arn: &req.role_arn,
            identity: &identity,
            provider_arn: &provider_arn,
            session_name: &req.role_session_name,
            inputs: &inputs,
        },
    )?;
    let asked = Asked {
        session_name: &req.role_session_name,
        policy: req.policy.as_deref(),
        policy_arns: &req.policy_arns,
        duration_seconds: req.duration_seconds,
        not_after: None,
        cap_to_role_max: false,
    };
    let out = issue_for_role(iam, ctx, account, &role, asked, inputs).await?;
    Ok(WebIdentityResult {
        credentials: out.credentials,
        assumed_role_id: out.assumed_role_id,
        arn: out.arn,
        packed_policy_size: out.packed_policy_size,
        source_identity: out.source_identity,
        identity,
        provider_arn,
    })
}
