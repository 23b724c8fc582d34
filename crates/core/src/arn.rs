//! Amazon Resource Names: `arn:partition:service:region:account-id:resource`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ARN: {0}")]
pub struct ArnError(pub &'static str);

impl Arn {
    pub fn parse(s: &str) -> Result<Arn, ArnError> {
        let mut parts = s.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(ArnError(
                "expected arn:partition:service:region:account:resource",
            ));
        };
        if partition.is_empty() || service.is_empty() {
            return Err(ArnError("partition and service must not be empty"));
        }
        Ok(Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        })
    }

    /// `arn:{partition}:iam::{account}:{resource}`
    pub fn iam(partition: &str, account: &str, resource: impl Into<String>) -> Arn {
        Arn {
            partition: partition.into(),
            service: "iam".into(),
            region: String::new(),
            account: account.into(),
            resource: resource.into(),
        }
    }

    /// `arn:{partition}:iam::{account}:user{path}{name}`; `path` starts and ends with `/`.
    pub fn user(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(partition, account, format!("user{path}{name}"))
    }

    /// `arn:{partition}:iam::{account}:{kind}{path}{name}` for `kind` = `group`, `role`,
    /// `policy`, `mfa`; `path` starts and ends with `/`.
    pub fn iam_entity(partition: &str, account: &str, kind: &str, path: &str, name: &str) -> Arn {
        Arn::iam(partition, account, format!("{kind}{path}{name}"))
    }

    /// `arn:{partition}:iam::{account}:root`
    pub fn root(partition: &str, account: &str) -> Arn {
        Arn::iam(partition, account, "root")
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob";
        let a = Arn::parse(s).expect("parses");
        assert_eq!(a.resource, "user/division_abc/subdivision_xyz/Bob");
        assert_eq!(a.to_string(), s);
        assert_eq!(
            Arn::user("aws", "123456789012", "/", "Alice").to_string(),
            "arn:aws:iam::123456789012:user/Alice"
        );
        assert!(Arn::parse("arn:aws:iam").is_err());
        assert!(Arn::parse("foo:aws:iam::1:x").is_err());
    }
}
