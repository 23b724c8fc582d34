//! IAM `GetContextKeysForCustomPolicy`: the condition keys the given policies refer to.

use super::member_list;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_core::Principal;
use fedgate_iam::Iam;
use fedgate_iam::authz::{RequestContext, authorize, require};
use fedgate_policy::{PolicyKind, context_keys, parse};
use std::collections::BTreeMap;

pub async fn run(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    params: &Params,
) -> Result<String, ApiError> {
    require(authorize(iam, caller, "iam:GetContextKeysForCustomPolicy", "*", ctx).await?)?;
    let docs = member_list(params, "PolicyInputList");
    if docs.is_empty() {
        return Err(ApiError::missing_parameter("PolicyInputList"));
    }
    // Keys are case-insensitive: one entry per key, spelled as first seen.
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for doc in docs {
        let policy =
            parse(doc, PolicyKind::Managed).map_err(super::simulate_custom_policy::malformed)?;
        for k in context_keys(&policy) {
            keys.entry(k.to_ascii_lowercase()).or_insert(k);
        }
    }
    let mut x = Xml::new();
    x.open("ContextKeyNames");
    for k in keys.values() {
        x.elem("member", k);
    }
    x.close("ContextKeyNames");
    Ok(x.into_string())
}
