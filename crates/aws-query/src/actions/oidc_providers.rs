//! IAM OpenID Connect provider actions: CreateOpenIDConnectProvider,
//! GetOpenIDConnectProvider, ListOpenIDConnectProviders, DeleteOpenIDConnectProvider,
//! AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
//! UpdateOpenIDConnectProviderThumbprint, TagOpenIDConnectProvider,
//! UntagOpenIDConnectProvider, ListOpenIDConnectProviderTags.
//!
//! Shapes as in the IAM API Reference: Create answers `OpenIDConnectProviderArn` and `Tags`;
//! Get answers `Url` (without its `https://`, as AWS's example shows), `ClientIDList`,
//! `ThumbprintList`, `CreateDate` and `Tags`; List answers `OpenIDConnectProviderList` of
//! `member`s holding only `Arn` (no paging).

use super::shapes::{page, tag_keys, tag_params, tags};
use super::users::tag_list;
use super::{ActionDef, Call, member_list, required};
use crate::action;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::oidc_providers::{self, NewProvider};

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateOpenIDConnectProvider", Iam, Write, create_provider),
    action!("GetOpenIDConnectProvider", Iam, Read, get_provider),
    action!("ListOpenIDConnectProviders", Iam, Read, list_providers),
    action!("DeleteOpenIDConnectProvider", Iam, Write, delete_provider),
    action!(
        "AddClientIDToOpenIDConnectProvider",
        Iam,
        Write,
        add_client_id
    ),
    action!(
        "RemoveClientIDFromOpenIDConnectProvider",
        Iam,
        Write,
        remove_client_id
    ),
    action!(
        "UpdateOpenIDConnectProviderThumbprint",
        Iam,
        Write,
        update_thumbprint
    ),
    action!("TagOpenIDConnectProvider", Iam, Write, tag_provider),
    action!("UntagOpenIDConnectProvider", Iam, Write, untag_provider),
    action!(
        "ListOpenIDConnectProviderTags",
        Iam,
        Read,
        list_provider_tags
    ),
];

const ARN: &str = "OpenIDConnectProviderArn";

/// The members of list parameter `name`, owned.
fn strings(params: &Params, name: &str) -> Vec<String> {
    member_list(params, name)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// `<name><member>…</member>…</name>` (the element even when empty, as AWS sends it).
fn string_list(x: &mut Xml, name: &str, items: &[String]) {
    x.open(name);
    for i in items {
        x.elem("member", i);
    }
    x.close(name);
}

async fn create_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let p = c.params;
    let req = NewProvider {
        url: required(p, "Url")?.to_owned(),
        client_ids: strings(p, "ClientIDList"),
        thumbprints: strings(p, "ThumbprintList"),
        tags: tag_params(p),
    };
    let created = oidc_providers::create(c.iam, c.caller, c.ctx, req).await?;
    let mut x = Xml::new();
    x.elem(
        "OpenIDConnectProviderArn",
        &oidc_providers::provider_arn(&c.iam.partition, &created),
    );
    tags(&mut x, &created.tags);
    Ok(x.into_string())
}

async fn get_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let p = oidc_providers::get(c.iam, c.caller, c.ctx, arn).await?;
    let mut x = Xml::new();
    x.elem("Url", p.provider_id());
    string_list(&mut x, "ClientIDList", &p.client_ids);
    string_list(&mut x, "ThumbprintList", &p.thumbprints);
    x.elem("CreateDate", &p.created_at);
    tags(&mut x, &p.tags);
    Ok(x.into_string())
}

async fn list_providers(c: &Call<'_>) -> Result<String, ApiError> {
    let all = oidc_providers::list(c.iam, c.caller, c.ctx).await?;
    let mut x = Xml::new();
    x.open("OpenIDConnectProviderList");
    for p in &all {
        x.open("member")
            .elem("Arn", &oidc_providers::provider_arn(&c.iam.partition, p))
            .close("member");
    }
    x.close("OpenIDConnectProviderList");
    Ok(x.into_string())
}

async fn delete_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    oidc_providers::delete(c.iam, c.caller, c.ctx, arn).await?;
    Ok(String::new())
}

async fn add_client_id(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let id = required(c.params, "ClientID")?;
    oidc_providers::add_client_id(c.iam, c.caller, c.ctx, arn, id).await?;
    Ok(String::new())
}

async fn remove_client_id(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let id = required(c.params, "ClientID")?;
    oidc_providers::remove_client_id(c.iam, c.caller, c.ctx, arn, id).await?;
    Ok(String::new())
}

async fn update_thumbprint(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let list = strings(c.params, "ThumbprintList");
    // Required; an SDK sends an empty list as `ThumbprintList=`.
    if list.is_empty() && c.params.get("ThumbprintList").is_none() {
        return Err(ApiError::missing_parameter("ThumbprintList"));
    }
    oidc_providers::update_thumbprints(c.iam, c.caller, c.ctx, arn, list).await?;
    Ok(String::new())
}

async fn tag_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let t = tag_params(c.params);
    if t.is_empty() {
        return Err(ApiError::missing_parameter("Tags"));
    }
    oidc_providers::tag(c.iam, c.caller, c.ctx, arn, t).await?;
    Ok(String::new())
}

async fn untag_provider(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let keys: Vec<String> = tag_keys(c.params).into_iter().map(str::to_owned).collect();
    if keys.is_empty() {
        return Err(ApiError::missing_parameter("TagKeys"));
    }
    oidc_providers::untag(c.iam, c.caller, c.ctx, arn, keys).await?;
    Ok(String::new())
}

async fn list_provider_tags(c: &Call<'_>) -> Result<String, ApiError> {
    let arn = required(c.params, ARN)?;
    let pg = page(c.params)?;
    let (t, next) =
        oidc_providers::list_tags(c.iam, c.caller, c.ctx, arn, pg.marker, pg.max_items).await?;
    Ok(tag_list(&t, next.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_their_element_when_empty() {
        let mut x = Xml::new();
        string_list(&mut x, "ClientIDList", &[]);
        string_list(&mut x, "ThumbprintList", &["ab".to_owned()]);
        assert_eq!(
            x.into_string(),
            "<ClientIDList></ClientIDList><ThumbprintList><member>ab</member></ThumbprintList>"
        );
    }

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
        assert_eq!(ACTIONS.len(), 10);
    }
}
