//! `fedgate policy validate` and `fedgate policy simulate`: the policy engine from the shell.

use fedgate_policy::{
    Context, Effect, PolicyKind, PolicySet, Request, StatementEffect, access_denied_message,
    evaluate, parse,
};

/// Policy kinds by the names the command line takes.
pub const KINDS: &[(&str, PolicyKind)] = &[
    ("managed", PolicyKind::Managed),
    ("inline-user", PolicyKind::InlineUser),
    ("inline-group", PolicyKind::InlineGroup),
    ("inline-role", PolicyKind::InlineRole),
    ("trust", PolicyKind::Trust),
    ("resource", PolicyKind::Resource),
    ("session", PolicyKind::Session),
    ("boundary", PolicyKind::Boundary),
];

pub fn kind(name: &str) -> Option<PolicyKind> {
    KINDS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// Validates `json` as `kind`: `Ok(summary)` or `Err(AWS-style error line)`.
pub fn validate(json: &str, kind: PolicyKind) -> Result<String, String> {
    match parse(json, kind) {
        Ok(p) => Ok(format!(
            "valid: {} statement(s), {} characters counted against the limit of {}",
            p.statement_count(),
            fedgate_policy::counted_size(json),
            kind.size_limit()
        )),
        Err(e @ fedgate_policy::PolicyError::TooLarge { .. }) => Err(format!("LimitExceeded: {e}")),
        Err(e) => Err(format!("MalformedPolicyDocument: {e}")),
    }
}

/// Parses `key=value[:type]` as the AWS CLI's simulate commands take context entries; the
/// type `stringList` (or any `…List`) splits the value on commas.
pub fn context_entry(arg: &str, ctx: &mut Context) -> Result<(), String> {
    let (key, rest) = arg
        .split_once('=')
        .ok_or_else(|| format!("context entry {arg:?} must be key=value[:type]"))?;
    let (value, ty) = match rest.rsplit_once(':') {
        Some((v, t))
            if matches!(
                t,
                "string"
                    | "stringList"
                    | "numeric"
                    | "numericList"
                    | "boolean"
                    | "booleanList"
                    | "ip"
                    | "ipList"
                    | "binary"
                    | "binaryList"
                    | "date"
                    | "dateList"
            ) =>
        {
            (v, t)
        }
        _ => (rest, "string"),
    };
    if ty.ends_with("List") {
        ctx.insert_multi(key, value.split(',').map(str::to_owned));
    } else {
        ctx.insert(key, value);
    }
    Ok(())
}

/// Evaluates one request against one identity-based policy and explains the decision.
/// Returns the text and whether the request was allowed.
pub fn simulate(
    json: &str,
    principal: &str,
    action: &str,
    resource: &str,
    ctx: &Context,
) -> Result<(String, bool), String> {
    let policy =
        parse(json, PolicyKind::Managed).map_err(|e| format!("MalformedPolicyDocument: {e}"))?;
    let set = PolicySet {
        identity: vec![("policy".to_owned(), &policy)],
        ..PolicySet::default()
    };
    let req = Request::new(principal, action, resource, ctx);
    let decision = evaluate(&set, &req);
    let mut out = format!(
        "decision: {}\n",
        match decision.effect {
            Effect::Allow => "allowed",
            Effect::ExplicitDeny => "explicitDeny",
            Effect::ImplicitDeny => "implicitDeny",
        }
    );
    for m in &decision.matched {
        out.push_str(&format!(
            "matched: statement {}{} ({})\n",
            m.index,
            m.sid
                .as_deref()
                .map(|s| format!(" Sid {s}"))
                .unwrap_or_default(),
            match m.effect {
                StatementEffect::Allow => "Allow",
                StatementEffect::Deny => "Deny",
            }
        ));
    }
    for d in &decision.diagnostics {
        out.push_str(&format!("note: {d}\n"));
    }
    if let Some(msg) = access_denied_message(&decision, &req) {
        out.push_str(&format!("message: {msg}\n"));
    }
    Ok((out, decision.effect == Effect::Allow))
}
