//! IAM `SimulateCustomPolicy`: evaluate given policies for actions and resources with the
//! same engine that authorizes requests.

use super::member_list;
use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_iam::authz::{authorize, require};
use fedgate_policy::{
    Context, Effect, Policy, PolicyError, PolicyKind, PolicySet, PolicyType, Position, Request,
    context_keys, evaluate, parse, statement_positions,
};
use http::StatusCode;
use std::collections::{BTreeMap, HashMap};

/// AWS caps ActionNames and ResourceArns; more is a validation error, not a slow request.
const MAX_ITEMS: usize = 1000;

/// A policy the engine refuses, as AWS reports it.
pub(crate) fn malformed(e: PolicyError) -> ApiError {
    match e {
        PolicyError::TooLarge { .. } => {
            ApiError::new(StatusCode::CONFLICT, "LimitExceeded", e.to_string())
        }
        PolicyError::Malformed(m) => {
            ApiError::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", m)
        }
    }
}

pub(crate) fn policies(
    params: &Params,
    name: &str,
    kind: PolicyKind,
) -> Result<Vec<Policy>, ApiError> {
    member_list(params, name)
        .into_iter()
        .map(|doc| parse(doc, kind).map_err(malformed))
        .collect()
}

/// `ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M, ContextKeyType}`.
fn context(params: &Params) -> Result<Context, ApiError> {
    let mut ctx = Context::new();
    for n in 1.. {
        let base = format!("ContextEntries.member.{n}");
        let Some(key) = params.get(&format!("{base}.ContextKeyName")) else {
            break;
        };
        let values = member_list(params, &format!("{base}.ContextKeyValues"));
        let ty = params
            .get(&format!("{base}.ContextKeyType"))
            .unwrap_or("string");
        if !(5..=256).contains(&key.chars().count()) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value at 'contextEntries.{n}.member.contextKeyName' failed to satisfy constraint: Member must have length between 5 and 256"
            )));
        }
        // Values are kept as text (conditions parse them as they compare), but each must be
        // one the conditions of its type can read.
        if fedgate_policy::context_value_fits(ty, "").is_none() {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at 'contextEntries.{n}.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]",
                ty.chars().take(64).collect::<String>()
            )));
        }
        if let Some(bad) = values
            .iter()
            .find(|v| fedgate_policy::context_value_fits(ty, v) == Some(false))
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidInput",
                format!(
                    "Context key {key}: {:?} is not a valid {ty} value",
                    bad.chars().take(128).collect::<String>()
                ),
            ));
        }
        if ty.ends_with("List") {
            ctx.insert_multi(key, values.iter().map(|v| (*v).to_owned()));
        } else {
            let [one] = values.as_slice() else {
                return Err(ApiError::validation(format!(
                    "Context key {key} of type {ty} takes exactly one value"
                )));
            };
            ctx.insert(key, *one);
        }
    }
    Ok(ctx)
}

pub async fn run(c: &super::Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx, params) = (c.iam, c.caller, c.ctx, c.params);
    require(authorize(iam, caller, "iam:SimulateCustomPolicy", "*", ctx).await?)?;
    let identity = policies(params, "PolicyInputList", PolicyKind::Managed)?;
    if identity.is_empty() {
        return Err(ApiError::missing_parameter("PolicyInputList"));
    }
    let boundaries = policies(
        params,
        "PermissionsBoundaryPolicyInputList",
        PolicyKind::Boundary,
    )?;
    let resource_policy = params
        .get("ResourcePolicy")
        .map(|doc| parse(doc, PolicyKind::Resource).map_err(malformed))
        .transpose()?;
    let caller_arn = params
        .get("CallerArn")
        .map(str::to_owned)
        .unwrap_or_else(|| caller.arn().to_string());
    let set = PolicySet {
        identity: identity
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("PolicyInputList.{}", i + 1), p))
            .collect(),
        resource: resource_policy
            .as_ref()
            .map(|p| ("ResourcePolicy".to_owned(), p)),
        boundary: boundaries
            .first()
            .map(|p| ("PermissionsBoundaryPolicyInputList.1".to_owned(), p)),
        session: vec![],
    };
    evaluation_results(params, &set, &caller_arn, &input_documents(params))
}

/// The policy texts given in the request, by the label their statements are reported under.
pub(crate) fn input_documents(params: &Params) -> HashMap<String, String> {
    let mut docs = HashMap::new();
    for list in ["PolicyInputList", "PermissionsBoundaryPolicyInputList"] {
        for (i, doc) in member_list(params, list).into_iter().enumerate() {
            docs.insert(format!("{list}.{}", i + 1), doc.to_owned());
        }
    }
    if let Some(doc) = params.get("ResourcePolicy") {
        docs.insert("ResourcePolicy".to_owned(), doc.to_owned());
    }
    docs
}

