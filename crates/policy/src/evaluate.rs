//! "Policy evaluation logic": explicit deny anywhere wins; otherwise an allow is needed from
//! the right combination of identity-based, resource-based, boundary and session policies;
//! otherwise implicit deny.
//!
//! Same account: an identity-based allow (intersected with the permissions boundary and the
//! session policies, when present) suffices, except that a role trust policy must itself
//! allow. A resource-based allow that names the caller suffices on its own: for an IAM user
//! ARN (or `*`) regardless of boundary; for a session through its role's ARN (or `*`) only
//! within the boundary and session policies; for the session's own ARN unconditionally.
//! Naming the account only delegates to the account's identity-based policies.
//! Cross account: both the identity side and the resource-based policy must allow.
//! Service and federated callers are decided by the resource (trust) policy alone.

use crate::action::RequestAction;
use crate::condition::Tri;
use crate::limits::PolicyKind;
use crate::policy::Policy;
use crate::principal::{PrincipalMatch, PrincipalType};
use crate::request::Request;
use crate::statement::{Prepared, StatementEffect};

/// Names the source of a policy in explanations: a policy ARN or an inline policy name.
pub type Label = String;

/// Which layer of the evaluation a policy belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// Managed or inline policies of the principal.
    Identity,
    /// The resource's policy (or a role's trust policy).
    Resource,
    /// The principal's permissions boundary.
    Boundary,
    /// Session policies passed to STS.
    Session,
}

/// The final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Allowed.
    Allow,
    /// Denied by a Deny statement.
    ExplicitDeny,
    /// Denied because nothing allowed it (the default).
    ImplicitDeny,
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The policy it came from.
    pub source: Label,
    /// The layer of that policy.
    pub policy_type: PolicyType,
    /// Its Sid.
    pub sid: Option<String>,
    /// Its index within the policy.
    pub index: usize,
    /// Its effect.
    pub effect: StatementEffect,
}

/// Decision, the statements that applied, and notes on how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allow, explicit deny or implicit deny.
    pub effect: Effect,
    /// Every statement that applied, allows and denies, in evaluation order.
    pub matched: Vec<MatchedStatement>,
    /// Human-readable notes (unresolved variables, which layer was missing an allow, …).
    pub diagnostics: Vec<String>,
    /// For a deny: the layer that denied (explicitly) or lacked an allow (implicitly).
    pub denied_by: Option<PolicyType>,
}

/// The policies that apply to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity-based policies of the principal (managed and inline).
    pub identity: Vec<(Label, &'a Policy)>,
    /// The resource-based policy, or the role trust policy for `sts:AssumeRole*`.
    pub resource: Option<(Label, &'a Policy)>,
    /// The principal's permissions boundary.
    pub boundary: Option<(Label, &'a Policy)>,
    /// Session policies (inline and managed) of the calling session.
    pub session: Vec<(Label, &'a Policy)>,
}

#[derive(Default)]
struct Layer {
    allow: bool,
    best: Option<PrincipalMatch>,
}

struct Run<'r> {
    prep: Prepared<'r>,
    decision: Decision,
}

impl Run<'_> {
    fn layer<'p>(
        &mut self,
        ty: PolicyType,
        policies: impl Iterator<Item = &'p (Label, &'p Policy)>,
    ) -> Layer {
        let mut layer = Layer::default();
        for (label, policy) in policies {
            if !policy.may_apply_to(self.prep.action.service()) {
                continue;
            }
            for (index, st) in policy.statements.iter().enumerate() {
                let mut notes: Vec<String> = Vec::new();
                let hit = st.evaluate(&self.prep, &mut |m| notes.push(m));
                self.decision.diagnostics.extend(
                    notes
                        .into_iter()
                        .map(|m| format!("{label} statement {index}: {m}")),
                );
                let Some(hit) = hit else { continue };
                if hit.condition == Tri::Unknown {
                    self.decision.diagnostics.push(format!(
                        "{label} statement {index}: Deny applied because its condition could not be evaluated"
                    ));
                }
                self.decision.matched.push(MatchedStatement {
                    source: label.clone(),
                    policy_type: ty,
                    sid: st.sid.clone(),
                    index,
                    effect: st.effect,
                });
                match st.effect {
                    StatementEffect::Deny => {
                        if self.decision.denied_by.is_none() {
                            self.decision.denied_by = Some(ty);
                        }
                    }
                    StatementEffect::Allow => {
                        layer.allow = true;
                        layer.best = layer.best.max(hit.principal);
                    }
                }
            }
        }
        layer
    }
}

