//! fedgate-iam: the IAM control plane.
//!
//! Takes typed requests and returns typed results; knows nothing of HTTP, XML or SigV4.
//! Now: account bootstrap (root user + admin user with AdministratorAccess + access key),
//! resolving access keys to principals for authentication, `GetUser`, the AWS-managed policies
//! fedgate ships, and [`authz::authorize`] — the one function every action goes through, which
//! decides with the policy engine. Users, groups, roles and policy management arrive with the
//! IAM issue.

pub mod access_keys;
pub mod account;
pub mod authz;
pub mod bootstrap;
pub mod compiled;
pub mod credential_report;
mod credentials;
pub mod entity_rules;
mod error;
pub mod groups;
pub mod login_profiles;
pub mod managed;
pub mod mfa;
pub mod named;
pub mod oidc_providers;
pub mod password;
pub mod password_policy;
pub mod policies;
pub mod policy_ref;
pub mod roles;
pub mod saml_providers;
pub mod totp;
pub mod users;

pub use credentials::{ResolvedKey, resolve_access_key};
pub use error::IamError;

use fedgate_core::{Clock, Kek, Rng};
use fedgate_store::Store;
use std::sync::Arc;

/// What the IAM services need, passed in once at start-up.
#[derive(Clone)]
pub struct Iam {
    pub store: Store,
    pub kek: Arc<Kek>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub partition: String,
    /// AWS-managed policies, compiled once.
    pub managed: Arc<managed::AwsManagedPolicies>,
    /// Stored policies (customer-managed versions, inline documents), each compiled once.
    /// `Default::default()` is a cache of [`compiled::DEFAULT_CAPACITY`] entries.
    pub compiled: Arc<compiled::PolicyCache>,
    /// Account-wide entity quotas (`LimitExceeded` on create beyond them).
    pub quotas: Quotas,
    /// Whether OIDC providers may be registered with `http://` issuer URLs
    /// (`oidc.allow_http`, local testing only).
    pub allow_http_issuers: bool,
}

/// Account-wide entity quotas. The defaults are AWS's (IAM and AWS STS quotas page); AWS
/// raises roles and customer-managed policies to 5,000 on request, and an operator can do the
/// same here (`[quotas]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub users: u64,
    pub groups: u64,
    pub roles: u64,
    /// Customer-managed policies.
    pub policies: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            users: 5000,
            groups: 300,
            roles: 1000,
            policies: 1500,
        }
    }
}

impl Iam {
    /// The IAM services over `store`, with the shipped AWS-managed policies and an empty
    /// compiled-policy cache.
    pub fn new(
        store: Store,
        kek: Arc<Kek>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
        partition: impl Into<String>,
    ) -> Self {
        Iam {
            store,
            kek,
            clock,
            rng,
            partition: partition.into(),
            managed: Arc::new(managed::AwsManagedPolicies::new()),
            compiled: Arc::default(),
            quotas: Quotas::default(),
            allow_http_issuers: false,
        }
    }

    /// The same services with other account-wide quotas.
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    /// The same services, accepting `http://` OIDC issuer URLs when `allow` is set.
    pub fn with_http_issuers(mut self, allow: bool) -> Self {
        self.allow_http_issuers = allow;
        self
    }
}

impl std::fmt::Debug for Iam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iam")
            .field("store", &self.store)
            .field("partition", &self.partition)
            .finish()
    }
}
