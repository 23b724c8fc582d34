//! fedgate-sts: the credential issuer.
//!
//! Typed requests in, typed results out; no HTTP, XML or SigV4. `AssumeRole` (trust
//! evaluation, MFA, session policies and tags, source identity, role chaining),
//! `GetSessionToken`, `GetCallerIdentity`, `GetAccessKeyInfo`; minting of temporary
//! credentials and their session tokens ([`token`]), and resolving them back to sessions
//! for authentication ([`resolve`]). Not yet: `GetFederationToken`,
//! `DecodeAuthorizationMessage`, the `AssumeRoleWith*` federation actions.

pub mod assume_role;
pub mod decode_authorization_message;
mod error;
pub mod get_access_key_info;
pub mod get_caller_identity;
pub mod get_federation_token;
pub mod get_session_token;
pub mod issue;
pub mod params;
pub mod resolve;
pub mod token;

pub use decode_authorization_message::{DenialDetails, StatementDescription, encode_denial};
pub use error::StsError;
