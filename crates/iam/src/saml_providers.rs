//! IAM SAML providers: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders,
//! UpdateSAMLProvider, DeleteSAMLProvider, and their tags. A provider names an identity
//! provider (AD FS, Entra, Okta…) by its metadata; `AssumeRoleWithSAML` accepts responses
//! issued by its entity id and signed by one of its metadata's signing certificates.
//!
//! ARN: `arn:{partition}:iam::{account}:saml-provider/{name}`. Limits as AWS's: a name of
//! 1–128 characters of `[\w._-]`; metadata of 1,000–10,000,000 characters, checked by
//! `fedgate_saml::metadata` (a provider without a signing certificate, or with a DOCTYPE, is
//! refused with `InvalidInput`); 100 providers per account. Not supported: SAML assertion
//! encryption settings (`AssertionEncryptionMode`, `AddPrivateKey`, `RemovePrivateKey`) are
//! refused with `InvalidInput`, since fedgate does not decrypt assertions.

use crate::authz::{RequestContext, authorize_with, request_tag_keys, require, resource_tag_keys};
use crate::entity_rules::{
    AccountQuota, merge_tags, now, remove_tags, tag_page, validate_tag_keys, validate_tags,
};
use crate::{Iam, IamError};
use base64::Engine;
use fedgate_core::{AccountId, Arn, Principal};
use fedgate_store::StoreError;
use fedgate_store::model::{SamlProvider, Tag};

pub const MAX_PROVIDERS: u64 = 100;

fn constraint(value: &str, field: &str, what: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {what}"
    ))
}

/// The ARN of `p`.
pub fn provider_arn(partition: &str, p: &SamlProvider) -> String {
    format!(
        "arn:{partition}:iam::{}:saml-provider/{}",
        p.account_id, p.name
    )
}

