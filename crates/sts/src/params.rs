//! Parameter rules shared by the STS actions (AWS STS API Reference constraints): session
//! names, durations, external ids, source identities, session tags, session policies and
//! their packed size.

use crate::StsError;
use crate::error::{constraint, validation};
use fedgate_core::AccountId;
use fedgate_iam::authz::LoadedPolicy;
use fedgate_iam::{Iam, IamError};
use fedgate_policy::PolicyKind;
use fedgate_store::model::Tag;

/// `[\w+=,.@-]*`, AWS's pattern for RoleSessionName and SourceIdentity.
const NAME_PATTERN: &str = r"[\w+=,.@-]*";

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// `RoleSessionName` (and `SourceIdentity`): 2–64 characters of `[\w+=,.@-]`.
pub fn validate_name(value: &str, field: &str) -> Result<(), StsError> {
    validate_name_within(value, field, 64)
}

/// 2–`max` characters of `[\w+=,.@-]` (`GetFederationToken`'s `Name`: at most 32).
pub fn validate_name_within(value: &str, field: &str, max: usize) -> Result<(), StsError> {
    let n = value.chars().count();
    if n < 2 {
        return Err(constraint(
            value,
            field,
            "Member must have length greater than or equal to 2",
        ));
    }
    if n > max {
        return Err(constraint(
            value,
            field,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    if !value.chars().all(is_name_char) {
        return Err(constraint(
            value,
            field,
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        ));
    }
    Ok(())
}

/// `SourceIdentity`: a name that does not start with `aws:`.
pub fn validate_source_identity(value: &str) -> Result<(), StsError> {
    validate_name(value, "sourceIdentity")?;
    if value.to_ascii_lowercase().starts_with("aws:") {
        return Err(validation(
            "SourceIdentity cannot start with the prefix 'aws:'.",
        ));
    }
    Ok(())
}

/// `ExternalId`: 2–1224 characters of `[\w+=,.@:\/-]`.
pub fn validate_external_id(value: &str) -> Result<(), StsError> {
    let n = value.chars().count();
    if !(2..=1224).contains(&n) {
        return Err(constraint(
            value,
            "externalId",
            "Member must have length between 2 and 1224",
        ));
    }
    if !value
        .chars()
        .all(|c| is_name_char(c) || c == ':' || c == '/')
    {
        return Err(constraint(
            value,
            "externalId",
            r"Member must satisfy regular expression pattern: [\w+=,.@:\/-]*",
        ));
    }
    Ok(())
}

/// `DurationSeconds` within `min..=max` (AWS's API bounds for the action).
pub fn validate_duration(secs: i64, min: i64, max: i64) -> Result<(), StsError> {
    if secs < min {
        return Err(constraint(
            &secs.to_string(),
            "durationSeconds",
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if secs > max {
        return Err(constraint(
            &secs.to_string(),
            "durationSeconds",
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Session tags: at most 50, keys 1–128 and values 0–256 characters of IAM's tag character
/// class, keys unique regardless of case and never `aws:`-prefixed; `TransitiveTagKeys` at most 50 and each one a key of the tags.
pub fn validate_tags(tags: &[Tag], transitive: &[String]) -> Result<(), StsError> {
    if tags.len() > 50 {
        return Err(constraint(
            &format!("{} tags", tags.len()),
            "tags",
            "Member must have length less than or equal to 50",
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let k = t.key.chars().count();
        if !(1..=128).contains(&k) {
            return Err(constraint(
                &t.key,
                &format!("tags.{}.member.key", i + 1),
                "Member must have length between 1 and 128",
            ));
        }
        if !t.key.chars().all(fedgate_iam::entity_rules::tag_char) {
            return Err(constraint(
                &t.key,
                &format!("tags.{}.member.key", i + 1),
                "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
            ));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(validation(format!(
                "Tag key '{}' uses the reserved prefix 'aws:'.",
                t.key
            )));
        }
        if t.value.chars().count() > 256 {
            return Err(constraint(
                &t.value,
                &format!("tags.{}.member.value", i + 1),
                "Member must have length less than or equal to 256",
            ));
        }
        if !t.value.chars().all(fedgate_iam::entity_rules::tag_char) {
            return Err(constraint(
                &t.value,
                &format!("tags.{}.member.value", i + 1),
                "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
            ));
        }
        if tags[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            return Err(validation(format!(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive. Key: {}",
                t.key
            )));
        }
    }
    if transitive.len() > 50 {
        return Err(constraint(
            &format!("{} keys", transitive.len()),
            "transitiveTagKeys",
            "Member must have length less than or equal to 50",
        ));
    }
    for k in transitive {
        if !tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)) {
            return Err(validation(format!(
                "The TransitiveTagKeys {k} is not a key of the session tags."
            )));
        }
    }
    Ok(())
}

/// The packed-size budget fedgate assumes. AWS compresses session policies and tags into a
/// binary form and reports the share of its limit used; fedgate estimates with the
/// uncompressed bytes over this budget (documented deviation: the percentage differs).
pub const PACKED_BUDGET_BYTES: usize = 4096;

/// The `PackedPolicySize` percentage of a session's policies and tags; `PackedPolicyTooLarge`
/// above 100.
pub fn packed_policy_size(
    policy: Option<&str>,
    policy_arns: &[String],
    tags: &[Tag],
) -> Result<u32, StsError> {
    let minified: usize = policy
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).count())
        .unwrap_or(0);
    let bytes = minified
        + policy_arns.iter().map(String::len).sum::<usize>()
        + tags
            .iter()
            .map(|t| t.key.len() + t.value.len())
            .sum::<usize>();
    let percent = (bytes * 100).div_ceil(PACKED_BUDGET_BYTES);
    if percent > 100 {
        return Err(StsError::PackedPolicyTooLarge(format!(
            "Packed size of consumed sessions policies and session tags exceeds the maximum allowed size by {}%.",
            percent - 100
        )));
    }
    Ok(u32::try_from(percent).unwrap_or(u32::MAX))
}

/// Checks an inline session policy (`MalformedPolicyDocument` with the parser's reason) and
/// the managed session policy ARNs (at most 10, each an existing managed policy).
pub async fn check_session_policies(
    iam: &Iam,
    account: &AccountId,
    policy: Option<&str>,
    arns: &[String],
) -> Result<(), StsError> {
    if let Some(doc) = policy {
        if doc.chars().count() > 2048 {
            return Err(constraint(
                "…",
                "policy",
                "Member must have length less than or equal to 2048",
            ));
        }
        iam.compiled
            .document(PolicyKind::Session, doc)
            .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))?;
    }
    if arns.len() > 10 {
        return Err(constraint(
            &format!("{} ARNs", arns.len()),
            "policyArns",
            "Member must have length less than or equal to 10",
        ));
    }
    for arn in arns {
        let found: Option<LoadedPolicy> =
            fedgate_iam::authz::load_managed(iam, account, arn).await?;
        if found.is_none() {
            return Err(validation(format!(
                "Policy {arn} does not exist or is not attachable."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tags_take_iams_characters_and_never_the_aws_prefix() {
        let tag = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        assert!(
            validate_tags(
                &[tag("team", "blue green"), tag("cc:id", "a_b.c/d=e+f-g@h")],
                &[]
            )
            .is_ok()
        );
        assert!(validate_tags(&[tag("Équipe", "ünïcode 7")], &[]).is_ok());
        for bad in [
            tag("aws:foo", "x"),
            tag("AWS:foo", "x"),
            tag("a\u{0}b", "x"),
            tag("a<b", "x"),
            tag("team", "<script>"),
            tag("team", "tab\there"),
        ] {
            assert!(
                validate_tags(std::slice::from_ref(&bad), &[]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names() {
        assert!(validate_name("ok-session_1@x.y", "roleSessionName").is_ok());
        assert!(validate_name("a", "roleSessionName").is_err());
        assert!(validate_name(&"a".repeat(65), "roleSessionName").is_err());
        assert!(validate_name("no spaces", "roleSessionName").is_err());
        assert!(validate_source_identity("aws:x1").is_err());
        assert!(validate_name_within(&"a".repeat(32), "name", 32).is_ok());
        assert!(validate_name_within(&"a".repeat(33), "name", 32).is_err());
    }

    #[test]
    fn packed_size() {
        assert_eq!(packed_policy_size(None, &[], &[]).ok(), Some(0));
        let big = "x".repeat(PACKED_BUDGET_BYTES + 1);
        assert!(matches!(
            packed_policy_size(Some(&big), &[], &[]),
            Err(StsError::PackedPolicyTooLarge(_))
        ));
    }
}
