//! IAM OpenID Connect providers: CreateOpenIDConnectProvider, Get/List/Delete,
//! Add/RemoveClientIDToOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint, and
//! their tags. A provider names the issuer whose tokens `AssumeRoleWithWebIdentity`
//! accepts (`iss` must equal its URL) and the audiences (client ids) it accepts.
//!
//! ARN: `arn:{partition}:iam::{account}:oidc-provider/{url without https://}`. Limits as
//! AWS's: URL 1–255 characters, `https://` (or `http://` with `oidc.allow_http`), no query or
//! fragment; up to 100 client ids of 1–255 characters; up to 5 thumbprints of 40 hex digits;
//! 100 providers per account. Thumbprints are stored and returned but not used: fedgate
//! checks the provider's certificate chain against the system roots and `oidc.ca_file`.

use crate::authz::{RequestContext, authorize_with, request_tag_keys, require, resource_tag_keys};
use crate::entity_rules::{
    AccountQuota, merge_tags, now, remove_tags, tag_page, validate_tag_keys, validate_tags,
};
use crate::{Iam, IamError};
use fedgate_core::{AccountId, Arn, Principal};
use fedgate_store::StoreError;
use fedgate_store::model::{OidcProvider, Tag};

pub const MAX_PROVIDERS: u64 = 100;
pub const MAX_CLIENT_IDS: usize = 100;
pub const MAX_THUMBPRINTS: usize = 5;

fn constraint(value: &str, field: &str, what: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {what}"
    ))
}

/// The ARN of `p`.
pub fn provider_arn(partition: &str, p: &OidcProvider) -> String {
    format!(
        "arn:{partition}:iam::{}:oidc-provider/{}",
        p.account_id,
        p.provider_id()
    )
}

/// Checks a provider URL: 1–255 characters, `https://` (or `http://` when allowed), a host,
/// no query, fragment or white space. The URL is kept as given.
pub fn validate_url(url: &str, allow_http: bool) -> Result<(), IamError> {
    if url.is_empty() || url.chars().count() > 255 {
        return Err(constraint(
            url,
            "url",
            "Member must have length between 1 and 255",
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| allow_http))
        .ok_or_else(|| {
            IamError::InvalidInput(format!(
                "Invalid Open ID Connect Provider URL: {url}: it must begin with https://"
            ))
        })?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
        return Err(IamError::InvalidInput(format!(
            "Invalid Open ID Connect Provider URL: {url}"
        )));
    }
    Ok(())
}

fn validate_client_ids(ids: &[String]) -> Result<(), IamError> {
    if ids.len() > MAX_CLIENT_IDS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )));
    }
    for id in ids {
        if id.is_empty() || id.chars().count() > 255 {
            return Err(constraint(
                id,
                "clientIDList",
                "Member must have length between 1 and 255",
            ));
        }
    }
    Ok(())
}

fn validate_thumbprints(t: &[String]) -> Result<(), IamError> {
    if t.len() > MAX_THUMBPRINTS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {MAX_THUMBPRINTS}"
        )));
    }
    for x in t {
        if x.len() != 40 || !x.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(constraint(
                x,
                "thumbprintList",
                "Member must have length greater than or equal to 40 and less than or equal to 40 and consist of hexadecimal digits",
            ));
        }
    }
    Ok(())
}

