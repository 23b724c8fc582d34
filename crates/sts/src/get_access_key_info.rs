//! `GetAccessKeyInfo`: the account an access key id (long-term `AKIA…` or temporary `ASIA…`)
//! belongs to. fedgate looks the key up (AWS decodes the account from the id itself), so an
//! id it does not know is refused with `ValidationError` rather than answered.

use crate::StsError;
use crate::error::validation;
use fedgate_core::{AccessKeyId, AccountId};
use fedgate_iam::Iam;

pub async fn get_access_key_info(iam: &Iam, id: &str) -> Result<AccountId, StsError> {
    let unknown = || {
        validation(format!(
            "The access key ID {id} is not known to this service."
        ))
    };
    let n = id.chars().count();
    if !(16..=128).contains(&n) {
        return Err(crate::error::constraint(
            id,
            "accessKeyId",
            "Member must have length between 16 and 128",
        ));
    }
    let key = AccessKeyId::parse(id).map_err(|_| {
        crate::error::constraint(
            id,
            "accessKeyId",
            r"Member must satisfy regular expression pattern: [\w]*",
        )
    })?;
    if key.is_temporary() {
        return iam
            .store
            .get_session(&key)
            .await?
            .map(|s| s.account_id)
            .ok_or_else(unknown);
    }
    iam.store
        .get_access_key(&key)
        .await?
        .map(|k| k.account_id)
        .ok_or_else(unknown)
}
