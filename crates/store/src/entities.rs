//! Named IAM entities (users, groups, roles, customer-managed policies, MFA devices) stored
//! one way: a record by id, a case-insensitive unique name, and a name-ordered index per
//! account. Written once here for every kind.
//!
//! Keys for an entity of kind `K` (e.g. `user`) in account `A`:
//! - `acct/A/K/{id}` → the record
//! - `acct/A/Kname/{lowercased name}` → its id
//! - index `acct/A/Ks` of `{lowercased name}/{id}` (name order, stable `Marker` paging)
//!
//! Besides create/get/list/rename/delete, two atomic read-modify-write helpers cover what IAM
//! needs: [`Store::update_entity_with`] (one record plus extra index ops and checks) and
//! [`Store::update_pair`] (two records, e.g. a user and the policy attached to it, so a quota
//! or an attachment count can never be lost to a race).

use crate::StoreError;
use crate::backend::Txn;
use crate::model::{Group, ManagedPolicy, MfaDevice, OidcProvider, Role, SamlProvider, User};
use crate::store::{MAX_RETRIES, Store, backoff, to_json};
use fedgate_core::AccountId;
use serde::Serialize;

/// A record with an id and a name unique (regardless of case) in its account.
pub trait Entity: Serialize + crate::store::Record {
    /// The key segment: `user`, `group`, `role`, `policy`, `mfa`.
    const KIND: &'static str;
    fn account(&self) -> &AccountId;
    fn id(&self) -> &str;
    fn name(&self) -> &str;
    /// Renames the record itself (the store moves the name key and index entry).
    fn set_name(&mut self, name: &str);
}

