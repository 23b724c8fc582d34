//! The Action / NotAction element: `service:action` patterns, case-insensitive, with `*` and `?`
//! in either part; `*` alone matches every action.

use crate::error::{PolicyError, malformed};
use crate::wildcard::Pattern;

/// A compiled action pattern (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionPattern {
    Any,
    Split { service: Pattern, name: Pattern },
}

/// A request's action, lower-cased once and split at the first `:`.
pub(crate) struct RequestAction {
    lower: String,
    colon: Option<usize>,
}

impl RequestAction {
    pub(crate) fn new(action: &str) -> Self {
        let lower = action.to_lowercase();
        let colon = lower.find(':');
        RequestAction { lower, colon }
    }

    /// The lower-cased service prefix.
    pub(crate) fn service(&self) -> &str {
        self.parts().0
    }

    fn parts(&self) -> (&str, &str) {
        match self.colon {
            Some(i) => (
                self.lower.get(..i).unwrap_or(""),
                self.lower.get(i + 1..).unwrap_or(""),
            ),
            None => (&self.lower, ""),
        }
    }
}

impl ActionPattern {
    /// Parses one entry; `at` says where it is (for the error message).
    pub(crate) fn parse(s: &str, at: &str) -> Result<Self, PolicyError> {
        if s == "*" {
            return Ok(ActionPattern::Any);
        }
        let lc = s.to_lowercase();
        let Some((service, name)) = lc.split_once(':') else {
            return Err(malformed(format!(
                "{at}: action '{s}' must be prefaced by a service prefix (e.g. iam:, s3:) or be \"*\""
            )));
        };
        if service.is_empty() || name.is_empty() {
            return Err(malformed(format!(
                "{at}: action '{s}' has an empty service prefix or name"
            )));
        }
        if !service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*' || c == '?')
        {
            return Err(malformed(format!(
                "{at}: action '{s}' has an invalid service prefix"
            )));
        }
        Ok(ActionPattern::Split {
            service: Pattern::parse(service),
            name: Pattern::parse(name),
        })
    }

    /// The exact service prefix this pattern is limited to, if it has no wildcard there.
    pub(crate) fn exact_service(&self) -> Option<&str> {
        match self {
            ActionPattern::Any => None,
            ActionPattern::Split { service, .. } => service.exact(),
        }
    }

    pub(crate) fn matches(&self, a: &RequestAction) -> bool {
        match self {
            ActionPattern::Any => true,
            ActionPattern::Split { service, name } => {
                let (s, n) = a.parts();
                service.matches(s) && name.matches(n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, a: &str) -> bool {
        ActionPattern::parse(p, "t")
            .unwrap()
            .matches(&RequestAction::new(a))
    }

    #[test]
    fn matching() {
        assert!(m("s3:GetObject", "S3:getobject"));
        assert!(m("IAM:*accesskey*", "iam:CreateAccessKey"));
        assert!(!m("s3:*", "s3x:GetObject"));
        assert!(m("*", "anything"));
        assert!(m("s3:Get?bject", "s3:GetObject"));
        assert!(!m("s3:Get*", "ec2:GetConsole"));
    }

    #[test]
    fn refuses_missing_prefix() {
        assert!(ActionPattern::parse("GetObject", "t").is_err());
        assert!(ActionPattern::parse(":x", "t").is_err());
    }
}
