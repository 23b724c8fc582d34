//! Who is making a request, as resolved from its credentials.

use crate::arn::Arn;
use crate::ids::{AccessKeyId, AccountId};
use serde::{Deserialize, Serialize};

/// An authenticated principal. Later issues add assumed roles and federated users.
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
}

impl Principal {
    pub fn account(&self) -> &AccountId {
        match self {
            Principal::Root { account, .. } | Principal::User { account, .. } => account,
        }
    }

    pub fn partition(&self) -> &str {
        match self {
            Principal::Root { partition, .. } | Principal::User { partition, .. } => partition,
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
        }
    }

    /// The `UserId` STS reports: the account id for root, the unique id for a user.
    pub fn user_id(&self) -> &str {
        match self {
            Principal::Root { account, .. } => account.as_str(),
            Principal::User { user_id, .. } => user_id,
        }
    }

    /// `aws:PrincipalType` as AWS names it.
    pub fn principal_type(&self) -> &'static str {
        match self {
            Principal::Root { .. } => "Account",
            Principal::User { .. } => "User",
        }
    }

    pub fn access_key_id(&self) -> Option<&AccessKeyId> {
        match self {
            Principal::Root { access_key_id, .. } | Principal::User { access_key_id, .. } => {
                access_key_id.as_ref()
            }
        }
    }
}