/// Evaluates `req` against `set`. Pure and total: anything not allowed is denied.
pub fn evaluate(set: &PolicySet<'_>, req: &Request<'_>) -> Decision {
    let mut run = Run {
        prep: Prepared {
            action: RequestAction::new(req.action),
            resource: req.resource,
            caller: req.caller(),
            context: req.context,
            has_boundary: set.boundary.is_some() && req.principal_type == PrincipalType::Aws,
        },
        decision: Decision {
            effect: Effect::ImplicitDeny,
            matched: Vec::new(),
            diagnostics: Vec::new(),
            denied_by: None,
        },
    };
    let identity = run.layer(PolicyType::Identity, set.identity.iter());
    let resource = set
        .resource
        .as_ref()
        .map(|r| run.layer(PolicyType::Resource, std::iter::once(r)));
    let boundary = set
        .boundary
        .as_ref()
        .map(|b| run.layer(PolicyType::Boundary, std::iter::once(b)));
    let session =
        (!set.session.is_empty()).then(|| run.layer(PolicyType::Session, set.session.iter()));
    let mut d = run.decision;
    if d.denied_by.is_some() {
        d.effect = Effect::ExplicitDeny;
        return d;
    }
    let is_trust = set
        .resource
        .as_ref()
        .is_some_and(|(_, p)| p.kind == PolicyKind::Trust);
    match decide(
        req,
        &identity,
        resource.as_ref(),
        boundary.as_ref(),
        session.as_ref(),
        is_trust,
    ) {
        Ok(()) => d.effect = Effect::Allow,
        Err((layer, why)) => {
            d.denied_by = Some(layer);
            d.diagnostics.push(why.into());
        }
    }
    d
}

