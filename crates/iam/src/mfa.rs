//! Virtual MFA devices: create, enable, deactivate, resync, list, delete, tag; root MFA; and
//! [`verify_mfa_code`], which STS and the console call to check a code at sign-in.
//!
//! A device's serial number is its ARN, `arn:{partition}:iam::{account}:mfa{path}{name}`. Its
//! TOTP seed is returned once, by `CreateVirtualMFADevice`, and stored only sealed under the
//! KEK with the serial number as associated data. A code is accepted once: `last_step` records
//! the latest step accepted and every code at or before it is refused (replay).
//!
//! The root user: `EnableMFADevice`, `DeactivateMFADevice`, `ResyncMFADevice` and
//! `ListMFADevices` without a `UserName` (or with an empty one), called with root credentials,
//! act on the root user itself (AWS sets up root MFA this way from the root user's own
//! session; the SDKs mark `UserName` required on Enable/Deactivate/Resync, so an empty value
//! means the same).

use crate::authz::{RequestContext, authorize, require};
use crate::totp;
use crate::users::validate_user_name;
use crate::{Iam, IamError};
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Arn, Principal, Secret};
use fedgate_store::entities::entity_key;
use fedgate_store::model::{Account, KeyOwner, MfaDevice, Tag, User};
use fedgate_store::{StoreError, Txn, account_key};
use zeroize::Zeroizing;

mod list;
mod tags;
mod verify;
use crate::entity_rules::validate_tags;
pub use list::{
    Assignee, AssignmentStatus, MfaDeviceList, list_mfa_devices, list_virtual_mfa_devices,
};
pub use tags::{list_mfa_device_tags, tag_mfa_device, untag_mfa_device};
pub use verify::{verify_mfa_code, verify_mfa_code_for};

/// IAM quota: MFA devices in use per user (and for the root user).
pub const MAX_DEVICES_PER_USER: usize = 8;
/// Steps either side of now accepted at sign-in and by EnableMFADevice.
pub const WINDOW: u64 = 1;
/// Steps either side of now searched by ResyncMFADevice (±10 minutes).
pub const RESYNC_WINDOW: u64 = 20;

/// Whose MFA an action is about.
#[derive(Debug, Clone)]
pub enum Target {
    Root(Box<Account>),
    User(Box<User>),
}

impl Target {
    pub fn owner(&self) -> KeyOwner {
        match self {
            Target::Root(_) => KeyOwner::Root,
            Target::User(u) => KeyOwner::User {
                user_id: u.user_id.clone(),
                user_name: u.name.clone(),
            },
        }
    }
    /// The user name AWS reports (the account id for the root user).
    pub fn name(&self) -> &str {
        match self {
            Target::Root(a) => a.id.as_str(),
            Target::User(u) => &u.name,
        }
    }
    fn devices(&self) -> &[String] {
        match self {
            Target::Root(a) => &a.root_mfa_devices,
            Target::User(u) => &u.mfa_devices,
        }
    }
}

/// A device created by [`create_virtual_mfa_device`], with the seed (shown this once).
#[derive(Debug)]
pub struct CreatedDevice {
    pub device: MfaDevice,
    pub seed_base32: Secret,
    pub qr_code_png: Vec<u8>,
}

/// `arn:{partition}:iam::{account}:mfa{path}{name}`
pub fn serial_number(partition: &str, account: &AccountId, path: &str, name: &str) -> String {
    Arn::iam_entity(partition, account.as_str(), "mfa", path, name).to_string()
}

