//! `ListMFADevices` (the devices enabled for a user or root) and `ListVirtualMFADevices`
//! (every virtual device of the account, filtered by assignment, with who it is assigned to).

use super::{resolve_target, validation};
use crate::authz::{RequestContext, authorize, require};
use crate::{Iam, IamError};
use fedgate_core::Principal;
use fedgate_store::model::{Account, KeyOwner, MfaDevice, User};

/// One page of `ListMFADevices`.
#[derive(Debug)]
pub struct MfaDeviceList {
    /// The user name reported with each device (the account id for the root user).
    pub user_name: String,
    pub devices: Vec<MfaDevice>,
    pub next_marker: Option<String>,
}

/// `ListMFADevices`: the devices enabled for the user (or root), in the order enabled.
/// The marker is the serial number of the last device returned.
pub async fn list_mfa_devices(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    marker: Option<&str>,
    max_items: usize,
) -> Result<MfaDeviceList, IamError> {
    let target = resolve_target(iam, caller, ctx, "iam:ListMFADevices", user_name).await?;
    let serials = target.devices();
    let start = match marker {
        None => 0,
        Some(m) => serials
            .iter()
            .position(|s| s == m)
            .map(|i| i + 1)
            .ok_or_else(|| IamError::InvalidInput("Invalid Marker.".into()))?,
    };
    let page: Vec<&String> = serials.iter().skip(start).take(max_items).collect();
    let next_marker = (start + page.len() < serials.len())
        .then(|| page.last().map(|s| (*s).clone()))
        .flatten();
    let mut devices = Vec::with_capacity(page.len());
    for s in page {
        if let Some(d) = iam
            .store
            .get_entity::<MfaDevice>(caller.account(), s)
            .await?
        {
            devices.push(d);
        }
    }
    Ok(MfaDeviceList {
        user_name: target.name().to_owned(),
        devices,
        next_marker,
    })
}

/// `AssignmentStatus` of `ListVirtualMFADevices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentStatus {
    Assigned,
    Unassigned,
    Any,
}

impl AssignmentStatus {
    pub fn parse(s: &str) -> Result<Self, IamError> {
        match s {
            "Assigned" => Ok(Self::Assigned),
            "Unassigned" => Ok(Self::Unassigned),
            "Any" => Ok(Self::Any),
            _ => Err(validation(
                s,
                "assignmentStatus",
                "Member must satisfy enum value set: [Unassigned, Any, Assigned]",
            )),
        }
    }
    fn admits(self, d: &MfaDevice) -> bool {
        match self {
            Self::Any => true,
            Self::Assigned => d.enabled_for.is_some(),
            Self::Unassigned => d.enabled_for.is_none(),
        }
    }
}

/// Who an assigned device belongs to, for the `User` element.
#[derive(Debug, Clone)]
pub enum Assignee {
    Root(Box<Account>),
    User(Box<User>),
}

/// `ListVirtualMFADevices`: devices in name order, filtered by assignment.
pub async fn list_virtual_mfa_devices(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    status: AssignmentStatus,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(Vec<(MfaDevice, Option<Assignee>)>, Option<String>), IamError> {
    require(authorize(iam, caller, "iam:ListVirtualMFADevices", "*", ctx).await?)?;
    let account = caller.account();
    let mut out = Vec::new();
    let mut cursor = marker.map(str::to_owned);
    loop {
        let (batch, next) = iam
            .store
            .list_entities::<MfaDevice>(account, cursor.as_deref(), max_items)
            .await?;
        let n = batch.len();
        for (i, d) in batch.into_iter().enumerate() {
            if !status.admits(&d) {
                continue;
            }
            let member = format!("{}/{}", d.name.to_lowercase(), d.serial_number);
            let assignee = match &d.enabled_for {
                None => None,
                Some(KeyOwner::Root) => iam
                    .store
                    .get_account(account)
                    .await?
                    .map(|a| Assignee::Root(Box::new(a))),
                Some(KeyOwner::User { user_id, .. }) => iam
                    .store
                    .get_user(account, user_id)
                    .await?
                    .map(|u| Assignee::User(Box::new(u))),
            };
            out.push((d, assignee));
            if out.len() == max_items {
                let more = i + 1 < n || next.is_some();
                return Ok((out, more.then_some(member)));
            }
        }
        match next {
            Some(m) => cursor = Some(m),
            None => return Ok((out, None)),
        }
    }
}
