//! `GetSessionToken`: temporary credentials for an IAM user or the root user, optionally
//! MFA-authenticated. AWS requires no permission for it; it cannot be called with temporary
//! credentials. Users: 900–129,600 s (default 43,200); root: at most 3,600 s (longer requests
//! are cut to one hour, as AWS documents).

use crate::assume_role::verify_mfa;
use crate::error::{access_denied, validation};
use crate::issue::{Credentials, issue};
use crate::{StsError, params};
use fedgate_core::Principal;
use fedgate_iam::Iam;
use fedgate_store::model::SessionDetails;

#[derive(Debug, Clone, Default)]
pub struct GetSessionTokenRequest {
    pub duration_seconds: Option<i64>,
    pub serial_number: Option<String>,
    pub token_code: Option<String>,
}

pub async fn get_session_token(
    iam: &Iam,
    caller: &Principal,
    req: &GetSessionTokenRequest,
) -> Result<Credentials, StsError> {
    if let Some(d) = req.duration_seconds {
        params::validate_duration(d, 900, 129_600)?;
    }
    if let Some(serial) = &req.serial_number {
        fedgate_iam::mfa::validate_serial(serial)?;
    }
    if let Some(code) = &req.token_code {
        fedgate_iam::mfa::validate_code(code, "tokenCode")?;
    }
    if req.serial_number.is_some() != req.token_code.is_some() {
        return Err(validation(
            "SerialNumber and TokenCode must be given together.",
        ));
    }
    if caller.is_temporary() {
        return Err(access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let (duration, owner_id) = match caller {
        Principal::Root { .. } => (
            req.duration_seconds.unwrap_or(3600).min(3600),
            "root".to_owned(),
        ),
        Principal::User { user_id, .. } => {
            (req.duration_seconds.unwrap_or(43_200), user_id.clone())
        }
        Principal::AssumedRole { .. } | Principal::FederatedUser { .. } => {
            return Err(access_denied(
                "Cannot call GetSessionToken with session credentials",
            ));
        }
    };
    let mfa_at = match (&req.serial_number, &req.token_code) {
        (Some(serial), Some(code)) => {
            verify_mfa(iam, caller, serial, code).await?;
            Some(iam.clock.now_millis())
        }
        _ => None,
    };
    let details = SessionDetails {
        owner_id,
        mfa_authenticated_at_ms: mfa_at,
        ..SessionDetails::default()
    };
    let base = caller.clone();
    let (credentials, _) = issue(
        iam,
        move |id| match base {
            Principal::Root {
                partition, account, ..
            } => Principal::Root {
                partition,
                account,
                access_key_id: Some(id),
            },
            Principal::User {
                partition,
                account,
                user_id,
                name,
                path,
                ..
            } => Principal::User {
                partition,
                account,
                user_id,
                name,
                path,
                access_key_id: Some(id),
            },
            other => other,
        },
        details,
        duration,
    )
    .await?;
    Ok(credentials)
}
