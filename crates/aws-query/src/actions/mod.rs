//! The actions fedgate serves: one module per AWS action (or per small family of actions),
//! named after it. Each handler takes a [`Call`] (decoded parameters, the authenticated caller,
//! the request context), authorizes through `fedgate_iam::authz`, calls the service crate,
//! and writes the inside of the `…Result` element.
//!
//! Every module with actions exports `ACTIONS`, a table of [`ActionDef`]s built with
//! [`action!`]; [`REGISTRY`] lists the tables. Dispatch looks names up there, so adding an
//! action touches only its own module (and, for a new module, one line here).

pub mod access_keys;
pub mod account;
pub mod credential_report;
pub mod get_caller_identity;
pub mod get_context_keys_for_custom_policy;
pub mod get_user;
pub mod groups;
pub mod inline_policies;
pub mod login_profiles;
pub mod mfa;
pub mod oidc_providers;
pub mod password_policy;
pub mod policies;
pub mod roles;
pub mod saml_providers;
pub mod shapes;
pub mod simulate_custom_policy;
pub mod simulate_principal_policy;
pub mod sts_access_key_info;
pub mod sts_assume_role;
pub mod sts_audit;
pub mod sts_federation;
pub mod sts_saml;
pub mod sts_web_identity;
pub mod users;

use crate::auth::Authenticator;
use crate::dispatch::Service;
use crate::error::ApiError;
use crate::form::Params;
use fedgate_core::Principal;
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use std::future::Future;
use std::pin::Pin;

/// Everything a handler gets.
pub struct Call<'a> {
    pub iam: &'a Iam,
    pub caller: &'a Principal,
    pub ctx: &'a RequestContext,
    pub params: &'a Params,
    /// For [`Authenticator::forget_key`] when a key stops being valid.
    pub auth: &'a Authenticator,
    /// What the handler wants audited instead of the generic parameter dump ([`Call::record`]).
    pub audit: std::sync::OnceLock<AuditDetail>,
}

/// CloudTrail's `requestParameters` and `responseElements` for one event, built by the
/// handler from typed values. Never a secret, a session token or a one-time code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditDetail {
    pub request_parameters: serde_json::Value,
    pub response_elements: serde_json::Value,
}

impl Call<'_> {
    /// Sets the audit event's parameters and response elements (the first call wins).
    pub fn record(&self, detail: AuditDetail) {
        let _ = self.audit.set(detail);
    }
}

pub type BoxFuture<'a> = Pin<Box<dyn Future<Output = Result<String, ApiError>> + Send + 'a>>;
pub type Handler = for<'a> fn(&'a Call<'a>) -> BoxFuture<'a>;

/// Whether an action changes state: every successful `Write` or `Credentials` emits an
/// audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    /// Mints temporary credentials: audited with the handler's [`AuditDetail`] (session
    /// name, source identity, duration, policy digest; the new key id, expiration and
    /// session ARN) and counted in `fedgate_sts_credentials_issued_total`.
    Credentials,
}

#[derive(Clone, Copy)]
pub struct ActionDef {
    pub name: &'static str,
    pub service: Service,
    pub access: Access,
    pub handler: Handler,
}

/// `action!("CreateUser", Iam, Write, create_user::run)` where `run` is
/// `async fn run(c: &Call<'_>) -> Result<String, ApiError>`.
#[macro_export]
macro_rules! action {
    ($name:literal, $service:ident, $access:ident, $f:path) => {
        $crate::actions::ActionDef {
            name: $name,
            service: $crate::dispatch::Service::$service,
            access: $crate::actions::Access::$access,
            handler: {
                fn handler<'a>(c: &'a $crate::actions::Call<'a>) -> $crate::actions::BoxFuture<'a> {
                    Box::pin($f(c))
                }
                handler
            },
        }
    };
}

/// Actions that existed before the IAM control plane: identity, and the policy simulator.
const CORE: &[ActionDef] = &[
    action!("GetCallerIdentity", Sts, Read, get_caller_identity::run),
    action!("GetUser", Iam, Read, get_user::run),
    action!(
        "SimulateCustomPolicy",
        Iam,
        Read,
        simulate_custom_policy::run
    ),
    action!(
        "GetContextKeysForCustomPolicy",
        Iam,
        Read,
        get_context_keys_for_custom_policy::run
    ),
    action!(
        "SimulatePrincipalPolicy",
        Iam,
        Read,
        simulate_principal_policy::run
    ),
    action!(
        "GetContextKeysForPrincipalPolicy",
        Iam,
        Read,
        simulate_principal_policy::context_keys_for_principal
    ),
];

/// STS actions that mint credentials or read key information.
const STS: &[ActionDef] = &[
    action!("AssumeRole", Sts, Credentials, sts_assume_role::run),
    action!(
        "GetSessionToken",
        Sts,
        Credentials,
        sts_assume_role::get_session_token_run
    ),
    action!("GetAccessKeyInfo", Sts, Read, sts_access_key_info::run),
    action!(
        "GetFederationToken",
        Sts,
        Credentials,
        sts_federation::get_federation_token_run
    ),
    action!(
        "DecodeAuthorizationMessage",
        Sts,
        Read,
        sts_federation::decode_authorization_message_run
    ),
];

/// Every action table.
pub const REGISTRY: &[&[ActionDef]] = &[
    CORE,
    STS,
    users::ACTIONS,
    groups::ACTIONS,
    roles::ACTIONS,
    policies::ACTIONS,
    inline_policies::ACTIONS,
    access_keys::ACTIONS,
    login_profiles::ACTIONS,
    password_policy::ACTIONS,
    credential_report::ACTIONS,
    mfa::ACTIONS,
    oidc_providers::ACTIONS,
    saml_providers::ACTIONS,
    account::ACTIONS,
];

/// The action named `name` (exact, case-sensitive, as AWS matches `Action`).
pub fn lookup(name: &str) -> Option<&'static ActionDef> {
    REGISTRY
        .iter()
        .flat_map(|t| t.iter())
        .find(|a| a.name == name)
}

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
