//! Account-level actions: aliases (`CreateAccountAlias`, `ListAccountAliases`,
//! `DeleteAccountAlias`), `GetAccountSummary`, `GetAccountAuthorizationDetails`, and creating
//! a further account (root user only) for `fedgate account create`.
//!
//! An account has at most one alias; creating another replaces it (AWS Sign-In user guide:
//! "the new alias overwrites the previous alias"). Aliases are unique across all accounts of
//! the store: the account record and the global `alias/{alias}` key change in one transaction.

use crate::authz::{RequestContext, authorize, require};
use crate::bootstrap::validate_alias;
use crate::{Iam, IamError, password};
use fedgate_core::clock::iso8601;
use fedgate_core::ids::generate_password;
use fedgate_core::{AccountId, Principal, Secret};
use fedgate_store::entities::Entity;
use fedgate_store::model::{Account, Group, KeyOwner, ManagedPolicy, MfaDevice, Role, User};
use fedgate_store::{Store, StoreError};

mod authorization_details;
pub use authorization_details::{
    AWS_POLICY_DATE, AuthorizationDetails, AwsPolicyDetail, EntityFilter,
    get_account_authorization_details,
};

/// IAM's fixed quotas, as `GetAccountSummary` reports them (IAM and AWS STS quotas page);
/// the account-wide entity quotas (`UsersQuota`, `GroupsQuota`, `RolesQuota`,
/// `PoliciesQuota`) come from [`crate::Quotas`] and precede these.
pub const QUOTAS: &[(&str, i64)] = &[
    ("InstanceProfilesQuota", 1000),
    ("ServerCertificatesQuota", 20),
    ("GroupsPerUserQuota", 10),
    ("AttachedPoliciesPerUserQuota", 10),
    ("AttachedPoliciesPerGroupQuota", 10),
    ("AttachedPoliciesPerRoleQuota", 10),
    ("AccessKeysPerUserQuota", 2),
    ("SigningCertificatesPerUserQuota", 2),
    ("VersionsPerPolicyQuota", 5),
    ("PolicyVersionsInUseQuota", 10000),
    ("PolicySizeQuota", 6144),
    ("UserPolicySizeQuota", 2048),
    ("GroupPolicySizeQuota", 5120),
    ("RolePolicySizeQuota", 10240),
    ("AssumeRolePolicySizeQuota", 2048),
];

fn alias_error(alias: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{alias}' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){{1,61}}[a-z0-9]$"
    ))
}

