//! The second half of every federated sign-in (`AssumeRoleWithWebIdentity`,
//! `AssumeRoleWithSAML`, the browser flows), once the trust policy has admitted the
//! identity: the duration against the role's `MaxSessionDuration`, the session policies
//! and their packed size, the session with its tags and source identity, and the role's
//! last use.

use crate::StsError;
use crate::assume_role::parse_role_arn;
use crate::assume_role::{DEFAULT_SECS, note_role_used};
use crate::error::{access_denied, validation};
use crate::issue::{Credentials, issue};
use crate::params;
use crate::web_identity_trust::SessionInputs;
use fedgate_core::{AccountId, Principal};
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_store::model::{Role, SessionDetails};

/// What the caller asked for besides the role.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub session_name: &'a str,
    pub policy: Option<&'a str>,
    pub policy_arns: &'a [String],
    pub duration_seconds: Option<i64>,
    /// The identity provider's own end of the session (SAML `SessionNotOnOrAfter`, Unix
    /// seconds): the credentials expire then at the latest.
    pub not_after: Option<i64>,
    /// A duration above the role's `MaxSessionDuration` is cut to it instead of refused (a
    /// duration the identity provider asked for, such as SAML's `SessionDuration`, rather
    /// than the caller's `DurationSeconds`).
    pub cap_to_role_max: bool,
}

/// The minted session.
#[derive(Debug, Clone)]
pub struct Issued {
    pub credentials: Credentials,
    pub assumed_role_id: String,
    pub arn: String,
    pub packed_policy_size: Option<u32>,
    pub source_identity: Option<String>,
}

/// Mints a session of `role` (in `account`) as `asked`, with the identity's session
/// `inputs`; the trust policy has decided already.
pub async fn issue_for_role(
    iam: &Iam,
    ctx: &RequestContext,
    account: AccountId,
    role: &Role,
    asked: Asked<'_>,
    inputs: SessionInputs,
) -> Result<Issued, StsError> {
    let mut duration = asked.duration_seconds.unwrap_or(DEFAULT_SECS);
    if asked.cap_to_role_max {
        duration = duration.min(i64::from(role.max_session_duration));
    }
    if duration > i64::from(role.max_session_duration) {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    if let Some(end) = asked.not_after {
        let left = end - iam.clock.now().unix_timestamp();
        if left <= 0 {
            return Err(StsError::Saml(fedgate_saml::SamlError::Expired(
                "The identity provider's session (SessionNotOnOrAfter) has ended.".into(),
            )));
        }
        duration = duration.min(left);
    }
    params::check_session_policies(iam, &account, asked.policy, asked.policy_arns).await?;
    let packed = params::packed_policy_size(asked.policy, asked.policy_arns, &inputs.tags)?;
    let has_session_inputs =
        asked.policy.is_some() || !asked.policy_arns.is_empty() || !inputs.tags.is_empty();
    let principal = |access_key_id| Principal::AssumedRole {
        partition: iam.partition.clone(),
        account: account.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: asked.session_name.to_owned(),
        access_key_id,
    };
    let source_identity = inputs.source_identity.clone();
    let details = SessionDetails {
        owner_id: role.role_id.clone(),
        session_policy: asked.policy.map(str::to_owned),
        policy_arns: asked.policy_arns.to_vec(),
        tags: inputs.tags,
        transitive_tag_keys: inputs.transitive_tag_keys,
        source_identity: source_identity.clone(),
        ..SessionDetails::default()
    };
    let (credentials, principal) = issue(iam, principal, details, duration).await?;
    note_role_used(iam, role, ctx).await;
    Ok(Issued {
        credentials,
        assumed_role_id: principal.user_id().into_owned(),
        arn: principal.arn().to_string(),
        packed_policy_size: has_session_inputs.then_some(packed),
        source_identity,
    })
}

/// The role `role_arn` names, with its account. An unknown role is refused like an
/// untrusted one: AccessDenied "Not authorized to perform `action`".
pub(crate) async fn load_role(
    iam: &Iam,
    role_arn: &str,
    action: &str,
) -> Result<(AccountId, Role), StsError> {
    let Some((account, path, name)) = parse_role_arn(role_arn, &iam.partition) else {
        return Err(validation(format!("{role_arn} is invalid")));
    };
    let role: Role = iam
        .store
        .get_entity_by_name::<Role>(&account, &name)
        .await?
        .filter(|r| r.path == path && r.name == name)
        .ok_or_else(|| access_denied(format!("Not authorized to perform {action}")))?;
    Ok((account, role))
}
