//! Random bytes for a credential: the generator's draw from its per-thread block of OS
//! randomness against a `getrandom(2)` call per draw (what `SystemRng` did before the block).
//! Run: `cargo bench -p fedgate-core --bench rng`.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use fedgate_core::{Rng, SystemRng};
use ring::rand::SecureRandom;

fn rng(c: &mut Criterion) {
    let mut g = c.benchmark_group("rng");
    let ours = SystemRng::new();
    let os = ring::rand::SystemRandom::new();
    for len in [16usize, 40] {
        g.bench_function(format!("SystemRng::fill {len} bytes"), |b| {
            let mut buf = vec![0u8; len];
            b.iter(|| ours.fill(black_box(&mut buf)));
        });
        g.bench_function(format!("getrandom(2) {len} bytes"), |b| {
            let mut buf = vec![0u8; len];
            b.iter(|| os.fill(black_box(&mut buf)).unwrap());
        });
    }
    g.bench_function("an ASIA key id + secret (string_from)", |b| {
        b.iter(|| {
            let id = ours.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            let secret = ours.string_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                40,
            );
            black_box((id, secret))
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(std::time::Duration::from_secs(2));
    targets = rng
}
criterion_main!(benches);
