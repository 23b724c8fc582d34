//! Rules users, groups and roles share: AWS's name and path constraints, tag rules (at most
//! 50 per entity, keys 1–128 and values 0–256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, keys
//! unique regardless of case), `PathPrefix` paging over an entity list, and the
//! `boundary_usage_count` bookkeeping of customer-managed permissions boundaries.
//!
//! Pure rules plus small store helpers; no XML, no HTTP.

use crate::policy_ref::{PolicyRef, resolve};
use crate::{Iam, IamError};
use fedgate_core::AccountId;
use fedgate_store::entities::entity_key;
use fedgate_store::model::{ManagedPolicy, Tag};
use fedgate_store::{Entity, StoreError, Txn};

/// AWS's tag quota per user or role.
pub const MAX_TAGS: usize = 50;

/// The current time as IAM writes it.
pub fn now(iam: &Iam) -> String {
    fedgate_core::clock::iso8601(iam.clock.now())
}

fn validation(value: &str, field: &str, constraint: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

/// A user, group or role name: 1–`max` characters of `[\w+=,.@-]`.
pub fn validate_name(field: &str, name: &str, max: usize) -> Result<(), IamError> {
    if name.is_empty() {
        return Err(validation(
            name,
            field,
            "Member must have length greater than or equal to 1",
        ));
    }
    if name.len() > max {
        return Err(validation(
            name,
            field,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        return Err(validation(
            name,
            field,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// An entity path: `/` alone, or `/…/` of `\u0021`–`\u007E`, at most 512 characters.
pub fn validate_path(field: &str, path: &str) -> Result<(), IamError> {
    if path.len() > 512 {
        return Err(validation(
            path,
            field,
            "Member must have length less than or equal to 512",
        ));
    }
    let ok = path == "/"
        || (path.len() >= 3
            && path.starts_with('/')
            && path.ends_with('/')
            && path.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if !ok {
        return Err(validation(
            path,
            field,
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ));
    }
    Ok(())
}

/// IAM's tag character class, `[\p{L}\p{Z}\p{N}_.:/=+\-@]` (STS's session tags share it).
pub fn tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || (c.is_whitespace() && !c.is_control())
        || "_.:/=+-@".contains(c)
}

fn validate_tag_key(key: &str, field: &str) -> Result<(), IamError> {
    let n = key.chars().count();
    if !(1..=128).contains(&n) {
        return Err(validation(
            key,
            field,
            "Member must have length between 1 and 128",
        ));
    }
    if !key.chars().all(tag_char) {
        return Err(validation(
            key,
            field,
            "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(IamError::InvalidInput(format!(
            "Tag key '{key}' uses the reserved prefix 'aws:'."
        )));
    }
    Ok(())
}

/// The tags of one Create*/Tag* request: each valid, at most 50, no key twice (any case).
pub fn validate_tags(tags: &[Tag]) -> Result<(), IamError> {
    if tags.len() > MAX_TAGS {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value '[…{} tags]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}",
            tags.len()
        )));
    }
    for (i, t) in tags.iter().enumerate() {
        validate_tag_key(&t.key, &format!("tags.{}.member.key", i + 1))?;
        if t.value.chars().count() > 256 {
            return Err(validation(
                &t.value,
                &format!("tags.{}.member.value", i + 1),
                "Member must have length less than or equal to 256",
            ));
        }
        if !t.value.chars().all(tag_char) {
            return Err(validation(
                &t.value,
                &format!("tags.{}.member.value", i + 1),
                "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
            ));
        }
        if tags[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
    }
    Ok(())
}

/// The keys of an Untag* request: 1–50 valid keys.
pub fn validate_tag_keys(keys: &[&str]) -> Result<(), IamError> {
    if keys.len() > MAX_TAGS {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )));
    }
    for (i, k) in keys.iter().enumerate() {
        validate_tag_key(k, &format!("tagKeys.{}.member", i + 1))?;
    }
    Ok(())
}

/// Adds `new` to `tags`, replacing a tag whose key matches regardless of case; fails with
/// `LimitExceeded` (nothing changed) when the result would hold more than 50.
pub fn merge_tags(tags: &mut Vec<Tag>, new: &[Tag]) -> Result<(), IamError> {
    let mut merged = tags.clone();
    for t in new {
        match merged
            .iter_mut()
            .find(|o| o.key.eq_ignore_ascii_case(&t.key))
        {
            Some(o) => *o = t.clone(),
            None => merged.push(t.clone()),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(format!(
            "The number of tags has reached the maximum limit of {MAX_TAGS}."
        )));
    }
    *tags = merged;
    Ok(())
}

/// Removes the tags with these keys (regardless of case); absent keys are ignored.
pub fn remove_tags(tags: &mut Vec<Tag>, keys: &[&str]) {
    tags.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
}

/// One page of a tag list: `marker` is the index of the first tag (a value this returned).
pub fn tag_page(tags: &[Tag], marker: Option<&str>, max: usize) -> (Vec<Tag>, Option<String>) {
    let start = marker
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0)
        .min(tags.len());
    let end = (start + max).min(tags.len());
    let next = (end < tags.len()).then(|| end.to_string());
    (tags[start..end].to_vec(), next)
}

