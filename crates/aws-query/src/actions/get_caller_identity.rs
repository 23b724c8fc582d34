//! STS `GetCallerIdentity`.

use super::Call;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::authz::{authorize, require};
use fedgate_sts::get_caller_identity::get_caller_identity;

pub async fn run(c: &Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx) = (c.iam, c.caller, c.ctx);
    // Goes through the one authorization call site like every action (which allows it for
    // every principal, as AWS does).
    require(authorize(iam, caller, "sts:GetCallerIdentity", "*", ctx).await?)?;
    let id = get_caller_identity(caller);
    let mut x = Xml::new();
    x.elem("Arn", &id.arn)
        .elem("UserId", &id.user_id)
        .elem("Account", &id.account);
    Ok(x.into_string())
}
