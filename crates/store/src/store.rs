//! Typed records over any [`Backend`].
//!
//! Key layout (every backend stores these strings as they are):
//! - `acct/{id}` → [`Account`]; index `accounts` of account ids; `alias/{alias}` → account id
//! - users, groups, roles, customer-managed policies, MFA devices: see [`crate::entities`]
//!   (`acct/{id}/user/{user_id}`, `acct/{id}/username/{lowercased}`, index `acct/{id}/users`)
//! - `ak/{key id}` → [`AccessKey`]; index `acct/{id}/keys/{user_id|root}` of key ids
//! - `session/{key id}` → [`Session`], expiring with the session; index
//!   `acct/{id}/sessions/{owner id}` of the key ids of sessions of a role, user or root
//!   (members may outlive their sessions; they are removed when the owner's sessions end)

use crate::StoreError;
use crate::backend::{Backend, Txn};
use crate::entities::{create_txn, delete_txn};
use crate::invalidation::Invalidation;
use crate::model::{AccessKey, Account, KeyOwner, Session, User};
use fedgate_core::{AccessKeyId, AccountId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// How often a read-modify-write retries after losing a race before it reports a conflict
/// (32 writers on one record of the fsync-bound embedded store exhausted 64 now and then).
pub(crate) const MAX_RETRIES: usize = 256;

#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    /// This process's invalidation listeners (see [`crate::invalidation`]), called
    /// synchronously so that a change made through this replica is seen at once.
    listeners: Listeners,
}

type Listener = Arc<dyn Fn(&Invalidation) + Send + Sync>;
#[derive(Clone, Default)]
struct Listeners(Arc<std::sync::RwLock<Vec<Listener>>>);

impl Listeners {
    fn tell(&self, inv: &Invalidation) {
        if let Ok(ls) = self.0.read() {
            for l in ls.iter() {
                l(inv);
            }
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend.kind())
    }
}

/// What [`Store::get_json`] reads: a decodable value that cached readers can share.
pub trait Record: DeserializeOwned + Clone + Send + Sync + 'static {}
impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Record for T {}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(StoreError::corrupt)
}

fn owner_index(account: &AccountId, owner: &KeyOwner) -> String {
    match owner {
        KeyOwner::Root => format!("acct/{account}/keys/root"),
        KeyOwner::User { user_id, .. } => format!("acct/{account}/keys/{user_id}"),
    }
}

/// The record key of an account (for [`Store::update_pair`] with one of its entities).
pub fn account_key(id: &AccountId) -> String {
    format!("acct/{id}")
}
fn access_key_key(id: &AccessKeyId) -> String {
    format!("ak/{id}")
}
fn session_key(id: &AccessKeyId) -> String {
    format!("session/{id}")
}

/// Create-if-absent of an account (and its alias).
fn account_txn(account: &Account) -> Result<Txn, StoreError> {
    let key = account_key(&account.id);
    let mut txn = Txn::new()
        .check_absent(&key)
        .put(&key, to_json(account)?)
        .index_add("accounts", account.id.as_str());
    if let Some(alias) = &account.alias {
        let ak = format!("alias/{}", alias.to_lowercase());
        txn = txn.check_absent(&ak).put(ak, to_json(&account.id)?);
    }
    Ok(txn)
}

fn access_key_txn(key: &AccessKey) -> Result<Txn, StoreError> {
    let k = access_key_key(&key.access_key_id);
    Ok(Txn::new()
        .check_absent(&k)
        .put(&k, to_json(key)?)
        .index_add(
            owner_index(&key.account_id, &key.owner),
            key.access_key_id.as_str(),
        ))
}

