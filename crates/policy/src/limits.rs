//! Kinds of policy and their size limits ("IAM and AWS STS quotas").

use crate::error::PolicyError;

/// Where a policy document is used; decides which elements are allowed and the size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Customer managed policy (6,144 characters).
    Managed,
    /// Inline policy of a user (2,048 characters).
    InlineUser,
    /// Inline policy of a group (5,120 characters).
    InlineGroup,
    /// Inline policy of a role (10,240 characters).
    InlineRole,
    /// Role trust policy (2,048 characters); Principal required, Resource absent.
    Trust,
    /// Resource-based policy (e.g. a bucket policy; 20,480 characters); Principal required.
    Resource,
    /// Session policy passed to STS (2,048 characters).
    Session,
    /// Permissions boundary (a managed policy: 6,144 characters).
    Boundary,
}

impl PolicyKind {
    /// The size limit in characters, whitespace excluded, as AWS counts.
    pub fn size_limit(self) -> usize {
        match self {
            PolicyKind::Managed | PolicyKind::Boundary => 6144,
            PolicyKind::InlineUser => 2048,
            PolicyKind::InlineGroup => 5120,
            PolicyKind::InlineRole => 10240,
            PolicyKind::Trust | PolicyKind::Session => 2048,
            PolicyKind::Resource => 20480,
        }
    }

    /// Whether Principal / NotPrincipal may (and must) appear.
    pub fn is_resource_based(self) -> bool {
        matches!(self, PolicyKind::Trust | PolicyKind::Resource)
    }
}

/// Characters in `json`, whitespace excluded.
pub fn counted_size(json: &str) -> usize {
    if json.is_ascii() {
        return json
            .bytes()
            .filter(|b| !(*b == b' ' || (b'\t'..=b'\r').contains(b)))
            .count();
    }
    json.chars().filter(|c| !c.is_whitespace()).count()
}

pub(crate) fn check_size(json: &str, kind: PolicyKind) -> Result<(), PolicyError> {
    let limit = kind.size_limit();
    // Cheap pre-check: a document whose byte length is within the limit cannot exceed it.
    if json.len() <= limit {
        return Ok(());
    }
    let actual = counted_size(json);
    if actual > limit {
        return Err(PolicyError::TooLarge { limit, actual });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_not_counted() {
        assert_eq!(counted_size(" a \n b\t"), 2);
        assert_eq!(counted_size("\u{a0}é x\u{0b}"), 2);
        let doc = format!("{{{}}}", " ".repeat(5000));
        assert!(check_size(&doc, PolicyKind::InlineUser).is_ok());
    }

    #[test]
    fn over_the_limit_is_too_large() {
        let doc = "x".repeat(2049);
        assert_eq!(
            check_size(&doc, PolicyKind::Session),
            Err(PolicyError::TooLarge {
                limit: 2048,
                actual: 2049
            })
        );
        assert!(check_size(&doc, PolicyKind::Managed).is_ok());
    }
}
