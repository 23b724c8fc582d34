//! Runs every case of `tests/corpus/*.json` (schema in `tests/corpus/README.md`) and fails
//! listing each mismatching case with expected vs got.

use fedgate_policy::{
    Context, Effect, Policy, PolicyKind, PolicySet, PrincipalType, Request, evaluate, parse,
};
use serde_json::Value;

fn policy_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn context(v: Option<&Value>) -> Context {
    let mut ctx = Context::new();
    if let Some(Value::Object(map)) = v {
        for (k, val) in map {
            match val {
                Value::Array(items) => {
                    ctx.insert_multi(k, items.iter().map(policy_text));
                }
                other => {
                    ctx.insert(k, policy_text(other));
                }
            }
        }
    }
    ctx
}

/// Runs one case; returns the outcome as the corpus spells it.
fn run(case: &Value) -> String {
    let req = case.get("request").cloned().unwrap_or(Value::Null);
    let action = req.get("action").and_then(Value::as_str).unwrap_or("");
    let trust = action.to_ascii_lowercase().starts_with("sts:assumerole");
    let list = |key: &str| -> Vec<Value> {
        match case.get(key) {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        }
    };
    let parse_all = |items: Vec<Value>, kind: PolicyKind| -> Result<Vec<Policy>, String> {
        items
            .iter()
            .map(|p| parse(&policy_text(p), kind).map_err(|e| e.to_string()))
            .collect()
    };
    let parsed = (|| -> Result<_, String> {
        let identity = parse_all(list("identity_policies"), PolicyKind::Managed)?;
        let resource = parse_all(
            list("resource_policy"),
            if trust {
                PolicyKind::Trust
            } else {
                PolicyKind::Resource
            },
        )?;
        let boundary = parse_all(list("permissions_boundary"), PolicyKind::Boundary)?;
        let session = parse_all(list("session_policies"), PolicyKind::Session)?;
        Ok((identity, resource, boundary, session))
    })();
    let (identity, resource, boundary, session) = match parsed {
        Ok(p) => p,
        Err(e) => return format!("MalformedPolicyDocument ({e})"),
    };
    let label = |prefix: &str, i: usize| format!("{prefix}-{i}");
    let set = PolicySet {
        identity: identity
            .iter()
            .enumerate()
            .map(|(i, p)| (label("identity", i), p))
            .collect(),
        resource: resource.first().map(|p| ("resource".to_owned(), p)),
        boundary: boundary.first().map(|p| ("boundary".to_owned(), p)),
        session: session
            .iter()
            .enumerate()
            .map(|(i, p)| (label("session", i), p))
            .collect(),
    };
    let ctx = context(req.get("context"));
    let s = |k: &str| req.get(k).and_then(Value::as_str);
    let mut request = Request::new(
        s("principal").unwrap_or(""),
        action,
        s("resource").unwrap_or(""),
        &ctx,
    );
    if let Some(acct) = s("resource_account") {
        request = request.with_resource_account(acct);
    }
    request.principal_type = match s("principal_type") {
        Some("Service") => PrincipalType::Service,
        Some("Federated") => PrincipalType::Federated,
        _ => PrincipalType::Aws,
    };
    let d = evaluate(&set, &request);
    let effect = match d.effect {
        Effect::Allow => "Allow",
        Effect::ExplicitDeny => "ExplicitDeny",
        Effect::ImplicitDeny => "ImplicitDeny",
    };
    format!(
        "{effect} (matched {:?}; {:?})",
        d.matched
            .iter()
            .map(|m| (&m.source, m.index))
            .collect::<Vec<_>>(),
        d.diagnostics
    )
}

#[test]
fn corpus() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR")
            .expect("cargo test sets CARGO_MANIFEST_DIR; run through cargo"),
    )
    .join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let (mut pass, mut failures) = (0usize, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let cases: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                // A file still being written by another helper: report, don't crash.
                eprintln!("skipping {}: {e}", file.display());
                continue;
            }
        };
        for case in cases.as_array().into_iter().flatten() {
            let name = case.get("name").and_then(Value::as_str).unwrap_or("?");
            let expected = case.get("expected").and_then(Value::as_str).unwrap_or("?");
            let got = run(case);
            if std::env::var_os("CORPUS_VERBOSE").is_some() {
                eprintln!("{name}: {got}");
            }
            if got.split(' ').next() == Some(expected) {
                pass += 1;
            } else {
                failures.push(format!("{name}: expected {expected}, got {got}"));
            }
        }
    }
    eprintln!(
        "corpus: {pass} passed, {} failed, {} files",
        failures.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} corpus case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
