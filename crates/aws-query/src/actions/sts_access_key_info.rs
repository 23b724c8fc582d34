//! STS `GetAccessKeyInfo`: the account of an access key id.

use super::{Call, required};
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::authz::{authorize, require};
use fedgate_sts::get_access_key_info::get_access_key_info;

pub async fn run(c: &Call<'_>) -> Result<String, ApiError> {
    let id = required(c.params, "AccessKeyId")?;
    require(authorize(c.iam, c.caller, "sts:GetAccessKeyInfo", "*", c.ctx).await?)?;
    let account = get_access_key_info(c.iam, id).await?;
    let mut x = Xml::new();
    x.elem("Account", account.as_str());
    Ok(x.into_string())
}
