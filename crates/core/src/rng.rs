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

/// The operating system's CSPRNG (`getrandom(2)` through ring), drawn in blocks: each thread
/// keeps the unused part of its last 4 KiB draw and hands it out, every byte once, so that
/// minting a credential (a key id, a secret, nonces: a few dozen bytes) does not cost a
/// system call per value. The bytes are the kernel generator's output, unchanged; a byte is
/// wiped from the block as it is handed out. Requests larger than half a block are drawn
/// directly.
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

    fn draw(&self, buf: &mut [u8]) {
        // The OS RNG failing is unrecoverable for a credential issuer; ring only fails when
        // getrandom(2) does, which Linux does not do after boot. Zeroed output would be a
        // silent disaster, so abort instead of continuing.
        if self.0.fill(buf).is_err() {
            std::process::abort();
        }
    }
}

/// Size of a thread's block of OS randomness.
const BLOCK: usize = 4096;

/// A thread's unused OS randomness: `bytes[used..]` not handed out yet.
struct Block {
    bytes: [u8; BLOCK],
    used: usize,
}

impl Drop for Block {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

thread_local! {
    static BLOCKS: std::cell::RefCell<Block> = const {
        std::cell::RefCell::new(Block { bytes: [0; BLOCK], used: BLOCK })
    };
}

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        if buf.len() > BLOCK / 2 {
            return self.draw(buf);
        }
        BLOCKS.with(|cell| {
            let Ok(mut block) = cell.try_borrow_mut() else {
                return self.draw(buf);
            };
            if BLOCK - block.used < buf.len() {
                self.draw(&mut block.bytes[..]);
                block.used = 0;
            }
            let (from, to) = (block.used, block.used + buf.len());
            buf.copy_from_slice(&block.bytes[from..to]);
            block.bytes[from..to].fill(0);
            block.used = to;
        });
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
    fn system_draws_never_repeat_across_block_boundaries_or_threads() {
        // Sizes that straddle the 4 KiB block and one above half a block (drawn directly).
        let rng = std::sync::Arc::new(SystemRng::new());
        let draws = |rng: std::sync::Arc<SystemRng>| {
            let mut seen = Vec::new();
            for len in (1..=40).cycle().take(600).chain([2049, 3000, 33]) {
                let mut b = vec![0u8; len];
                rng.fill(&mut b);
                seen.push(b);
            }
            seen
        };
        let other = {
            let rng = rng.clone();
            std::thread::spawn(move || draws(rng))
        };
        let mut all = draws(rng);
        all.extend(other.join().unwrap_or_default());
        let mut sixteen = std::collections::HashSet::new();
        for b in all.iter().filter(|b| b.len() >= 16) {
            assert!(sixteen.insert(b[..16].to_vec()), "a draw repeated");
            assert!(b.iter().any(|&x| x != 0), "an all-zero draw");
        }
        assert!(sixteen.len() > 500);
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
