//! The IAM scale check: reading one user by name and reading one page of `ListUsers` must
//! cost the same whether the account holds 10 or 100,000 users, on both backends (names are
//! O(1) keys; pages are ordered-index range reads from a `Marker`, never scans).
//!
//! `cargo bench -p fedgate-store-redis --bench scale` (needs `redis-server` on PATH for the
//! Redis half). Populating 100,000 users takes a few seconds per backend: users are written
//! 1,000 per transaction through the same create transaction the API uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fedgate_core::{AccountId, SystemClock};
use fedgate_store::entities::create_txn;
use fedgate_store::model::User;
use fedgate_store::{EmbeddedBackend, Store, Txn};
use fedgate_store_redis::RedisBackend;
use std::sync::Arc;

fn user(account: &AccountId, i: usize) -> User {
    User {
        account_id: account.clone(),
        user_id: format!("AIDA{i:017}"),
        name: format!("user-{i:06}"),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        tags: vec![],
        permissions_boundary: None,
        attached_policies: vec![],
        inline_policies: Default::default(),
        groups: vec![],
        login_profile: None,
        mfa_devices: vec![],
        password_last_used: None,
    }
}

async fn populate(store: &Store, account: &AccountId, n: usize) {
    let mut i = 0;
    while i < n {
        let mut txn = Txn::new();
        for j in i..(i + 1000).min(n) {
            txn = txn.merge(create_txn(&user(account, j)).unwrap());
        }
        store.backend().commit(txn).await.unwrap();
        i += 1000;
    }
}

fn bench_store(c: &mut Criterion, rt: &tokio::runtime::Runtime, label: &str, store: &Store) {
    let mut group = c.benchmark_group(label);
    for n in [10usize, 1_000, 100_000] {
        let account = AccountId::parse(&format!("{:012}", 100_000_000_000u64 + n as u64)).unwrap();
        rt.block_on(populate(store, &account, n));
        let probe = format!("user-{:06}", n / 2);
        group.bench_with_input(BenchmarkId::new("get_user_by_name", n), &n, |b, _| {
            b.to_async(rt).iter(|| async {
                store
                    .get_user_by_name(&account, &probe)
                    .await
                    .unwrap()
                    .unwrap()
            })
        });
        // Pages of 10 and 100 users: from the start for 10 users, else from the middle of the
        // account (the Marker a previous page returned).
        for size in [10usize, 100] {
            if size > n {
                continue;
            }
            let marker = (n > size).then(|| format!("user-{:06}/AIDA{:017}", n / 2 - 1, n / 2 - 1));
            group.bench_with_input(
                BenchmarkId::new(format!("list_users_page_{size}"), n),
                &n,
                |b, _| {
                    b.to_async(rt).iter(|| async {
                        let (page, _) = store
                            .list_users(&account, marker.as_deref(), size)
                            .await
                            .unwrap();
                        assert_eq!(page.len(), size);
                        page
                    })
                },
            );
        }
    }
    group.finish();
}

fn scale(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let embedded = Store::new(Arc::new(
        EmbeddedBackend::open(&dir.path().join("scale.redb"), Arc::new(SystemClock)).unwrap(),
    ));
    bench_store(c, &rt, "embedded", &embedded);

    let server = support::RedisServer::start();
    let redis = rt.block_on(async {
        Store::new(Arc::new(
            RedisBackend::connect(&server.url(), "{fedgate}:")
                .await
                .unwrap(),
        ))
    });
    bench_store(c, &rt, "redis", &redis);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = scale
}
criterion_main!(benches);