macro_rules! entity {
    ($t:ty, $kind:literal, $id:ident) => {
        impl Entity for $t {
            const KIND: &'static str = $kind;
            fn account(&self) -> &AccountId {
                &self.account_id
            }
            fn id(&self) -> &str {
                &self.$id
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn set_name(&mut self, name: &str) {
                self.name = name.to_owned();
            }
        }
    };
}
entity!(User, "user", user_id);
entity!(Group, "group", group_id);
entity!(Role, "role", role_id);
entity!(ManagedPolicy, "policy", policy_id);
entity!(MfaDevice, "mfa", serial_number);
entity!(SamlProvider, "saml-provider", name);

impl Entity for OidcProvider {
    const KIND: &'static str = "oidc-provider";
    fn account(&self) -> &AccountId {
        &self.account_id
    }
    fn id(&self) -> &str {
        &self.key
    }
    fn name(&self) -> &str {
        &self.key
    }
    fn set_name(&mut self, name: &str) {
        self.key = name.to_owned();
    }
}

/// The record key of entity `id` of kind `T` in `account`.
pub fn entity_key<T: Entity>(account: &AccountId, id: &str) -> String {
    format!("acct/{account}/{}/{id}", T::KIND)
}
fn name_key<T: Entity>(account: &AccountId, name: &str) -> String {
    format!("acct/{account}/{}name/{}", T::KIND, name.to_lowercase())
}
fn index<T: Entity>(account: &AccountId) -> String {
    format!("acct/{account}/{}s", T::KIND)
}
/// The name-ordered index of entities of kind `T` in `account` (for [`Store::index_page`],
/// e.g. to count them).
pub fn entity_index<T: Entity>(account: &AccountId) -> String {
    index::<T>(account)
}
fn member(name: &str, id: &str) -> String {
    format!("{}/{id}", name.to_lowercase())
}

/// The checks and writes that create `e` (none of it lands if its name or id is taken).
pub fn create_txn<T: Entity>(e: &T) -> Result<Txn, StoreError> {
    let key = entity_key::<T>(e.account(), e.id());
    let nk = name_key::<T>(e.account(), e.name());
    Ok(Txn::new()
        .check_absent(&nk)
        .check_absent(&key)
        .put(&nk, to_json(&e.id())?)
        .put(&key, to_json(e)?)
        .index_add(index::<T>(e.account()), member(e.name(), e.id())))
}

/// The writes that delete `e` (record, name, index entry).
pub fn delete_txn<T: Entity>(e: &T) -> Txn {
    Txn::new()
        .delete(entity_key::<T>(e.account(), e.id()))
        .delete(name_key::<T>(e.account(), e.name()))
        .index_remove(index::<T>(e.account()), member(e.name(), e.id()))
}

impl Store {
    /// Creates `e` and applies `extra` in the same transaction; [`StoreError::AlreadyExists`]
    /// (nothing written) when the name is taken in the account or a check of `extra` fails.
    pub async fn create_entity<T: Entity>(&self, e: &T, extra: Txn) -> Result<(), StoreError> {
        self.commit_unique(create_txn(e)?.merge(extra)).await
    }

    /// [`Store::create_entity`] for at most `max` entities of kind `T` in the account:
    /// [`StoreError::QuotaReached`] (nothing written) when `max` already exist. The count is
    /// checked atomically with the insert (the name index's length), so concurrent creates
    /// can never overshoot, and creates of different names never contend on a counter.
    pub async fn create_entity_capped<T: Entity>(
        &self,
        e: &T,
        extra: Txn,
        max: u64,
    ) -> Result<(), StoreError> {
        let idx = index::<T>(e.account());
        let txn = create_txn(e)?.check_index_len_below(&idx, max).merge(extra);
        match self.backend().commit(txn).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => {
                let taken = self
                    .backend()
                    .get(&name_key::<T>(e.account(), e.name()))
                    .await?
                    .is_some();
                if !taken && self.backend().index_len(&idx).await? >= max {
                    Err(StoreError::QuotaReached)
                } else {
                    Err(StoreError::AlreadyExists)
                }
            }
            Err(other) => Err(other),
        }
    }

    /// How many entities of kind `T` the account has (O(1)).
    pub async fn count_entities<T: Entity>(&self, account: &AccountId) -> Result<u64, StoreError> {
        self.backend().index_len(&index::<T>(account)).await
    }

    pub async fn get_entity<T: Entity>(
        &self,
        account: &AccountId,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .get_json(&entity_key::<T>(account, id))
            .await?
            .map(|(e, _)| e))
    }

    /// Looks an entity up by name, case-insensitively.
    pub async fn get_entity_by_name<T: Entity>(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        let Some((id, _)) = self
            .get_json::<String>(&name_key::<T>(account, name))
            .await?
        else {
            return Ok(None);
        };
        self.get_entity(account, &id).await
    }

    /// Entities in name order, at most `limit`, after `marker` (a value this returned).
    /// Returns the next marker when more may follow.
    pub async fn list_entities<T: Entity>(
        &self,
        account: &AccountId,
        marker: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let members = self
            .backend()
            .index_range(&index::<T>(account), marker, limit)
            .await?;
        // One batched read for the whole page (a pipeline on Redis). Names never contain
        // '/'; ids may (an MFA device's id is its ARN).
        let keys: Vec<String> = members
            .iter()
            .filter_map(|m| m.split_once('/'))
            .map(|(_, id)| entity_key::<T>(account, id))
            .collect();
        let mut out = Vec::with_capacity(keys.len());
        for v in self.backend().get_many(&keys).await?.into_iter().flatten() {
            out.push(serde_json::from_slice(&v.value).map_err(StoreError::corrupt)?);
        }
        let next = (members.len() == limit)
            .then(|| members.last().cloned())
            .flatten();
        Ok((out, next))
    }

    /// Atomic read-modify-write of one entity. `f` edits it and returns extra checks and
    /// writes (index entries, other records it read with their versions) that commit with it.
    /// `Ok(None)` when the entity does not exist; an error from `f` aborts with nothing written.
    pub async fn update_entity_with<T, R, E, F>(
        &self,
        account: &AccountId,
        id: &str,
        mut f: F,
    ) -> Result<Option<Result<R, E>>, StoreError>
    where
        T: Entity,
        F: FnMut(&mut T) -> Result<(R, Txn), E>,
    {
        let key = entity_key::<T>(account, id);
        for attempt in 0..MAX_RETRIES {
            let Some((mut value, version)) = self.get_json::<T>(&key).await? else {
                return Ok(None);
            };
            let (r, extra) = match f(&mut value) {
                Ok(x) => x,
                Err(e) => return Ok(Some(Err(e))),
            };
            let txn = Txn::new()
                .check_version(&key, version)
                .put(&key, to_json(&value)?)
                .merge(extra);
            match self.backend().commit(txn).await {
                Ok(()) => return Ok(Some(Ok(r))),
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Atomic read-modify-write of one entity (no extra writes).
    pub async fn update_entity<T, R, E, F>(
        &self,
        account: &AccountId,
        id: &str,
        mut f: F,
    ) -> Result<Option<Result<R, E>>, StoreError>
    where
        T: Entity,
        F: FnMut(&mut T) -> Result<R, E>,
    {
        self.update_entity_with::<T, R, E, _>(account, id, |e| Ok((f(e)?, Txn::new())))
            .await
    }

    /// Atomic read-modify-write of two records at `key_a` and `key_b` (any stored types):
    /// both are written together only if neither changed since read; `f` runs again on
    /// conflict. `Ok(None)` when either is missing.
    pub async fn update_pair<A, B, R, E, F>(
        &self,
        key_a: &str,
        key_b: &str,
        mut f: F,
    ) -> Result<Option<Result<R, E>>, StoreError>
    where
        A: Serialize + crate::store::Record,
        B: Serialize + crate::store::Record,
        F: FnMut(&mut A, &mut B) -> Result<(R, Txn), E>,
    {
        for attempt in 0..MAX_RETRIES {
            let Some((mut a, va)) = self.get_json::<A>(key_a).await? else {
                return Ok(None);
            };
            let Some((mut b, vb)) = self.get_json::<B>(key_b).await? else {
                return Ok(None);
            };
            let (r, extra) = match f(&mut a, &mut b) {
                Ok(x) => x,
                Err(e) => return Ok(Some(Err(e))),
            };
            let txn = Txn::new()
                .check_version(key_a, va)
                .check_version(key_b, vb)
                .put(key_a, to_json(&a)?)
                .put(key_b, to_json(&b)?)
                .merge(extra);
            match self.backend().commit(txn).await {
                Ok(()) => return Ok(Some(Ok(r))),
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Renames an entity: the new name must be free (regardless of case, unless only the
    /// case changes); `f` may edit the record further in the same write.
    /// `Ok(None)` when the entity does not exist; [`StoreError::AlreadyExists`] when the new
    /// name is taken.
    pub async fn rename_entity<T, R, E, F>(
        &self,
        account: &AccountId,
        id: &str,
        new_name: &str,
        mut f: F,
    ) -> Result<Option<Result<R, E>>, StoreError>
    where
        T: Entity,
        F: FnMut(&mut T) -> Result<(R, Txn), E>,
    {
        let key = entity_key::<T>(account, id);
        for attempt in 0..MAX_RETRIES {
            let Some((mut value, version)) = self.get_json::<T>(&key).await? else {
                return Ok(None);
            };
            let old = value.name().to_owned();
            let (r, extra) = match f(&mut value) {
                Ok(x) => x,
                Err(e) => return Ok(Some(Err(e))),
            };
            value.set_name(new_name);
            let mut txn = Txn::new().check_version(&key, version);
            if old.to_lowercase() != new_name.to_lowercase() {
                let new_nk = name_key::<T>(account, new_name);
                txn = txn
                    .check_absent(&new_nk)
                    .delete(name_key::<T>(account, &old))
                    .put(&new_nk, to_json(&id)?);
            }
            let txn = txn
                .index_remove(index::<T>(account), member(&old, id))
                .index_add(index::<T>(account), member(new_name, id))
                .put(&key, to_json(&value)?)
                .merge(extra);
            match self.backend().commit(txn).await {
                Ok(()) => return Ok(Some(Ok(r))),
                Err(StoreError::Conflict) => {
                    // Taken name, or a concurrent write: tell them apart by looking.
                    if old.to_lowercase() != new_name.to_lowercase()
                        && self
                            .backend()
                            .get(&name_key::<T>(account, new_name))
                            .await?
                            .is_some()
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

    /// Deletes `e` if it is unchanged since it was read at `version` (so a concurrent
    /// attach or add cannot slip in before the delete), applying `extra` with it.
    /// [`StoreError::Conflict`] when it changed: re-read and decide again.
    pub async fn delete_entity<T: Entity>(
        &self,
        e: &T,
        version: u64,
        extra: Txn,
    ) -> Result<(), StoreError> {
        let txn = Txn::new()
            .check_version(entity_key::<T>(e.account(), e.id()), version)
            .merge(delete_txn(e))
            .merge(extra);
        self.backend().commit(txn).await
    }

    /// An entity with its version (for [`Store::delete_entity`]).
    pub async fn get_entity_versioned<T: Entity>(
        &self,
        account: &AccountId,
        id: &str,
    ) -> Result<Option<(T, u64)>, StoreError> {
        self.get_json(&entity_key::<T>(account, id)).await
    }

    /// Members of any index, in byte order, after `marker`, at most `limit` (for
    /// relationship indexes such as a group's members).
    pub async fn index_page(
        &self,
        index: &str,
        marker: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.backend().index_range(index, marker, limit).await
    }
}
