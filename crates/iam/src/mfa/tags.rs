//! Tags on virtual MFA devices: `TagMFADevice`, `UntagMFADevice`, `ListMFADeviceTags`, with
//! the IAM tag rules every taggable entity shares ([`crate::entity_rules`]).

use super::{no_device, validate_serial};
use crate::authz::{RequestContext, authorize_with, request_tag_keys, require};
use crate::entity_rules::{merge_tags, remove_tags, validate_tag_keys, validate_tags};
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_store::model::{MfaDevice, Tag};

/// The device's current tags as `aws:ResourceTag/*` and `iam:ResourceTag/*` (none when there
/// is no such device in the caller's account).
pub(crate) async fn device_tag_keys(
    iam: &Iam,
    caller: &Principal,
    serial: &str,
) -> Result<Vec<(String, Vec<String>)>, IamError> {
    Ok(iam
        .store
        .get_entity::<MfaDevice>(caller.account(), serial)
        .await?
        .map(|d| crate::authz::resource_tag_keys(&d.tags))
        .unwrap_or_default())
}

/// `TagMFADevice`: adds or replaces (key regardless of case) tags; at most 50 in all.
pub async fn tag_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    serial: &str,
    tags: Vec<Tag>,
) -> Result<(), IamError> {
    validate_serial(serial)?;
    validate_tags(&tags)?;
    let mut keys = request_tag_keys(&tags);
    keys.extend(device_tag_keys(iam, caller, serial).await?);
    require(authorize_with(iam, caller, "iam:TagMFADevice", serial, ctx, &keys).await?)?;
    iam.store
        .update_entity::<MfaDevice, _, IamError, _>(caller.account(), serial, |d| {
            merge_tags(&mut d.tags, &tags)
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
    validate_tag_keys(keys)?;
    let mut tag_keys = vec![(
        "aws:TagKeys".to_owned(),
        keys.iter().map(|k| (*k).to_owned()).collect(),
    )];
    tag_keys.extend(device_tag_keys(iam, caller, serial).await?);
    require(authorize_with(iam, caller, "iam:UntagMFADevice", serial, ctx, &tag_keys).await?)?;
    iam.store
        .update_entity::<MfaDevice, _, IamError, _>(caller.account(), serial, |d| {
            remove_tags(&mut d.tags, keys);
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
    let found = iam
        .store
        .get_entity::<MfaDevice>(caller.account(), serial)
        .await?;
    let keys = found
        .as_ref()
        .map(|d| crate::authz::resource_tag_keys(&d.tags))
        .unwrap_or_default();
    require(authorize_with(iam, caller, "iam:ListMFADeviceTags", serial, ctx, &keys).await?)?;
    let d = found.ok_or_else(|| no_device(serial))?;
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