/// The marker that [`fedgate_store::Store::list_entities`] would give after `e`.
fn entity_marker<T: Entity>(e: &T) -> String {
    format!("{}/{}", e.name().to_lowercase(), e.id())
}

/// One `Marker`/`MaxItems` page of the entities whose path starts with `prefix`, in name
/// order. The marker is the store's own (stable across pages while entities come and go).
pub async fn list_with_prefix<T: Entity>(
    iam: &Iam,
    account: &AccountId,
    prefix: &str,
    path: fn(&T) -> &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, Option<String>), IamError> {
    let mut cursor = marker.map(str::to_owned);
    let mut out = Vec::new();
    let batch = max.max(100);
    loop {
        let (items, next) = iam
            .store
            .list_entities::<T>(account, cursor.as_deref(), batch)
            .await?;
        let count = items.len();
        for (i, e) in items.into_iter().enumerate() {
            if !path(&e).starts_with(prefix) {
                continue;
            }
            out.push(e);
            if out.len() == max {
                let more = i + 1 < count || next.is_some();
                let m = out.last().map(entity_marker);
                return Ok((out, m.filter(|_| more)));
            }
        }
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok((out, None)),
        }
    }
}

/// Resolves a permissions-boundary ARN: `InvalidInput` when it is not a policy ARN,
/// `NoSuchEntity` when no such policy exists.
pub async fn resolve_boundary(
    iam: &Iam,
    account: &AccountId,
    arn: &str,
) -> Result<PolicyRef, IamError> {
    match resolve(iam, account, arn).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(IamError::NoSuchEntity(format!(
            "Scope ARN: {arn} does not exist or is not attachable."
        ))),
        Err(IamError::Validation(_)) => {
            Err(IamError::InvalidInput(format!("ARN {arn} is not valid.")))
        }
        Err(e) => Err(e),
    }
}

