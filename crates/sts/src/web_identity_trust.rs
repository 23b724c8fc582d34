//! The trust decision of `AssumeRoleWithWebIdentity` for an identity verified already: the
//! session inputs a token carries (session tags from `https://aws.amazon.com/tags`, a source
//! identity from `https://aws.amazon.com/source_identity`), the provider's condition keys
//! (`{provider}:aud`, `:sub`, `:oaud`, `:amr`, `aws:FederatedProvider`,
//! `sts:RoleSessionName`, request tags, source identity), and `sts:AssumeRoleWithWebIdentity`
//! (then `sts:TagSession`, `sts:SetSourceIdentity` when used) on the role's trust policy.
//!
//! Shared by the Query action ([`crate::assume_role_with_web_identity`]) and the browser
//! sign-in (which verifies the ID token itself, with its nonce, and asks which roles trust
//! the person). Verifies nothing about tokens; mints nothing.

use crate::StsError;
use crate::error::access_denied;
use crate::params;
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_iam::authz::provider_trust::{anonymous_context, provider_allowed, provider_names};
use fedgate_oidc::{FederatedIdentity, OidcError};
use fedgate_policy::Context;
use fedgate_store::model::{Role, Tag};
use serde_json::Value;

const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

/// What a verified token brings to the session besides the identity.
#[derive(Debug, Clone, Default)]
pub struct SessionInputs {
    pub tags: Vec<Tag>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
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

/// The session tags, transitive keys and source identity the token's claims ask for.
pub fn session_inputs(identity: &FederatedIdentity) -> Result<SessionInputs, StsError> {
    let (tags, transitive_tag_keys) = claim_tags(identity)?;
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
    Ok(SessionInputs {
        tags,
        transitive_tag_keys,
        source_identity,
    })
}

/// The trust policy's condition keys for this identity.
fn provider_keys(
    c: &mut Context,
    id: &FederatedIdentity,
    provider_arn: &str,
    session_name: &str,
    inputs: &SessionInputs,
) {
    let p = &id.provider_id;
    c.insert(&format!("{p}:aud"), id.audience.as_str())
        .insert(&format!("{p}:sub"), id.subject.as_str())
        .insert("aws:FederatedProvider", provider_arn)
        .insert("sts:RoleSessionName", session_name);
    if !id.original_audience.is_empty() {
        c.insert_multi(&format!("{p}:oaud"), id.original_audience.iter().cloned());
    }
    if !id.amr.is_empty() {
        c.insert_multi(&format!("{p}:amr"), id.amr.iter().cloned());
    }
    session_input_keys(c, inputs);
    if let Some(social) = fedgate_oidc::social::Social::from_provider_id(p) {
        for (k, v) in social.condition_keys(id) {
            c.insert(&k, v);
        }
    }
}

/// The condition keys of a federated session's inputs (request tags, transitive keys, source
/// identity), for the trust policy: shared by web identity and SAML.
pub(crate) fn session_input_keys(c: &mut Context, inputs: &SessionInputs) {
    let tags = &inputs.tags;
    for t in tags {
        c.insert(&format!("aws:RequestTag/{}", t.key), t.value.as_str());
    }
    if !tags.is_empty() {
        c.insert_multi("aws:TagKeys", tags.iter().map(|t| t.key.clone()));
    }
    if !inputs.transitive_tag_keys.is_empty() {
        c.insert_multi(
            "sts:TransitiveTagKeys",
            inputs.transitive_tag_keys.iter().cloned(),
        );
    }
    if let Some(s) = &inputs.source_identity {
        c.insert("sts:SourceIdentity", s.as_str());
    }
}

/// The trust decision for a federated identity once `allowed` answers for its context:
/// `action`, then `sts:TagSession` and `sts:SetSourceIdentity` when the inputs use them;
/// AWS's `AccessDenied` naming the first refused.
pub(crate) fn decide(
    allowed: impl Fn(&str) -> bool,
    action: &str,
    inputs: &SessionInputs,
) -> Result<(), StsError> {
    let needed = [
        Some(action),
        (!inputs.tags.is_empty()).then_some("sts:TagSession"),
        inputs
            .source_identity
            .is_some()
            .then_some("sts:SetSourceIdentity"),
    ];
    match needed.into_iter().flatten().find(|a| !allowed(a)) {
        None => Ok(()),
        Some(a) => Err(access_denied(format!("Not authorized to perform {a}"))),
    }
}

pub(crate) fn not_authorized() -> StsError {
    access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
}

/// The question: may `identity` (of the provider `provider_arn`, registered in the role's
/// account) assume `role` (`role_arn`) as session `session_name` with `inputs`?
#[derive(Debug, Clone, Copy)]
pub struct TrustQuestion<'a> {
    pub role: &'a Role,
    pub role_arn: &'a str,
    pub identity: &'a FederatedIdentity,
    pub provider_arn: &'a str,
    pub session_name: &'a str,
    pub inputs: &'a SessionInputs,
}

/// `Ok(())` when the role's trust policy admits the identity for
/// `sts:AssumeRoleWithWebIdentity` and for what its session inputs need
/// (`sts:TagSession`, `sts:SetSourceIdentity`); AWS's `AccessDenied` otherwise.
pub fn admit(iam: &Iam, ctx: &RequestContext, q: &TrustQuestion<'_>) -> Result<(), StsError> {
    let role = q.role;
    let trust = crate::assume_role::trust_policy(iam, role).ok_or_else(not_authorized)?;
    let mut context = anonymous_context(iam, ctx);
    provider_keys(
        &mut context,
        q.identity,
        q.provider_arn,
        q.session_name,
        q.inputs,
    );
    let names = provider_names(q.provider_arn, &q.identity.provider_id);
    let account = role.account_id.as_str();
    let allowed =
        |action: &str| provider_allowed(&names, action, q.role_arn, account, &trust, &context);
    decide(allowed, "sts:AssumeRoleWithWebIdentity", q.inputs)
}

/// Most roles of one account looked at for [`trusting_roles`].
pub const MAX_ROLES_SCANNED: usize = 5_000;

/// The roles of `account` (with their ARNs, in name order) whose trust policies admit
/// `identity` of `provider_arn` as session `session_name`: what a person signing in through
/// the browser may choose from. A token whose session inputs are malformed admits none.
pub async fn trusting_roles(
    iam: &Iam,
    ctx: &RequestContext,
    account: &fedgate_core::AccountId,
    identity: &FederatedIdentity,
    provider_arn: &str,
    session_name: &str,
) -> Result<Vec<(Role, String)>, StsError> {
    let Ok(inputs) = session_inputs(identity) else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    let mut scanned = 0;
    loop {
        let (page, next) = iam
            .store
            .list_entities::<Role>(account, marker.as_deref(), 100)
            .await?;
        scanned += page.len();
        for role in page {
            let arn = fedgate_iam::roles::role_arn(&iam.partition, &role).to_string();
            let q = TrustQuestion {
                role: &role,
                role_arn: &arn,
                identity,
                provider_arn,
                session_name,
                inputs: &inputs,
            };
            if admit(iam, ctx, &q).is_ok() {
                out.push((role, arn));
            }
        }
        match next {
            Some(m) if scanned < MAX_ROLES_SCANNED => marker = Some(m),
            _ => return Ok(out),
        }
    }
}
