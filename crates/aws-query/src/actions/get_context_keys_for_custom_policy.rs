//! IAM `GetContextKeysForCustomPolicy`: the condition keys the given policies refer to.

use super::member_list;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::authz::{authorize, require};
use fedgate_policy::{Policy, PolicyKind, context_keys, parse};
use std::collections::BTreeMap;

pub async fn run(c: &super::Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx, params) = (c.iam, c.caller, c.ctx, c.params);
    require(authorize(iam, caller, "iam:GetContextKeysForCustomPolicy", "*", ctx).await?)?;
    let docs = member_list(params, "PolicyInputList");
    if docs.is_empty() {
        return Err(ApiError::missing_parameter("PolicyInputList"));
    }
    let policies = docs
        .into_iter()
        .map(|doc| {
            parse(doc, PolicyKind::Managed).map_err(super::simulate_custom_policy::malformed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(context_key_names(policies.iter()))
}

/// `<ContextKeyNames>`: the condition keys of `policies`, one per key regardless of case,
/// spelled as first seen.
pub(crate) fn context_key_names<'a>(policies: impl Iterator<Item = &'a Policy>) -> String {
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for policy in policies {
        for k in context_keys(policy) {
            keys.entry(k.to_ascii_lowercase()).or_insert(k);
        }
    }
    let mut x = Xml::new();
    x.open("ContextKeyNames");
    for k in keys.values() {
        x.elem("member", k);
    }
    x.close("ContextKeyNames");
    x.into_string()
}