fn no_such(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

/// `arn:…:iam::{account}:oidc-provider/{id}` → its store key, in the caller's account.
fn parse_arn(iam: &Iam, caller: &Principal, arn: &str) -> Result<String, IamError> {
    if arn.len() < 20 || arn.len() > 2048 {
        return Err(constraint(
            arn,
            "openIDConnectProviderArn",
            "Member must have length between 20 and 2048",
        ));
    }
    let bad = || IamError::InvalidInput(format!("ARN {arn} is not valid."));
    let a = Arn::parse(arn).map_err(|_| bad())?;
    let id = a.resource.strip_prefix("oidc-provider/").ok_or_else(bad)?;
    if a.service != "iam" || id.is_empty() {
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
    Ok(OidcProvider::key_of(id))
}

async fn authorized(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    arn: &str,
) -> Result<OidcProvider, IamError> {
    let key = parse_arn(iam, caller, arn)?;
    let found = iam
        .store
        .get_entity::<OidcProvider>(caller.account(), &key)
        .await?;
    let keys = found
        .as_ref()
        .map(|p| resource_tag_keys(&p.tags))
        .unwrap_or_default();
    require(authorize_with(iam, caller, action, arn, ctx, &keys).await?)?;
    found.ok_or_else(|| no_such(arn))
}

#[derive(Debug, Clone, Default)]
pub struct NewProvider {
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub tags: Vec<Tag>,
}

/// `CreateOpenIDConnectProvider`.
pub async fn create(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    mut req: NewProvider,
) -> Result<OidcProvider, IamError> {
    validate_url(&req.url, iam.allow_http_issuers)?;
    // Repeated client ids count once, as the provider will hold them.
    let mut client_ids: Vec<String> = Vec::with_capacity(req.client_ids.len());
    for id in std::mem::take(&mut req.client_ids) {
        if !client_ids.contains(&id) {
            client_ids.push(id);
        }
    }
    validate_client_ids(&client_ids)?;
    validate_thumbprints(&req.thumbprints)?;
    validate_tags(&req.tags)?;
    let account = caller.account();
    let mut p = OidcProvider {
        account_id: account.clone(),
        issuer_url: req.url.clone(),
        key: String::new(),
        client_ids,
        thumbprints: req.thumbprints,
        tags: req.tags,
        created_at: now(iam),
    };
    p.key = OidcProvider::key_of(p.provider_id());
    let arn = provider_arn(&iam.partition, &p);
    let keys = request_tag_keys(&p.tags);
    require(
        authorize_with(
            iam,
            caller,
            "iam:CreateOpenIDConnectProvider",
            &arn,
            ctx,
            &keys,
        )
        .await?,
    )?;
    if !p.tags.is_empty() {
        require(
            authorize_with(
                iam,
                caller,
                "iam:TagOpenIDConnectProvider",
                &arn,
                ctx,
                &keys,
            )
            .await?,
        )?;
    }
    let quota = AccountQuota {
        name: "OpenIdConnectProvidersPerAccount",
        max: MAX_PROVIDERS,
    };
    match iam
        .store
        .create_entity_capped(&p, fedgate_store::Txn::new(), MAX_PROVIDERS)
        .await
    {
        Ok(()) => Ok(p),
        Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists(format!(
            "Provider with url {} already exists.",
            p.issuer_url
        ))),
        Err(StoreError::QuotaReached) => Err(quota.exceeded()),
        Err(e) => Err(e.into()),
    }
}

/// `GetOpenIDConnectProvider`.
pub async fn get(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<OidcProvider, IamError> {
    authorized(iam, caller, ctx, "iam:GetOpenIDConnectProvider", arn).await
}

/// `ListOpenIDConnectProviders`: every provider of the account (at most 100).
pub async fn list(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<Vec<OidcProvider>, IamError> {
    let account = caller.account();
    let arn = format!("arn:{}:iam::{account}:oidc-provider/*", iam.partition);
    require(
        authorize_with(
            iam,
            caller,
            "iam:ListOpenIDConnectProviders",
            &arn,
            ctx,
            &[],
        )
        .await?,
    )?;
    let (all, _) = iam
        .store
        .list_entities::<OidcProvider>(account, None, MAX_PROVIDERS as usize + 1)
        .await?;
    Ok(all)
}

/// `DeleteOpenIDConnectProvider`. Deleting a provider that does not exist succeeds, as on AWS.
pub async fn delete(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
) -> Result<(), IamError> {
    let p = match authorized(iam, caller, ctx, "iam:DeleteOpenIDConnectProvider", arn).await {
        Ok(p) => p,
        Err(IamError::NoSuchEntity(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    for _ in 0..crate::entity_rules::RETRIES {
        let Some((cur, version)) = iam
            .store
            .get_entity_versioned::<OidcProvider>(&p.account_id, &p.key)
            .await?
        else {
            return Ok(());
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
    f: impl Fn(&mut OidcProvider) -> Result<(), IamError>,
) -> Result<(), IamError> {
    let p = authorized(iam, caller, ctx, action, arn).await?;
    if !extra_keys.is_empty() {
        require(authorize_with(iam, caller, action, arn, ctx, &extra_keys).await?)?;
    }
    match iam
        .store
        .update_entity::<OidcProvider, (), IamError, _>(&p.account_id, &p.key, |p| f(p))
        .await?
    {
        None => Err(no_such(arn)),
        Some(r) => r,
    }
}

/// `AddClientIDToOpenIDConnectProvider` (adding one already there succeeds).
pub async fn add_client_id(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    client_id: &str,
) -> Result<(), IamError> {
    validate_client_ids(&[client_id.to_owned()])?;
    edit(
        iam,
        caller,
        ctx,
        "iam:AddClientIDToOpenIDConnectProvider",
        arn,
        vec![],
        |p| {
            if !p.client_ids.iter().any(|c| c == client_id) {
                p.client_ids.push(client_id.to_owned());
                validate_client_ids(&p.client_ids)?;
            }
            Ok(())
        },
    )
    .await
}

/// `RemoveClientIDFromOpenIDConnectProvider` (removing one not there succeeds).
pub async fn remove_client_id(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    client_id: &str,
) -> Result<(), IamError> {
    validate_client_ids(&[client_id.to_owned()])?;
    edit(
        iam,
        caller,
        ctx,
        "iam:RemoveClientIDFromOpenIDConnectProvider",
        arn,
        vec![],
        |p| {
            p.client_ids.retain(|c| c != client_id);
            Ok(())
        },
    )
    .await
}

/// `UpdateOpenIDConnectProviderThumbprint`: replaces the list.
pub async fn update_thumbprints(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    thumbprints: Vec<String>,
) -> Result<(), IamError> {
    validate_thumbprints(&thumbprints)?;
    edit(
        iam,
        caller,
        ctx,
        "iam:UpdateOpenIDConnectProviderThumbprint",
        arn,
        vec![],
        |p| {
            p.thumbprints = thumbprints.clone();
            Ok(())
        },
    )
    .await
}

/// `TagOpenIDConnectProvider`.
pub async fn tag(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    tags: Vec<Tag>,
) -> Result<(), IamError> {
    validate_tags(&tags)?;
    let keys = request_tag_keys(&tags);
    edit(
        iam,
        caller,
        ctx,
        "iam:TagOpenIDConnectProvider",
        arn,
        keys,
        |p| merge_tags(&mut p.tags, &tags),
    )
    .await
}

/// `UntagOpenIDConnectProvider`.
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
        "iam:UntagOpenIDConnectProvider",
        arn,
        tag_keys,
        |p| {
            remove_tags(&mut p.tags, &refs);
            Ok(())
        },
    )
    .await
}

/// `ListOpenIDConnectProviderTags`: one page of tags and the next marker.
pub async fn list_tags(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    arn: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Tag>, Option<String>), IamError> {
    let p = authorized(iam, caller, ctx, "iam:ListOpenIDConnectProviderTags", arn).await?;
    Ok(tag_page(&p.tags, marker, max))
}

/// The provider of `account` whose issuer a token's `iss` names, if registered.
pub async fn for_issuer(
    iam: &Iam,
    account: &AccountId,
    iss: &str,
) -> Result<Option<OidcProvider>, IamError> {
    let id = iss
        .strip_prefix("https://")
        .or_else(|| iss.strip_prefix("http://"))
        .unwrap_or(iss);
    Ok(iam
        .store
        .get_entity::<OidcProvider>(account, &OidcProvider::key_of(id))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://accounts.google.com",
            "https://oidc.eks.us-west-2.amazonaws.com/id/ABC",
            "https://idp.example:8443/realms/x",
        ] {
            assert!(validate_url(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "accounts.google.com",
            "http://idp.example",
            "https://",
            "https://x/?q=1",
            "https://x/#f",
            "ftp://x",
        ] {
            assert!(validate_url(bad, false).is_err(), "{bad}");
        }
        assert!(validate_url("http://127.0.0.1:9000", true).is_ok());
    }

    #[test]
    fn thumbprints_and_client_ids() {
        assert!(validate_thumbprints(&["9e99a48a9960b14926bb7f3b02e22da2b0ab7280".into()]).is_ok());
        assert!(validate_thumbprints(&["9e99".into()]).is_err());
        assert!(
            validate_thumbprints(&["zz99a48a9960b14926bb7f3b02e22da2b0ab7280".into()]).is_err()
        );
        assert!(
            validate_thumbprints(&vec![
                "9e99a48a9960b14926bb7f3b02e22da2b0ab7280".to_owned();
                6
            ])
            .is_err()
        );
        assert!(validate_client_ids(&["".into()]).is_err());
        assert!(validate_client_ids(&vec!["a".to_owned(); 101]).is_err());
    }
}