/// `CreateAccountAlias`: sets the account's alias, replacing one it had.
pub async fn create_account_alias(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    alias: &str,
) -> Result<(), IamError> {
    validate_alias(alias).map_err(|_| alias_error(alias))?;
    require(authorize(iam, caller, "iam:CreateAccountAlias", "*", ctx).await?)?;
    match iam
        .store
        .set_account_alias(caller.account(), Some(alias))
        .await
    {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(IamError::NoSuchEntity("The account does not exist.".into())),
        Err(StoreError::AlreadyExists) => Err(IamError::EntityAlreadyExists(format!(
            "The account alias {alias} already exists."
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `ListAccountAliases`: zero or one alias.
pub async fn list_account_aliases(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<Vec<String>, IamError> {
    require(authorize(iam, caller, "iam:ListAccountAliases", "*", ctx).await?)?;
    let account = iam.store.get_account(caller.account()).await?;
    Ok(account.and_then(|a| a.alias).into_iter().collect())
}

/// `DeleteAccountAlias`: `NoSuchEntity` unless `alias` is the account's alias.
pub async fn delete_account_alias(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    alias: &str,
) -> Result<(), IamError> {
    validate_alias(alias).map_err(|_| alias_error(alias))?;
    require(authorize(iam, caller, "iam:DeleteAccountAlias", "*", ctx).await?)?;
    let missing = || IamError::NoSuchEntity(format!("The account alias {alias} cannot be found."));
    let current = iam
        .store
        .get_account(caller.account())
        .await?
        .and_then(|a| a.alias);
    if current.as_deref() != Some(alias) {
        return Err(missing());
    }
    match iam.store.set_account_alias(caller.account(), None).await? {
        Some(Some(old)) if old == alias => Ok(()),
        // A concurrent CreateAccountAlias replaced it meanwhile: keep that one.
        Some(Some(old)) => {
            let _ = iam
                .store
                .set_account_alias(caller.account(), Some(&old))
                .await;
            Err(missing())
        }
        _ => Err(missing()),
    }
}

/// How many entities of kind `T` the account has (O(1): the index keeps its length).
async fn count<T: Entity>(store: &Store, account: &AccountId) -> Result<i64, IamError> {
    let n = store.count_entities::<T>(account).await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Every entity of kind `T` in the account (name order).
pub(crate) async fn all<T: Entity>(store: &Store, account: &AccountId) -> Result<Vec<T>, IamError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let (page, next) = store
            .list_entities::<T>(account, marker.as_deref(), 1000)
            .await?;
        out.extend(page);
        match next {
            Some(m) => marker = Some(m),
            None => return Ok(out),
        }
    }
}

/// `GetAccountSummary`: usage and quotas, with AWS's keys, in a stable order.
pub async fn get_account_summary(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<Vec<(&'static str, i64)>, IamError> {
    require(authorize(iam, caller, "iam:GetAccountSummary", "*", ctx).await?)?;
    let account_id = caller.account();
    let store = &iam.store;
    let account = store
        .get_account(account_id)
        .await?
        .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?;
    let devices = all::<MfaDevice>(store, account_id).await?;
    let in_use = devices.iter().filter(|d| d.enabled_for.is_some()).count();
    let policies = all::<ManagedPolicy>(store, account_id).await?;
    let versions: usize = policies.iter().map(|p| p.versions.len()).sum();
    let root_keys = store
        .list_access_keys(account_id, &KeyOwner::Root)
        .await?
        .len();
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mut out = vec![
        ("Users", count::<User>(store, account_id).await?),
        ("Groups", count::<Group>(store, account_id).await?),
        ("Roles", count::<Role>(store, account_id).await?),
        ("Policies", as_i64(policies.len())),
        ("PolicyVersionsInUse", as_i64(versions)),
        ("MFADevices", as_i64(devices.len())),
        ("MFADevicesInUse", as_i64(in_use)),
        (
            "AccountMFAEnabled",
            i64::from(!account.root_mfa_devices.is_empty()),
        ),
        ("AccountAccessKeysPresent", i64::from(root_keys > 0)),
        (
            "AccountPasswordPresent",
            i64::from(account.root_password_hash.is_some()),
        ),
        ("AccountSigningCertificatesPresent", 0),
        ("InstanceProfiles", 0),
        ("ServerCertificates", 0),
        ("Providers", 0),
        ("GlobalEndpointTokenVersion", 1),
    ];
    let q = iam.quotas;
    let as_quota = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    out.extend_from_slice(&[
        ("UsersQuota", as_quota(q.users)),
        ("GroupsQuota", as_quota(q.groups)),
        ("RolesQuota", as_quota(q.roles)),
        ("PoliciesQuota", as_quota(q.policies)),
    ]);
    out.extend_from_slice(QUOTAS);
    Ok(out)
}

/// A further account made by [`create_account`].
#[derive(Debug)]
pub struct CreatedAccount {
    pub account_id: AccountId,
    pub alias: Option<String>,
    pub root_password: Secret,
}

/// Creates an account with only its root user (a generated console password; no IAM users,
/// no access keys). `EntityAlreadyExists` when the id or the alias is taken.
pub async fn create_account(
    iam: &Iam,
    account_id: Option<AccountId>,
    alias: Option<String>,
) -> Result<CreatedAccount, IamError> {
    if let Some(a) = &alias {
        validate_alias(a)?;
    }
    let rng = iam.rng.as_ref();
    let account_id = account_id.unwrap_or_else(|| AccountId::generate(rng));
    let root_password = generate_password(rng, 24);
    let account = Account {
        id: account_id.clone(),
        alias: alias.clone(),
        created_at: iso8601(iam.clock.now()),
        root_password_hash: Some(password::hash(rng, &root_password)?),
        bootstrap_admin_user_id: None,
        root_password_changed_at: None,
        root_mfa_devices: vec![],
        password_policy: None,
        credential_report_generated_at: None,
    };
    iam.store
        .create_account(&account)
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists => IamError::EntityAlreadyExists(match &alias {
                Some(a) => format!("Account {account_id} or alias {a} already exists."),
                None => format!("Account {account_id} already exists."),
            }),
            other => other.into(),
        })?;
    Ok(CreatedAccount {
        account_id,
        alias,
        root_password,
    })
}