fn validation(value: &str, field: &str, constraint: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

/// `VirtualMFADeviceName`: 1–226 characters of `[\w+=,.@-]`.
pub fn validate_device_name(name: &str) -> Result<(), IamError> {
    let ok = (1..=226).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    ok.then_some(()).ok_or_else(|| {
        validation(
            name,
            "virtualMFADeviceName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 226",
        )
    })
}

/// `Path`: `/` or `/…/` of `\u0021`–`\u007E`, at most 512 characters (the rule users, groups
/// and roles follow: [`crate::entity_rules::validate_path`]).
pub fn validate_path(path: &str) -> Result<(), IamError> {
    crate::entity_rules::validate_path("path", path)
}

/// `SerialNumber`: 9–256 characters of `[\w+=/:,.@-]`.
pub fn validate_serial(serial: &str) -> Result<(), IamError> {
    let ok = (9..=256).contains(&serial.len())
        && serial
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=/:,.@-".contains(&b));
    ok.then_some(()).ok_or_else(|| {
        validation(
            serial,
            "serialNumber",
            "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+ and have length between 9 and 256",
        )
    })
}

/// `AuthenticationCode1/2`: six digits.
pub fn validate_code(code: &str, field: &str) -> Result<(), IamError> {
    totp::is_code_shaped(code).then_some(()).ok_or_else(|| {
        validation(
            code,
            field,
            "Member must satisfy regular expression pattern: [\\d]+ and have length 6",
        )
    })
}

fn invalid_code() -> IamError {
    IamError::InvalidAuthenticationCode("Authentication code for device is not valid.".into())
}

fn no_device(serial: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "VirtualMFADevice with serial number {serial} doesn't exist."
    ))
}

fn now_step(iam: &Iam) -> u64 {
    totp::step_at(iam.clock.now().unix_timestamp())
}

fn open_seed(iam: &Iam, d: &MfaDevice) -> Result<Zeroizing<Vec<u8>>, IamError> {
    iam.kek
        .open(&d.sealed_seed, d.serial_number.as_bytes())
        .map_err(|_| IamError::Seal)
}

/// The user (or root) an action names: `user_name`, or the caller when it is absent or empty.
/// Authorizes `action` on that user's ARN before revealing whether the user exists.
pub async fn resolve_target(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    action: &str,
    user_name: Option<&str>,
) -> Result<Target, IamError> {
    let account = caller.account();
    let name = match (user_name.filter(|n| !n.is_empty()), caller) {
        (Some(n), _) => {
            validate_user_name(n)?;
            n.to_owned()
        }
        (None, Principal::User { name, .. }) => name.clone(),
        (None, Principal::AssumedRole { .. } | Principal::FederatedUser { .. }) => {
            return Err(IamError::Validation(
                "Must specify userName when calling with non-User credentials".into(),
            ));
        }
        (None, Principal::Root { .. }) => {
            let resource = Arn::root(caller.partition(), account.as_str()).to_string();
            require(authorize(iam, caller, action, &resource, ctx).await?)?;
            let acct = iam
                .store
                .get_account(account)
                .await?
                .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?;
            return Ok(Target::Root(Box::new(acct)));
        }
    };
    // The caller itself is found by its id: a name can have moved to another user since
    // the caller's key was resolved.
    let found = match caller {
        Principal::User { user_id, .. } if user_name.is_none_or(str::is_empty) => {
            iam.store.get_user(account, user_id).await?
        }
        _ => iam.store.get_user_by_name(account, &name).await?,
    };
    crate::users::authorize_on_user(iam, caller, ctx, action, found.as_ref(), &name).await?;
    found.map(|u| Target::User(Box::new(u))).ok_or_else(|| {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    })
}

/// The key of the record that lists a target's devices (the user, or the account for root).
fn owner_key(account: &AccountId, t: &Target) -> String {
    match t {
        Target::Root(_) => account_key(account),
        Target::User(u) => entity_key::<User>(account, &u.user_id),
    }
}

/// Edits the device and its owner's record together, atomically.
async fn update_device_and_owner<F>(
    iam: &Iam,
    account: &AccountId,
    serial: &str,
    target: &Target,
    mut f: F,
) -> Result<(), IamError>
where
    F: FnMut(&mut MfaDevice, &mut Vec<String>) -> Result<(), IamError>,
{
    let dk = entity_key::<MfaDevice>(account, serial);
    let ok = owner_key(account, target);
    let out = match target {
        Target::Root(_) => {
            iam.store
                .update_pair::<MfaDevice, Account, _, IamError, _>(&dk, &ok, |d, a| {
                    f(d, &mut a.root_mfa_devices).map(|()| ((), Txn::new()))
                })
                .await?
        }
        Target::User(_) => {
            iam.store
                .update_pair::<MfaDevice, User, _, IamError, _>(&dk, &ok, |d, u| {
                    f(d, &mut u.mfa_devices).map(|()| ((), Txn::new()))
                })
                .await?
        }
    };
    out.unwrap_or_else(|| Err(no_device(serial)))
}

