//! fedgate-sts: the credential issuer.
//!
//! Typed requests in, typed results out; no HTTP, XML or SigV4. `AssumeRole` (trust
//! evaluation, MFA, session policies and tags, source identity, role chaining),
//! `GetSessionToken`, `GetFederationToken` (federated user sessions bounded by the calling
//! user's policies and the session policies), `GetCallerIdentity`, `GetAccessKeyInfo`;
//! minting of temporary credentials and their session tokens ([`token`]), and resolving them
//! back to sessions for authentication ([`resolve`]). Encoded authorization failure messages:
//! [`encode_denial`] seals a [`DenialDetails`] for deny answers (e.g. `POST /authorize`), and
//! `DecodeAuthorizationMessage` opens it for an allowed caller of the same account
//! ([`decode_authorization_message`]). `AssumeRoleWithWebIdentity` for OIDC ID tokens
//! ([`assume_role_with_web_identity`]), whose trust decision
//! ([`web_identity_trust`]) and minting for an identity verified already also serve the
//! browser sign-in. `AssumeRoleWithSAML` ([`assume_role_with_saml`]) for assertions of IAM
//! SAML providers, verified by `fedgate-saml`, with a store-wide replay cache. Both mint
//! through [`federated_session`].

pub mod assume_role;
pub mod assume_role_with_saml;
pub mod assume_role_with_web_identity;
pub mod decode_authorization_message;
mod error;
pub mod federated_session;
pub mod get_access_key_info;
pub mod get_caller_identity;
pub mod get_federation_token;
pub mod get_session_token;
pub mod issue;
pub mod params;
pub mod resolve;
pub mod token;
pub mod web_identity_trust;

pub use decode_authorization_message::{DenialDetails, StatementDescription, encode_denial};
pub use error::StsError;
