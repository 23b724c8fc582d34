//! fedgate-sts: temporary credentials and caller identity.
//!
//! Typed requests in, typed results out; no HTTP, XML or SigV4. Now: `GetCallerIdentity`.
//! Minting (`AssumeRole*`, `GetSessionToken`, `GetFederationToken`) arrives with the STS issue.

pub mod get_caller_identity;
