//! Access-key actions: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
//! GetAccessKeyLastUsed. CreateAccessKey's response is the only place a secret access key is
//! ever written; deactivating or deleting a key drops it from the authenticator's caches at
//! once.

use super::shapes::{page, page_end};
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::access_keys as ak;

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateAccessKey", Iam, Write, create_access_key),
    action!("ListAccessKeys", Iam, Read, list_access_keys),
    action!("UpdateAccessKey", Iam, Write, update_access_key),
    action!("DeleteAccessKey", Iam, Write, delete_access_key),
    action!("GetAccessKeyLastUsed", Iam, Read, get_access_key_last_used),
];

async fn create_access_key(c: &Call<'_>) -> Result<String, ApiError> {
    let (target, key, secret) =
        ak::create_access_key(c.iam, c.caller, c.ctx, c.params.get("UserName")).await?;
    let mut x = Xml::new();
    x.open("AccessKey")
        .opt("UserName", target.user_name())
        .elem("AccessKeyId", key.access_key_id.as_str())
        .elem("Status", key.status.as_str())
        .elem("SecretAccessKey", secret.expose())
        .elem("CreateDate", &key.created_at)
        .close("AccessKey");
    Ok(x.into_string())
}

async fn list_access_keys(c: &Call<'_>) -> Result<String, ApiError> {
    let pg = page(c.params)?;
    let (target, keys, next) = ak::list_access_keys(
        c.iam,
        c.caller,
        c.ctx,
        c.params.get("UserName"),
        pg.marker,
        pg.max_items,
    )
    .await?;
    let mut x = Xml::new();
    x.open("AccessKeyMetadata");
    for k in &keys {
        x.open("member")
            .opt("UserName", target.user_name())
            .elem("AccessKeyId", k.access_key_id.as_str())
            .elem("Status", k.status.as_str())
            .elem("CreateDate", &k.created_at)
            .close("member");
    }
    x.close("AccessKeyMetadata");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

async fn update_access_key(c: &Call<'_>) -> Result<String, ApiError> {
    let id = required(c.params, "AccessKeyId")?;
    let status = ak::parse_status(required(c.params, "Status")?)?;
    ak::update_access_key(c.iam, c.caller, c.ctx, c.params.get("UserName"), id, status).await?;
    c.auth.forget_key(id);
    Ok(String::new())
}

async fn delete_access_key(c: &Call<'_>) -> Result<String, ApiError> {
    let id = required(c.params, "AccessKeyId")?;
    ak::delete_access_key(c.iam, c.caller, c.ctx, c.params.get("UserName"), id).await?;
    c.auth.forget_key(id);
    Ok(String::new())
}

async fn get_access_key_last_used(c: &Call<'_>) -> Result<String, ApiError> {
    let id = required(c.params, "AccessKeyId")?;
    let (user_name, last) = ak::get_access_key_last_used(c.iam, c.caller, c.ctx, id).await?;
    let mut x = Xml::new();
    x.opt("UserName", user_name.as_deref());
    x.open("AccessKeyLastUsed");
    match &last {
        Some(u) => {
            x.elem("LastUsedDate", &u.date)
                .elem("ServiceName", &u.service)
                .elem("Region", &u.region);
        }
        // AWS: "N/A" when the key has not been used; no LastUsedDate then.
        None => {
            x.elem("ServiceName", "N/A").elem("Region", "N/A");
        }
    }
    x.close("AccessKeyLastUsed");
    Ok(x.into_string())
}
