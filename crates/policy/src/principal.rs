//! The Principal / NotPrincipal element and how a request's principal is matched against it.
//!
//! `"*"` matches everyone; `{"AWS": "*"}` every AWS principal; a 12-digit account id or
//! `arn:…:iam::ACCOUNT:root` stands for the account (delegation: the account's own policies
//! must still allow); a user, role or session ARN matches exactly (case-sensitive); a role ARN
//! also matches that role's assumed-role sessions; `Service` and `Federated` match callers of
//! those types. Partial wildcards are refused, as AWS does.

use crate::error::{PolicyError, malformed};
use serde_json::Value;

/// The kind of caller a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PrincipalType {
    /// An IAM user, role session, federated user or account root (identified by an ARN).
    #[default]
    Aws,
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service,
    /// A web identity / SAML provider (`accounts.google.com`, `arn:aws:iam::…:saml-provider/…`).
    Federated,
}

/// How a statement's principal element matched the caller (most specific wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// Matched only through the caller's account (delegation).
    Account,
    /// Matched through `"*"`, `{"AWS":"*"}` or NotPrincipal.
    Any,
    /// Matched a session through its role's ARN.
    Role,
    /// A service or federated provider named directly.
    Provider,
    /// The caller's own ARN named exactly.
    Exact,
}

/// Facts about the caller derived once per request.
pub(crate) struct Caller<'a> {
    pub(crate) id: &'a str,
    pub(crate) ptype: PrincipalType,
    pub(crate) account: Option<&'a str>,
    pub(crate) role_arn: Option<String>,
    pub(crate) is_root: bool,
}

/// A parsed principal element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PrincipalSet {
    everyone: bool,
    aws_any: bool,
    accounts: Vec<String>,
    arns: Vec<String>,
    services: Vec<String>,
    federated: Vec<String>,
}

fn strings<'v>(v: &'v Value, at: &str) -> Result<Vec<&'v str>, PolicyError> {
    crate::validate::string_list(v, "principal value", at)
}

/// The account of `arn:PARTITION:iam::ACCOUNT:root`, or of a bare 12-digit id.
fn account_of(s: &str) -> Option<&str> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s);
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", acct, "root"] if acct.len() == 12 => Some(acct),
        _ => None,
    }
}

impl PrincipalSet {
    pub(crate) fn parse(v: &Value, at: &str) -> Result<Self, PolicyError> {
        let mut set = PrincipalSet::default();
        let map = match v {
            Value::String(s) if s == "*" => {
                set.everyone = true;
                return Ok(set);
            }
            Value::Object(map) if !map.is_empty() => map,
            _ => {
                return Err(malformed(format!(
                    "{at}: principal must be \"*\" or an object such as {{\"AWS\": …}}"
                )));
            }
        };
        for (kind, vals) in map {
            for s in strings(vals, at)? {
                if s.contains('*') && s != "*" {
                    return Err(malformed(format!(
                        "{at}: invalid principal '{s}': wildcards are only allowed as \"*\""
                    )));
                }
                match kind.as_str() {
                    "AWS" if s == "*" => set.aws_any = true,
                    "AWS" => match account_of(s) {
                        Some(acct) => set.accounts.push(acct.to_owned()),
                        None => set.arns.push(s.to_owned()),
                    },
                    "Service" => set.services.push(s.to_lowercase()),
                    "Federated" => set.federated.push(s.to_owned()),
                    "CanonicalUser" => {}
                    other => {
                        return Err(malformed(format!("{at}: unknown principal type '{other}'")));
                    }
                }
            }
        }
        Ok(set)
    }

    /// The most specific way this element names the caller, if it does.
    pub(crate) fn matches(&self, c: &Caller<'_>) -> Option<PrincipalMatch> {
        let mut best = None;
        if self.everyone {
            best = Some(PrincipalMatch::Any);
        }
        match c.ptype {
            PrincipalType::Aws => {
                if self.arns.iter().any(|a| a == c.id) {
                    return Some(PrincipalMatch::Exact);
                }
                if let Some(role) = &c.role_arn
                    && self.arns.iter().any(|a| a == role)
                {
                    return Some(PrincipalMatch::Role);
                }
                if self.aws_any {
                    best = Some(PrincipalMatch::Any);
                }
                if let Some(acct) = c.account
                    && self.accounts.iter().any(|a| a == acct)
                {
                    if c.is_root {
                        return Some(PrincipalMatch::Exact);
                    }
                    best = best.max(Some(PrincipalMatch::Account));
                }
            }
            PrincipalType::Service => {
                if self.services.iter().any(|s| s.eq_ignore_ascii_case(c.id)) {
                    return Some(PrincipalMatch::Provider);
                }
            }
            PrincipalType::Federated => {
                if self.federated.iter().any(|s| s == c.id) {
                    return Some(PrincipalMatch::Provider);
                }
            }
        }
        best
    }

    /// NotPrincipal: whether the caller is excluded from the statement. Per the NotPrincipal
    /// page, an IAM principal is excluded only when both its own ARN (or its role's ARN, for a
    /// session) and its account are listed.
    pub(crate) fn excludes(&self, c: &Caller<'_>) -> bool {
        if self.everyone {
            return true;
        }
        match c.ptype {
            PrincipalType::Aws => {
                if self.aws_any {
                    return true;
                }
                let account_listed = c
                    .account
                    .is_some_and(|a| self.accounts.iter().any(|x| x == a));
                if c.is_root {
                    return account_listed;
                }
                let named = self.arns.iter().any(|a| a == c.id)
                    || c.role_arn
                        .as_ref()
                        .is_some_and(|r| self.arns.iter().any(|a| a == r));
                named && account_listed
            }
            PrincipalType::Service => self.services.iter().any(|s| s.eq_ignore_ascii_case(c.id)),
            PrincipalType::Federated => self.federated.iter().any(|s| s == c.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caller(id: &str) -> Caller<'_> {
        Caller {
            id,
            ptype: PrincipalType::Aws,
            account: Some("123456789012"),
            role_arn: None,
            is_root: false,
        }
    }

    #[test]
    fn account_forms() {
        let a = PrincipalSet::parse(&json!({"AWS": "123456789012"}), "t").unwrap();
        let b =
            PrincipalSet::parse(&json!({"AWS": "arn:aws:iam::123456789012:root"}), "t").unwrap();
        let c = caller("arn:aws:iam::123456789012:user/alice");
        assert_eq!(a.matches(&c), Some(PrincipalMatch::Account));
        assert_eq!(b.matches(&c), Some(PrincipalMatch::Account));
    }

    #[test]
    fn exact_and_role() {
        let p = PrincipalSet::parse(&json!({"AWS": ["arn:aws:iam::123456789012:role/R"]}), "t")
            .unwrap();
        let mut c = caller("arn:aws:sts::123456789012:assumed-role/R/s");
        c.role_arn = Some("arn:aws:iam::123456789012:role/R".into());
        assert_eq!(p.matches(&c), Some(PrincipalMatch::Role));
        assert_eq!(p.matches(&caller("arn:aws:iam::123456789012:user/r")), None);
    }

    #[test]
    fn refuses_partial_wildcards_and_unknown_types() {
        assert!(PrincipalSet::parse(&json!({"AWS": "arn:aws:iam::1:user/*"}), "t").is_err());
        assert!(PrincipalSet::parse(&json!({"Bogus": "x"}), "t").is_err());
        assert!(PrincipalSet::parse(&json!("someone"), "t").is_err());
    }
}
