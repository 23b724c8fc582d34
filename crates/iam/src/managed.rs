//! AWS-managed policies that fedgate ships, with AWS's ARNs and the documents AWS publishes
//! (AWS managed policy reference). Compiled once at start-up; evaluation never re-parses them.
//!
//! Each carries AWS's metadata ([`AwsPolicyMeta`]: policy id, path, default version, dates)
//! for `GetPolicy`/`ListPolicies`.
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

/// What IAM reports about an AWS-managed policy (`GetPolicy`, `ListPolicies`): AWS's policy
/// id, path, default version and dates, as the AWS managed policy reference publishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsPolicyMeta {
    pub arn: &'static str,
    pub name: &'static str,
    pub policy_id: &'static str,
    pub path: &'static str,
    pub default_version_id: &'static str,
    pub create_date: &'static str,
    pub update_date: &'static str,
    pub description: &'static str,
}

/// In name order (the order `ListPolicies` lists them).
const META: &[AwsPolicyMeta] = &[
    AwsPolicyMeta {
        arn: ADMINISTRATOR_ACCESS,
        name: "AdministratorAccess",
        policy_id: "ANPAIWMBCKSKIEE64ZLYK",
        path: "/",
        default_version_id: "v1",
        create_date: "2015-02-06T18:39:46Z",
        update_date: "2015-02-06T18:39:46Z",
        description: "Provides full access to AWS services and resources.",
    },
    AwsPolicyMeta {
        arn: IAM_FULL_ACCESS,
        name: "IAMFullAccess",
        policy_id: "ANPAI7XKCFMBPM3QQRRVQ",
        path: "/",
        default_version_id: "v2",
        create_date: "2015-02-06T18:40:38Z",
        update_date: "2019-06-21T19:40:00Z",
        description: "Provides full access to IAM via the AWS Management Console.",
    },
    AwsPolicyMeta {
        arn: IAM_READ_ONLY_ACCESS,
        name: "IAMReadOnlyAccess",
        policy_id: "ANPAJKSO7NDY4T57MWDSQ",
        path: "/",
        default_version_id: "v4",
        create_date: "2015-02-06T18:40:39Z",
        update_date: "2018-01-25T19:11:27Z",
        description: "Provides read only access to IAM via the AWS Management Console.",
    },
    AwsPolicyMeta {
        arn: IAM_USER_CHANGE_PASSWORD,
        name: "IAMUserChangePassword",
        policy_id: "ANPAJ4L4MM2A7QIEB56MS",
        path: "/",
        default_version_id: "v3",
        create_date: "2016-11-15T00:25:16Z",
        update_date: "2025-05-29T21:52:00Z",
        description: "Provides the ability for an IAM user to change their own password.",
    },
    AwsPolicyMeta {
        arn: POWER_USER_ACCESS,
        name: "PowerUserAccess",
        policy_id: "ANPAJYRXTHIB4FOVS3ZXS",
        path: "/",
        default_version_id: "v12",
        create_date: "2015-02-06T18:39:47Z",
        update_date: "2026-02-12T17:59:00Z",
        description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
    },
    AwsPolicyMeta {
        arn: READ_ONLY_ACCESS,
        name: "ReadOnlyAccess",
        policy_id: "ANPAILL3HVNFSB6DCOWYQ",
        path: "/",
        default_version_id: "v1",
        create_date: "2015-02-06T18:39:48Z",
        update_date: "2015-02-06T18:39:48Z",
        description: "Provides read-only access to AWS services and resources.",
    },
    AwsPolicyMeta {
        arn: SECURITY_AUDIT,
        name: "SecurityAudit",
        policy_id: "ANPAIX2T3QCXHR2OGGCTO",
        path: "/",
        default_version_id: "v94",
        create_date: "2015-02-06T18:41:01Z",
        update_date: "2015-02-06T18:41:01Z",
        description: "The security audit template grants access to read security configuration metadata. It is useful for software that audits the configuration of an AWS account.",
    },
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

    /// The metadata of a shipped policy.
    pub fn meta(&self, arn: &str) -> Option<&'static AwsPolicyMeta> {
        META.iter()
            .find(|m| m.arn == arn && self.by_arn.contains_key(m.arn))
    }

    /// Every shipped policy that compiled, in name order.
    pub fn all(&self) -> impl Iterator<Item = &'static AwsPolicyMeta> + '_ {
        META.iter().filter(|m| self.by_arn.contains_key(m.arn))
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
            let meta = m.meta(arn).expect("every shipped policy has metadata");
            assert_eq!(
                *arn,
                format!("arn:aws:iam::aws:policy{}{}", meta.path, meta.name)
            );
            assert!(meta.policy_id.starts_with("ANPA"));
        }
        assert_eq!(m.all().count(), DOCUMENTS.len());
        let names: Vec<_> = m.all().map(|p| p.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "listed in name order");
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
