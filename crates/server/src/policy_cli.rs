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

/// The documents a `policy simulate` run evaluates, each as (label, JSON text).
#[derive(Debug, Default)]
pub struct SimulateDocs {
    pub identity: Vec<(String, String)>,
    pub boundary: Option<(String, String)>,
    pub resource: Option<(String, String)>,
    pub session: Vec<(String, String)>,
}

/// Evaluates one request against identity-based policies (and optionally a permissions
/// boundary, a resource-based policy and session policies) and explains the decision.
/// Returns the text and whether the request was allowed.
pub fn simulate(
    docs: &SimulateDocs,
    principal: &str,
    action: &str,
    resource: &str,
    ctx: &Context,
) -> Result<(String, bool), String> {
    let compile = |(label, json): &(String, String), kind| {
        parse(json, kind)
            .map(|p| (label.clone(), p))
            .map_err(|e| format!("MalformedPolicyDocument: {label}: {e}"))
    };
    let identity = docs
        .identity
        .iter()
        .map(|d| compile(d, PolicyKind::Managed))
        .collect::<Result<Vec<_>, _>>()?;
    let session = docs
        .session
        .iter()
        .map(|d| compile(d, PolicyKind::Session))
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = docs
        .boundary
        .as_ref()
        .map(|d| compile(d, PolicyKind::Boundary))
        .transpose()?;
    let resource_policy = docs
        .resource
        .as_ref()
        .map(|d| compile(d, PolicyKind::Resource))
        .transpose()?;
    let set = PolicySet {
        identity: identity.iter().map(|(l, p)| (l.clone(), p)).collect(),
        session: session.iter().map(|(l, p)| (l.clone(), p)).collect(),
        boundary: boundary.as_ref().map(|(l, p)| (l.clone(), p)),
        resource: resource_policy.as_ref().map(|(l, p)| (l.clone(), p)),
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
            "matched: {} statement {}{} ({})\n",
            m.source,
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
