//! Access keys: Create/List/Update/Delete, GetAccessKeyLastUsed; at most two per user.
//!
//! `UserName` is optional everywhere: without it the caller's own keys are meant, and for the
//! account root user that means ROOT access keys (allowed, as AWS allows them, though AWS
//! recommends against them). The secret access key exists in clear only in the value
//! [`create_access_key`] returns; the store keeps it sealed under the KEK.
//!
//! The two-keys quota is race-free: a new key is written in the same transaction as an
//! unchanged rewrite of its owner's record (the user, or the account for root keys), checked
//! against the version read before counting, so two concurrent creates cannot both pass.

use crate::authz::{RequestContext, authorize, require};
use crate::users::validate_user_name;
use crate::{Iam, IamError};
use fedgate_core::clock::iso8601;
use fedgate_core::ids::generate_secret_access_key;
use fedgate_core::{AccessKeyId, Arn, Principal, Secret};
use fedgate_store::entities::entity_key;
use fedgate_store::model::{AccessKey, KeyOwner, KeyStatus, LastUsed, User};
use fedgate_store::{StoreError, Txn};
use time::OffsetDateTime;

/// IAM's quota `AccessKeysPerUser` (root has the same limit).
pub const MAX_KEYS_PER_USER: usize = 2;

/// How stale a recorded last use must be before a new use is written again.
pub const LAST_USED_GRANULARITY_SECS: i64 = 300;

/// Whose keys an action is about.
#[derive(Debug, Clone)]
pub enum KeyTarget {
    Root,
    User(Box<User>),
}

impl KeyTarget {
    pub fn owner(&self) -> KeyOwner {
        match self {
            KeyTarget::Root => KeyOwner::Root,
            KeyTarget::User(u) => KeyOwner::User {
                user_id: u.user_id.clone(),
                user_name: u.name.clone(),
            },
        }
    }

    /// The `UserName` AWS reports with a key (none for root keys).
    pub fn user_name(&self) -> Option<&str> {
        match self {
            KeyTarget::Root => None,
            KeyTarget::User(u) => Some(&u.name),
        }
    }
}

pub(crate) fn no_such_user(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
}

/// The user `user_name` names, or the caller itself when omitted (root when root calls),
/// after authorizing `action` on that user's ARN: an unauthorized caller learns nothing about
/// whether the user exists.
pub async fn resolve_target(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    action: &str,
) -> Result<KeyTarget, IamError> {
    let account = caller.account();
    let name = match (user_name, caller) {
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
            let arn = Arn::root(caller.partition(), account.as_str()).to_string();
            require(authorize(iam, caller, action, &arn, ctx).await?)?;
            return Ok(KeyTarget::Root);
        }
    };
    // The caller itself is found by its id: a name can have moved to another user since
    // the caller's key was resolved.
    let found = match caller {
        Principal::User { user_id, .. } if user_name.is_none() => {
            iam.store.get_user(account, user_id).await?
        }
        _ => iam.store.get_user_by_name(account, &name).await?,
    };
    crate::users::authorize_on_user(iam, caller, ctx, action, found.as_ref(), &name).await?;
    found
        .map(|u| KeyTarget::User(Box::new(u)))
        .ok_or_else(|| no_such_user(&name))
}

/// AWS's `AccessKeyId` constraint: 16–128 characters of `[\w]`.
pub fn validate_access_key_id(id: &str) -> Result<(), IamError> {
    let ok = (16..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "1 validation error detected: Value '{id}' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+ and have length between 16 and 128"
        )))
    }
}

pub fn parse_status(s: &str) -> Result<KeyStatus, IamError> {
    match s {
        "Active" => Ok(KeyStatus::Active),
        "Inactive" => Ok(KeyStatus::Inactive),
        other => Err(IamError::Validation(format!(
            "1 validation error detected: Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
        ))),
    }
}

fn no_such_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
}

/// The record whose version guards the owner's key count (see the module doc).
fn owner_record_key(caller: &Principal, target: &KeyTarget) -> String {
    match target {
        KeyTarget::Root => format!("acct/{}", caller.account()),
        KeyTarget::User(u) => entity_key::<User>(&u.account_id, &u.user_id),
    }
}

/// The writes that create `key` (layout documented in `fedgate_store::store`).
fn key_txn(key: &AccessKey) -> Result<Txn, IamError> {
    let k = format!("ak/{}", key.access_key_id);
    let index = match &key.owner {
        KeyOwner::Root => format!("acct/{}/keys/root", key.account_id),
        KeyOwner::User { user_id, .. } => format!("acct/{}/keys/{user_id}", key.account_id),
    };
    let json = serde_json::to_vec(key).map_err(|e| IamError::Store(StoreError::corrupt(e)))?;
    Ok(Txn::new()
        .check_absent(&k)
        .put(&k, json)
        .index_add(index, key.access_key_id.as_str()))
}

