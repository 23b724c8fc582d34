//! fedgate-saml: the SAML 2.0 service provider side of fedgate: identity provider metadata
//! ([`metadata`]), parsed and checked once when an IAM SAML provider is created or updated,
//! so that everything later trusts only what the metadata names (the IdP's entity id and its
//! signing certificates, never a key from a response's `KeyInfo`); and response verification
//! ([`response`], with the structural rules of [`shape`]) → a verified assertion. Knows
//! nothing of roles: `sts` decides with the trust policy, and keeps the replay cache.
//!
//! samael (with its `xmlsec` feature) is used only inside this crate; DESIGN §4 lists its
//! weak spots and fedgate guards each: no signing certificate → refused at registration;
//! SHA-1 → never accepted (an algorithm allow-list on every verification); no replay cache →
//! `sts` keeps one in the store; DOCTYPE/entities → refused before any parser sees the
//! document. [`sp`]: the SP metadata and signed AuthnRequests (HTTP-Redirect binding) for
//! SP-initiated sign-in. Not supported: encrypted assertions (refused).

mod error;
pub mod metadata;
pub mod response;
pub mod shape;
pub mod sign;
pub mod sp;

pub use error::SamlError;
