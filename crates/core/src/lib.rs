//! fedgate-core: the vocabulary every other crate shares.
//!
//! Identifiers (account ids, access key ids, unique ids), ARNs, principals, secret newtypes,
//! AES-256-GCM sealing under the key-encryption key, the audit event shape, and the `Clock`
//! and `Rng` seams through which time and randomness are passed in.
//!
//! It does no I/O, holds no globals and knows nothing of HTTP, XML, storage or policy.

pub mod arn;
pub mod audit;
pub mod clock;
pub mod hex;
pub mod ids;
pub mod principal;
pub mod rng;
pub mod seal;
pub mod secret;

pub use arn::Arn;
pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{AccessKeyId, AccountId, IdError, UniqueId, UniqueIdKind};
pub use principal::Principal;
pub use rng::{Rng, SystemRng};
pub use seal::{Kek, SealError};
pub use secret::Secret;
