//! IAM users (for now: `GetUser` and name validation).

use crate::authz::{RequestContext, authorize, require};
use crate::{Iam, IamError};
use fedgate_core::{Arn, Principal};
use fedgate_store::model::User;

/// AWS: 1–64 characters of `[\w+=,.@-]`.
pub fn validate_user_name(name: &str) -> Result<(), IamError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 64"
        )))
    }
}

pub fn user_arn(partition: &str, user: &User) -> Arn {
    Arn::user(partition, user.account_id.as_str(), &user.path, &user.name)
}

/// `GetUser`: the named user, or the caller itself when no name is given.
///
/// The caller is authorized before existence is revealed: an unauthorized caller gets
/// `AccessDenied` whether or not the user exists.
pub async fn get_user(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
) -> Result<User, IamError> {
    let account = caller.account();
    let name = match (user_name, caller) {
        (Some(n), _) => {
            validate_user_name(n)?;
            n.to_owned()
        }
        (None, Principal::User { name, .. }) => name.clone(),
        (None, Principal::Root { .. }) => {
            // AWS answers GetUser without a name, called by root, with the root "user".
            let resource = Arn::root(caller.partition(), account.as_str()).to_string();
            require(authorize(iam, caller, "iam:GetUser", &resource, ctx).await?)?;
            let acct = iam
                .store
                .get_account(account)
                .await?
                .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?;
            return Ok(User {
                account_id: acct.id.clone(),
                user_id: acct.id.to_string(),
                name: String::new(),
                path: String::new(),
                created_at: acct.created_at,
                tags: vec![],
                permissions_boundary: None,
                attached_policies: vec![],
                inline_policies: Default::default(),
                groups: vec![],
                login_profile: None,
                mfa_devices: vec![],
                password_last_used: None,
            });
        }
    };
    let found = iam.store.get_user_by_name(account, &name).await?;
    let resource = match &found {
        Some(u) => user_arn(caller.partition(), u),
        None => Arn::user(caller.partition(), account.as_str(), "/", &name),
    };
    require(authorize(iam, caller, "iam:GetUser", &resource.to_string(), ctx).await?)?;
    found.ok_or_else(|| {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    })
}