impl Store {
    /// A store over `backend`; when other replicas may share it, starts listening for
    /// their invalidations (inside a Tokio runtime).
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        let listeners = Listeners::default();
        if backend.shared() {
            let ls = listeners.clone();
            backend.listen(Arc::new(move |m: Option<String>| {
                let inv = m.map_or(Invalidation::All, |m| Invalidation::decode(&m));
                ls.tell(&inv);
            }));
        }
        Store { backend, listeners }
    }

    /// A store over a shared `backend` (Redis) with IAM records cached in this process for
    /// at most `ttl` (see [`crate::cache`]); a backend no other replica shares is used as is,
    /// its reads being local already.
    pub fn with_record_cache(backend: Arc<dyn Backend>, ttl: std::time::Duration) -> Self {
        if !backend.shared() || ttl.is_zero() {
            return Store::new(backend);
        }
        let cache = Arc::new(crate::cache::RecordCache::new(ttl));
        let store = Store::new(Arc::new(crate::cache::CachedBackend::new(
            backend,
            cache.clone(),
        )));
        store.on_invalidation(move |inv| cache.apply(inv));
        store
    }

    /// Calls `f` for every invalidation from this replica (synchronously, before the write
    /// that caused it returns) and, on a shared backend, from every other one.
    pub fn on_invalidation(&self, f: impl Fn(&Invalidation) + Send + Sync + 'static) {
        if let Ok(mut ls) = self.listeners.0.write() {
            ls.push(Arc::new(f));
        }
    }

    /// Tells this replica's caches at once and every other replica's through the backend.
    /// Best effort: a failed publish is logged, never fails the write that caused it.
    pub async fn invalidate(&self, inv: Invalidation) {
        self.listeners.tell(&inv);
        if self.backend.shared()
            && let Err(e) = self.backend.publish(&inv.encode()).await
        {
            tracing::warn!(error = %e, "could not publish a cache invalidation");
        }
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.backend.ping().await
    }

    /// Reads and decodes `key`, with its version.
    ///
    /// A record read from the cache is parsed once: the first reader keeps the decoded value
    /// with the cached record and later readers of that record get a copy of it.
    pub async fn get_json<T: Record>(&self, key: &str) -> Result<Option<(T, u64)>, StoreError> {
        let Some(shared) = self.backend.get_shared(key).await? else {
            return Ok(None);
        };
        let version = shared.record.version;
        if let Some(t) = shared.decoded::<T>() {
            return Ok(Some((t.clone(), version)));
        }
        let t: T = serde_json::from_slice(&shared.record.value).map_err(StoreError::corrupt)?;
        // Only worth keeping when the record is shared (cached); otherwise the Arc is ours alone.
        if std::sync::Arc::strong_count(&shared) > 1 {
            shared.keep_decoded(t.clone());
        }
        Ok(Some((t, version)))
    }

    /// Atomic read-modify-write of one record: `f` sees the current value and edits it; the
    /// write only lands if nobody wrote in between, otherwise `f` runs again on the new value.
    /// Returns `Ok(None)` when the record does not exist. An error from `f` aborts unchanged.
    pub async fn update_json<T, R, E, F>(
        &self,
        key: &str,
        mut f: F,
    ) -> Result<Option<Result<R, E>>, StoreError>
    where
        T: Serialize + Record,
        F: FnMut(&mut T) -> Result<R, E>,
    {
        for attempt in 0..MAX_RETRIES {
            let Some((mut value, version)) = self.get_json::<T>(key).await? else {
                return Ok(None);
            };
            let r = match f(&mut value) {
                Ok(r) => r,
                Err(e) => return Ok(Some(Err(e))),
            };
            let txn = Txn::new()
                .check_version(key, version)
                .put(key, to_json(&value)?);
            match self.backend.commit(txn).await {
                Ok(()) => return Ok(Some(Ok(r))),
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    // ---- accounts ----

    /// Creates `account` unless an account with its id (or its alias) exists:
    /// [`StoreError::AlreadyExists`] then, and nothing is written.
    pub async fn create_account(&self, account: &Account) -> Result<(), StoreError> {
        self.commit_unique(account_txn(account)?).await
    }

    /// Creates an account, its first IAM user and that user's access key in one transaction,
    /// with `extra` (e.g. the usage record of the policy attached to the user): all of it
    /// exists afterwards, or (on [`StoreError::AlreadyExists`]) none of it.
    pub async fn create_account_with_user(
        &self,
        account: &Account,
        user: &User,
        key: &AccessKey,
        extra: Txn,
    ) -> Result<(), StoreError> {
        let txn = account_txn(account)?
            .merge(create_txn(user)?)
            .merge(access_key_txn(key)?)
            .merge(extra);
        self.commit_unique(txn).await
    }

    pub async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        Ok(self.get_json(&account_key(id)).await?.map(|(a, _)| a))
    }

    pub async fn account_by_alias(&self, alias: &str) -> Result<Option<AccountId>, StoreError> {
        Ok(self
            .get_json(&format!("alias/{}", alias.to_lowercase()))
            .await?
            .map(|(a, _)| a))
    }

    /// Claims the store's one-time first-start bootstrap: `Ok(true)` for exactly one caller
    /// across all replicas sharing the store, `Ok(false)` for everyone after.
    pub async fn claim_first_start(&self) -> Result<bool, StoreError> {
        let txn = Txn::new()
            .check_absent("first-start")
            .put("first-start", b"claimed".to_vec());
        match self.backend.commit(txn).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn list_accounts(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.backend.index_range("accounts", after, limit).await
    }

    pub async fn update_account<R, E>(
        &self,
        id: &AccountId,
        f: impl FnMut(&mut Account) -> Result<R, E>,
    ) -> Result<Option<Result<R, E>>, StoreError> {
        self.update_json(&account_key(id), f).await
    }

    /// Sets (`Some`) or removes (`None`) the account's alias: the account record and the
    /// global `alias/{alias}` key change together, a previous alias is released.
    /// `Ok(None)` when the account does not exist; [`StoreError::AlreadyExists`] when another
    /// account holds the alias. Returns the alias the account had before.
    pub async fn set_account_alias(
        &self,
        id: &AccountId,
        alias: Option<&str>,
    ) -> Result<Option<Option<String>>, StoreError> {
        let key = account_key(id);
        for attempt in 0..MAX_RETRIES {
            let Some((mut account, version)) = self.get_json::<Account>(&key).await? else {
                return Ok(None);
            };
            let old = account.alias.clone();
            let mut txn = Txn::new().check_version(&key, version);
            let same = old.as_deref().map(str::to_lowercase) == alias.map(str::to_lowercase);
            if !same {
                if let Some(o) = &old {
                    txn = txn.delete(format!("alias/{}", o.to_lowercase()));
                }
                if let Some(a) = alias {
                    let ak = format!("alias/{}", a.to_lowercase());
                    txn = txn.check_absent(&ak).put(ak, to_json(id)?);
                }
            }
            account.alias = alias.map(str::to_owned);
            txn = txn.put(&key, to_json(&account)?);
            match self.backend.commit(txn).await {
                Ok(()) => return Ok(Some(old)),
                Err(StoreError::Conflict) => {
                    if let Some(a) = alias
                        && !same
                        && let Some(owner) = self.account_by_alias(a).await?
                        && &owner != id
                    {
                        return Err(StoreError::AlreadyExists);
                    }
                    backoff(attempt).await
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    // ---- users (the generic entity layer, typed) ----

    /// Creates `user`; its name is unique in the account regardless of case.
    pub async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        self.create_entity(user, Txn::new()).await
    }

    /// Looks a user up by name, case-insensitively.
    pub async fn get_user_by_name(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Option<User>, StoreError> {
        self.get_entity_by_name(account, name).await
    }

    pub async fn get_user(
        &self,
        account: &AccountId,
        user_id: &str,
    ) -> Result<Option<User>, StoreError> {
        self.get_entity(account, user_id).await
    }

    /// Users in name order; `after` is the `marker` returned with the previous page.
    pub async fn list_users(
        &self,
        account: &AccountId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<User>, Option<String>), StoreError> {
        self.list_entities(account, after, limit).await
    }

    pub async fn update_user<R, E>(
        &self,
        account: &AccountId,
        user_id: &str,
        f: impl FnMut(&mut User) -> Result<R, E>,
    ) -> Result<Option<Result<R, E>>, StoreError> {
        self.update_entity(account, user_id, f).await
    }

    /// Deletes the user record, its name and its index entry (not its keys: callers refuse
    /// deletion while keys remain, as IAM does).
    pub async fn delete_user(&self, user: &User) -> Result<(), StoreError> {
        self.backend.commit(delete_txn(user)).await
    }

    // ---- access keys ----

    pub async fn create_access_key(&self, key: &AccessKey) -> Result<(), StoreError> {
        self.commit_unique(access_key_txn(key)?).await
    }

    pub async fn get_access_key(&self, id: &AccessKeyId) -> Result<Option<AccessKey>, StoreError> {
        Ok(self.get_json(&access_key_key(id)).await?.map(|(k, _)| k))
    }

    pub async fn list_access_keys(
        &self,
        account: &AccountId,
        owner: &KeyOwner,
    ) -> Result<Vec<AccessKey>, StoreError> {
        let ids = self
            .backend
            .index_range(&owner_index(account, owner), None, 1000)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Ok(id) = AccessKeyId::parse(&id)
                && let Some(k) = self.get_access_key(&id).await?
            {
                out.push(k);
            }
        }
        Ok(out)
    }

    pub async fn update_access_key<R, E>(
        &self,
        id: &AccessKeyId,
        f: impl FnMut(&mut AccessKey) -> Result<R, E>,
    ) -> Result<Option<Result<R, E>>, StoreError> {
        let r = self.update_json(&access_key_key(id), f).await?;
        if matches!(r, Some(Ok(_))) {
            self.invalidate(Invalidation::AccessKey(id.to_string()))
                .await;
        }
        Ok(r)
    }

    pub async fn delete_access_key(&self, key: &AccessKey) -> Result<(), StoreError> {
        let txn = Txn::new()
            .delete(access_key_key(&key.access_key_id))
            .index_remove(
                owner_index(&key.account_id, &key.owner),
                key.access_key_id.as_str(),
            );
        self.backend.commit(txn).await?;
        self.invalidate(Invalidation::AccessKey(key.access_key_id.to_string()))
            .await;
        Ok(())
    }

    // ---- sessions ----

    /// Stores a session that vanishes at `session.expires_at_ms`: one record, nothing else
    /// (its owner's deletion ends it through the owner check at authentication, so there is
    /// no per-owner list to grow with every session and to keep pruned).
    pub async fn put_session(&self, session: &Session) -> Result<(), StoreError> {
        let k = session_key(&session.access_key_id);
        let txn =
            Txn::new()
                .check_absent(&k)
                .put_expiring(&k, to_json(session)?, session.expires_at_ms);
        self.commit_unique(txn).await
    }

    pub async fn get_session(&self, id: &AccessKeyId) -> Result<Option<Session>, StoreError> {
        Ok(self.get_json(&session_key(id)).await?.map(|(s, _)| s))
    }

    pub async fn delete_session(&self, id: &AccessKeyId) -> Result<(), StoreError> {
        self.backend
            .commit(Txn::new().delete(session_key(id)))
            .await?;
        self.invalidate(Invalidation::Session(id.to_string())).await;
        Ok(())
    }

    pub(crate) async fn commit_unique(&self, txn: Txn) -> Result<(), StoreError> {
        match self.backend.commit(txn).await {
            Err(StoreError::Conflict) => Err(StoreError::AlreadyExists),
            other => other,
        }
    }
}

/// Full-jitter exponential backoff after a lost race: a random pause in
/// `0..min(2^attempt × 100 µs, 20 ms)`, so that writers contending for one record fall out of
/// step instead of colliding again on every retry. The jitter is scheduling noise, not a
/// security value, so it comes from std's per-call hasher seed rather than the injected `Rng`.
pub(crate) async fn backoff(attempt: usize) {
    use std::hash::{BuildHasher, Hasher};
    let cap_us: u64 = (100u64 << attempt.min(8)).min(20_000);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(attempt);
    tokio::time::sleep(std::time::Duration::from_micros(h.finish() % cap_us)).await;
}
