//! String operators: StringEquals, StringEqualsIgnoreCase, StringLike (and their negations,
//! handled by the caller). Policy values may contain variables (2012-10-17).

use crate::context::Context;
use crate::variables::{Template, Unresolved};
use crate::wildcard::Pattern;

/// A string value from the policy, pre-compiled when it has no variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StrValue {
    /// `lower` is kept only when it differs from `text`.
    /// `pattern` only when `text` has wildcards (else Like is Equals).
    Static {
        text: String,
        lower: Option<String>,
        pattern: Option<Pattern>,
    },
    Dynamic(Template),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    Equals,
    EqualsIgnoreCase,
    Like,
}

impl StrValue {
    pub(crate) fn parse(s: &str, vars: bool) -> Self {
        if vars && s.contains("${") {
            let t = Template::parse(s, vars);
            if t.static_text().is_none() {
                return StrValue::Dynamic(t);
            }
        }
        let lower = if s.bytes().any(|b| b.is_ascii_uppercase()) || !s.is_ascii() {
            Some(s.to_lowercase()).filter(|l| l != s)
        } else {
            None
        };
        let pattern = s.contains(['*', '?']).then(|| Pattern::parse(s));
        StrValue::Static {
            text: s.to_owned(),
            lower,
            pattern,
        }
    }

    pub(crate) fn template(&self) -> Option<&Template> {
        match self {
            StrValue::Dynamic(t) => Some(t),
            StrValue::Static { .. } => None,
        }
    }

    pub(crate) fn compare(&self, op: StrOp, v: &str, ctx: &Context) -> Result<bool, Unresolved> {
        match self {
            StrValue::Static {
                text,
                lower,
                pattern,
            } => Ok(match op {
                StrOp::Equals => text == v,
                StrOp::EqualsIgnoreCase => eq_ignore_case(lower.as_deref().unwrap_or(text), v),
                StrOp::Like => pattern.as_ref().map_or(text == v, |p| p.matches(v)),
            }),
            StrValue::Dynamic(t) => Ok(match op {
                StrOp::Equals => t.resolve_string(ctx)? == v,
                StrOp::EqualsIgnoreCase => {
                    eq_ignore_case(&t.resolve_string(ctx)?.to_lowercase(), v)
                }
                StrOp::Like => t.resolve_pattern(ctx)?.matches(v),
            }),
        }
    }
}

fn eq_ignore_case(lower: &str, v: &str) -> bool {
    if v.is_ascii() && lower.is_ascii() {
        lower.eq_ignore_ascii_case(v)
    } else {
        lower == v.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators() {
        let ctx = Context::new().with("aws:username", "bob");
        let v = StrValue::parse("Home/${aws:username}/*", true);
        assert_eq!(v.compare(StrOp::Like, "Home/bob/x", &ctx), Ok(true));
        assert_eq!(v.compare(StrOp::Equals, "Home/bob/x", &ctx), Ok(false));
        let s = StrValue::parse("Dev", true);
        assert_eq!(s.compare(StrOp::EqualsIgnoreCase, "dEV", &ctx), Ok(true));
        assert_eq!(s.compare(StrOp::Equals, "dev", &ctx), Ok(false));
        assert_eq!(
            StrValue::parse("a*", true).compare(StrOp::Equals, "abc", &ctx),
            Ok(false)
        );
    }
}
