//! Grammar rules for statements ("IAM JSON policy grammar"): which elements exist, which
//! exclude each other, and which the policy kind requires or forbids.

use crate::error::{PolicyError, malformed};
use crate::limits::PolicyKind;
use serde_json::{Map, Value};

pub(crate) const TOP_LEVEL: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Checks element names and combinations of one statement; `at` names it for messages.
pub(crate) fn statement(
    s: &Map<String, Value>,
    kind: PolicyKind,
    at: &str,
) -> Result<(), PolicyError> {
    if let Some(unknown) = s.keys().find(|k| !STATEMENT.contains(&k.as_str())) {
        return Err(malformed(format!("{at}: unknown element '{unknown}'")));
    }
    let has = |k: &str| s.contains_key(k);
    for (a, b) in [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ] {
        if has(a) && has(b) {
            return Err(malformed(format!(
                "{at}: a statement may have {a} or {b}, not both"
            )));
        }
    }
    if !has("Effect") {
        return Err(malformed(format!("{at}: missing required element Effect")));
    }
    if !has("Action") && !has("NotAction") {
        return Err(malformed(format!(
            "{at}: policy statement must contain actions"
        )));
    }
    let has_principal = has("Principal") || has("NotPrincipal");
    // NotPrincipal page: "NotPrincipal must be used with "Effect":"Deny". Using it with
    // "Effect":"Allow" is not supported."
    if has("NotPrincipal") && s.get("Effect").and_then(Value::as_str) == Some("Allow") {
        return Err(malformed(format!(
            "{at}: NotPrincipal can only be used with \"Effect\": \"Deny\""
        )));
    }
    match kind {
        PolicyKind::Trust => {
            if has("Resource") || has("NotResource") {
                return Err(malformed(format!(
                    "{at}: a trust policy has prohibited field Resource"
                )));
            }
            if has("NotPrincipal") {
                return Err(malformed(format!(
                    "{at}: NotPrincipal is not allowed in a role trust policy"
                )));
            }
            if !has_principal {
                return Err(malformed(format!("{at}: missing required field Principal")));
            }
        }
        PolicyKind::Resource => {
            if !has_principal {
                return Err(malformed(format!("{at}: missing required field Principal")));
            }
            if !has("Resource") && !has("NotResource") {
                return Err(malformed(format!(
                    "{at}: policy statement must contain resources"
                )));
            }
        }
        _ => {
            if has_principal {
                return Err(malformed(format!(
                    "{at}: policy document should not specify a principal"
                )));
            }
            if !has("Resource") && !has("NotResource") {
                return Err(malformed(format!(
                    "{at}: policy statement must contain resources"
                )));
            }
        }
    }
    Ok(())
}

/// A string or a non-empty list of strings.
pub(crate) fn string_list<'v>(
    v: &'v Value,
    what: &str,
    at: &str,
) -> Result<Vec<&'v str>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| malformed(format!("{at}: every {what} must be a string")))
            })
            .collect(),
        _ => Err(malformed(format!(
            "{at}: {what} must be a string or a non-empty list of strings"
        ))),
    }
}
