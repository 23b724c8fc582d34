//! IAM SAML provider actions: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders,
//! UpdateSAMLProvider, DeleteSAMLProvider, TagSAMLProvider, UntagSAMLProvider,
//! ListSAMLProviderTags.
//!
//! Shapes as in the IAM API Reference: Create answers `SAMLProviderArn` and `Tags`; Get
//! answers `SAMLProviderUUID`, `SAMLMetadataDocument`, `CreateDate`, `ValidUntil` (when the
//! metadata has one) and `Tags`; List answers `SAMLProviderList` of `member`s with `Arn`,
//! `ValidUntil` and `CreateDate`; Update answers `SAMLProviderArn`. The assertion encryption
//! parameters (`AssertionEncryptionMode`, `AddPrivateKey`, `RemovePrivateKey`) are refused.

use super::shapes::{page, tag_keys, tag_params, tags};
use super::users::tag_list;
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::saml_providers::{self, NewProvider, refuse_encryption_settings};

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateSAMLProvider", Iam, Write, create_provider),
    action!("GetSAMLProvider", Iam, Read, get_provider),
    action!("ListSAMLProviders", Iam, Read, list_providers),
    action!("UpdateSAMLProvider", Iam, Write, update_provider),
    action!("DeleteSAMLProvider", Iam, Write, delete_provider),
    action!("TagSAMLProvider", Iam, Write, tag_provider),
    action!("UntagSAMLProvider", Iam, Write, untag_provider),
    action!("ListSAMLProviderTags", Iam, Read, list_provider_tags),
];

const ARN: &str = "SAMLProviderArn";

fn no_encryption(p: &Params) -> Result<(), ApiError> {
    let given: Vec<&str> = [
        "AssertionEncryptionMode",
        "AddPrivateKey",
        "RemovePrivateKey",
    ]
    .into_iter()
    .filter(|k| p.get(k).is_some())
    .collect();
    Ok(refuse_encryption_settings(&given)?)
}

async fn create_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    no_encryption(p)?;
    let req = NewProvider {
        name: required(p, "Name")?.to_owned(),
        metadata: required(p, "SAMLMetadataDocument")?.to_owned(),
        tags: tag_params(p),
    };
    let created = saml_providers::create(c.iam, c.caller, c.ctx, req).await?;
    let mut x = Xml::new();
    x.elem(
        "SAMLProviderArn",
        &saml_providers::provider_arn(&c.iam.partition, &created),
    );
    tags(&mut x, &created.tags);
    Ok(x.into_string())
}

async fn get_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let p = saml_providers::get(c.iam, c.caller, c.ctx, arn).await?;
    let mut x = Xml::new();
    x.elem("SAMLProviderUUID", &p.uuid)
        .elem("SAMLMetadataDocument", &p.metadata)
        .elem("CreateDate", &p.created_at)
        .opt("ValidUntil", p.valid_until.as_deref());
    tags(&mut x, &p.tags);
    Ok(x.into_string())
}

async fn list_providers(c: &Call<'_>) -> Result<String, ApiError> {
    let all = saml_providers::list(c.iam, c.caller, c.ctx).await?;
    let mut x = Xml::new();
    x.open("SAMLProviderList");
    for p in &all {
        x.open("member")
            .elem("Arn", &saml_providers::provider_arn(&c.iam.partition, p))
            .opt("ValidUntil", p.valid_until.as_deref())
            .elem("CreateDate", &p.created_at)
            .close("member");
    }
    x.close("SAMLProviderList");
    Ok(x.into_string())
}

async fn update_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    no_encryption(c.params)?;
    let doc = c.params.get("SAMLMetadataDocument").map(str::to_owned);
    let p = saml_providers::update(c.iam, c.caller, c.ctx, arn, doc).await?;
    let mut x = Xml::new();
    x.elem(
        "SAMLProviderArn",
        &saml_providers::provider_arn(&c.iam.partition, &p),
    );
    Ok(x.into_string())
}

async fn delete_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    saml_providers::delete(c.iam, c.caller, c.ctx, arn).await?;
    Ok(String::new())
}

async fn tag_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let t = tag_params(c.params);
    if t.is_empty() {
        return Err(ApiError::missing_parameter("Tags"));
    }
    saml_providers::tag(c.iam, c.caller, c.ctx, arn, t).await?;
    Ok(String::new())
}

async fn untag_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let keys: Vec<String> = tag_keys(c.params).into_iter().map(str::to_owned).collect();
    if keys.is_empty() {
        return Err(ApiError::missing_parameter("TagKeys"));
    }
    saml_providers::untag(c.iam, c.caller, c.ctx, arn, keys).await?;
    Ok(String::new())
}

async fn list_provider_tags(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let pg = page(c.params)?;
    let (t, next) =
        saml_providers::list_tags(c.iam, c.caller, c.ctx, arn, pg.marker, pg.max_items).await?;
    Ok(tag_list(&t, next.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_registered_once() {
        for a in ACTIONS {
            assert_eq!(
                crate::actions::lookup(a.name).map(|d| d.name),
                Some(a.name),
                "{}",
                a.name
            );
        }
        assert_eq!(ACTIONS.len(), 8);
    }
}
