//! The request context: condition keys (case-insensitive) → one or more string values.

/// Condition keys and their values for one request. Keys compare case-insensitively; a key
/// given an empty list of values is treated as absent by every operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Sorted by lower-cased key; contexts are small, so a binary search beats hashing.
    entries: Vec<(String, Vec<String>)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to a single value (replacing any previous values).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.set(key.to_lowercase(), vec![value.into()]);
        self
    }

    /// Sets `key` to several values (a multi-valued key such as `aws:TagKeys`).
    pub fn insert_multi<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set(
            key.to_lowercase(),
            values.into_iter().map(Into::into).collect(),
        );
        self
    }

    fn set(&mut self, key: String, values: Vec<String>) {
        match self.entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = values;
                }
            }
            Err(i) => self.entries.insert(i, (key, values)),
        }
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Builder form of [`Context::insert_multi`].
    pub fn with_multi<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert_multi(key, values);
        self
    }

    /// Sets a boolean key (`true` / `false`), e.g. `aws:SecureTransport`.
    pub fn with_bool(self, key: &str, value: bool) -> Self {
        self.with(key, if value { "true" } else { "false" })
    }

    /// Sets a numeric key, e.g. `aws:MultiFactorAuthAge`.
    pub fn with_number(self, key: &str, value: i64) -> Self {
        self.with(key, value.to_string())
    }

    /// Sets a date key from a Unix timestamp in seconds, e.g. `aws:CurrentTime`.
    pub fn with_epoch_seconds(self, key: &str, value: i64) -> Self {
        self.with(key, value.to_string())
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        let key = key.to_lowercase();
        self.entries.retain(|(k, _)| *k != key);
    }

    /// The values of `key` (any case), if present.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lc(&key.to_lowercase())
    }

    /// Lookup with an already lower-cased key.
    pub(crate) fn get_lc(&self, key_lc: &str) -> Option<&[String]> {
        let i = self
            .entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key_lc))
            .ok()?;
        self.entries.get(i).map(|(_, v)| v.as_slice())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let c = Context::new()
            .with("aws:UserName", "alice")
            .with_multi("aws:TagKeys", ["a", "b"]);
        assert_eq!(c.get("AWS:username"), Some(&["alice".to_owned()][..]));
        assert_eq!(c.get("aws:tagkeys").map(<[String]>::len), Some(2));
        assert_eq!(c.get("aws:missing"), None);
    }
}