/// The owner's keys, oldest first (the order ListAccessKeys and the credential report use).
pub async fn keys_of(
    iam: &Iam,
    account: &fedgate_core::AccountId,
    owner: &KeyOwner,
) -> Result<Vec<AccessKey>, IamError> {
    let mut keys = iam.store.list_access_keys(account, owner).await?;
    keys.sort_by(|a, b| {
        (a.created_at.as_str(), a.access_key_id.as_str())
            .cmp(&(b.created_at.as_str(), b.access_key_id.as_str()))
    });
    Ok(keys)
}

/// `CreateAccessKey`: a new active key and its secret (shown this once, never again).
pub async fn create_access_key(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
) -> Result<(KeyTarget, AccessKey, Secret), IamError> {
    let target = resolve_target(iam, caller, ctx, user_name, "iam:CreateAccessKey").await?;
    let owner = target.owner();
    let account = caller.account();
    let guard = owner_record_key(caller, &target);
    let rng = iam.rng.as_ref();
    for _ in 0..64 {
        let Some(record) = iam.store.backend().get(&guard).await? else {
            return Err(match &target {
                KeyTarget::Root => IamError::NoSuchEntity("The account does not exist.".into()),
                KeyTarget::User(u) => no_such_user(&u.name),
            });
        };
        if keys_of(iam, account, &owner).await?.len() >= MAX_KEYS_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}"
            )));
        }
        let id = AccessKeyId::generate_long_term(rng);
        let secret = generate_secret_access_key(rng);
        let key = AccessKey {
            access_key_id: id.clone(),
            account_id: account.clone(),
            owner: owner.clone(),
            sealed_secret: iam.kek.seal_secret(rng, &secret, id.as_str().as_bytes()),
            status: KeyStatus::Active,
            created_at: iso8601(iam.clock.now()),
            last_used: None,
        };
        let txn = Txn::new()
            .check_version(&guard, record.version)
            .put(&guard, record.value)
            .merge(key_txn(&key)?);
        match iam.store.backend().commit(txn).await {
            Ok(()) => {
                if matches!(target, KeyTarget::Root) {
                    tracing::warn!(
                        account = %account,
                        access_key_id = %id,
                        "root access key created; AWS recommends not to use root access keys"
                    );
                }
                return Ok((target, key, secret));
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// `ListAccessKeys`: the target's keys (oldest first) after `marker` (a key id), at most
/// `max_items`; returns the next marker when more follow.
pub async fn list_access_keys(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(KeyTarget, Vec<AccessKey>, Option<String>), IamError> {
    let target = resolve_target(iam, caller, ctx, user_name, "iam:ListAccessKeys").await?;
    let keys = keys_of(iam, caller.account(), &target.owner()).await?;
    let start = match marker {
        Some(m) => keys
            .iter()
            .position(|k| k.access_key_id.as_str() == m)
            .map_or(keys.len(), |i| i + 1),
        None => 0,
    };
    let rest: Vec<AccessKey> = keys.into_iter().skip(start).collect();
    let more = rest.len() > max_items;
    let page: Vec<AccessKey> = rest.into_iter().take(max_items).collect();
    let next = more
        .then(|| page.last().map(|k| k.access_key_id.to_string()))
        .flatten();
    Ok((target, page, next))
}

/// The target's key `id`, or `NoSuchEntity` when it is not theirs.
async fn owned_key(
    iam: &Iam,
    caller: &Principal,
    target: &KeyTarget,
    id: &str,
) -> Result<AccessKey, IamError> {
    validate_access_key_id(id)?;
    let Ok(parsed) = AccessKeyId::parse(id) else {
        return Err(no_such_key(id));
    };
    let owner = target.owner();
    let same_owner = |k: &AccessKey| match (&k.owner, &owner) {
        (KeyOwner::Root, KeyOwner::Root) => true,
        (KeyOwner::User { user_id: a, .. }, KeyOwner::User { user_id: b, .. }) => a == b,
        _ => false,
    };
    match iam.store.get_access_key(&parsed).await? {
        Some(k) if &k.account_id == caller.account() && same_owner(&k) => Ok(k),
        _ => Err(no_such_key(id)),
    }
}

/// `UpdateAccessKey`: sets Active/Inactive. The caller must also drop cached resolutions.
pub async fn update_access_key(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    access_key_id: &str,
    status: KeyStatus,
) -> Result<(), IamError> {
    let target = resolve_target(iam, caller, ctx, user_name, "iam:UpdateAccessKey").await?;
    let key = owned_key(iam, caller, &target, access_key_id).await?;
    iam.store
        .update_access_key(&key.access_key_id, |k| {
            k.status = status;
            Ok::<_, IamError>(())
        })
        .await?
        .ok_or_else(|| no_such_key(access_key_id))?
}

/// `DeleteAccessKey`. The caller must also drop cached resolutions.
pub async fn delete_access_key(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    user_name: Option<&str>,
    access_key_id: &str,
) -> Result<(), IamError> {
    let target = resolve_target(iam, caller, ctx, user_name, "iam:DeleteAccessKey").await?;
    let key = owned_key(iam, caller, &target, access_key_id).await?;
    iam.store.delete_access_key(&key).await?;
    Ok(())
}

/// `GetAccessKeyLastUsed`: the owner's user name (none for root keys) and the last use, if
/// any. Authorized on the owner's ARN; a key that is not in the caller's account is
/// `NoSuchEntity` for a caller allowed the action on every resource, `AccessDenied` otherwise.
pub async fn get_access_key_last_used(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    access_key_id: &str,
) -> Result<(Option<String>, Option<LastUsed>), IamError> {
    const ACTION: &str = "iam:GetAccessKeyLastUsed";
    validate_access_key_id(access_key_id)?;
    let key = match AccessKeyId::parse(access_key_id) {
        Ok(id) => iam
            .store
            .get_access_key(&id)
            .await?
            .filter(|k| &k.account_id == caller.account()),
        Err(_) => None,
    };
    let Some(key) = key else {
        require(authorize(iam, caller, ACTION, "*", ctx).await?)?;
        return Err(no_such_key(access_key_id));
    };
    let name = match &key.owner {
        KeyOwner::Root => {
            let root = Arn::root(caller.partition(), caller.account().as_str()).to_string();
            require(authorize(iam, caller, ACTION, &root, ctx).await?)?;
            None
        }
        KeyOwner::User { user_id, user_name } => {
            let user = iam.store.get_user(caller.account(), user_id).await?;
            crate::users::authorize_on_user(iam, caller, ctx, ACTION, user.as_ref(), user_name)
                .await?;
            Some(user.map_or_else(|| user_name.clone(), |u| u.name))
        }
    };
    Ok((name, key.last_used))
}

/// Whether a last use recorded at `recorded` (ISO 8601) is old enough to be written again.
pub fn last_use_is_stale(recorded: Option<&LastUsed>, now: OffsetDateTime) -> bool {
    use_date_is_stale(recorded.map(|r| r.date.as_str()), now)
}

/// Whether a last use recorded on `date` (ISO 8601; `None` = never) is older than
/// [`LAST_USED_GRANULARITY_SECS`] at `now`, so worth writing again (for keys and roles).
pub fn use_date_is_stale(date: Option<&str>, now: OffsetDateTime) -> bool {
    let Some(date) = date else { return true };
    match OffsetDateTime::parse(date, &time::format_description::well_known::Rfc3339) {
        Ok(t) => (now - t).whole_seconds() >= LAST_USED_GRANULARITY_SECS,
        Err(_) => true,
    }
}

/// Records that key `id` just signed a request to `service` in `region`, unless a use within
/// the last [`LAST_USED_GRANULARITY_SECS`] is already recorded (no write then).
pub async fn record_last_used(
    iam: &Iam,
    id: &AccessKeyId,
    service: &str,
    region: &str,
) -> Result<(), IamError> {
    let now = iam.clock.now();
    iam.store
        .update_access_key(id, |k| {
            if !last_use_is_stale(k.last_used.as_ref(), now) {
                return Err(());
            }
            k.last_used = Some(LastUsed {
                date: iso8601(now),
                service: service.to_owned(),
                region: region.to_owned(),
            });
            Ok(())
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values() {
        assert_eq!(parse_status("Active").unwrap(), KeyStatus::Active);
        assert_eq!(parse_status("Inactive").unwrap(), KeyStatus::Inactive);
        assert!(matches!(
            parse_status("active"),
            Err(IamError::Validation(_))
        ));
    }

    #[test]
    fn access_key_id_shape() {
        assert!(validate_access_key_id("AKIAIOSFODNN7EXAMPLE").is_ok());
        assert!(validate_access_key_id("AKIA").is_err());
        assert!(validate_access_key_id("AKIAIOSFODNN7EXAMPLE!").is_err());
    }

    #[test]
    fn last_use_staleness() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let at = |secs_ago: i64| LastUsed {
            date: iso8601(now - time::Duration::seconds(secs_ago)),
            service: "iam".into(),
            region: "us-east-1".into(),
        };
        assert!(last_use_is_stale(None, now));
        assert!(!last_use_is_stale(Some(&at(10)), now));
        assert!(!last_use_is_stale(Some(&at(299)), now));
        assert!(last_use_is_stale(Some(&at(300)), now));
        let garbage = LastUsed {
            date: "yesterday".into(),
            ..at(0)
        };
        assert!(last_use_is_stale(Some(&garbage), now));
    }
}