/// The checks and writes that move a customer-managed policy's `boundary_usage_count` by
/// `delta` (nothing for AWS-managed or vanished policies). Commits only if the policy is
/// unchanged since read, so a count is never lost to a race: on conflict read and build again.
pub async fn boundary_count_txn(
    iam: &Iam,
    account: &AccountId,
    arn: &str,
    delta: i64,
) -> Result<Txn, IamError> {
    let shift = |count: u32| {
        let n = i64::from(count).saturating_add(delta).max(0);
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let gone =
        || IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."));
    let p = match resolve(iam, account, arn).await? {
        Some(PolicyRef::Customer(p)) => p,
        Some(PolicyRef::Aws(_)) => {
            // AWS-managed: the per-account usage record counts boundary uses too, written
            // (or created) in the same commit.
            use crate::policies::attach::{AwsPolicyUsage, aws_usage_key};
            let name = arn.rsplit('/').next().unwrap_or(arn);
            let key = aws_usage_key(account, name);
            return Ok(match iam.store.get_json::<AwsPolicyUsage>(&key).await? {
                Some((mut u, version)) => {
                    u.boundary_usage_count = shift(u.boundary_usage_count);
                    Txn::new().check_version(&key, version).put(&key, json(&u)?)
                }
                None => {
                    let u = AwsPolicyUsage {
                        attachment_count: 0,
                        boundary_usage_count: shift(0),
                    };
                    Txn::new().check_absent(&key).put(&key, json(&u)?)
                }
            });
        }
        // Releasing a boundary whose policy is gone: nothing to count. Setting one: the
        // policy vanished since it was checked, so refuse rather than point at nothing.
        None if delta < 0 => return Ok(Txn::new()),
        None => return Err(gone()),
    };
    let Some((mut p, version)) = iam
        .store
        .get_entity_versioned::<ManagedPolicy>(account, &p.policy_id)
        .await?
    else {
        return if delta < 0 {
            Ok(Txn::new())
        } else {
            Err(gone())
        };
    };
    p.boundary_usage_count = shift(p.boundary_usage_count);
    let key = entity_key::<ManagedPolicy>(account, &p.policy_id);
    Ok(Txn::new().check_version(&key, version).put(&key, json(&p)?))
}

/// An account-wide quota on entities of one kind: at most `max`, named `name` in the
/// `LimitExceeded` message (AWS's quota names: `UsersPerAccount`, `RolesPerAccount`, …).
#[derive(Debug, Clone, Copy)]
pub struct AccountQuota {
    pub name: &'static str,
    pub max: u64,
}

impl AccountQuota {
    pub fn exceeded(&self) -> IamError {
        IamError::LimitExceeded(format!(
            "Cannot exceed quota for {}: {}",
            self.name, self.max
        ))
    }
}

/// Creates `e` within `quota`, counting its permissions boundary (if any) on the policy in
/// the same commit. `exists()` is the error when the name is taken; `LimitExceeded` when the
/// account already has `quota.max` entities of this kind.
pub async fn create_with_boundary<T: Entity>(
    iam: &Iam,
    e: &T,
    boundary: Option<&str>,
    quota: AccountQuota,
    exists: impl Fn() -> IamError,
) -> Result<(), IamError> {
    for _ in 0..RETRIES {
        let extra = match boundary {
            Some(b) => boundary_count_txn(iam, e.account(), b, 1).await?,
            None => Txn::new(),
        };
        match iam.store.create_entity_capped(e, extra, quota.max).await {
            Ok(()) => return Ok(()),
            Err(StoreError::QuotaReached) => return Err(quota.exceeded()),
            Err(StoreError::AlreadyExists) => {
                let taken = iam
                    .store
                    .get_entity_by_name::<T>(e.account(), e.name())
                    .await?
                    .is_some();
                if boundary.is_none() || taken {
                    return Err(exists());
                }
                // The boundary policy changed since it was read: count again.
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// Sets (or with `None` removes) the permissions boundary of entity `id`, moving the usage
/// counts of the old and new policy in the same commit. `Ok(false)` when the entity is gone.
pub async fn set_boundary<T: Entity>(
    iam: &Iam,
    account: &AccountId,
    id: &str,
    new: Option<&str>,
    field: fn(&mut T) -> &mut Option<String>,
) -> Result<bool, IamError> {
    let key = entity_key::<T>(account, id);
    for _ in 0..RETRIES {
        let Some((mut e, version)) = iam.store.get_entity_versioned::<T>(account, id).await? else {
            return Ok(false);
        };
        let old = field(&mut e).clone();
        if old.as_deref() == new {
            return Ok(true);
        }
        let mut counts = Txn::new();
        if let Some(o) = &old {
            counts = counts.merge(boundary_count_txn(iam, account, o, -1).await?);
        }
        if let Some(n) = new {
            counts = counts.merge(boundary_count_txn(iam, account, n, 1).await?);
        }
        *field(&mut e) = new.map(str::to_owned);
        let txn = Txn::new()
            .check_version(&key, version)
            .put(&key, json(&e)?)
            .merge(counts);
        match iam.store.backend().commit(txn).await {
            Ok(()) => return Ok(true),
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

/// A record as the store writes it.
pub fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, IamError> {
    serde_json::to_vec(v).map_err(|e| IamError::Store(StoreError::Corrupt(e.to_string())))
}

/// How many times a read-decide-commit loop runs before giving up with a conflict.
pub const RETRIES: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn names_follow_aws_pattern_and_length() {
        assert!(validate_name("userName", "alice+ops@x.com", 64).is_ok());
        assert!(validate_name("userName", "", 64).is_err());
        assert!(validate_name("userName", &"a".repeat(64), 64).is_ok());
        assert!(validate_name("userName", &"a".repeat(65), 64).is_err());
        assert!(validate_name("groupName", &"a".repeat(128), 128).is_ok());
        assert!(validate_name("userName", "bad name", 64).is_err());
        assert!(validate_name("userName", "bad/name", 64).is_err());
    }

    #[test]
    fn paths_are_slash_or_slash_delimited() {
        assert!(validate_path("path", "/").is_ok());
        assert!(validate_path("path", "/a/b/").is_ok());
        assert!(validate_path("path", "//").is_err());
        assert!(validate_path("path", "a/").is_err());
        assert!(validate_path("path", "/a").is_err());
        assert!(validate_path("path", "/a b/").is_err());
        assert!(validate_path("path", &format!("/{}/", "a".repeat(511))).is_err());
    }

    #[test]
    fn tags_duplicate_keys_any_case_are_invalid_input() {
        let err = validate_tags(&[tag("Team", "a"), tag("team", "b")]).unwrap_err();
        assert!(matches!(err, IamError::InvalidInput(_)));
        assert!(validate_tags(&[tag("Team", "a b"), tag("Cost:Center", "")]).is_ok());
        assert!(matches!(
            validate_tags(&[tag("", "x")]).unwrap_err(),
            IamError::Validation(_)
        ));
        assert!(validate_tags(&[tag("k", &"v".repeat(257))]).is_err());
        assert!(validate_tags(&[tag("k*", "v")]).is_err());
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(validate_tags(&many).is_err());
    }

    #[test]
    fn merge_replaces_case_insensitively_and_caps_at_50() {
        let mut tags = vec![tag("Team", "a")];
        merge_tags(&mut tags, &[tag("TEAM", "b"), tag("x", "y")]).unwrap();
        assert_eq!(tags, vec![tag("TEAM", "b"), tag("x", "y")]);
        let many: Vec<Tag> = (0..49).map(|i| tag(&format!("k{i}"), "v")).collect();
        let err = merge_tags(&mut tags, &many).unwrap_err();
        assert!(matches!(err, IamError::LimitExceeded(_)));
        assert_eq!(tags.len(), 2);
        remove_tags(&mut tags, &["team", "nope"]);
        assert_eq!(tags, vec![tag("x", "y")]);
    }

    #[test]
    fn tag_pages_cover_everything_once() {
        let tags: Vec<Tag> = (0..5).map(|i| tag(&format!("k{i}"), "v")).collect();
        let (a, m) = tag_page(&tags, None, 2);
        let (b, m2) = tag_page(&tags, m.as_deref(), 2);
        let (c, m3) = tag_page(&tags, m2.as_deref(), 2);
        assert_eq!([a, b, c].concat(), tags);
        assert!(m3.is_none());
    }
}