/// `CreateVirtualMFADevice`.
pub async fn create_virtual_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    name: &str,
    path: Option<&str>,
    tags: Vec<Tag>,
) -> Result<CreatedDevice, IamError> {
    validate_device_name(name)?;
    let path = path.unwrap_or("/");
    validate_path(path)?;
    validate_tags(&tags)?;
    let account = caller.account();
    let serial = serial_number(caller.partition(), account, path, name);
    let tag_keys = crate::authz::request_tag_keys(&tags);
    require(
        crate::authz::authorize_with(
            iam,
            caller,
            "iam:CreateVirtualMFADevice",
            &serial,
            ctx,
            &tag_keys,
        )
        .await?,
    )?;
    if !tags.is_empty() {
        // Tags set on create need the tag permission too, as AWS requires.
        require(
            crate::authz::authorize_with(iam, caller, "iam:TagMFADevice", &serial, ctx, &tag_keys)
                .await?,
        )?;
    }

    let mut seed = Zeroizing::new([0u8; totp::SEED_LEN]);
    iam.rng.fill(&mut seed[..]);
    let seed_base32 = Secret::new(totp::base32(&seed[..]));
    let label = iam
        .store
        .get_account(account)
        .await?
        .and_then(|a| a.alias)
        .unwrap_or_else(|| account.to_string());
    let uri = totp::otpauth_uri("fedgate", name, &label, seed_base32.expose());
    let qr_code_png = totp::qr_png(&uri)
        .map_err(|e| IamError::InvalidInput(format!("The QR code could not be made: {e}.")))?;
    let device = MfaDevice {
        account_id: account.clone(),
        serial_number: serial.clone(),
        name: name.to_owned(),
        path: path.to_owned(),
        created_at: iso8601(iam.clock.now()),
        sealed_seed: iam.kek.seal(iam.rng.as_ref(), &seed[..], serial.as_bytes()),
        enabled_for: None,
        enabled_at: None,
        last_step: None,
        drift: 0,
        tags,
    };
    iam.store
        .create_entity(&device, Txn::new())
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists => IamError::EntityAlreadyExists(
                "MFADevice entity at the same path and name already exists.".into(),
            ),
            other => other.into(),
        })?;
    Ok(CreatedDevice {
        device,
        seed_base32,
        qr_code_png,
    })
}

/// `EnableMFADevice`: two consecutive codes from the device enable it for the user (or root).
pub async fn enable_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    serial: &str,
    code1: &str,
    code2: &str,
) -> Result<(), IamError> {
    validate_serial(serial)?;
    validate_code(code1, "authenticationCode1")?;
    validate_code(code2, "authenticationCode2")?;
    let target = resolve_target(iam, caller, ctx, "iam:EnableMFADevice", user_name).await?;
    let account = caller.account();
    let device = iam
        .store
        .get_entity::<MfaDevice>(account, serial)
        .await?
        .ok_or_else(|| no_device(serial))?;
    if device.enabled_for.is_some() {
        return Err(IamError::EntityAlreadyExists(
            "MFA Device is already in use.".into(),
        ));
    }
    let seed = open_seed(iam, &device)?;
    let center = now_step(iam).saturating_add_signed(device.drift);
    let step =
        totp::verify_consecutive(&seed, code1, code2, center, WINDOW).ok_or_else(invalid_code)?;
    let owner = target.owner();
    let now = iso8601(iam.clock.now());
    update_device_and_owner(iam, account, serial, &target, |d, list| {
        if d.enabled_for.is_some() {
            return Err(IamError::EntityAlreadyExists(
                "MFA Device is already in use.".into(),
            ));
        }
        if d.last_step.is_some_and(|l| l >= step) {
            return Err(invalid_code());
        }
        if list.len() >= MAX_DEVICES_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for MFADevicesPerUser: {MAX_DEVICES_PER_USER}"
            )));
        }
        d.enabled_for = Some(owner.clone());
        d.enabled_at = Some(now.clone());
        d.last_step = Some(step);
        list.push(serial.to_owned());
        Ok(())
    })
    .await
}

