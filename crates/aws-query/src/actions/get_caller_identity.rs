//! STS `GetCallerIdentity`.

use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_core::Principal;
use fedgate_iam::Iam;
use fedgate_iam::authz::{RequestContext, authorize, require};
use fedgate_sts::get_caller_identity::get_caller_identity;

pub async fn run(iam: &Iam, caller: &Principal, ctx: &RequestContext) -> Result<String, ApiError> {
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
