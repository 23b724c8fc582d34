//! Glob matching with `*` (any run of characters, including `/` and `:`) and `?` (exactly one
//! character). Patterns are compiled once into tokens; text inserted by policy variables and
//! the escapes `${*}` `${?}` `${$}` become literal tokens, never wildcards.

/// One token of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Star,
    One,
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fast {
    Any,
    Exact,
    Prefix,
    General,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    toks: Vec<Tok>,
    fast: Fast,
}

/// Appends `s` to `toks`, interpreting `*` and `?` as wildcards.
pub(crate) fn push_wild(toks: &mut Vec<Tok>, s: &str) {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '*' || c == '?' {
            if let Some(t) = s.get(start..i) {
                push_text(toks, t);
            }
            toks.push(if c == '*' { Tok::Star } else { Tok::One });
            start = i + 1;
        }
    }
    if let Some(t) = s.get(start..) {
        push_text(toks, t);
    }
}

/// Appends `s` to `toks` as literal text.
pub(crate) fn push_text(toks: &mut Vec<Tok>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Tok::Text(prev)) = toks.last_mut() {
        prev.push_str(s);
    } else {
        toks.push(Tok::Text(s.to_owned()));
    }
}

impl Pattern {
    /// Compiles `s`, with `*` and `?` as wildcards.
    pub(crate) fn parse(s: &str) -> Self {
        if !s.contains(['*', '?']) {
            let toks = if s.is_empty() {
                Vec::new()
            } else {
                vec![Tok::Text(s.to_owned())]
            };
            return Pattern {
                toks,
                fast: Fast::Exact,
            };
        }
        let mut toks = Vec::new();
        push_wild(&mut toks, s);
        Self::from_toks(toks)
    }

    /// Builds a pattern from tokens (adjacent stars collapse).
    pub(crate) fn from_toks(toks: Vec<Tok>) -> Self {
        let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
        for t in toks {
            match (t, out.last_mut()) {
                (Tok::Star, Some(Tok::Star)) => {}
                (Tok::Text(s), Some(Tok::Text(prev))) => prev.push_str(&s),
                (Tok::Text(s), _) if s.is_empty() => {}
                (other, _) => out.push(other),
            }
        }
        let fast = match out.as_slice() {
            [] | [Tok::Text(_)] => Fast::Exact,
            [Tok::Star] => Fast::Any,
            [Tok::Text(_), Tok::Star] => Fast::Prefix,
            _ => Fast::General,
        };
        Pattern { toks: out, fast }
    }

    /// The literal text, when the pattern has no wildcards.
    pub(crate) fn exact(&self) -> Option<&str> {
        match (&self.fast, self.toks.first()) {
            (Fast::Exact, Some(Tok::Text(s))) => Some(s),
            (Fast::Exact, _) => Some(""),
            _ => None,
        }
    }

    /// Whether the pattern matches all of `text`.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match (&self.fast, self.toks.first()) {
            (Fast::Any, _) => true,
            (Fast::Exact, Some(Tok::Text(s))) => s == text,
            (Fast::Exact, _) => text.is_empty(),
            (Fast::Prefix, Some(Tok::Text(p))) => text.starts_with(p.as_str()),
            _ => glob(&self.toks, text),
        }
    }
}

fn glob(toks: &[Tok], text: &str) -> bool {
    let mut pi = 0usize;
    let mut ti = 0usize;
    // (token index after the last star, text position that star currently extends to)
    let mut star: Option<(usize, usize)> = None;
    loop {
        let rest = text.get(ti..).unwrap_or("");
        match toks.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi + 1, ti));
                pi += 1;
                continue;
            }
            Some(Tok::One) => {
                if let Some(c) = rest.chars().next() {
                    ti += c.len_utf8();
                    pi += 1;
                    continue;
                }
            }
            Some(Tok::Text(s)) => {
                if rest.starts_with(s.as_str()) {
                    ti += s.len();
                    pi += 1;
                    continue;
                }
            }
            None => {
                if rest.is_empty() {
                    return true;
                }
            }
        }
        // Mismatch: let the last star swallow one more character.
        let Some((sp, st)) = star else { return false };
        let Some(c) = text.get(st..).and_then(|r| r.chars().next()) else {
            return false;
        };
        let nt = st + c.len_utf8();
        star = Some((sp, nt));
        pi = sp;
        ti = nt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Pattern::parse(p).matches(t)
    }

    #[test]
    fn basics() {
        assert!(m("*", ""));
        assert!(m("s3:Get*", "s3:GetObject"));
        assert!(!m("s3:Get*", "s3:PutObject"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y:z"));
        assert!(!m("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
        assert!(m("*AccessKey*", "CreateAccessKey"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("?é", "ñé"));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }

    #[test]
    fn literal_tokens_are_not_wildcards() {
        let mut toks = Vec::new();
        push_wild(&mut toks, "a/");
        push_text(&mut toks, "*");
        let p = Pattern::from_toks(toks);
        assert!(p.matches("a/*"));
        assert!(!p.matches("a/b"));
    }
}
