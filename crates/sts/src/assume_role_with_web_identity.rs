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
//! Not supported: `ProviderId` (OAuth 2.0 access tokens of `www.amazon.com` and
//! `graph.facebook.com`), refused with a validation error that says so.

use crate::StsError;
use crate::assume_role::{DEFAULT_SECS, note_role_used, parse_role_arn};
use crate::error::{access_denied, constraint, validation};
use crate::issue::{Credentials, issue};
use crate::params;
use fedgate_core::Principal;
use fedgate_iam::Iam;
use fedgate_iam::authz::provider_trust::{anonymous_context, provider_allowed, provider_names};
use fedgate_iam::authz::{LoadedPolicy, RequestContext};
use fedgate_iam::oidc_providers::{self, provider_arn};
use fedgate_oidc::{FederatedIdentity, KeyCache, OidcError, Registration};
use fedgate_policy::{Context, PolicyKind};
use fedgate_store::model::{Role, SessionDetails, Tag};
use serde_json::Value;

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

const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

fn validate(req: &WebIdentityRequest) -> Result<(), StsError> {
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
    if !(4..=20_000).contains(&t) {
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

/// Session tags and transitive keys from the `https://aws.amazon.com/tags` claim:
/// `{"principal_tags": {"Key": ["value"]}, "transitive_tag_keys": ["Key"]}`.
fn claim_tags(identity: &FederatedIdentity) -> Result<(Vec<Tag>, Vec<String>), StsError> {
    let Some(claim) = identity.claims.get(TAGS_CLAIM) else {
        return Ok((vec![], vec![]));
    };
    let bad = || {
        StsError::WebIdentity(OidcError::Invalid(format!(
            "The token's {TAGS_CLAIM} claim is malformed."
        )))
    };
    let mut tags = Vec::new();
    if let Some(pt) = claim.get("principal_tags") {
        for (k, v) in pt.as_object().ok_or_else(bad)? {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Array(a) if a.len() == 1 => a[0].as_str().ok_or_else(bad)?.to_owned(),
                _ => return Err(bad()),
            };
            tags.push(Tag {
                key: k.clone(),
                value,
            });
        }
    }
    let transitive = match claim.get("transitive_tag_keys") {
        None => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad()),
    };
    params::validate_tags(&tags, &transitive)?;
    Ok((tags, transitive))
}

/// The trust policy's condition keys for this token.
fn provider_keys(
    c: &mut Context,
    id: &FederatedIdentity,
    provider_arn: &str,
    req: &WebIdentityRequest,
    tags: &[Tag],
    transitive: &[String],
    source_identity: Option<&str>,
) {
    let p = &id.provider_id;
    c.insert(&format!("{p}:aud"), id.audience.as_str())
        .insert(&format!("{p}:sub"), id.subject.as_str())
        .insert("aws:FederatedProvider", provider_arn)
        .insert("sts:RoleSessionName", req.role_session_name.as_str());
    if !id.original_audience.is_empty() {
        c.insert_multi(&format!("{p}:oaud"), id.original_audience.iter().cloned());
    }
    if !id.amr.is_empty() {
        c.insert_multi(&format!("{p}:amr"), id.amr.iter().cloned());
    }
    for t in tags {
        c.insert(&format!("aws:RequestTag/{}", t.key), t.value.as_str());
    }
    if !tags.is_empty() {
        c.insert_multi("aws:TagKeys", tags.iter().map(|t| t.key.clone()));
    }
    if !transitive.is_empty() {
        c.insert_multi("sts:TransitiveTagKeys", transitive.iter().cloned());
    }
    if let Some(s) = source_identity {
        c.insert("sts:SourceIdentity", s);
    }
}

fn not_authorized() -> StsError {
    access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
}

pub async fn assume_role_with_web_identity(
    iam: &Iam,
    keys: &KeyCache,
    settings: WebIdentitySettings,
    ctx: &RequestContext,
    req: &WebIdentityRequest,
) -> Result<WebIdentityResult, StsError> {
    validate(req)?;
    let Some((account, path, name)) = parse_role_arn(&req.role_arn) else {
        return Err(validation(format!("{} is invalid", req.role_arn)));
    };
    let iss = fedgate_oidc::unverified_issuer(&req.web_identity_token)?;
    let role: Role = iam
        .store
        .get_entity_by_name::<Role>(&account, &name)
        .await?
        .filter(|r| r.path == path && r.name == name)
        .ok_or_else(not_authorized)?;
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
    let (tags, transitive) = claim_tags(&identity)?;
    let source_identity = match identity.claims.get(SOURCE_IDENTITY_CLAIM) {
        None => None,
        Some(Value::String(s)) => {
            params::validate_source_identity(s)?;
            Some(s.clone())
        }
        Some(_) => {
            return Err(StsError::WebIdentity(OidcError::Invalid(format!(
                "The token's {SOURCE_IDENTITY_CLAIM} claim is not a string."
            ))));
        }
    };

    let trust = match iam
        .compiled
        .document(PolicyKind::Trust, &role.assume_role_policy)
    {
        Ok(policy) => LoadedPolicy {
            label: "TrustPolicy".into(),
            policy,
            document: role.assume_role_policy.clone(),
        },
        Err(e) => {
            tracing::warn!(role = %role.name, error = %e, "stored trust policy does not compile");
            return Err(not_authorized());
        }
    };
    let mut context = anonymous_context(iam, ctx);
    provider_keys(
        &mut context,
        &identity,
        &provider_arn,
        req,
        &tags,
        &transitive,
        source_identity.as_deref(),
    );
    let names = provider_names(&provider_arn, &identity.provider_id);
    let allowed = |action: &str| {
        provider_allowed(
            &names,
            action,
            &req.role_arn,
            account.as_str(),
            &trust,
            &context,
        )
    };
    if !allowed("sts:AssumeRoleWithWebIdentity") {
        return Err(not_authorized());
    }
    if !tags.is_empty() && !allowed("sts:TagSession") {
        return Err(access_denied("Not authorized to perform sts:TagSession"));
    }
    if source_identity.is_some() && !allowed("sts:SetSourceIdentity") {
        return Err(access_denied(
            "Not authorized to perform sts:SetSourceIdentity",
        ));
    }

    let duration = req.duration_seconds.unwrap_or(DEFAULT_SECS);
    if duration > i64::from(role.max_session_duration) {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    params::check_session_policies(iam, &account, req.policy.as_deref(), &req.policy_arns).await?;
    let packed = params::packed_policy_size(req.policy.as_deref(), &req.policy_arns, &tags)?;
    let has_session_inputs =
        req.policy.is_some() || !req.policy_arns.is_empty() || !tags.is_empty();

    let principal = |access_key_id| Principal::AssumedRole {
        partition: iam.partition.clone(),
        account: account.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: req.role_session_name.clone(),
        access_key_id,
    };
    let details = SessionDetails {
        owner_id: role.role_id.clone(),
        session_policy: req.policy.clone(),
        policy_arns: req.policy_arns.clone(),
        tags,
        transitive_tag_keys: transitive,
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
