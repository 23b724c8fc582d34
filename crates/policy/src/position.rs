//! Where each statement sits in the policy text, for IAM's `StartPosition`/`EndPosition`
//! (Simulate* `MatchedStatements`) and for explanations a person can find in their file.
//!
//! The text has already been accepted by serde_json when this runs; the scanner still checks
//! every step and gives up (no positions) rather than panicking on anything unexpected.

/// A place in a policy document: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where each statement of a policy document starts and ends (its closing brace), in
/// statement order — what IAM's Simulate* report as `StartPosition`/`EndPosition`. Computed on
/// demand from the text (parsing does not pay for it); empty when the text is not a policy
/// document shaped as expected.
pub fn statement_positions(json: &str) -> Vec<(Position, Position)> {
    let spans = statement_spans(json);
    let offsets: Vec<usize> = spans
        .iter()
        .flat_map(|&(start, end)| [start, end.saturating_sub(1)])
        .collect();
    positions(json, &offsets)
        .chunks_exact(2)
        .map(|p| (p[0], p[1]))
        .collect()
}

/// The byte ranges (start of `{`, one past `}`) of the statements of `json`, in order; empty
/// when the text has no top-level `Statement` or is not shaped as expected.
pub(crate) fn statement_spans(json: &str) -> Vec<(usize, usize)> {
    let mut s = Scanner {
        b: json.as_bytes(),
        i: 0,
    };
    s.top().unwrap_or_default()
}

/// The [`Position`] of each byte offset of `json`; `offsets` ascending. One pass over the text.
pub(crate) fn positions(json: &str, offsets: &[usize]) -> Vec<Position> {
    let bytes = json.as_bytes();
    let mut out = Vec::with_capacity(offsets.len());
    let (mut line, mut column, mut from) = (1u32, 1u32, 0usize);
    for &target in offsets {
        let target = target.min(bytes.len()).max(from);
        for b in bytes.get(from..target).unwrap_or_default() {
            if *b == b'\n' {
                line = line.saturating_add(1);
                column = 1;
            } else if (*b & 0xC0) != 0x80 {
                // Columns count characters: bytes that do not continue a UTF-8 sequence.
                column = column.saturating_add(1);
            }
        }
        from = target;
        out.push(Position { line, column });
    }
    out
}

/// The [`Position`] of one byte offset of `json`.
#[cfg(test)]
pub(crate) fn position_at(json: &str, offset: usize) -> Position {
    positions(json, &[offset])[0]
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string; returns its raw (still escaped) contents.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
        let raw = self.b.get(start..self.i)?;
        self.i += 1;
        Some(raw)
    }

    /// Skips any value; returns its byte range.
    fn value(&mut self) -> Option<(usize, usize)> {
        self.ws();
        let start = self.i;
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                self.ws();
                if self.peek()? == close {
                    self.i += 1;
                } else {
                    loop {
                        if open == b'{' {
                            self.string()?;
                            self.eat(b':')?;
                        }
                        self.value()?;
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            c if c == close => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
            _ => {
                while !matches!(
                    self.peek()?,
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                ) {
                    self.i += 1;
                }
            }
        }
        Some((start, self.i))
    }

    fn top(&mut self) -> Option<Vec<(usize, usize)>> {
        self.eat(b'{')?;
        let mut spans = Vec::new();
        self.ws();
        if self.peek()? == b'}' {
            return Some(spans);
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            if key == b"Statement" {
                // A repeated key: the last one is the one serde_json kept.
                spans = self.statement_value()?;
            } else {
                self.value()?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => return Some(spans),
                _ => return None,
            }
        }
    }

    fn statement_value(&mut self) -> Option<Vec<(usize, usize)>> {
        self.ws();
        match self.peek()? {
            b'{' => Some(vec![self.value()?]),
            b'[' => {
                self.i += 1;
                let mut spans = Vec::new();
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(spans);
                }
                loop {
                    spans.push(self.value()?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(spans);
                        }
                        _ => return None,
                    }
                }
            }
            _ => {
                self.value()?;
                Some(Vec::new())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_statements_in_arrays_and_single_objects() {
        let doc = "{\"Version\":\"2012-10-17\",\n \"Statement\": [\n  {\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},\n  {\"Effect\":\"Deny\",\"Action\":[\"s3:Put*\"],\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}\n ]}";
        let spans = statement_spans(doc);
        assert_eq!(spans.len(), 2);
        for (s, e) in &spans {
            let text = &doc[*s..*e];
            assert!(text.starts_with('{') && text.ends_with('}'), "{text}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        }
        assert_eq!(
            position_at(doc, spans[0].0),
            Position { line: 3, column: 3 }
        );
        let last_line = doc.lines().nth(3).map_or(0, |l| l.chars().count());
        assert_eq!(
            position_at(doc, spans[1].1 - 1),
            Position {
                line: 4,
                column: u32::try_from(last_line).unwrap()
            }
        );
        let one = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Version":"2012-10-17"}"#;
        assert_eq!(statement_spans(one), vec![(13, 59)]);
    }

    #[test]
    fn strange_text_gives_no_positions_and_no_panic() {
        for doc in [
            "",
            "[",
            "{\"Statement\":[{\"a\":\"\\",
            "{\"Statement\":5}",
            "{\"x\":",
        ] {
            let _ = statement_spans(doc);
        }
        assert!(statement_spans("{\"Statement\":5}").is_empty());
    }
}
