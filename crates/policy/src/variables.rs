//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/k}`, `${key, 'default'}`) and the
//! escapes `${*}` `${?}` `${$}`. Only in 2012-10-17 policies; in 2008-10-17 the text is literal.
//! A variable whose key is absent (or multi-valued) and has no default cannot be resolved,
//! and the element using it does not match.

use crate::context::Context;
use crate::wildcard::{Pattern, Tok, push_text, push_wild};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Policy text: wildcards active in patterns.
    Text(String),
    /// An escaped character (`${*}` etc.): always literal.
    Lit(char),
    /// A variable: key lower-cased, optional default.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A string from the policy that may contain variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    segs: Vec<Seg>,
}

/// A variable could not be resolved; carries its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved(pub(crate) String);

impl Template {
    /// Parses `s`; with `vars` false the whole string is literal policy text.
    pub(crate) fn parse(s: &str, vars: bool) -> Self {
        let mut segs = Vec::new();
        if !vars || !s.contains("${") {
            segs.push(Seg::Text(s.to_owned()));
            return Template { segs };
        }
        let mut rest = s;
        let mut text = String::new();
        while let Some(pos) = rest.find("${") {
            let (before, after) = rest.split_at(pos);
            text.push_str(before);
            let inner_start = &after[2..];
            let Some(end) = inner_start.find('}') else {
                text.push_str(after);
                rest = "";
                break;
            };
            let inner = &inner_start[..end];
            let seg = match inner {
                "*" => Some(Seg::Lit('*')),
                "?" => Some(Seg::Lit('?')),
                "$" => Some(Seg::Lit('$')),
                _ => parse_var(inner),
            };
            match seg {
                Some(seg) => {
                    if !text.is_empty() {
                        segs.push(Seg::Text(std::mem::take(&mut text)));
                    }
                    segs.push(seg);
                }
                None => text.push_str(&after[..end + 3]),
            }
            rest = &inner_start[end + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() || segs.is_empty() {
            segs.push(Seg::Text(text));
        }
        Template { segs }
    }

    /// Whether the template has no variables or escapes.
    #[cfg(test)]
    pub(crate) fn is_static(&self) -> bool {
        matches!(self.segs.as_slice(), [Seg::Text(_)])
    }

    /// The text of a static template.
    pub(crate) fn static_text(&self) -> Option<&str> {
        match self.segs.as_slice() {
            [Seg::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// Keys of the variables used (lower-cased).
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.segs.iter().filter_map(|s| match s {
            Seg::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// Resolves into a wildcard pattern (policy text keeps its wildcards; values are literal).
    pub(crate) fn resolve_pattern(&self, ctx: &Context) -> Result<Pattern, Unresolved> {
        let mut toks: Vec<Tok> = Vec::with_capacity(self.segs.len());
        for seg in &self.segs {
            match seg {
                Seg::Text(t) => push_wild(&mut toks, t),
                Seg::Lit(c) => push_text(&mut toks, c.encode_utf8(&mut [0u8; 4])),
                Seg::Var { key, default } => {
                    push_text(&mut toks, &lookup(ctx, key, default.as_deref())?)
                }
            }
        }
        Ok(Pattern::from_toks(toks))
    }

    /// Resolves into a plain string (for exact comparisons).
    pub(crate) fn resolve_string(&self, ctx: &Context) -> Result<Cow<'_, str>, Unresolved> {
        if let Some(t) = self.static_text() {
            return Ok(Cow::Borrowed(t));
        }
        let mut out = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Text(t) => out.push_str(t),
                Seg::Lit(c) => out.push(*c),
                Seg::Var { key, default } => out.push_str(&lookup(ctx, key, default.as_deref())?),
            }
        }
        Ok(Cow::Owned(out))
    }
}

fn lookup<'c>(
    ctx: &'c Context,
    key: &str,
    default: Option<&'c str>,
) -> Result<Cow<'c, str>, Unresolved> {
    match ctx.get_lc(key) {
        Some([one]) => Ok(Cow::Borrowed(one.as_str())),
        _ => default
            .map(Cow::Borrowed)
            .ok_or_else(|| Unresolved(key.to_owned())),
    }
}

/// `key` or `key, 'default'` (a doubled quote inside the default is one quote).
fn parse_var(inner: &str) -> Option<Seg> {
    let (key, default) = match inner.split_once(',') {
        None => (inner.trim(), None),
        Some((k, d)) => {
            let d = d.trim();
            let body = d.strip_prefix('\'')?.strip_suffix('\'')?;
            (k.trim(), Some(body.replace("''", "'")))
        }
    };
    if key.is_empty() || key.chars().any(char::is_whitespace) {
        return None;
    }
    Some(Seg::Var {
        key: key.to_lowercase(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_escapes() {
        let ctx = Context::new().with("aws:username", "alice");
        let t = Template::parse("home/${aws:UserName}/${*}", true);
        assert_eq!(t.resolve_string(&ctx).as_deref(), Ok("home/alice/*"));
        let p = t.resolve_pattern(&ctx).unwrap();
        assert!(p.matches("home/alice/*"));
        assert!(!p.matches("home/alice/x"));
    }

    #[test]
    fn defaults_and_unresolved() {
        let ctx = Context::new();
        let t = Template::parse("${aws:PrincipalTag/team, 'it''s'}", true);
        assert_eq!(t.resolve_string(&ctx).as_deref(), Ok("it's"));
        let u = Template::parse("${aws:username}", true);
        assert_eq!(
            u.resolve_string(&ctx),
            Err(Unresolved("aws:username".into()))
        );
    }

    #[test]
    fn version_2008_is_literal() {
        let t = Template::parse("${aws:username}", false);
        assert!(t.is_static());
        assert_eq!(
            t.resolve_string(&Context::new()).as_deref(),
            Ok("${aws:username}")
        );
    }

    #[test]
    fn unterminated_is_literal() {
        let t = Template::parse("a${b", true);
        assert_eq!(t.static_text(), Some("a${b"));
    }
}
