//! The sign-in check of an MFA code, for STS (`SerialNumber`/`TokenCode`) and the console.

use super::{WINDOW, invalid_code, now_step, open_seed};
use crate::{Iam, IamError, totp};
use fedgate_core::AccountId;
use fedgate_store::model::{KeyOwner, MfaDevice};

/// Checks a code for sign-in (STS `GetSessionToken`/`AssumeRole` with `SerialNumber` and
/// `TokenCode`, the console): the device exists in `account` and is enabled, the code is that
/// of a step within ±[`WINDOW`] of now (after the device's learned drift), and no code of that
/// step or a later one was accepted before. The accepted step is recorded atomically, so two
/// concurrent uses of one code cannot both pass.
///
/// `NoSuchEntity` when there is no such enabled device; `InvalidAuthenticationCode` for a
/// wrong, stale or reused code.
pub async fn verify_mfa_code(
    iam: &Iam,
    account: &AccountId,
    serial: &str,
    code: &str,
) -> Result<(), IamError> {
    verify_mfa_code_for(iam, account, None, serial, code).await
}

/// [`verify_mfa_code`], also requiring that the device is enabled for `owner` (the signing-in
/// user, or root), so one user's device cannot vouch for another.
pub async fn verify_mfa_code_for(
    iam: &Iam,
    account: &AccountId,
    owner: Option<&KeyOwner>,
    serial: &str,
    code: &str,
) -> Result<(), IamError> {
    let not_enabled = || {
        IamError::NoSuchEntity(format!(
            "MFA Device with serial number {serial} is not enabled."
        ))
    };
    let device = iam
        .store
        .get_entity::<MfaDevice>(account, serial)
        .await?
        .ok_or_else(not_enabled)?;
    let owns = |d: &MfaDevice| match (&d.enabled_for, owner) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(KeyOwner::Root), Some(KeyOwner::Root)) => true,
        (Some(KeyOwner::User { user_id: a, .. }), Some(KeyOwner::User { user_id: b, .. })) => {
            a == b
        }
        _ => false,
    };
    if !owns(&device) {
        return Err(not_enabled());
    }
    if !totp::is_code_shaped(code) {
        return Err(invalid_code());
    }
    let seed = open_seed(iam, &device)?;
    let center = now_step(iam).saturating_add_signed(device.drift);
    let step = totp::verify(&seed, code, center, WINDOW).ok_or_else(invalid_code)?;
    iam.store
        .update_entity::<MfaDevice, _, IamError, _>(account, serial, |d| {
            if !owns(d) {
                return Err(not_enabled());
            }
            if d.last_step.is_some_and(|l| l >= step) {
                return Err(invalid_code());
            }
            d.last_step = Some(step);
            Ok(())
        })
        .await?
        .unwrap_or_else(|| Err(not_enabled()))
}
