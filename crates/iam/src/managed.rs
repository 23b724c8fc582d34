//! AWS-managed policies that fedgate ships, with AWS's ARNs and the documents AWS publishes
//! (AWS managed policy reference). Compiled once at start-up; evaluation never re-parses them.
//!
//! Shipped in full as AWS publishes them: AdministratorAccess, PowerUserAccess (v12),
//! IAMFullAccess (v2), IAMReadOnlyAccess (v4), IAMUserChangePassword (v3).
//!
//! ReadOnlyAccess and SecurityAudit are shipped *in part*: AWS's documents list read actions of
//! several hundred services (tens of kilobytes, a new version every few weeks). fedgate serves
//! only IAM and STS, so it ships exactly the `iam:` and `sts:` entries of AWS's documents, in
//! AWS's statement shape (same Effect, Resource and Sid). Every decision fedgate can be asked to
//! make about an `iam:` or `sts:` action is the same as under AWS's full document; a
//! `Simulate*` call about another service's action answers implicit deny where AWS would allow.

use fedgate_policy::{Policy, PolicyKind, parse};
use std::collections::HashMap;
use std::sync::Arc;

pub const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
pub const POWER_USER_ACCESS: &str = "arn:aws:iam::aws:policy/PowerUserAccess";
pub const IAM_FULL_ACCESS: &str = "arn:aws:iam::aws:policy/IAMFullAccess";
pub const IAM_READ_ONLY_ACCESS: &str = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
pub const IAM_USER_CHANGE_PASSWORD: &str = "arn:aws:iam::aws:policy/IAMUserChangePassword";
pub const READ_ONLY_ACCESS: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
pub const SECURITY_AUDIT: &str = "arn:aws:iam::aws:policy/SecurityAudit";

