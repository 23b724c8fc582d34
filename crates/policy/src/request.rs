//! What is being asked: who, which action, on what, with which context.

use crate::context::Context;
use crate::principal::{Caller, PrincipalType};

/// One authorization request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The caller: an ARN for [`PrincipalType::Aws`], else the service or provider name.
    pub principal_arn: &'a str,
    /// What kind of caller this is.
    pub principal_type: PrincipalType,
    /// The caller's account; `None` = taken from `principal_arn`.
    pub principal_account: Option<&'a str>,
    /// For an assumed-role session, the role's full ARN (with path); `None` = derived from
    /// the session ARN (without path).
    pub session_role_arn: Option<&'a str>,
    /// The action, e.g. `s3:GetObject` (any case).
    pub action: &'a str,
    /// The resource ARN (or `*`).
    pub resource: &'a str,
    /// The account owning the resource; `None` = taken from the resource ARN, or the
    /// principal's account if the ARN has none.
    pub resource_account: Option<&'a str>,
    /// Condition keys and values.
    pub context: &'a Context,
}

impl<'a> Request<'a> {
    /// A request by an AWS principal; accounts are derived from the ARNs.
    pub fn new(
        principal_arn: &'a str,
        action: &'a str,
        resource: &'a str,
        context: &'a Context,
    ) -> Self {
        Request {
            principal_arn,
            principal_type: PrincipalType::Aws,
            principal_account: None,
            session_role_arn: None,
            action,
            resource,
            resource_account: None,
            context,
        }
    }

    /// Sets the kind of caller.
    pub fn with_principal_type(mut self, t: PrincipalType) -> Self {
        self.principal_type = t;
        self
    }

    /// Sets the account owning the resource.
    pub fn with_resource_account(mut self, account: &'a str) -> Self {
        self.resource_account = Some(account);
        self
    }

    /// The caller's account, explicit or from the ARN.
    pub fn principal_account(&self) -> Option<&'a str> {
        if self.principal_type != PrincipalType::Aws {
            return self.principal_account;
        }
        self.principal_account
            .or_else(|| arn_account(self.principal_arn))
    }

    /// The account owning the resource, explicit, from the ARN, or the caller's.
    pub fn resource_account(&self) -> Option<&'a str> {
        self.resource_account
            .or_else(|| arn_account(self.resource))
            .or_else(|| self.principal_account())
    }

    pub(crate) fn caller(&self) -> Caller<'a> {
        let mut caller = Caller {
            id: self.principal_arn,
            ptype: self.principal_type,
            account: self.principal_account(),
            role_arn: self.session_role_arn.map(str::to_owned),
            is_root: false,
        };
        if self.principal_type == PrincipalType::Aws
            && let Some([_, partition, service, _, account, res]) = split_arn(self.principal_arn)
        {
            caller.is_root = service == "iam" && res == "root";
            if caller.role_arn.is_none()
                && service == "sts"
                && let Some(role) = res
                    .strip_prefix("assumed-role/")
                    .and_then(|r| r.split('/').next())
            {
                caller.role_arn = Some(format!("arn:{partition}:iam::{account}:role/{role}"));
            }
        }
        caller
    }

    /// Whether the caller is a session (assumed role or federated user).
    pub(crate) fn is_session(&self) -> bool {
        self.principal_type == PrincipalType::Aws
            && matches!(split_arn(self.principal_arn), Some([_, _, "sts", _, _, _]))
    }
}

/// The six `:`-separated parts of an ARN (`arn:partition:service:region:account:resource`).
pub(crate) fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let parts = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    (parts[0] == "arn").then_some(parts)
}

fn arn_account(arn: &str) -> Option<&str> {
    match split_arn(arn) {
        Some([_, _, _, _, acct, _]) if !acct.is_empty() => Some(acct),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_accounts_and_role() {
        let ctx = Context::new();
        let r = Request::new(
            "arn:aws:sts::123456789012:assumed-role/Dev/s1",
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &ctx,
        );
        assert_eq!(r.principal_account(), Some("123456789012"));
        assert_eq!(r.resource_account(), Some("123456789012"));
        assert_eq!(
            r.caller().role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/Dev")
        );
        assert!(r.is_session());
        let q = Request::new(
            "arn:aws:iam::123456789012:user/a",
            "x:y",
            "arn:aws:sqs:us-east-1:111122223333:q",
            &ctx,
        );
        assert_eq!(q.resource_account(), Some("111122223333"));
        assert!(!q.is_session());
    }
}
