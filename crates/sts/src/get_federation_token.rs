//! `GetFederationToken`: temporary credentials for a federated user, on behalf of the IAM user
//! (or, discouraged but allowed, the root user) that calls it with long-term credentials.
//!
//! As the STS API Reference documents: `Name` is 2–32 characters of `[\w+=,.@-]`;
//! `DurationSeconds` 900–129,600 (default 43,200), and a root caller's session is cut to one
//! hour; `Policy` and up to 10 `PolicyArns` are the session policies (none: the session has
//! no permissions, see `fedgate_iam::authz::federated`); up to 50 `Tags` are session tags
//! (they override the user's tags of the same key). Temporary credentials cannot call it
//! (`AccessDenied`). The caller needs `sts:GetFederationToken` on the federated user's ARN
//! (`arn:{partition}:sts::{account}:federated-user/{Name}`, the Service Authorization
//! Reference's `federated-user` resource, with `aws:RequestTag/…` and `aws:TagKeys`), and
//! `sts:TagSession` on the same ARN when passing tags.
//!
//! The session is listed under the calling user (or `root`), so deleting the user ends it.

use crate::error::access_denied;
use crate::issue::{Credentials, issue};
use crate::{StsError, params};
use fedgate_core::{Arn, Principal};
use fedgate_iam::Iam;
use fedgate_iam::authz::{RequestContext, authorize_with, request_tag_keys, require};
use fedgate_store::model::{SessionDetails, Tag};

pub const MIN_SECS: i64 = 900;
pub const MAX_SECS: i64 = 129_600;
pub const DEFAULT_SECS: i64 = 43_200;
/// Longest session the root user can federate, seconds.
pub const ROOT_MAX_SECS: i64 = 3600;
/// Longest federated user name.
pub const NAME_MAX: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct GetFederationTokenRequest {
    pub name: String,
    pub duration_seconds: Option<i64>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct GetFederationTokenResult {
    pub credentials: Credentials,
    /// `{account}:{Name}`
    pub federated_user_id: String,
    /// `arn:{p}:sts::{account}:federated-user/{Name}`
    pub arn: String,
    /// Reported when session policies or tags were passed.
    pub packed_policy_size: Option<u32>,
}

fn validate(req: &GetFederationTokenRequest) -> Result<(), StsError> {
    params::validate_name_within(&req.name, "name", NAME_MAX)?;
    if let Some(d) = req.duration_seconds {
        params::validate_duration(d, MIN_SECS, MAX_SECS)?;
    }
    params::validate_tags(&req.tags, &[])
}

pub async fn get_federation_token(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    req: &GetFederationTokenRequest,
) -> Result<GetFederationTokenResult, StsError> {
    validate(req)?;
    let with_session = || access_denied("Cannot call GetFederationToken with session credentials");
    if caller.is_temporary() {
        return Err(with_session());
    }
    let (user_id, owner_id) = match caller {
        Principal::Root { .. } => (None, "root".to_owned()),
        Principal::User { user_id, .. } => (Some(user_id.clone()), user_id.clone()),
        Principal::AssumedRole { .. } | Principal::FederatedUser { .. } => {
            return Err(with_session());
        }
    };
    let account = caller.account().clone();
    let federated_arn = Arn {
        partition: iam.partition.clone(),
        service: "sts".into(),
        region: String::new(),
        account: account.to_string(),
        resource: format!("federated-user/{}", req.name),
    }
    .to_string();
    let keys = request_tag_keys(&req.tags);
    require(
        authorize_with(
            iam,
            caller,
            "sts:GetFederationToken",
            &federated_arn,
            ctx,
            &keys,
        )
        .await?,
    )?;
    if !req.tags.is_empty() {
        require(authorize_with(iam, caller, "sts:TagSession", &federated_arn, ctx, &keys).await?)?;
    }
    let requested = req.duration_seconds.unwrap_or(DEFAULT_SECS);
    let duration = if user_id.is_none() {
        requested.min(ROOT_MAX_SECS)
    } else {
        requested
    };
    params::check_session_policies(iam, &account, req.policy.as_deref(), &req.policy_arns).await?;
    let packed = params::packed_policy_size(req.policy.as_deref(), &req.policy_arns, &req.tags)?;

    let details = SessionDetails {
        owner_id,
        session_policy: req.policy.clone(),
        policy_arns: req.policy_arns.clone(),
        tags: req.tags.clone(),
        federated_name: Some(req.name.clone()),
        ..SessionDetails::default()
    };
    let principal = |access_key_id| Principal::FederatedUser {
        partition: iam.partition.clone(),
        account: account.clone(),
        name: req.name.clone(),
        user_id,
        access_key_id,
    };
    let (credentials, principal) = issue(iam, principal, details, duration).await?;
    let has_session_inputs =
        req.policy.is_some() || !req.policy_arns.is_empty() || !req.tags.is_empty();
    Ok(GetFederationTokenResult {
        credentials,
        federated_user_id: principal.user_id().into_owned(),
        arn: principal.arn().to_string(),
        packed_policy_size: has_session_inputs.then_some(packed),
    })
}
