//! The records fedgate stores. Serialized as JSON so that later fields can be added with
//! `#[serde(default)]` without a migration.

use fedgate_core::{AccessKeyId, AccountId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// When the root password was last set (ISO 8601).
    #[serde(default)]
    pub root_password_changed_at: Option<String>,
    /// Serial numbers (ARNs) of the root user's MFA devices.
    #[serde(default)]
    pub root_mfa_devices: Vec<String>,
    /// The account password policy; `None` = IAM's default (no policy set).
    #[serde(default)]
    pub password_policy: Option<PasswordPolicy>,
    /// When a credential report was last generated (ISO 8601).
    #[serde(default)]
    pub credential_report_generated_at: Option<String>,
}

/// IAM's account password policy, every field AWS has
/// (`UpdateAccountPasswordPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_password_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    /// Days; `None` = passwords do not expire.
    pub max_password_age: Option<u32>,
    /// How many previous passwords may not be reused; `None` = no restriction.
    pub password_reuse_prevention: Option<u32>,
    pub hard_expiry: bool,
}

/// A console password (`CreateLoginProfile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_at: String,
    /// When the password was last set (ISO 8601); expiry counts from here.
    pub password_changed_at: String,
    pub password_reset_required: bool,
    /// argon2id hashes of earlier passwords, newest first (for PasswordReusePrevention).
    #[serde(default)]
    pub history: Vec<String>,
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
    /// Inline policies: name → document (URL-decoded JSON text), in name order.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// Ids (`AGPA…`) of the groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub login_profile: Option<LoginProfile>,
    /// Serial numbers of the MFA devices enabled for the user.
    #[serde(default)]
    pub mfa_devices: Vec<String>,
    /// When the user's password was last used to sign in (ISO 8601).
    #[serde(default)]
    pub password_last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub account_id: AccountId,
    /// `AGPA…`
    pub group_id: String,
    pub name: String,
    pub path: String,
    pub created_at: String,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub account_id: AccountId,
    /// `AROA…`
    pub role_id: String,
    pub name: String,
    pub path: String,
    pub created_at: String,
    /// The trust policy (URL-decoded JSON text).
    pub assume_role_policy: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Seconds, 3600–43200.
    pub max_session_duration: u32,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// When the role was last used to mint credentials, and in which region.
    #[serde(default)]
    pub last_used: Option<(String, String)>,
}

/// A customer-managed policy (`CreatePolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub account_id: AccountId,
    /// `ANPA…`
    pub policy_id: String,
    pub name: String,
    pub path: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `v1`, `v2`, …
    pub default_version_id: String,
    /// At most 5, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The number the next version gets (`v{n}`); never reused.
    pub next_version: u32,
    /// Users, groups and roles it is attached to.
    #[serde(default)]
    pub attachment_count: u32,
    /// Users and roles that use it as their permissions boundary.
    #[serde(default)]
    pub boundary_usage_count: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub version_id: String,
    /// URL-decoded JSON text.
    pub document: String,
    pub created_at: String,
}

/// A virtual MFA device (`CreateVirtualMFADevice`); the serial number is its ARN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDevice {
    pub account_id: AccountId,
    pub serial_number: String,
    pub name: String,
    pub path: String,
    pub created_at: String,
    /// The TOTP seed sealed under the KEK with the serial number as associated data.
    #[serde(with = "b64")]
    pub sealed_seed: Vec<u8>,
    /// `None` while not enabled; `Some(KeyOwner)` once enabled for root or a user.
    #[serde(default)]
    pub enabled_for: Option<KeyOwner>,
    #[serde(default)]
    pub enabled_at: Option<String>,
    /// The last TOTP time step accepted: a code from this step or earlier is refused (replay).
    #[serde(default)]
    pub last_step: Option<u64>,
    /// Clock drift of the device in time steps, learned by `ResyncMFADevice` (codes are
    /// expected around `now + drift`).
    #[serde(default)]
    pub drift: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
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

/// A temporary-credential session (`session/{key id}`), stored with the credential's expiry.
/// The secret is sealed under the KEK with the key id as associated data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_key_id: AccessKeyId,
    pub account_id: AccountId,
    #[serde(with = "b64")]
    pub sealed_secret: Vec<u8>,
    /// Unix milliseconds; the record carries the same expiry in the backend.
    pub expires_at_ms: i64,
    /// The principal the session speaks for (a serialized `fedgate_core::Principal`).
    #[serde(default)]
    pub principal: serde_json::Value,
    /// What the session carries into authorization.
    #[serde(default)]
    pub details: SessionDetails,
}

/// The parts of a session that authorization and role chaining read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDetails {
    /// When the credentials were issued (aws:TokenIssueTime), Unix ms.
    #[serde(default)]
    pub issued_at_ms: i64,
    /// The role id, user id or `root` the session belongs to (checked to still exist on every
    /// request); empty = none.
    #[serde(default)]
    pub owner_id: String,
    /// The inline session policy (`Policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<String>,
    /// Managed session policies (`PolicyArns`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
    /// Session tags (aws:PrincipalTag/*, overriding the role's tags of the same key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Keys of the session tags passed on when this session assumes another role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// When MFA was checked for this session, Unix ms (`None` = no MFA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_authenticated_at_ms: Option<i64>,
    /// `GetFederationToken`'s federated user name, when the session is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated_name: Option<String>,
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

/// An IAM OpenID Connect provider (`CreateOpenIDConnectProvider`): whose tokens
/// `AssumeRoleWithWebIdentity` accepts, and for which audiences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProvider {
    pub account_id: AccountId,
    /// The issuer URL as registered (`https://…`): the `iss` its tokens must carry.
    pub issuer_url: String,
    /// The store id and name: the URL without its scheme, `%` and `/` escaped.
    pub key: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    pub created_at: String,
}

impl OidcProvider {
    /// The provider's name in its ARN and condition keys: the URL without its scheme.
    pub fn provider_id(&self) -> &str {
        self.issuer_url
            .strip_prefix("https://")
            .or_else(|| self.issuer_url.strip_prefix("http://"))
            .unwrap_or(&self.issuer_url)
    }

    /// The store key of a provider id (names in the store never contain `/`).
    pub fn key_of(provider_id: &str) -> String {
        provider_id.replace('%', "%25").replace('/', "%2F")
    }
}

/// An IAM SAML provider (`CreateSAMLProvider`): an identity provider whose signed responses
/// `AssumeRoleWithSAML` accepts. The metadata is kept as given (GetSAMLProvider returns it)
/// with what fedgate trusts of it, extracted once when it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlProvider {
    pub account_id: AccountId,
    pub name: String,
    /// `SAMLProviderUUID`.
    pub uuid: String,
    pub metadata: String,
    /// The IdP's entity id: a response's `Issuer` must equal it.
    pub entity_id: String,
    /// Base64 DER certificates whose keys may sign the IdP's responses.
    pub signing_certs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_redirect: Option<String>,
    /// ISO 8601, from the metadata's `validUntil`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    pub created_at: String,
}
