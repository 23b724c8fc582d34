//! Randomness is passed in. [`SystemRng`] draws from the operating system's CSPRNG via ring.

use ring::rand::{SecureRandom, SystemRandom};

pub trait Rng: Send + Sync + 'static {
    /// Fill `buf` with cryptographically secure random bytes.
    fn fill(&self, buf: &mut [u8]);

    /// A uniformly random index below `n` (n > 0), without modulo bias.
    fn below(&self, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let mut b = [0u8; 4];
            self.fill(&mut b);
            let v = u32::from_le_bytes(b);
            if v < zone {
                return v % n;
            }
        }
    }

    /// A string of `len` characters drawn uniformly from `alphabet`.
    fn string_from(&self, alphabet: &[u8], len: usize) -> String {
        let n = u32::try_from(alphabet.len()).unwrap_or(u32::MAX);
        (0..len)
            .map(|_| char::from(alphabet[self.below(n) as usize % alphabet.len().max(1)]))
            .collect()
    }
}

#[derive(Debug)]
pub struct SystemRng(SystemRandom);

impl Default for SystemRng {
    fn default() -> Self {
        SystemRng::new()
    }
}

impl SystemRng {
    pub fn new() -> Self {
        SystemRng(SystemRandom::new())
    }
}

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        // The OS RNG failing is unrecoverable for a credential issuer; ring only fails when
        // getrandom(2) does, which Linux does not do after boot. Zeroed output would be a
        // silent disaster, so abort instead of continuing.
        if self.0.fill(buf).is_err() {
            std::process::abort();
        }
    }
}

/// A deterministic generator for tests (xorshift; not secure).
#[derive(Debug)]
pub struct TestRng(std::sync::Mutex<u64>);

impl TestRng {
    pub fn seeded(seed: u64) -> Self {
        TestRng(std::sync::Mutex::new(seed.max(1)))
    }
}

impl Rng for TestRng {
    fn fill(&self, buf: &mut [u8]) {
        let mut s = match self.0.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        for b in buf {
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            *b = (*s >> 24) as u8;
        }
    }
}
