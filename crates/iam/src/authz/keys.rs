//! The condition keys an action adds to the request context.

use fedgate_policy::Context;

/// Condition keys an action adds to the request context, as the service authorization
/// reference lists them for that action: `iam:PolicyARN`, `iam:PermissionsBoundary`,
/// `aws:RequestTag/…`, `aws:TagKeys`, `aws:ResourceTag/…`, `iam:ResourceTag/…`, `sts:…`.
/// `aws:TagKeys` (and any key given several values) is multi-valued.
pub type ActionKeys = [(String, Vec<String>)];

/// The condition keys of a request that sets `tags` (Create* with Tags, Tag*): one
/// `aws:RequestTag/{key}` per tag and `aws:TagKeys`.
pub fn request_tag_keys(tags: &[fedgate_store::model::Tag]) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<(String, Vec<String>)> = tags
        .iter()
        .map(|t| (format!("aws:RequestTag/{}", t.key), vec![t.value.clone()]))
        .collect();
    if !tags.is_empty() {
        keys.push((
            "aws:TagKeys".to_owned(),
            tags.iter().map(|t| t.key.clone()).collect(),
        ));
    }
    keys
}

/// The condition keys of a request acting on a tagged user or role: `aws:ResourceTag/{key}`
/// and IAM's own `iam:ResourceTag/{key}`.
pub fn resource_tag_keys(tags: &[fedgate_store::model::Tag]) -> Vec<(String, Vec<String>)> {
    tags.iter()
        .flat_map(|t| {
            [
                (format!("aws:ResourceTag/{}", t.key), vec![t.value.clone()]),
                (format!("iam:ResourceTag/{}", t.key), vec![t.value.clone()]),
            ]
        })
        .collect()
}

/// Adds an action's own condition keys to the request context.
pub(super) fn insert_action_keys(context: &mut Context, keys: &ActionKeys) {
    for (key, values) in keys {
        match values.as_slice() {
            [one] if !key.eq_ignore_ascii_case("aws:TagKeys") => {
                context.insert(key, one.as_str());
            }
            _ => {
                context.insert_multi(key, values.iter().cloned());
            }
        }
    }
}
