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
//! Not supported: `ProviderId` (OAuth 2.0 access tokens of `www.amazon.com` and
//! `graph.facebook.com`), refused with a validation error that says so.

use crate::StsError;
use crate::assume_role::{DEFAULT_SECS, note_role_used, parse_role_arn};
use crate::error::{constraint, validation};
use crate::issue::{Credentials, issue};
use crate::params;
use crate::web_identity_trust::{TrustQuestion, admit, not_authorized, session_inputs};
use fedgate_core::{AccountId, Principal};
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_iam::oidc_providers::{self, provider_arn};
use fedgate_oidc::{FederatedIdentity, KeyCache, OidcError, Registration};
use fedgate_store::model::{Role, SessionDetails};

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
        return Err(validation(format!(
            "ProviderId {p} is not supported: fedgate accepts OpenID Connect ID tokens from registered OIDC providers; OAuth 2.0 access tokens (www.amazon.com, graph.facebook.com) are not supported yet."
        )));
    }
    Ok(())
}

/// The role `role_arn` names, with its account; an unknown role is refused like an
/// untrusted one.
async fn load_role(iam: &Iam, role_arn: &str) -> Result<(AccountId, Role), StsError> {
    let Some((account, path, name)) = parse_role_arn(role_arn) else {
        return Err(validation(format!("{role_arn} is invalid")));
    };
    let role: Role = iam
        .store
        .get_entity_by_name::<Role>(&account, &name)
        .await?
        .filter(|r| r.path == path && r.name == name)
        .ok_or_else(not_authorized)?;
    Ok((account, role))
}

pub async fn assume_role_with_web_identity(
    iam: &Iam,
    keys: &KeyCache,
    settings: WebIdentitySettings,
    ctx: &RequestContext,
    req: &WebIdentityRequest,
) -> Result<WebIdentityResult, StsError> {
    validate(req, true)?;
    if parse_role_arn(&req.role_arn).is_none() {
        return Err(validation(format!("{} is invalid", req.role_arn)));
    }
    let iss = fedgate_oidc::unverified_issuer(&req.web_identity_token)?;
    let (account, role) = load_role(iam, &req.role_arn).await?;
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
/// OIDC provider `provider_arn` registered in the role's account (`req.web_identity_token`
/// is not used): the role, the trust policy, the duration, session policies, minting.
pub async fn assume_role_as_verified(
    iam: &Iam,
    ctx: &RequestContext,
    req: &WebIdentityRequest,
    identity: FederatedIdentity,
    provider_arn: String,
) -> Result<WebIdentityResult, StsError> {
    validate(req, false)?;
    let (account, role) = load_role(iam, &req.role_arn).await?;
    let same_account = fedgate_core::Arn::parse(&provider_arn)
        .is_ok_and(|a| a.account == account.as_str() && a.service == "iam");
    if !same_account {
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
    let duration = req.duration_seconds.unwrap_or(DEFAULT_SECS);
    if duration > i64::from(role.max_session_duration) {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    params::check_session_policies(iam, &account, req.policy.as_deref(), &req.policy_arns).await?;
    let packed = params::packed_policy_size(req.policy.as_deref(), &req.policy_arns, &inputs.tags)?;
    let has_session_inputs =
        req.policy.is_some() || !req.policy_arns.is_empty() || !inputs.tags.is_empty();

    let principal = |access_key_id| Principal::AssumedRole {
        partition: iam.partition.clone(),
        account: account.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: req.role_session_name.clone(),
        access_key_id,
    };
    let source_identity = inputs.source_identity.clone();
    let details = SessionDetails {
        owner_id: role.role_id.clone(),
        session_policy: req.policy.clone(),
        policy_arns: req.policy_arns.clone(),
        tags: inputs.tags,
        transitive_tag_keys: inputs.transitive_tag_keys,
        source_identity: source_identity.clone(),
        ..SessionDetails::default()
    };
    let (credentials, principal) = issue(iam, principal, details, duration).await?;
    note_role_used(iam, &role, ctx).await;
    Ok(WebIdentityResult {
        credentials,
        assumed_role_id: principal.user_id().into_owned(),
        arn: principal.arn().to_string(),
        packed_policy_size: has_session_inputs.then_some(packed),
        source_identity,
        identity,
        provider_arn,
    })
}
