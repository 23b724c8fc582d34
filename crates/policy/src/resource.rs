//! The Resource / NotResource element: ARNs (or `*`) matched case-sensitively, `*` and `?`
//! matching across `/` and `:`, after policy-variable substitution.

use crate::context::Context;
use crate::error::{PolicyError, malformed};
use crate::variables::{Template, Unresolved};
use crate::wildcard::Pattern;

/// A compiled resource pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourcePattern {
    Static(Pattern),
    Dynamic(Template),
}

impl ResourcePattern {
    pub(crate) fn parse(s: &str, vars: bool, at: &str) -> Result<Self, PolicyError> {
        if s != "*" && !s.starts_with("arn:") {
            return Err(malformed(format!(
                "{at}: resource '{s}' must be in ARN format or \"*\""
            )));
        }
        if !vars || !s.contains("${") {
            return Ok(ResourcePattern::Static(Pattern::parse(s)));
        }
        let t = Template::parse(s, vars);
        Ok(match t.static_text() {
            Some(text) => ResourcePattern::Static(Pattern::parse(text)),
            None => ResourcePattern::Dynamic(t),
        })
    }

    pub(crate) fn matches(&self, resource: &str, ctx: &Context) -> Result<bool, Unresolved> {
        match self {
            ResourcePattern::Static(p) => Ok(p.matches(resource)),
            ResourcePattern::Dynamic(t) => Ok(t.resolve_pattern(ctx)?.matches(resource)),
        }
    }

    pub(crate) fn template(&self) -> Option<&Template> {
        match self {
            ResourcePattern::Static(_) => None,
            ResourcePattern::Dynamic(t) => Some(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_and_variables() {
        let ctx = Context::new().with("aws:username", "alice");
        let p = ResourcePattern::parse("arn:aws:s3:::b/home/${aws:username}/*", true, "t").unwrap();
        assert_eq!(p.matches("arn:aws:s3:::b/home/alice/x", &ctx), Ok(true));
        assert_eq!(p.matches("arn:aws:s3:::b/home/Alice/x", &ctx), Ok(false));
        assert!(
            p.matches("arn:aws:s3:::b/home/alice/x", &Context::new())
                .is_err()
        );
        assert!(ResourcePattern::parse("bucket/key", true, "t").is_err());
    }
}
