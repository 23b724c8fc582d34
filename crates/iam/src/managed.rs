//! AWS-managed policies that fedgate ships, with AWS's ARNs and the documents AWS publishes
//! (AWS managed policy reference). Compiled once at start-up; evaluation never re-parses them.
//!
//! Shipped now: AdministratorAccess and PowerUserAccess (v12). The others named by the
//! policy-engine issue (ReadOnlyAccess, IAMFullAccess, IAMReadOnlyAccess,
//! IAMUserChangePassword, SecurityAudit) are still to be added.

use fedgate_policy::{Policy, PolicyKind, parse};
use std::collections::HashMap;
use std::sync::Arc;

pub const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
pub const POWER_USER_ACCESS: &str = "arn:aws:iam::aws:policy/PowerUserAccess";

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
}