/// Whether `d` is enabled for `target`.
fn enabled_for(d: &MfaDevice, target: &Target) -> bool {
    match (&d.enabled_for, target) {
        (Some(KeyOwner::Root), Target::Root(_)) => true,
        (Some(KeyOwner::User { user_id, .. }), Target::User(u)) => *user_id == u.user_id,
        _ => false,
    }
}

fn not_enabled_for(serial: &str, target: &Target) -> IamError {
    IamError::NoSuchEntity(format!(
        "MFA Device with serial number {serial} is not enabled for user {}.",
        target.name()
    ))
}

/// `DeactivateMFADevice`: the device stays (unassigned) and can be enabled again or deleted.
pub async fn deactivate_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    serial: &str,
) -> Result<(), IamError> {
    validate_serial(serial)?;
    let target = resolve_target(iam, caller, ctx, "iam:DeactivateMFADevice", user_name).await?;
    let account = caller.account();
    update_device_and_owner(iam, account, serial, &target, |d, list| {
        if !enabled_for(d, &target) {
            return Err(not_enabled_for(serial, &target));
        }
        d.enabled_for = None;
        d.enabled_at = None;
        list.retain(|s| s != serial);
        Ok(())
    })
    .await
}

/// `ResyncMFADevice`: two consecutive codes found within ±[`RESYNC_WINDOW`] steps teach the
/// device's clock drift; later codes are expected around `now + drift`.
pub async fn resync_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    serial: &str,
    code1: &str,
    code2: &str,
) -> Result<(), IamError> {
    validate_serial(serial)?;
    validate_code(code1, "authenticationCode1")?;
    validate_code(code2, "authenticationCode2")?;
    let target = resolve_target(iam, caller, ctx, "iam:ResyncMFADevice", user_name).await?;
    let account = caller.account();
    let device = iam
        .store
        .get_entity::<MfaDevice>(account, serial)
        .await?
        .ok_or_else(|| no_device(serial))?;
    if !enabled_for(&device, &target) {
        return Err(not_enabled_for(serial, &target));
    }
    let seed = open_seed(iam, &device)?;
    let now = now_step(iam);
    let step = totp::verify_consecutive(&seed, code1, code2, now, RESYNC_WINDOW)
        .ok_or_else(invalid_code)?;
    let drift = i64::try_from(step).unwrap_or(0) - i64::try_from(now).unwrap_or(0);
    iam.store
        .update_entity::<MfaDevice, _, IamError, _>(account, serial, |d| {
            if !enabled_for(d, &target) {
                return Err(not_enabled_for(serial, &target));
            }
            if d.last_step.is_some_and(|l| l >= step) {
                return Err(invalid_code());
            }
            d.last_step = Some(step);
            d.drift = drift;
            Ok(())
        })
        .await?
        .unwrap_or_else(|| Err(no_device(serial)))
}

/// `DeleteVirtualMFADevice`: refused (`DeleteConflict`) while the device is enabled.
pub async fn delete_virtual_mfa_device(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    serial: &str,
) -> Result<(), IamError> {
    validate_serial(serial)?;
    let keys = tags::device_tag_keys(iam, caller, serial).await?;
    require(
        crate::authz::authorize_with(
            iam,
            caller,
            "iam:DeleteVirtualMFADevice",
            serial,
            ctx,
            &keys,
        )
        .await?,
    )?;
    let account = caller.account();
    for _ in 0..8 {
        let (d, version) = iam
            .store
            .get_entity_versioned::<MfaDevice>(account, serial)
            .await?
            .ok_or_else(|| no_device(serial))?;
        if d.enabled_for.is_some() {
            return Err(IamError::DeleteConflict(
                "MFA VirtualDevice in use. Must deactivate first.".into(),
            ));
        }
        match iam.store.delete_entity(&d, version, Txn::new()).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}
