//! JSON → [`Policy`]: size check, grammar, compilation of every matcher.

use crate::action::ActionPattern;
use crate::condition::parse_block;
use crate::error::{PolicyError, malformed};
use crate::limits::{PolicyKind, check_size};
use crate::policy::{Policy, Version};
use crate::principal::PrincipalSet;
use crate::resource::ResourcePattern;
use crate::statement::{Element, Statement, StatementEffect};
use crate::validate::{self, TOP_LEVEL, string_list};
use serde_json::{Map, Value};

/// Parses and validates a policy document of the given kind.
///
/// Errors: [`PolicyError::TooLarge`] over the kind's limit, [`PolicyError::Malformed`] for
/// anything AWS would refuse (the message names the statement by index and Sid).
pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    check_size(json, kind)?;
    let doc: Value =
        serde_json::from_str(json).map_err(|e| malformed(format!("invalid JSON: {e}")))?;
    let Value::Object(top) = doc else {
        return Err(malformed("the policy document must be a JSON object"));
    };
    if let Some(unknown) = top.keys().find(|k| !TOP_LEVEL.contains(&k.as_str())) {
        return Err(malformed(format!("unknown top-level element '{unknown}'")));
    }
    let version = match top.get("Version") {
        None => Version::V2008_10_17,
        Some(Value::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
        Some(Value::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
        Some(v) => {
            return Err(malformed(format!(
                "invalid Version {v}: use \"2012-10-17\""
            )));
        }
    };
    let id = match top.get("Id") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(malformed("Id must be a string")),
    };
    let raw: Vec<&Map<String, Value>> = match top.get("Statement") {
        None => return Err(malformed("missing required element Statement")),
        Some(Value::Object(s)) => vec![s],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_object()
                    .ok_or_else(|| malformed(format!("statement {i}: must be an object")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(malformed(
                "Statement must be an object or an array of objects",
            ));
        }
    };
    let vars = version == Version::V2012_10_17;
    let statements = raw
        .iter()
        .enumerate()
        .map(|(i, s)| statement(s, i, kind, vars))
        .collect::<Result<Vec<_>, _>>()?;
    // IAM: "Statement IDs (SID) in a single policy must be unique".
    let mut seen = std::collections::HashSet::new();
    for (i, st) in statements.iter().enumerate() {
        if let Some(sid) = st.sid.as_deref().filter(|s| !s.is_empty())
            && !seen.insert(sid)
        {
            return Err(malformed(format!(
                "statement {i}: Statement IDs (SID) in a single policy must be unique; '{sid}' repeats"
            )));
        }
    }
    Ok(Policy::new(kind, version, id, statements))
}

fn statement(
    s: &Map<String, Value>,
    index: usize,
    kind: PolicyKind,
    vars: bool,
) -> Result<Statement, PolicyError> {
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => {
            return Err(malformed(format!(
                "statement {index}: Sid must be a string"
            )));
        }
    };
    let at = match &sid {
        Some(sid) => format!("statement {index} (Sid '{sid}')"),
        None => format!("statement {index}"),
    };
    validate::statement(s, kind, &at)?;
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => StatementEffect::Allow,
        Some("Deny") => StatementEffect::Deny,
        _ => {
            return Err(malformed(format!(
                "{at}: Effect must be \"Allow\" or \"Deny\""
            )));
        }
    };
    let actions = element(s, "Action", |v| {
        string_list(v, "action", &at)?
            .into_iter()
            .map(|a| ActionPattern::parse(a, &at))
            .collect()
    })?;
    let Some(actions) = actions else {
        return Err(malformed(format!(
            "{at}: policy statement must contain actions"
        )));
    };
    let resources = element(s, "Resource", |v| {
        string_list(v, "resource", &at)?
            .into_iter()
            .map(|r| ResourcePattern::parse(r, vars, &at))
            .collect()
    })?;
    let principal = element(s, "Principal", |v| PrincipalSet::parse(v, &at))?;
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_block(c, vars, &at)?,
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        actions,
        resources,
        conditions,
    })
}

/// Parses `name` or `Not{name}` (exclusivity was checked by `validate`).
fn element<T>(
    s: &Map<String, Value>,
    name: &str,
    f: impl Fn(&Value) -> Result<T, PolicyError>,
) -> Result<Option<Element<T>>, PolicyError> {
    if let Some(v) = s.get(name) {
        return Ok(Some(Element {
            negated: false,
            items: f(v)?,
        }));
    }
    match s.get(&format!("Not{name}")) {
        Some(v) => Ok(Some(Element {
            negated: true,
            items: f(v)?,
        })),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_sids_are_refused() {
        let doc = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
        let msg = parse(doc, PolicyKind::Managed)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.contains("statement 1") && msg.contains("unique"),
            "{msg}"
        );
        let ok = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
        assert!(parse(ok, PolicyKind::Managed).is_ok());
    }

    const OK: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;

    #[test]
    fn parses_single_statement_object() {
        let p = parse(OK, PolicyKind::Managed).unwrap();
        assert_eq!(p.statement_count(), 1);
        assert_eq!(p.version(), Version::V2012_10_17);
        assert_eq!(p.sids().collect::<Vec<_>>(), vec![Some("A")]);
    }

    #[test]
    fn messages_name_the_statement() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Sid":"Two","Effect":"allow","Action":"s3:*","Resource":"*"}]}"#;
        let Err(PolicyError::Malformed(msg)) = parse(doc, PolicyKind::Managed) else {
            panic!()
        };
        assert!(msg.contains("statement 1 (Sid 'Two')"), "{msg}");
    }

    #[test]
    fn kinds_decide_principal_and_resource() {
        let trust = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
        assert!(parse(trust, PolicyKind::Trust).is_ok());
        assert!(parse(trust, PolicyKind::Resource).is_err());
        assert!(parse(trust, PolicyKind::Managed).is_err());
        assert!(parse(OK, PolicyKind::Trust).is_err());
    }

    #[test]
    fn refuses_bad_documents() {
        for bad in [
            "",
            "[]",
            r#"{"Statement":[]} trailing"#,
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Version":"2013-01-01","Statement":[]}"#,
            r#"{"Version":"2012-10-17","Statement":"x"}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:x","Resource":"*"}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Conditions":{}}}"#,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}"#,
        ] {
            assert!(
                matches!(
                    parse(bad, PolicyKind::Managed),
                    Err(PolicyError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
