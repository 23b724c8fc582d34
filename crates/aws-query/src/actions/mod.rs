//! One module per AWS action, named after it. Each takes decoded parameters and the
//! authenticated caller, calls the service crate, and writes the `…Result` XML.

pub mod get_caller_identity;
pub mod get_user;

use crate::error::ApiError;
use crate::form::Params;

/// A required string parameter.
pub fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .ok_or_else(|| ApiError::missing_parameter(name))
}