fn decide(
    req: &Request<'_>,
    identity: &Layer,
    resource: Option<&Layer>,
    boundary: Option<&Layer>,
    session: Option<&Layer>,
    is_trust: bool,
) -> Result<(), (PolicyType, &'static str)> {
    let rp_match = resource.filter(|r| r.allow).and_then(|r| r.best);
    if req.principal_type != PrincipalType::Aws {
        return match rp_match {
            Some(_) => Ok(()),
            None => Err((
                PolicyType::Resource,
                "no resource-based policy allows this service or federated principal",
            )),
        };
    }
    let boundary_ok = boundary.is_none_or(|b| b.allow);
    let session_ok = session.is_none_or(|s| s.allow);
    let identity_ok = identity.allow && boundary_ok && session_ok;
    let identity_gap = || {
        if !identity.allow {
            (
                PolicyType::Identity,
                "no identity-based policy allows the action",
            )
        } else if !boundary_ok {
            (
                PolicyType::Boundary,
                "the permissions boundary does not allow the action",
            )
        } else {
            (PolicyType::Session, "no session policy allows the action")
        }
    };
    let same_account = match (req.principal_account(), req.resource_account()) {
        (Some(p), Some(r)) => p == r,
        _ => false,
    };
    if !same_account {
        if !identity_ok {
            return Err(identity_gap());
        }
        return match rp_match {
            Some(_) => Ok(()),
            None => Err((
                PolicyType::Resource,
                "cross-account access needs an allow in the resource-based policy",
            )),
        };
    }
    let direct = match rp_match {
        Some(PrincipalMatch::Exact | PrincipalMatch::Provider) => true,
        Some(PrincipalMatch::Any) if !req.is_session() => true,
        Some(PrincipalMatch::Any | PrincipalMatch::Role) => boundary_ok && session_ok,
        Some(PrincipalMatch::Account) | None => false,
    };
    if direct {
        return Ok(());
    }
    if identity_ok {
        return if is_trust && rp_match.is_none() {
            Err((
                PolicyType::Resource,
                "the role trust policy does not allow this principal",
            ))
        } else {
            Ok(())
        };
    }
    if matches!(rp_match, Some(PrincipalMatch::Any | PrincipalMatch::Role)) {
        // The resource-based policy named the session's role: limited by boundary and session.
        return Err(if boundary_ok {
            (PolicyType::Session, "no session policy allows the action")
        } else {
            (
                PolicyType::Boundary,
                "the permissions boundary does not allow the action",
            )
        });
    }
    if is_trust && rp_match.is_none() {
        return Err((
            PolicyType::Resource,
            "the role trust policy does not allow this principal",
        ));
    }
    Err(identity_gap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, parse};

    const USER: &str = "arn:aws:iam::123456789012:user/alice";
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/Dev/s1";
    const OBJECT: &str = "arn:aws:s3:::bucket/key";

    fn p(kind: PolicyKind, statement: &str) -> Policy {
        parse(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#),
            kind,
        )
        .unwrap()
    }

    fn allow_all() -> Policy {
        p(
            PolicyKind::Managed,
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
        )
    }

    fn bucket_policy(principal: &str) -> Policy {
        p(
            PolicyKind::Resource,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"{OBJECT}"}}"#
            ),
        )
    }

    fn run(set: &PolicySet<'_>, principal: &str) -> Decision {
        let ctx = Context::new();
        evaluate(
            set,
            &Request::new(principal, "s3:GetObject", OBJECT, &ctx)
                .with_resource_account("123456789012"),
        )
    }

    // reference_policies_evaluation-logic.html, "Identity-based policies with permissions
    // boundaries": same-account resource-based policies naming the user ARN are not limited
    // by an implicit deny in the boundary.
    #[test]
    fn user_arn_in_resource_policy_not_limited_by_boundary() {
        let rp = bucket_policy(USER);
        let boundary = p(
            PolicyKind::Boundary,
            r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
        );
        let set = PolicySet {
            resource: Some(("rp".into(), &rp)),
            boundary: Some(("pb".into(), &boundary)),
            ..PolicySet::default()
        };
        let d = run(&set, USER);
        assert_eq!(d.effect, Effect::Allow);
        assert_eq!(d.matched.len(), 1);
        assert_eq!(d.matched[0].policy_type, PolicyType::Resource);
    }

    // Same page, session policies: naming the role ARN is limited by the session policy.
    #[test]
    fn role_arn_in_resource_policy_limited_by_session_policy() {
        let rp = bucket_policy("arn:aws:iam::123456789012:role/Dev");
        let session = p(
            PolicyKind::Session,
            r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
        );
        let set = PolicySet {
            resource: Some(("rp".into(), &rp)),
            session: vec![("sp".into(), &session)],
            ..PolicySet::default()
        };
        let d = run(&set, SESSION);
        assert_eq!(d.effect, Effect::ImplicitDeny);
        assert_eq!(d.denied_by, Some(PolicyType::Session));
        let rp = bucket_policy(SESSION);
        let set = PolicySet {
            resource: Some(("rp".into(), &rp)),
            session: vec![("sp".into(), &session)],
            ..PolicySet::default()
        };
        assert_eq!(run(&set, SESSION).effect, Effect::Allow);
    }

    #[test]
    fn account_principal_delegates_to_identity_policies() {
        let rp = bucket_policy("123456789012");
        let set = PolicySet {
            resource: Some(("rp".into(), &rp)),
            ..PolicySet::default()
        };
        assert_eq!(run(&set, USER).effect, Effect::ImplicitDeny);
        let id = allow_all();
        let set = PolicySet {
            identity: vec![("id".into(), &id)],
            resource: Some(("rp".into(), &rp)),
            ..PolicySet::default()
        };
        assert_eq!(run(&set, USER).effect, Effect::Allow);
    }

    #[test]
    fn explicit_deny_in_boundary_wins_and_is_reported() {
        let id = allow_all();
        let boundary = p(
            PolicyKind::Boundary,
            r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"No","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}"#,
        );
        let set = PolicySet {
            identity: vec![("id".into(), &id)],
            boundary: Some(("pb".into(), &boundary)),
            ..PolicySet::default()
        };
        let d = run(&set, USER);
        assert_eq!(d.effect, Effect::ExplicitDeny);
        assert_eq!(d.denied_by, Some(PolicyType::Boundary));
        assert!(
            d.matched
                .iter()
                .any(|m| m.sid.as_deref() == Some("No") && m.index == 1)
        );
    }

    // access_policies_boundaries.html: a NotPrincipal Deny always denies an IAM principal
    // that has a permissions boundary, whatever NotPrincipal lists.
    #[test]
    fn not_principal_deny_ignores_exclusions_with_a_boundary() {
        let id = allow_all();
        let rp = p(
            PolicyKind::Resource,
            &format!(
                r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":["{USER}","123456789012"]}},"Action":"s3:*","Resource":"*"}}"#
            ),
        );
        let set = PolicySet {
            identity: vec![("id".into(), &id)],
            resource: Some(("rp".into(), &rp)),
            ..PolicySet::default()
        };
        assert_eq!(run(&set, USER).effect, Effect::Allow);
        let set = PolicySet {
            boundary: Some(("pb".into(), &id)),
            ..set
        };
        assert_eq!(run(&set, USER).effect, Effect::ExplicitDeny);
    }

    #[test]
    fn deny_with_unevaluable_condition_applies() {
        let id = allow_all();
        let deny = p(
            PolicyKind::Managed,
            r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}}"#,
        );
        let set = PolicySet {
            identity: vec![("id".into(), &id), ("deny".into(), &deny)],
            ..PolicySet::default()
        };
        let ctx = Context::new().with("aws:MultiFactorAuthAge", "not-a-number");
        let d = evaluate(&set, &Request::new(USER, "s3:GetObject", OBJECT, &ctx));
        assert_eq!(d.effect, Effect::ExplicitDeny);
        assert!(
            d.diagnostics
                .iter()
                .any(|m| m.contains("could not be evaluated")),
            "{:?}",
            d.diagnostics
        );
    }
}
