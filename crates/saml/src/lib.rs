//! fedgate-saml: the SAML 2.0 service provider side of fedgate. Today: identity provider
//! metadata ([`metadata`]), parsed and checked once when an IAM SAML provider is created or
//! updated, so that everything later trusts only what the metadata names: the IdP's entity
//! id and its signing certificates (never a key from a response's `KeyInfo`).
//!
//! Not here yet: response verification (signature by a metadata certificate, the signed
//! element is the one used, conditions, replay), AuthnRequests and the SP metadata. samael
//! (with its `xmlsec` feature) is used only inside this crate; DESIGN §4 lists its weak spots
//! and fedgate guards each: no signing certificate → refused here; DOCTYPE/entities refused
//! before any parser sees the document.

mod error;
pub mod metadata;

pub use error::SamlError;
