//! fedgate-aws-query: the AWS Query protocol edge.
//!
//! Form bodies and GET query strings become typed parameters ([`form`]); SigV4 authenticates
//! the caller ([`auth`]); `Action`/`Version` select an IAM or STS operation ([`dispatch`]);
//! results are written as XML in the AWS namespaces ([`xml`]) and every failure becomes the AWS
//! error document with AWS's code and HTTP status ([`error`]) — the one place where library
//! errors are mapped to AWS codes. [`authorize`] is the JSON decision API other services
//! call (`POST /authorize`), sharing the same authentication. [`unsigned`] serves the STS actions whose request carries its own
//! credential (`AssumeRoleWithWebIdentity`). Business rules live in `fedgate-iam` and `fedgate-sts`.

pub mod actions;
mod audit;
pub mod auth;
pub mod authorize;
pub mod client_addr;
pub mod dispatch;
pub mod error;
pub mod form;
pub mod throttle;
mod unsigned;
pub mod xml;

pub use dispatch::{ConsoleCaller, QueryApi, QueryApiConfig, handle};
pub use error::ApiError;
