//! `GetCallerIdentity`: who signed this request. AWS requires no permission for it.

use fedgate_core::Principal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub user_id: String,
    pub account: String,
    pub arn: String,
}

pub fn get_caller_identity(principal: &Principal) -> CallerIdentity {
    CallerIdentity {
        user_id: principal.user_id().into_owned(),
        account: principal.account().to_string(),
        arn: principal.arn().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedgate_core::AccountId;

    #[test]
    fn root_and_user() {
        let account = AccountId::parse("123456789012").unwrap_or_else(|_| unreachable!());
        let root = Principal::Root {
            partition: "aws".into(),
            account: account.clone(),
            access_key_id: None,
        };
        assert_eq!(
            get_caller_identity(&root),
            CallerIdentity {
                user_id: "123456789012".into(),
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:root".into()
            }
        );
        let user = Principal::User {
            partition: "aws".into(),
            account,
            user_id: "AIDASAMPLEUSERID".into(),
            name: "Alice".into(),
            path: "/division/".into(),
            access_key_id: None,
        };
        let id = get_caller_identity(&user);
        assert_eq!(id.arn, "arn:aws:iam::123456789012:user/division/Alice");
        assert_eq!(id.user_id, "AIDASAMPLEUSERID");
    }
}
