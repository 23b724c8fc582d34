//! A parsed, validated and compiled policy document.

use crate::limits::PolicyKind;
use crate::statement::Statement;

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2008-10-17` (also when Version is absent): no policy variables.
    V2008_10_17,
    /// `2012-10-17`: policy variables in Resource and condition values.
    V2012_10_17,
}

/// A compiled policy: evaluation never looks at JSON again.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) kind: PolicyKind,
    pub(crate) version: Version,
    pub(crate) id: Option<String>,
    pub(crate) statements: Vec<Statement>,
    /// Every service prefix the policy's statements can match, when all are exact (no
    /// NotAction, no wildcard in a prefix): lets evaluation skip the whole policy.
    pub(crate) services: Option<Vec<String>>,
}

impl Policy {
    pub(crate) fn new(
        kind: PolicyKind,
        version: Version,
        id: Option<String>,
        statements: Vec<Statement>,
    ) -> Self {
        let mut services: Option<Vec<String>> = Some(Vec::new());
        for st in &statements {
            if st.actions.negated {
                services = None;
                break;
            }
            for a in &st.actions.items {
                match (a.exact_service(), services.as_mut()) {
                    (Some(s), Some(list)) => {
                        if !list.iter().any(|x| x == s) {
                            list.push(s.to_owned());
                        }
                    }
                    _ => services = None,
                }
            }
        }
        Policy {
            kind,
            version,
            id,
            statements,
            services,
        }
    }

    /// Whether any statement could match an action of this (lower-cased) service prefix.
    pub(crate) fn may_apply_to(&self, service: &str) -> bool {
        self.services
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == service))
    }

    /// The kind it was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The language version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Number of statements.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// The `Sid` of each statement, in order.
    pub fn sids(&self) -> impl Iterator<Item = Option<&str>> {
        self.statements.iter().map(|s| s.sid.as_deref())
    }
}
