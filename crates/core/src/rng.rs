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

    /// A string of `len` characters drawn uniformly from `alphabet` (at most 256 symbols):
    /// random bytes drawn in one batch, each byte rejected when it falls in the biased top
    /// zone, so one call to the OS generator usually suffices for the whole string.
    fn string_from(&self, alphabet: &[u8], len: usize) -> String {
        let n = alphabet.len();
        if n == 0 || n > 256 {
            return String::new();
        }
        let zone = 256 - 256 % n;
        let mut out = String::with_capacity(len);
        let (mut made, mut buf) = (0, [0u8; 64]);
        while made < len {
            let want = (len - made + len / 4 + 1).min(buf.len());
            self.fill(&mut buf[..want]);
            for &b in &buf[..want] {
                if usize::from(b) < zone && made < len {
                    out.push(char::from(alphabet[usize::from(b) % n]));
                    made += 1;
                }
            }
        }
        out
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

#[cfg(test)]
mod tests {
    use super::{Rng, SystemRng, TestRng};

    #[test]
    fn strings_have_the_length_and_alphabet_asked_for() {
        let rng = SystemRng::new();
        for len in [0, 1, 16, 40, 64, 200] {
            let s = rng.string_from(b"ABC234", len);
            assert_eq!(s.chars().count(), len);
            assert!(s.bytes().all(|b| b"ABC234".contains(&b)), "{s}");
        }
        assert_eq!(rng.string_from(b"", 5), "");
    }

    #[test]
    fn every_symbol_is_about_equally_likely() {
        // 36 symbols do not divide 256: without rejection the first 4 would come up
        // 8/7 as often as the rest.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let rng = TestRng::seeded(7);
        let mut counts = [0u32; 36];
        let s = rng.string_from(alphabet, 360_000);
        for b in s.bytes() {
            let i = alphabet.iter().position(|a| *a == b).unwrap_or(0);
            counts[i] += 1;
        }
        let (min, max) = (
            counts.iter().min().copied().unwrap_or(0),
            counts.iter().max().copied().unwrap_or(0),
        );
        assert!(min > 9_500 && max < 10_500, "{counts:?}");
    }
}
