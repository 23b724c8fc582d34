//! Secret newtypes: redacted `Debug`/`Display`, zeroized on drop, one `expose()`,
//! constant-time equality.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret string (secret access key, password, session token secret part).
///
/// It never prints: `Debug` and `Display` show `<redacted>`. The bytes are wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The one way to read the value. Call sites are easy to audit with grep.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison of the secret with `other` (length is not hidden).
    pub fn ct_eq(&self, other: &str) -> bool {
        ct_eq_bytes(self.0.as_bytes(), other.as_bytes())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other.expose())
    }
}
impl Eq for Secret {}

/// Constant-time byte comparison; returns false at once only when the lengths differ.
pub fn ct_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{s}"), "<redacted>");
        assert!(!format!("{s:#?}").contains("wJalr"));
    }

    #[test]
    fn compares() {
        let s = Secret::new("abc");
        assert!(s.ct_eq("abc"));
        assert!(!s.ct_eq("abd"));
        assert!(!s.ct_eq("ab"));
        assert_eq!(s, Secret::new("abc"));
    }
}
