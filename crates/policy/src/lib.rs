//! The IAM policy language: parse, validate, evaluate, explain.
//!
//! What it does:
//! - [`parse`] turns a JSON policy document into a compiled [`Policy`], refusing anything
//!   AWS refuses (unknown elements, `X` with `NotX`, unknown condition operators, Principal in
//!   identity-based policies, size over the kind's limit) with a message naming the statement.
//! - [`evaluate`] decides one [`Request`] against a [`PolicySet`] (identity-based,
//!   resource-based or trust, permissions boundary, session policies) following the IAM User
//!   Guide's "Policy evaluation logic", returning a [`Decision`]: the effect, every statement
//!   that applied, and diagnostics. It is a pure, total function: default deny, explicit deny
//!   wins, and a Deny whose condition cannot be evaluated (a request value of the wrong type)
//!   applies, while such an Allow does not.
//! - [`context_keys`] lists the keys a policy refers to; [`access_denied_message`] renders
//!   AWS's AccessDenied wording.
//!
//! What it does not do: no I/O, no clock (the current time comes in the [`Context`] as
//! `aws:CurrentTime`), no lookup of policies or principals, no Organizations SCPs/RCPs, no
//! special case for the account root user (callers decide that), no service-specific
//! resource semantics beyond ARN matching.

mod action;
mod condition;
mod context;
mod error;
mod evaluate;
mod explain;
mod keys;
mod limits;
mod parse;
mod policy;
mod position;
mod principal;
mod request;
mod resource;
mod statement;
mod validate;
mod variables;
mod wildcard;

pub use condition::{Cidr, context_value_fits};
pub use context::Context;
pub use error::PolicyError;
pub use evaluate::{Decision, Effect, Label, MatchedStatement, PolicySet, PolicyType, evaluate};
pub use explain::access_denied_message;
pub use keys::context_keys;
pub use limits::{PolicyKind, counted_size};
pub use parse::parse;
pub use policy::{Policy, Version};
pub use position::{Position, statement_positions};
pub use principal::PrincipalType;
pub use request::Request;
pub use statement::StatementEffect;
