//! One module per AWS action, named after it. Each takes decoded parameters and the
//! authenticated caller, calls the service crate, and writes the `…Result` XML.

pub mod get_caller_identity;
pub mod get_context_keys_for_custom_policy;
pub mod get_user;
pub mod simulate_custom_policy;
pub mod simulate_principal_policy;

use crate::error::ApiError;
use crate::form::Params;

/// A required string parameter.
pub fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .ok_or_else(|| ApiError::missing_parameter(name))
}

/// The members of an AWS Query list parameter: `{name}.member.1`, `{name}.member.2`, … up to
/// the first gap.
pub fn member_list<'a>(params: &'a Params, name: &str) -> Vec<&'a str> {
    (1..)
        .map_while(|i| params.get(&format!("{name}.member.{i}")))
        .collect()
}