const DOCUMENTS: &[(&str, &str)] = &[
    (
        ADMINISTRATOR_ACCESS,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        POWER_USER_ACCESS,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},
            {"Effect":"Allow","Action":["account:GetAccountInformation","account:GetGovCloudAccountInformation","account:GetPrimaryEmail","account:ListRegions","iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeEffectivePolicy","organizations:DescribeOrganization"],"Resource":"*"}]}"#,
    ),
    (
        IAM_FULL_ACCESS,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}"#,
    ),
    (
        IAM_READ_ONLY_ACCESS,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}"#,
    ),
    (
        IAM_USER_CHANGE_PASSWORD,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/*/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]}"#,
    ),
    (
        READ_ONLY_ACCESS,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Generate*","iam:Get*","iam:List*","iam:Simulate*","sts:GetAccessKeyInfo","sts:GetCallerIdentity","sts:GetSessionToken"],"Resource":"*"}]}"#,
    ),
    (
        SECURITY_AUDIT,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"BaseSecurityAuditStatement","Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy","sts:GetAccessKeyInfo"],"Resource":"*"}]}"#,
    ),
];

/// The compiled AWS-managed policies, by ARN.
#[derive(Debug, Default)]
pub struct AwsManagedPolicies {
    by_arn: HashMap<&'static str, (Arc<Policy>, &'static str)>,
}

impl AwsManagedPolicies {
    /// Compiles the shipped documents. A document that failed to compile would be a build
    /// defect; it is left out (and so grants nothing) rather than taking the server down.
    pub fn new() -> Self {
        let mut by_arn = HashMap::new();
        for (arn, doc) in DOCUMENTS {
            match parse(doc, PolicyKind::Managed) {
                Ok(p) => {
                    by_arn.insert(*arn, (Arc::new(p), *doc));
                }
                Err(e) => {
                    tracing::error!(%arn, error = %e, "shipped AWS-managed policy does not compile")
                }
            }
        }
        AwsManagedPolicies { by_arn }
    }

    pub fn get(&self, arn: &str) -> Option<&Arc<Policy>> {
        self.by_arn.get(arn).map(|(p, _)| p)
    }

    /// The policy document as AWS publishes it.
    pub fn document(&self, arn: &str) -> Option<&'static str> {
        self.by_arn.get(arn).map(|(_, d)| *d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_documents_compile() {
        let m = AwsManagedPolicies::new();
        for (arn, _) in DOCUMENTS {
            assert!(m.get(arn).is_some(), "{arn}");
        }
    }

    /// The documented intent of each policy, through the engine.
    #[test]
    fn shipped_policies_mean_what_aws_says() {
        use fedgate_policy::{Context, Effect, PolicySet, Request, evaluate};
        let m = AwsManagedPolicies::new();
        let decide = |arn: &str, action: &str, resource: &str, user: &str| {
            let ctx = Context::new().with("aws:username", user);
            let set = PolicySet {
                identity: vec![(
                    arn.to_owned(),
                    m.get(arn).map(|p| p.as_ref()).expect("shipped"),
                )],
                ..PolicySet::default()
            };
            let principal = format!("arn:aws:iam::123456789012:user/{user}");
            evaluate(&set, &Request::new(&principal, action, resource, &ctx)).effect
        };
        let me = "arn:aws:iam::123456789012:user/alice";
        assert_eq!(
            decide(IAM_USER_CHANGE_PASSWORD, "iam:ChangePassword", me, "alice"),
            Effect::Allow
        );
        assert_eq!(
            decide(
                IAM_USER_CHANGE_PASSWORD,
                "iam:ChangePassword",
                "arn:aws:iam::123456789012:user/ops/alice",
                "alice"
            ),
            Effect::Allow
        );
        assert_eq!(
            decide(IAM_USER_CHANGE_PASSWORD, "iam:ChangePassword", me, "bob"),
            Effect::ImplicitDeny
        );
        assert_eq!(
            decide(IAM_READ_ONLY_ACCESS, "iam:GetUser", me, "x"),
            Effect::Allow
        );
        assert_eq!(
            decide(IAM_READ_ONLY_ACCESS, "iam:CreateUser", me, "x"),
            Effect::ImplicitDeny
        );
        assert_eq!(
            decide(IAM_FULL_ACCESS, "iam:CreateUser", me, "x"),
            Effect::Allow
        );
        assert_eq!(
            decide(IAM_FULL_ACCESS, "s3:GetObject", "*", "x"),
            Effect::ImplicitDeny
        );
        assert_eq!(
            decide(POWER_USER_ACCESS, "iam:CreateUser", me, "x"),
            Effect::ImplicitDeny
        );
        assert_eq!(
            decide(POWER_USER_ACCESS, "sts:AssumeRole", "*", "x"),
            Effect::Allow
        );
        assert_eq!(
            decide(ADMINISTRATOR_ACCESS, "iam:CreateUser", me, "x"),
            Effect::Allow
        );
        for (arn, action, want) in [
            (READ_ONLY_ACCESS, "iam:ListUsers", Effect::Allow),
            (
                READ_ONLY_ACCESS,
                "iam:GenerateCredentialReport",
                Effect::Allow,
            ),
            (
                READ_ONLY_ACCESS,
                "iam:SimulatePrincipalPolicy",
                Effect::Allow,
            ),
            (READ_ONLY_ACCESS, "sts:GetSessionToken", Effect::Allow),
            (READ_ONLY_ACCESS, "iam:UpdateUser", Effect::ImplicitDeny),
            (READ_ONLY_ACCESS, "sts:AssumeRole", Effect::ImplicitDeny),
            (
                SECURITY_AUDIT,
                "iam:GetAccountPasswordPolicy",
                Effect::Allow,
            ),
            (SECURITY_AUDIT, "iam:ListAccessKeys", Effect::Allow),
            (SECURITY_AUDIT, "sts:GetAccessKeyInfo", Effect::Allow),
            (SECURITY_AUDIT, "sts:GetSessionToken", Effect::ImplicitDeny),
            (SECURITY_AUDIT, "iam:DeleteUser", Effect::ImplicitDeny),
        ] {
            assert_eq!(decide(arn, action, me, "x"), want, "{arn} {action}");
        }
    }
}