fn validate_name(name: &str) -> Result<(), IamError> {
    if name.is_empty() || name.chars().count() > 128 {
        return Err(constraint(
            name,
            "name",
            "Member must have length between 1 and 128",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(constraint(
            name,
            "name",
            "Member must satisfy regular expression pattern: [\\w._-]+",
        ));
    }
    Ok(())
}

/// The checked metadata's parts as the record keeps them.
struct Checked {
    entity_id: String,
    signing_certs: Vec<String>,
    sso_redirect: Option<String>,
    valid_until: Option<String>,
}

fn check_metadata(doc: &str) -> Result<Checked, IamError> {
    let m =
        fedgate_saml::metadata::parse(doc).map_err(|e| IamError::InvalidInput(e.to_string()))?;
    let valid_until = m
        .valid_until
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(fedgate_core::clock::iso8601);
    Ok(Checked {
        entity_id: m.entity_id,
        signing_certs: m
            .signing_certs
            .iter()
            .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
            .collect(),
        sso_redirect: m.sso_redirect,
        valid_until,
    })
}

fn no_such(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Manifest not found for arn {arn}"))
}

/// `arn:…:iam::{account}:saml-provider/{name}` → the name, in the caller's account.
fn parse_arn(iam: &Iam, caller: &Principal, arn: &str) -> Result<String, IamError> {
    if arn.len() < 20 || arn.len() > 2048 {
        return Err(constraint(
            arn,
            "sAMLProviderArn",
            "Member must have length between 20 and 2048",
        ));
    }
    let bad = || IamError::InvalidInput(format!("ARN {arn} is not valid."));
    let a = Arn::parse(arn).map_err(|_| bad())?;
    let name = a.resource.strip_prefix("saml-provider/").ok_or_else(bad)?;
    if a.service != "iam" || validate_name(name).is_err() {
        return Err(bad());
    }
    // Only the canonical spelling (this partition, no region) names a provider: a looser
    // one would slip past a policy's Resource that names the provider's ARN.
    if a.account != caller.account().as_str()
        || a.partition != iam.partition
        || !a.region.is_empty()
    {
        return Err(no_such(arn));
    }
    Ok(name.to_owned())
}

async fn authorized(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
) -> Result<SamlProvider, IamError> {
    let name = parse_arn(iam, caller, arn)?;
    let found = iam
        .store
        .get_entity_by_name::<SamlProvider>(caller.account(), &name)
        .await?
        .filter(|p| p.name == name);
    let keys = found
        .as_ref()
        .map(|p| resource_tag_keys(&p.tags))
        .unwrap_or_default();
    require(authorize_with(iam, caller, action, arn, ctx, &keys).await?)?;
    found.ok_or_else(|| no_such(arn))
}

/// The SAML encryption settings fedgate does not support: refused, never ignored.
pub fn refuse_encryption_settings(given: &[&str]) -> Result<(), IamError> {
    match given.first() {
        None => Ok(()),
        Some(p) => Err(IamError::InvalidInput(format!(
            "{p} is not supported: fedgate does not decrypt SAML assertions."
        ))),
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewProvider {
    pub name: String,
    pub metadata: String,
    pub tags: Vec<Tag>,
}

/// `CreateSAMLProvider`.
pub async fn create(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: NewProvider,
) -> Result<SamlProvider, IamError> {
    validate_name(&req.name)?;
    validate_tags(&req.tags)?;
    let account = caller.account();
    // Authorized before the (up to 10 MB) metadata is parsed.
    let arn = format!(
        "arn:{}:iam::{account}:saml-provider/{}",
        iam.partition, req.name
    );
    let keys = request_tag_keys(&req.tags);
    require(authorize_with(iam, caller, "iam:CreateSAMLProvider", &arn, ctx, &keys).await?)?;
    let checked = check_metadata(&req.metadata)?;
    let mut uuid = [0u8; 16];
    iam.rng.fill(&mut uuid);
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    let h = hex::encode(uuid);
    let p = SamlProvider {
        account_id: account.clone(),
        name: req.name,
        uuid: format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        ),
        metadata: req.metadata,
        entity_id: checked.entity_id,
        signing_certs: checked.signing_certs,
        sso_redirect: checked.sso_redirect,
        valid_until: checked.valid_until,
        tags: req.tags,
        created_at: now(iam),
    };
    if !p.tags.is_empty() {
        require(authorize_with(iam, caller, "iam:TagSAMLProvider", &arn, ctx, &keys).await?)?;
    }
    let quota = AccountQuota {
        name: "SAMLProvidersPerAccount",
        max: MAX_PROVIDERS,
    };
    match iam
        .store
        .create_entity_capped(&p, fedgate_store::Txn::new(), MAX_PROVIDERS)
        .await
    {
        Ok(()) => Ok(p),
        Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists(format!(
            "SAMLProvider {} already exists.",
            p.name
        ))),
        Err(StoreError::QuotaReached) => Err(quota.exceeded()),
        Err(e) => Err(e.into()),
    }
}

/// `GetSAMLProvider`.
pub async fn get(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<SamlProvider, IamError> {
    authorized(iam, caller, ctx, "iam:GetSAMLProvider", arn).await
}

/// `ListSAMLProviders`: every provider of the account (at most 100).
pub async fn list(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<Vec<SamlProvider>, IamError> {
    let account = caller.account();
    let arn = format!("arn:{}:iam::{account}:saml-provider/*", iam.partition);
    require(authorize_with(iam, caller, "iam:ListSAMLProviders", &arn, ctx, &[]).await?)?;
    let (all, _) = iam
        .store
        .list_entities::<SamlProvider>(account, None, MAX_PROVIDERS as usize + 1)
        .await?;
    Ok(all)
}

/// `DeleteSAMLProvider`.
pub async fn delete(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<(), IamError> {
    let p = authorized(iam, caller, ctx, "iam:DeleteSAMLProvider", arn).await?;
    for _ in 0..crate::entity_rules::RETRIES {
        let Some((cur, version)) = iam
            .store
            .get_entity_versioned::<SamlProvider>(&p.account_id, &p.name)
            .await?
        else {
            return Err(no_such(arn));
        };
        match iam
            .store
            .delete_entity(&cur, version, fedgate_store::Txn::new())
            .await
        {
            Err(StoreError::Conflict) => continue,
            r => return Ok(r?),
        }
    }
    Err(StoreError::Conflict.into())
}

/// Applies `f` to the provider `arn` once the caller may `action` it.
async fn edit(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
    extra_keys: Vec<(String, Vec<String>)>,
    f: impl Fn(&mut SamlProvider) -> Result<(), IamError>,
) -> Result<SamlProvider, IamError> {
    let p = authorized(iam, caller, ctx, action, arn).await?;
    if !extra_keys.is_empty() {
        require(authorize_with(iam, caller, action, arn, ctx, &extra_keys).await?)?;
    }
    match iam
        .store
        .update_entity::<SamlProvider, SamlProvider, IamError, _>(&p.account_id, &p.name, |p| {
            f(p)?;
            Ok(p.clone())
        })
        .await?
    {
        None => Err(no_such(arn)),
        Some(r) => r,
    }
}

/// `UpdateSAMLProvider`: replaces the metadata (checked like CreateSAMLProvider's).
pub async fn update(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    metadata: Option<String>,
) -> Result<SamlProvider, IamError> {
    // Authorized before the (up to 10 MB) metadata is parsed; `edit` checks again.
    authorized(iam, caller, ctx, "iam:UpdateSAMLProvider", arn).await?;
    let checked = metadata.as_deref().map(check_metadata).transpose()?;
    edit(
        iam,
        caller,
        ctx,
        "iam:UpdateSAMLProvider",
        arn,
        vec![],
        |p| {
            if let (Some(doc), Some(c)) = (&metadata, &checked) {
                p.metadata = doc.clone();
                p.entity_id = c.entity_id.clone();
                p.signing_certs = c.signing_certs.clone();
                p.sso_redirect = c.sso_redirect.clone();
                p.valid_until = c.valid_until.clone();
            }
            Ok(())
        },
    )
    .await
}

/// `TagSAMLProvider`.
pub async fn tag(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    tags: Vec<Tag>,
) -> Result<(), IamError> {
    validate_tags(&tags)?;
    let keys = request_tag_keys(&tags);
    edit(iam, caller, ctx, "iam:TagSAMLProvider", arn, keys, |p| {
        merge_tags(&mut p.tags, &tags)
    })
    .await
    .map(|_| ())
}

/// `UntagSAMLProvider`.
pub async fn untag(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    keys: Vec<String>,
) -> Result<(), IamError> {
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    validate_tag_keys(&refs)?;
    let tag_keys = vec![("aws:TagKeys".to_owned(), keys.clone())];
    edit(
        iam,
        caller,
        ctx,
        "iam:UntagSAMLProvider",
        arn,
        tag_keys,
        |p| {
            remove_tags(&mut p.tags, &refs);
            Ok(())
        },
    )
    .await
    .map(|_| ())
}

/// `ListSAMLProviderTags`: one page of tags and the next marker.
pub async fn list_tags(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Tag>, Option<String>), IamError> {
    let p = authorized(iam, caller, ctx, "iam:ListSAMLProviderTags", arn).await?;
    Ok(tag_page(&p.tags, marker, max))
}

/// The provider `name` of `account`, for `AssumeRoleWithSAML` (no caller to authorize).
pub async fn by_name(
    iam: &Iam,
    account: &AccountId,
    name: &str,
) -> Result<Option<SamlProvider>, IamError> {
    Ok(iam
        .store
        .get_entity_by_name::<SamlProvider>(account, name)
        .await?
        .filter(|p| p.name == name))
}
