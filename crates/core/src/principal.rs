//! Who is making a request, as resolved from its credentials.

use crate::arn::Arn;
use crate::ids::{AccessKeyId, AccountId};
use serde::{Deserialize, Serialize};

/// An authenticated principal. Temporary credentials from `GetSessionToken` authenticate as
/// the [`Principal::User`] or [`Principal::Root`] they belong to (with the `ASIA…` key id);
/// those from `AssumeRole` as [`Principal::AssumedRole`]; those from `GetFederationToken` as
/// [`Principal::FederatedUser`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Principal {
    /// The account's root user.
    Root {
        partition: String,
        account: AccountId,
        access_key_id: Option<AccessKeyId>,
    },
    /// An IAM user, signing with one of its long-term access keys.
    User {
        partition: String,
        account: AccountId,
        user_id: String,
        name: String,
        path: String,
        access_key_id: Option<AccessKeyId>,
    },
    /// A session of an IAM role (`AssumeRole`), signing with its temporary key.
    AssumedRole {
        partition: String,
        account: AccountId,
        /// The role's unique id (`AROA…`).
        role_id: String,
        role_name: String,
        role_path: String,
        session_name: String,
        access_key_id: AccessKeyId,
    },
    /// A federated user session (`GetFederationToken`), signing with its temporary key. Its
    /// ARN is `arn:{partition}:sts::{account}:federated-user/{name}`, its `UserId`
    /// `{account}:{name}`.
    FederatedUser {
        partition: String,
        account: AccountId,
        /// The `Name` given to `GetFederationToken`.
        name: String,
        /// The unique id (`AIDA…`) of the IAM user who called `GetFederationToken`, whose
        /// policies bound the session; `None` when the account root user called it.
        user_id: Option<String>,
        access_key_id: AccessKeyId,
    },
}

impl Principal {
    pub fn account(&self) -> &AccountId {
        match self {
            Principal::Root { account, .. }
            | Principal::User { account, .. }
            | Principal::AssumedRole { account, .. }
            | Principal::FederatedUser { account, .. } => account,
        }
    }

    pub fn partition(&self) -> &str {
        match self {
            Principal::Root { partition, .. }
            | Principal::User { partition, .. }
            | Principal::AssumedRole { partition, .. }
            | Principal::FederatedUser { partition, .. } => partition,
        }
    }

    pub fn arn(&self) -> Arn {
        match self {
            Principal::Root {
                partition, account, ..
            } => Arn::root(partition, account.as_str()),
            Principal::User {
                partition,
                account,
                path,
                name,
                ..
            } => Arn::user(partition, account.as_str(), path, name),
            Principal::AssumedRole {
                partition,
                account,
                role_name,
                session_name,
                ..
            } => Arn {
                partition: partition.clone(),
                service: "sts".into(),
                region: String::new(),
                account: account.to_string(),
                resource: format!("assumed-role/{role_name}/{session_name}"),
            },
            Principal::FederatedUser {
                partition,
                account,
                name,
                ..
            } => Arn {
                partition: partition.clone(),
                service: "sts".into(),
                region: String::new(),
                account: account.to_string(),
                resource: format!("federated-user/{name}"),
            },
        }
    }

    /// For an assumed-role session, the ARN of its role (with the role's path).
    pub fn role_arn(&self) -> Option<Arn> {
        match self {
            Principal::AssumedRole {
                partition,
                account,
                role_name,
                role_path,
                ..
            } => Some(Arn::iam_entity(
                partition,
                account.as_str(),
                "role",
                role_path,
                role_name,
            )),
            _ => None,
        }
    }

    /// The `UserId` STS reports: the account id for root, the unique id for a user,
    /// `{role id}:{session name}` for an assumed role, `{account}:{name}` for a federated user.
    pub fn user_id(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Principal::Root { account, .. } => account.as_str().into(),
            Principal::User { user_id, .. } => user_id.as_str().into(),
            Principal::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}").into(),
            Principal::FederatedUser { account, name, .. } => format!("{account}:{name}").into(),
        }
    }

    /// `aws:PrincipalType` as AWS names it.
    pub fn principal_type(&self) -> &'static str {
        match self {
            Principal::Root { .. } => "Account",
            Principal::User { .. } => "User",
            Principal::AssumedRole { .. } => "AssumedRole",
            Principal::FederatedUser { .. } => "FederatedUser",
        }
    }

    /// Whether the principal signs with temporary (`ASIA…`) credentials.
    pub fn is_temporary(&self) -> bool {
        self.access_key_id().is_some_and(AccessKeyId::is_temporary)
    }

    pub fn access_key_id(&self) -> Option<&AccessKeyId> {
        match self {
            Principal::Root { access_key_id, .. } | Principal::User { access_key_id, .. } => {
                access_key_id.as_ref()
            }
            Principal::AssumedRole { access_key_id, .. }
            | Principal::FederatedUser { access_key_id, .. } => Some(access_key_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identifiers as the STS API reference shows them for `GetFederationToken`
    /// (`arn:aws:sts::123456789012:federated-user/Bob`, `123456789012:Bob`).
    #[test]
    fn federated_user_identifiers() {
        let account = AccountId::parse("123456789012").unwrap_or_else(|_| unreachable!());
        let key = AccessKeyId::parse("ASIAIOSFODNN7EXAMPLE").unwrap_or_else(|_| unreachable!());
        let p = Principal::FederatedUser {
            partition: "aws".into(),
            account,
            name: "Bob".into(),
            user_id: Some("AIDASAMPLEUSERID".into()),
            access_key_id: key.clone(),
        };
        assert_eq!(
            p.arn().to_string(),
            "arn:aws:sts::123456789012:federated-user/Bob"
        );
        assert_eq!(p.user_id(), "123456789012:Bob");
        assert_eq!(p.principal_type(), "FederatedUser");
        assert_eq!(p.access_key_id(), Some(&key));
        assert!(p.is_temporary());
        assert!(p.role_arn().is_none());
        // Stored with the session and read back on every request.
        let json = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(json["type"], "FederatedUser");
        let back: Principal = serde_json::from_value(json).unwrap_or_else(|_| unreachable!());
        assert_eq!(back, p);
    }
}
