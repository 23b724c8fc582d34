//! The records fedgate stores. Serialized as JSON so that later fields can be added with
//! `#[serde(default)]` without a migration.

use fedgate_core::{AccessKeyId, AccountId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    #[serde(default)]
    pub alias: Option<String>,
    pub created_at: String,
    /// argon2id PHC string of the root user's console password.
    #[serde(default)]
    pub root_password_hash: Option<String>,
    /// The IAM user created by bootstrap (it has AdministratorAccess attached).
    #[serde(default)]
    pub bootstrap_admin_user_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub account_id: AccountId,
    /// `AIDA…`
    pub user_id: String,
    pub name: String,
    /// Starts and ends with `/`.
    pub path: String,
    pub created_at: String,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// ARNs of the managed policies attached to the user.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum KeyOwner {
    Root,
    User { user_id: String, user_name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub access_key_id: AccessKeyId,
    pub account_id: AccountId,
    pub owner: KeyOwner,
    /// The secret access key sealed under the KEK with the key id as associated data.
    #[serde(with = "b64")]
    pub sealed_secret: Vec<u8>,
    pub status: KeyStatus,
    pub created_at: String,
    #[serde(default)]
    pub last_used: Option<LastUsed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastUsed {
    pub date: String,
    pub service: String,
    pub region: String,
}

/// A temporary-credential session. The STS issue fills in its principal and policies; the
/// store only needs the key id, the sealed secret and the absolute expiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_key_id: AccessKeyId,
    pub account_id: AccountId,
    #[serde(with = "b64")]
    pub sealed_secret: Vec<u8>,
    /// Unix milliseconds; the record carries the same expiry in the backend.
    pub expires_at_ms: i64,
    #[serde(default)]
    pub principal: serde_json::Value,
}

mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}
