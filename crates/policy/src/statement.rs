//! One compiled statement and how it matches a request.

use crate::action::{ActionPattern, RequestAction};
use crate::condition::{Condition, Tri, evaluate_all};
use crate::context::Context;
use crate::principal::{Caller, PrincipalMatch, PrincipalSet};
use crate::resource::ResourcePattern;

/// A statement's Effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementEffect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

/// An element and whether it is the `Not…` form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element<T> {
    pub(crate) negated: bool,
    pub(crate) items: T,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: StatementEffect,
    pub(crate) principal: Option<Element<PrincipalSet>>,
    pub(crate) actions: Element<Vec<ActionPattern>>,
    pub(crate) resources: Option<Element<Vec<ResourcePattern>>>,
    pub(crate) conditions: Vec<Condition>,
}

/// What a request brings to statement matching, prepared once.
pub(crate) struct Prepared<'a> {
    pub(crate) action: RequestAction,
    pub(crate) resource: &'a str,
    pub(crate) caller: Caller<'a>,
    pub(crate) context: &'a Context,
    /// The caller has a permissions boundary: per the boundaries page, a NotPrincipal Deny
    /// then denies the IAM principal whatever NotPrincipal lists.
    pub(crate) has_boundary: bool,
}

/// A statement that applies to the request.
pub(crate) struct Hit {
    pub(crate) condition: Tri,
    pub(crate) principal: Option<PrincipalMatch>,
}

impl Statement {
    /// Whether the statement applies; `diag` receives notes (unresolved variables etc.).
    pub(crate) fn evaluate(&self, req: &Prepared<'_>, diag: &mut dyn FnMut(String)) -> Option<Hit> {
        let any_action = self.actions.items.iter().any(|a| a.matches(&req.action));
        if any_action == self.actions.negated {
            return None;
        }
        if let Some(res) = &self.resources {
            let mut hit = false;
            for r in &res.items {
                match r.matches(req.resource, req.context) {
                    Ok(true) => {
                        hit = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(u) => {
                        diag(format!(
                            "policy variable ${{{}}} is not in the request context",
                            u.0
                        ));
                        if res.negated {
                            return None;
                        }
                    }
                }
            }
            if hit == res.negated {
                return None;
            }
        }
        let principal = match &self.principal {
            None => None,
            Some(p) if p.negated => {
                if !req.has_boundary && p.items.excludes(&req.caller) {
                    return None;
                }
                Some(PrincipalMatch::Any)
            }
            Some(p) => Some(p.items.matches(&req.caller)?),
        };
        let condition = evaluate_all(&self.conditions, req.context);
        match (condition, self.effect) {
            (Tri::True, _) | (Tri::Unknown, StatementEffect::Deny) => Some(Hit {
                condition,
                principal,
            }),
            (Tri::Unknown, StatementEffect::Allow) => {
                diag("a condition could not be evaluated (request value of the wrong type); Allow not applied".into());
                None
            }
            (Tri::False, _) => None,
        }
    }
}
