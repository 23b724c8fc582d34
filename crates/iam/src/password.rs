//! Console passwords: argon2id hashes in PHC string form.

use crate::IamError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use fedgate_core::{Rng, Secret};

pub fn hash(rng: &dyn Rng, password: &Secret) -> Result<String, IamError> {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| IamError::Hash)?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| IamError::Hash)
}

/// Constant-time verification (argon2's own comparison).
pub fn verify(password: &Secret, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.expose().as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedgate_core::rng::TestRng;

    #[test]
    fn argon2id_round_trip() {
        let rng = TestRng::seeded(5);
        let p = Secret::new("correct horse battery staple");
        let h = hash(&rng, &p).expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&p, &h));
        assert!(!verify(&Secret::new("wrong"), &h));
        assert!(!verify(&p, "not a phc string"));
    }
}
