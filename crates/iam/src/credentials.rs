//! Long-term access keys → principals, for request authentication.

use crate::{Iam, IamError};
use fedgate_core::{AccessKeyId, Principal, Secret};
use fedgate_store::model::{KeyOwner, KeyStatus};

/// An active access key and the principal it speaks for. The secret stays sealed until
/// [`ResolvedKey::open_secret`] is called (only on a signing-key cache miss).
#[derive(Debug)]
pub struct ResolvedKey {
    pub principal: Principal,
    access_key_id: AccessKeyId,
    sealed_secret: Vec<u8>,
}

impl ResolvedKey {
    pub fn open_secret(&self, iam: &Iam) -> Result<Secret, IamError> {
        iam.kek
            .open_secret(&self.sealed_secret, self.access_key_id.as_str().as_bytes())
            .map_err(|_| IamError::Seal)
    }
}

/// Looks up an `AKIA…` key. `Ok(None)` when the key is unknown, inactive, or its owner is
/// gone — all of which AWS answers with `InvalidClientTokenId`.
pub async fn resolve_access_key(
    iam: &Iam,
    id: &AccessKeyId,
) -> Result<Option<ResolvedKey>, IamError> {
    let Some(key) = iam.store.get_access_key(id).await? else {
        return Ok(None);
    };
    if key.status != KeyStatus::Active {
        return Ok(None);
    }
    let principal = match &key.owner {
        KeyOwner::Root => {
            if iam.store.get_account(&key.account_id).await?.is_none() {
                return Ok(None);
            }
            Principal::Root {
                partition: iam.partition.clone(),
                account: key.account_id.clone(),
                access_key_id: Some(id.clone()),
            }
        }
        KeyOwner::User { user_id, .. } => {
            let Some(user) = iam.store.get_user(&key.account_id, user_id).await? else {
                return Ok(None);
            };
            Principal::User {
                partition: iam.partition.clone(),
                account: key.account_id.clone(),
                user_id: user.user_id,
                name: user.name,
                path: user.path,
                access_key_id: Some(id.clone()),
            }
        }
    };
    Ok(Some(ResolvedKey {
        principal,
        access_key_id: key.access_key_id,
        sealed_secret: key.sealed_secret,
    }))
}
