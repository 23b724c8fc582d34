//! MFA device actions: CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice,
//! ResyncMFADevice, ListMFADevices, ListVirtualMFADevices, DeleteVirtualMFADevice,
//! TagMFADevice, UntagMFADevice, ListMFADeviceTags.

use super::shapes::{page, page_end, tag_keys, tag_params, tags, user_fields};
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fedgate_core::Arn;
use fedgate_iam::mfa::{self, Assignee, AssignmentStatus};

pub const ACTIONS: &[ActionDef] = &[
    action!(
        "CreateVirtualMFADevice",
        Iam,
        Write,
        create_virtual_mfa_device
    ),
    action!("EnableMFADevice", Iam, Write, enable_mfa_device),
    action!("DeactivateMFADevice", Iam, Write, deactivate_mfa_device),
    action!("ResyncMFADevice", Iam, Write, resync_mfa_device),
    action!("ListMFADevices", Iam, Read, list_mfa_devices),
    action!("ListVirtualMFADevices", Iam, Read, list_virtual_mfa_devices),
    action!(
        "DeleteVirtualMFADevice",
        Iam,
        Write,
        delete_virtual_mfa_device
    ),
    action!("TagMFADevice", Iam, Write, tag_mfa_device),
    action!("UntagMFADevice", Iam, Write, untag_mfa_device),
    action!("ListMFADeviceTags", Iam, Read, list_mfa_device_tags),
];

async fn create_virtual_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, "VirtualMFADeviceName")?;
    let created = mfa::create_virtual_mfa_device(
        c.iam,
        c.caller,
        c.ctx,
        name,
        c.params.get("Path"),
        tag_params(c.params),
    )
    .await?;
    let mut x = Xml::new();
    // Blobs travel base64-encoded; the SDKs decode them (Base32StringSeed decodes to the
    // Base32 text of the seed).
    x.open("VirtualMFADevice")
        .elem("SerialNumber", &created.device.serial_number)
        .elem(
            "Base32StringSeed",
            &STANDARD.encode(created.seed_base32.expose().as_bytes()),
        )
        .elem("QRCodePNG", &STANDARD.encode(&created.qr_code_png));
    tags(&mut x, &created.device.tags);
    x.close("VirtualMFADevice");
    Ok(x.into_string())
}

fn codes<'a>(c: &'a Call<'_>) -> Result<(&'a str, &'a str, &'a str), ApiError> {
    Ok((
        required(c.params, "SerialNumber")?,
        required(c.params, "AuthenticationCode1")?,
        required(c.params, "AuthenticationCode2")?,
    ))
}

async fn enable_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let (serial, a, b) = codes(c)?;
    let user = c.params.get("UserName");
    mfa::enable_mfa_device(c.iam, c.caller, c.ctx, user, serial, a, b).await?;
    Ok(String::new())
}

async fn deactivate_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let serial = required(c.params, "SerialNumber")?;
    let user = c.params.get("UserName");
    mfa::deactivate_mfa_device(c.iam, c.caller, c.ctx, user, serial).await?;
    Ok(String::new())
}

async fn resync_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let (serial, a, b) = codes(c)?;
    let user = c.params.get("UserName");
    mfa::resync_mfa_device(c.iam, c.caller, c.ctx, user, serial, a, b).await?;
    Ok(String::new())
}

async fn list_mfa_devices(c: &Call<'_>) -> Result<String, ApiError> {
    let p = page(c.params)?;
    let user = c.params.get("UserName");
    let list = mfa::list_mfa_devices(c.iam, c.caller, c.ctx, user, p.marker, p.max_items).await?;
    let mut x = Xml::new();
    x.open("MFADevices");
    for d in &list.devices {
        x.open("member")
            .elem("UserName", &list.user_name)
            .elem("SerialNumber", &d.serial_number)
            .opt("EnableDate", d.enabled_at.as_deref())
            .close("member");
    }
    x.close("MFADevices");
    page_end(&mut x, list.next_marker.as_deref());
    Ok(x.into_string())
}

async fn list_virtual_mfa_devices(c: &Call<'_>) -> Result<String, ApiError> {
    let p = page(c.params)?;
    let status = match c.params.get("AssignmentStatus") {
        None => AssignmentStatus::Any,
        Some(s) => AssignmentStatus::parse(s)?,
    };
    let (devices, next) =
        mfa::list_virtual_mfa_devices(c.iam, c.caller, c.ctx, status, p.marker, p.max_items)
            .await?;
    let partition = &c.iam.partition;
    let mut x = Xml::new();
    x.open("VirtualMFADevices");
    for (d, who) in &devices {
        x.open("member").elem("SerialNumber", &d.serial_number);
        match who {
            Some(Assignee::User(u)) => {
                x.open("User");
                user_fields(&mut x, partition, u, false);
                x.close("User");
            }
            Some(Assignee::Root(a)) => {
                x.open("User")
                    .elem("UserId", a.id.as_str())
                    .elem("Arn", &Arn::root(partition, a.id.as_str()).to_string())
                    .elem("CreateDate", &a.created_at)
                    .close("User");
            }
            None => {}
        }
        x.opt("EnableDate", d.enabled_at.as_deref());
        tags(&mut x, &d.tags);
        x.close("member");
    }
    x.close("VirtualMFADevices");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}

async fn delete_virtual_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let serial = required(c.params, "SerialNumber")?;
    mfa::delete_virtual_mfa_device(c.iam, c.caller, c.ctx, serial).await?;
    Ok(String::new())
}

async fn tag_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let serial = required(c.params, "SerialNumber")?;
    mfa::tag_mfa_device(c.iam, c.caller, c.ctx, serial, tag_params(c.params)).await?;
    Ok(String::new())
}

async fn untag_mfa_device(c: &Call<'_>) -> Result<String, ApiError> {
    let serial = required(c.params, "SerialNumber")?;
    mfa::untag_mfa_device(c.iam, c.caller, c.ctx, serial, &tag_keys(c.params)).await?;
    Ok(String::new())
}

async fn list_mfa_device_tags(c: &Call<'_>) -> Result<String, ApiError> {
    let serial = required(c.params, "SerialNumber")?;
    let p = page(c.params)?;
    let (list, next) =
        mfa::list_mfa_device_tags(c.iam, c.caller, c.ctx, serial, p.marker, p.max_items).await?;
    let mut x = Xml::new();
    x.open("Tags");
    for t in &list {
        x.open("member")
            .elem("Key", &t.key)
            .elem("Value", &t.value)
            .close("member");
    }
    x.close("Tags");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}
