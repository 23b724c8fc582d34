//! fedgate-store: where fedgate keeps its state.
//!
//! Two layers:
//! - [`Backend`]: a narrow, versioned key-value contract — `get`, an atomic multi-key
//!   [`Txn`] (checks + writes, all or nothing), ordered string indexes, and absolute expiry.
//!   Implemented here by the embedded redb backend and in `fedgate-store-redis` by Redis.
//! - [`Store`]: typed records (accounts, users, access keys, sessions) written once on top of
//!   any backend: create-if-absent with case-insensitive unique names, and atomic
//!   read-modify-write that retries on conflict, so concurrent writers never lose an update.
//!
//! [`invalidation`] tells every replica's caches when a session ends or a key changes;
//! [`cache`] keeps IAM records read from a shared backend in memory, invalidated the same way.
//!
//! [`conformance`] is the one test suite every backend must pass.
//! It knows nothing of IAM rules (names, limits) or of HTTP: those live above it.

mod backend;
pub mod cache;
pub mod conformance;
mod embedded;
pub mod entities;
mod error;
pub mod invalidation;
pub mod model;
mod store;

pub use backend::{Backend, Check, Op, Txn, Versioned};
pub use embedded::EmbeddedBackend;
pub use entities::Entity;
pub use error::StoreError;
pub use invalidation::Invalidation;
pub use store::{Record, Store, account_key};
