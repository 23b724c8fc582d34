//! Tags on virtual MFA devices: `TagMFADevice`, `UntagMFADevice`, `ListMFADeviceTags`, and the
//! IAM tag rules (at most 50 per resource; keys 1–128 and values 0–256 characters of
//! `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; keys unique regardless of case, a repeated key replaces the
//! value; the `aws:` prefix is reserved).

use super::{no_device, validate_serial};
use crate::authz::{RequestContext, authorize, require};
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_store::model::{MfaDevice, Tag};

/// IAM quota: tags per resource.
pub const MAX_TAGS: usize = 50;

fn tag_char_ok(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Checks tags as IAM does before any change.
pub fn validate_tags(tags: &[Tag]) -> Result<(), IamError> {
    if tags.len() > MAX_TAGS {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )));
    }
    for (i, t) in tags.iter().enumerate() {
        let klen = t.key.chars().count();
        if !(1..=128).contains(&klen) || !t.key.chars().all(tag_char_ok) {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{}' at 'tags.{}.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]+ and have length between 1 and 128",
                t.key,
                i + 1
            )));
        }
        if t.value.chars().count() > 256 || !t.value.chars().all(tag_char_ok) {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{}' at 'tags.{}.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]* and have length less than or equal to 256",
                t.value,
                i + 1
            )));
        }
        if t.key.to_lowercase().starts_with("aws:") {
            return Err(IamError::InvalidInput(
                "User-provided tag keys cannot start with the reserved prefix 'aws:'.".into(),
            ));
        }
        if tags[..i]
            .iter()
            .any(|o| o.key.to_lowercase() == t.key.to_lowercase())
        {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
    }
    Ok(())
}

/// `TagMFADevice`.
pub async fn tag_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    serial: &str,
    tags: Vec<Tag>,
) -> Result<(), IamError> {
    validate_serial(serial)?;
    validate_tags(&tags)?;
    require(authorize(iam, caller, "iam:TagMFADevice", serial, ctx).await?)?;
    iam.store
        .update_entity::<MfaDevice, _, IamError, _>(caller.account(), serial, |d| {
            for t in &tags {
                match d
                    .tags
                    .iter_mut()
                    .find(|o| o.key.to_lowercase() == t.key.to_lowercase())
                {
                    Some(o) => o.value.clone_from(&t.value),
                    None => d.tags.push(t.clone()),
                }
            }
            if d.tags.len() > MAX_TAGS {
                return Err(IamError::LimitExceeded(format!(
                    "The number of tags has reached the maximum limit of {MAX_TAGS}."
                )));
            }
            Ok(())
        })
        .await?
        .unwrap_or_else(|| Err(no_device(serial)))
}

/// `UntagMFADevice`: keys that are not present are ignored, as IAM does.
pub async fn untag_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    serial: &str,
    keys: &[&str],
) -> Result<(), IamError> {
    validate_serial(serial)?;
    if keys.len() > MAX_TAGS {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )));
    }
    require(authorize(iam, caller, "iam:UntagMFADevice", serial, ctx).await?)?;
    iam.store
        .update_entity::<MfaDevice, _, IamError, _>(caller.account(), serial, |d| {
            d.tags.retain(|t| {
                !keys
                    .iter()
                    .any(|k| k.to_lowercase() == t.key.to_lowercase())
            });
            Ok(())
        })
        .await?
        .unwrap_or_else(|| Err(no_device(serial)))
}

/// `ListMFADeviceTags`: one page of the device's tags; the marker is the last key returned.
pub async fn list_mfa_device_tags(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    serial: &str,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(Vec<Tag>, Option<String>), IamError> {
    validate_serial(serial)?;
    require(authorize(iam, caller, "iam:ListMFADeviceTags", serial, ctx).await?)?;
    let d = iam
        .store
        .get_entity::<MfaDevice>(caller.account(), serial)
        .await?
        .ok_or_else(|| no_device(serial))?;
    let start = match marker {
        None => 0,
        Some(m) => d
            .tags
            .iter()
            .position(|t| t.key == m)
            .map(|i| i + 1)
            .ok_or_else(|| IamError::InvalidInput("Invalid Marker.".into()))?,
    };
    let page: Vec<Tag> = d.tags.iter().skip(start).take(max_items).cloned().collect();
    let next = (start + page.len() < d.tags.len())
        .then(|| page.last().map(|t| t.key.clone()))
        .flatten();
    Ok((page, next))
}