/// Evaluates every `ActionNames` × `ResourceArns` pair with `set` for `caller_arn` and the
/// request's `ContextEntries`, and writes the `EvaluationResults` of the Simulate* actions.
/// `documents` holds the text of each policy by label, for statement positions.
pub(crate) fn evaluation_results(
    params: &Params,
    set: &PolicySet<'_>,
    caller_arn: &str,
    documents: &HashMap<String, String>,
) -> Result<String, ApiError> {
    let mut positions: HashMap<String, Vec<(Position, Position)>> = HashMap::new();
    let actions = member_list(params, "ActionNames");
    if actions.is_empty() {
        return Err(ApiError::missing_parameter("ActionNames"));
    }
    let mut resources = member_list(params, "ResourceArns");
    if resources.is_empty() {
        resources.push("*");
    }
    if actions.len() > MAX_ITEMS || resources.len() > MAX_ITEMS {
        return Err(ApiError::validation(format!(
            "At most {MAX_ITEMS} ActionNames and {MAX_ITEMS} ResourceArns may be simulated at once"
        )));
    }
    let context = context(params)?;
    let (start, max_items) = page(params)?;
    // Keys the simulated policies refer to that the request did not supply.
    let mut missing: BTreeMap<String, String> = BTreeMap::new();
    let policies = set
        .identity
        .iter()
        .chain(set.resource.iter())
        .chain(set.boundary.iter())
        .chain(set.session.iter());
    for (_, policy) in policies {
        for k in context_keys(policy) {
            if context.get(&k).is_none() {
                missing.entry(k.to_ascii_lowercase()).or_insert(k);
            }
        }
    }
    let pairs: Vec<(&str, &str)> = actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| (*a, *r)))
        .collect();
    let end = start.saturating_add(max_items).min(pairs.len());
    let mut x = Xml::new();
    x.open("EvaluationResults");
    for (action, resource) in pairs.get(start..end).unwrap_or_default() {
        let req = Request::new(caller_arn, action, resource, &context);
        let d = evaluate(set, &req);
        x.open("member")
            .elem("EvalActionName", action)
            .elem("EvalResourceName", resource)
            .elem(
                "EvalDecision",
                match d.effect {
                    Effect::Allow => "allowed",
                    Effect::ExplicitDeny => "explicitDeny",
                    Effect::ImplicitDeny => "implicitDeny",
                },
            );
        x.open("MatchedStatements");
        for m in &d.matched {
            x.open("member")
                .elem("SourcePolicyId", &m.source)
                .elem("SourcePolicyType", source_policy_type(m));
            let at = positions
                .entry(m.source.clone())
                .or_insert_with(|| {
                    documents
                        .get(&m.source)
                        .map(|d| statement_positions(d))
                        .unwrap_or_default()
                })
                .get(m.index)
                .copied();
            if let Some((start, end)) = at {
                for (name, p) in [("StartPosition", start), ("EndPosition", end)] {
                    x.open(name)
                        .elem("Line", &p.line.to_string())
                        .elem("Column", &p.column.to_string())
                        .close(name);
                }
            }
            x.close("member");
        }
        x.close("MatchedStatements");
        x.open("MissingContextValues");
        for k in missing.values() {
            x.elem("member", k);
        }
        x.close("MissingContextValues");
        if let Some((_, boundary)) = &set.boundary {
            // Whether the boundary alone allows the action (AWS: "the effective permissions
            // are the intersection", so this tells which side refused).
            let only = PolicySet {
                identity: vec![("boundary".to_owned(), *boundary)],
                ..PolicySet::default()
            };
            let allowed = evaluate(&only, &req).effect == Effect::Allow;
            x.open("PermissionsBoundaryDecisionDetail")
                .elem(
                    "AllowedByPermissionsBoundary",
                    if allowed { "true" } else { "false" },
                )
                .close("PermissionsBoundaryDecisionDetail");
        }
        x.close("member");
    }
    x.close("EvaluationResults");
    if end < pairs.len() {
        x.elem("IsTruncated", "true")
            .elem("Marker", &end.to_string());
    } else {
        x.elem("IsTruncated", "false");
    }
    Ok(x.into_string())
}

/// `SourcePolicyType` of a matched statement: AWS's `PolicySourceType` for policies stored in
/// IAM (`user`, `group`, `role` for inline policies, `aws-managed`, `user-managed`,
/// `resource`) and, for documents passed in the request (`PolicyInputList.N`,
/// `PermissionsBoundaryPolicyInputList.N`), "IAM Policy" as AWS's simulator reports them.
fn source_policy_type(m: &fedgate_policy::MatchedStatement) -> &'static str {
    if m.policy_type == PolicyType::Resource {
        return "resource";
    }
    if let Some(kind) = fedgate_iam::authz::inline_label_kind(&m.source) {
        return kind;
    }
    match m.source.strip_prefix("arn:") {
        Some(rest) if rest.contains(":iam::aws:policy/") => "aws-managed",
        Some(rest) if rest.contains(":policy/") => "user-managed",
        _ => "IAM Policy",
    }
}

/// `Marker` (the index of the next result, as this server hands it out) and `MaxItems`
/// (1–1000, default 100).
fn page(params: &Params) -> Result<(usize, usize), ApiError> {
    let start = match params.get("Marker") {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| ApiError::validation("Marker is not one this server returned."))?,
    };
    let max = match params.get("MaxItems") {
        None => 100,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"
                )));
            }
        },
    };
    Ok((start, max))
}
