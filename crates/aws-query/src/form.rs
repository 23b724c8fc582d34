//! Strict `application/x-www-form-urlencoded` decoding (bodies and query strings).
//!
//! Unlike lenient decoders, a malformed percent escape, invalid UTF-8 or a repeated parameter
//! name is refused: ambiguous input must not be read one way by the signature check and
//! another way by the handler.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("invalid percent-encoding in parameter {0}")]
    BadEscape(usize),
    #[error("parameter {0} is not valid UTF-8")]
    NotUtf8(usize),
    #[error("parameter {0} is repeated")]
    Duplicate(String),
    #[error("too many parameters (more than {0})")]
    TooMany(usize),
}

/// Most parameters one request may carry (IAM's largest requests hold a few hundred).
pub const MAX_PARAMS: usize = 1000;

/// Decoded request parameters, names case-sensitive as AWS treats them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds the pairs of `input`; a name already present is an error.
    pub fn extend_from(
        &mut self,
        input: &[u8],
        skip: impl Fn(&str) -> bool,
    ) -> Result<(), FormError> {
        for (i, pair) in input.split(|b| *b == b'&').enumerate() {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &[][..]),
            };
            let name = decode_component(name, i)?;
            if skip(&name) {
                continue;
            }
            let value = decode_component(value, i)?;
            if self.0.len() >= MAX_PARAMS {
                return Err(FormError::TooMany(MAX_PARAMS));
            }
            if self.0.contains_key(&name) {
                return Err(FormError::Duplicate(name));
            }
            self.0.insert(name, value);
        }
        Ok(())
    }

    /// Parameters built from decoded pairs (callers that already hold values, such as the
    /// console), with the same limits as a decoded form: a repeated name is an error.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, FormError> {
        let mut p = Params::default();
        for (name, value) in pairs {
            if p.0.len() >= MAX_PARAMS {
                return Err(FormError::TooMany(MAX_PARAMS));
            }
            if p.0.contains_key(name) {
                return Err(FormError::Duplicate(name.to_owned()));
            }
            p.0.insert(name.to_owned(), value.to_owned());
        }
        Ok(p)
    }

    /// Drops parameters whose value is empty (an HTML form's blank optional fields, which AWS
    /// clients leave out).
    pub fn remove_empty(&mut self) {
        self.0.retain(|_, v| !v.is_empty());
    }

    pub fn parse(input: &[u8]) -> Result<Params, FormError> {
        let mut p = Params::default();
        p.extend_from(input, |_| false)?;
        Ok(p)
    }
}

/// Decodes one name or value: `+` is a space, `%XY` a byte; the result must be UTF-8.
pub fn decode_component(raw: &[u8], index: usize) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let (Some(h), Some(l)) = (
                    raw.get(i + 1).copied().and_then(fedgate_core::hex::digit),
                    raw.get(i + 2).copied().and_then(fedgate_core::hex::digit),
                ) else {
                    return Err(FormError::BadEscape(index));
                };
                out.push((h << 4) | l);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pairs_follow_the_form_rules_and_blank_values_can_be_dropped() {
        let mut p = Params::from_pairs([("Action", "CreateUser"), ("Path", "")]).unwrap();
        assert_eq!(p.get("Action"), Some("CreateUser"));
        p.remove_empty();
        assert_eq!((p.len(), p.get("Path")), (1, None));
        assert_eq!(
            Params::from_pairs([("A", "1"), ("A", "2")]),
            Err(FormError::Duplicate("A".into()))
        );
    }

    #[test]
    fn decodes_aws_cli_bodies() {
        let p = Params::parse(b"Action=GetUser&Version=2010-05-08&UserName=Bob%2B1+x")
            .unwrap_or_default();
        assert_eq!(p.get("Action"), Some("GetUser"));
        assert_eq!(p.get("UserName"), Some("Bob+1 x"));
        assert_eq!(p.len(), 3);
        let p = Params::parse(b"a&b=&&c=%E2%9C%93").unwrap_or_default();
        assert_eq!(
            (p.get("a"), p.get("b"), p.get("c")),
            (Some(""), Some(""), Some("✓"))
        );
    }

    #[test]
    fn refuses_ambiguity() {
        assert_eq!(Params::parse(b"a=%4"), Err(FormError::BadEscape(0)));
        assert_eq!(Params::parse(b"x=1&a=%zz"), Err(FormError::BadEscape(1)));
        assert_eq!(Params::parse(b"a=%ff"), Err(FormError::NotUtf8(0)));
        assert_eq!(
            Params::parse(b"Action=A&Action=B"),
            Err(FormError::Duplicate("Action".into()))
        );
        let many: Vec<u8> = (0..=MAX_PARAMS)
            .map(|i| format!("p{i}=1&"))
            .collect::<String>()
            .into_bytes();
        assert_eq!(Params::parse(&many), Err(FormError::TooMany(MAX_PARAMS)));
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Params::parse(&input);
        }

        #[test]
        fn round_trips(pairs in proptest::collection::btree_map("[A-Za-z.0-9]{1,12}", "\\PC{0,20}", 0..10)) {
            let enc: String = pairs.iter().map(|(k, v)| {
                let v: String = v.bytes().map(|b| format!("%{b:02X}")).collect();
                format!("{k}={v}")
            }).collect::<Vec<_>>().join("&");
            let p = Params::parse(enc.as_bytes()).unwrap_or_default();
            prop_assert_eq!(p.len(), pairs.len());
            for (k, v) in &pairs {
                prop_assert_eq!(p.get(k), Some(v.as_str()));
            }
        }
    }
}
