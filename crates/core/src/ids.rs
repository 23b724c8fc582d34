//! AWS-shaped identifiers: 12-digit account ids, `AKIA…`/`ASIA…` access key ids,
//! `AIDA…`/`AROA…`/`AGPA…`/`ANPA…` unique ids, 40-character secrets.

use crate::rng::Rng;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("account id must be exactly 12 digits")]
    AccountId,
    #[error("access key id must be 16 to 128 characters of A-Z and 0-9")]
    AccessKeyId,
}

/// Base32 alphabet AWS uses in key ids and unique ids.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Alphabet of secret access keys (base64 without padding).
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_owned()))
        } else {
            Err(IdError::AccountId)
        }
    }

    pub fn generate(rng: &dyn Rng) -> Self {
        // First digit non-zero so that tools that treat the id as a number keep 12 digits.
        let first = char::from(b'1' + rng.below(9) as u8);
        let rest = rng.string_from(b"0123456789", 11);
        AccountId(format!("{first}{rest}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        AccountId::parse(&s)
    }
}
impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}
impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An access key id: `AKIA` (long-term, IAM user or root) or `ASIA` (temporary, STS).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccessKeyId(String);

impl AccessKeyId {
    /// Accepts what AWS accepts for `AccessKeyId` (16–128 chars, `[\w]+`), uppercased letters and digits.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if (16..=128).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            Ok(AccessKeyId(s.to_owned()))
        } else {
            Err(IdError::AccessKeyId)
        }
    }

    pub fn generate_long_term(rng: &dyn Rng) -> Self {
        AccessKeyId(format!("AKIA{}", rng.string_from(ID_ALPHABET, 16)))
    }

    pub fn generate_temporary(rng: &dyn Rng) -> Self {
        AccessKeyId(format!("ASIA{}", rng.string_from(ID_ALPHABET, 16)))
    }

    pub fn is_temporary(&self) -> bool {
        self.0.starts_with("ASIA")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccessKeyId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        AccessKeyId::parse(&s)
    }
}
impl From<AccessKeyId> for String {
    fn from(a: AccessKeyId) -> String {
        a.0
    }
}
impl std::fmt::Display for AccessKeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new 40-character secret access key.
pub fn generate_secret_access_key(rng: &dyn Rng) -> Secret {
    Secret::new(rng.string_from(SECRET_ALPHABET, 40))
}

/// A console password of `len` characters holding upper, lower, digit and symbol.
pub fn generate_password(rng: &dyn Rng, len: usize) -> Secret {
    const CLASSES: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!@#$%^&*()_+-=[]{}|",
    ];
    let len = len.max(CLASSES.len());
    let all: Vec<u8> = CLASSES.concat();
    let mut chars: Vec<u8> = CLASSES
        .iter()
        .map(|c| c[rng.below(c.len() as u32) as usize % c.len()])
        .collect();
    while chars.len() < len {
        chars.push(all[rng.below(all.len() as u32) as usize % all.len()]);
    }
    // Fisher–Yates so the class characters are not always first.
    for i in (1..chars.len()).rev() {
        let j = rng.below(i as u32 + 1) as usize;
        chars.swap(i, j.min(i));
    }
    Secret::new(String::from_utf8_lossy(&chars).into_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueIdKind {
    User,
    Role,
    Group,
    Policy,
    /// The root user's unique id is the account id; listed for completeness.
    AccessKey,
}

impl UniqueIdKind {
    fn prefix(self) -> &'static str {
        match self {
            UniqueIdKind::User => "AIDA",
            UniqueIdKind::Role => "AROA",
            UniqueIdKind::Group => "AGPA",
            UniqueIdKind::Policy => "ANPA",
            UniqueIdKind::AccessKey => "AKIA",
        }
    }
}

/// The stable unique id IAM gives users (`AIDA…`), roles (`AROA…`), groups and policies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UniqueId(pub String);

impl UniqueId {
    pub fn generate(kind: UniqueIdKind, rng: &dyn Rng) -> Self {
        UniqueId(format!(
            "{}{}",
            kind.prefix(),
            rng.string_from(ID_ALPHABET, 17)
        ))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UniqueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::TestRng;

    #[test]
    fn shapes() {
        let rng = TestRng::seeded(7);
        let a = AccountId::generate(&rng);
        assert_eq!(a.as_str().len(), 12);
        assert!(AccountId::parse(a.as_str()).is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
        let k = AccessKeyId::generate_long_term(&rng);
        assert!(k.as_str().starts_with("AKIA") && k.as_str().len() == 20);
        assert!(!k.is_temporary());
        let t = AccessKeyId::generate_temporary(&rng);
        assert!(t.is_temporary() && t.as_str().len() == 20);
        assert_eq!(generate_secret_access_key(&rng).expose().len(), 40);
        let u = UniqueId::generate(UniqueIdKind::User, &rng);
        assert!(u.as_str().starts_with("AIDA") && u.as_str().len() == 21);
        assert!(AccessKeyId::parse("akiaiosfodnn7example").is_err());
    }

    #[test]
    fn passwords_hold_every_class() {
        let rng = TestRng::seeded(99);
        for _ in 0..50 {
            let p = generate_password(&rng, 20);
            let p = p.expose();
            assert_eq!(p.len(), 20);
            assert!(p.bytes().any(|b| b.is_ascii_uppercase()));
            assert!(p.bytes().any(|b| b.is_ascii_lowercase()));
            assert!(p.bytes().any(|b| b.is_ascii_digit()));
            assert!(p.bytes().any(|b| !b.is_ascii_alphanumeric()));
        }
    }
}
