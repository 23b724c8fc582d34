//! Unit tests of the token buckets, driven by a manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use fedgate_core::ManualClock;

const T0: i64 = 1_800_000_000;

fn throttle(per_principal: Limit, per_ip: Limit, max_tracked: usize) -> (Throttle, ManualClock) {
    let clock = ManualClock::at_unix(T0);
    let t = Throttle::new(
        ThrottleConfig {
            per_principal,
            per_ip,
            max_tracked,
        },
        Arc::new(clock.clone()),
    );
    (t, clock)
}

fn limit(rate: f64, burst: u32) -> Limit {
    Limit { rate, burst }
}

fn allowed(t: &Throttle, arn: &str, n: usize) -> usize {
    (0..n)
        .filter(|_| t.check_principal(arn) == Verdict::Allow)
        .count()
}

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:iam::123456789012:user/bob";

#[test]
fn a_new_bucket_allows_its_burst_then_refuses() {
    let (t, _) = throttle(limit(1.0, 5), Limit::OFF, 1000);
    assert_eq!(allowed(&t, ALICE, 5), 5);
    assert!(matches!(
        t.check_principal(ALICE),
        Verdict::Refuse {
            scope: Scope::Principal,
            ..
        }
    ));
    // Another principal has its own bucket.
    assert_eq!(allowed(&t, BOB, 10), 5);
}

#[test]
fn tokens_refill_at_the_rate_and_stop_at_the_burst() {
    let (t, clock) = throttle(limit(2.0, 4), Limit::OFF, 1000);
    assert_eq!(allowed(&t, ALICE, 10), 4);
    clock.advance_secs(1);
    assert_eq!(allowed(&t, ALICE, 10), 2, "2 tokens a second");
    clock.advance_secs(3600);
    assert_eq!(allowed(&t, ALICE, 10), 4, "never more than the burst");
}

#[test]
fn fractional_rates_refill_slowly() {
    let (t, clock) = throttle(limit(0.5, 1), Limit::OFF, 1000);
    assert_eq!(allowed(&t, ALICE, 3), 1);
    clock.advance_secs(1);
    assert_eq!(allowed(&t, ALICE, 3), 0, "half a token is not enough");
    clock.advance_secs(1);
    assert_eq!(allowed(&t, ALICE, 3), 1);
}

#[test]
fn a_clock_moving_backwards_gives_no_tokens() {
    let (t, clock) = throttle(limit(1.0, 2), Limit::OFF, 1000);
    assert_eq!(allowed(&t, ALICE, 5), 2);
    clock.set_unix(T0 - 3600);
    assert_eq!(allowed(&t, ALICE, 5), 0);
    clock.set_unix(T0 + 1);
    assert_eq!(allowed(&t, ALICE, 5), 1);
}

#[test]
fn off_limits_allow_everything_and_track_nothing() {
    for off in [
        Limit::OFF,
        limit(0.0, 10),
        limit(10.0, 0),
        limit(f64::NAN, 5),
    ] {
        let (t, _) = throttle(off, off, 1000);
        assert_eq!(allowed(&t, ALICE, 1000), 1000);
        let ip = Some(IpAddr::from([192, 0, 2, 1]));
        assert!((0..1000).all(|_| t.check_ip(ip) == Verdict::Allow));
        assert_eq!(t.principals.tracked() + t.ips.tracked(), 0);
    }
}

#[test]
fn only_the_first_refusal_of_a_run_is_audited_and_the_rest_are_counted() {
    let (t, clock) = throttle(limit(1.0, 1), Limit::OFF, 1000);
    assert_eq!(t.check_principal(ALICE), Verdict::Allow);
    let refuse = |audit, unaudited| Verdict::Refuse {
        scope: Scope::Principal,
        audit,
        unaudited,
    };
    assert_eq!(t.check_principal(ALICE), refuse(true, 0));
    assert_eq!(t.check_principal(ALICE), refuse(false, 0));
    assert_eq!(t.check_principal(ALICE), refuse(false, 0));
    clock.advance_secs(1);
    assert_eq!(t.check_principal(ALICE), Verdict::Allow);
    // A new run: audited again, carrying the two refusals that were not.
    assert_eq!(t.check_principal(ALICE), refuse(true, 2));
    assert_eq!(t.check_principal(ALICE), refuse(false, 0));
}

#[test]
fn ipv6_callers_share_their_slash_64_and_mapped_ipv4_is_ipv4() {
    let (t, _) = throttle(Limit::OFF, limit(1.0, 2), 1000);
    let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
    let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    assert_eq!(t.check_ip(Some(a)), Verdict::Allow);
    assert_eq!(t.check_ip(Some(b)), Verdict::Allow);
    assert_ne!(t.check_ip(Some(a)), Verdict::Allow, "same /64, same bucket");
    assert_eq!(t.check_ip(Some(other)), Verdict::Allow);

    let v4: IpAddr = "198.51.100.7".parse().unwrap();
    let mapped: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
    assert_eq!(t.check_ip(Some(v4)), Verdict::Allow);
    assert_eq!(t.check_ip(Some(mapped)), Verdict::Allow);
    assert_ne!(t.check_ip(Some(v4)), Verdict::Allow);
    // No address known (no socket): nothing to key on.
    assert_eq!(t.check_ip(None), Verdict::Allow);
}

#[test]
fn a_flood_of_distinct_addresses_stays_within_the_bound() {
    let (t, clock) = throttle(Limit::OFF, limit(0.001, 5), 1024);
    for i in 0..100_000u32 {
        if i % 1000 == 0 {
            clock.advance_secs(1);
        }
        let ip = IpAddr::from((0x0a00_0000 | i).to_be_bytes());
        assert_eq!(t.check_ip(Some(ip)), Verdict::Allow, "a new address");
        assert!(t.ips.tracked() <= 1024, "at {i}");
    }
}

/// One shard of four, so that which bucket goes is determined.
fn one_shard(rate: f64, burst: u32) -> (Buckets<String>, ManualClock) {
    (
        Buckets::new(limit(rate, burst), Scope::Principal, 4, 1),
        ManualClock::at_unix(T0),
    )
}

fn takes(b: &Buckets<String>, clock: &ManualClock, key: &str, n: usize) -> usize {
    (0..n)
        .filter(|_| b.check(key, clock.now_millis()) == Verdict::Allow)
        .count()
}

#[test]
fn refilled_buckets_are_forgotten_before_older_drained_ones() {
    let (b, clock) = one_shard(1.0, 10);
    assert_eq!(takes(&b, &clock, "a", 10), 10, "a drained at t0");
    clock.advance_secs(1);
    takes(&b, &clock, "b", 1);
    takes(&b, &clock, "c", 1);
    assert_eq!(takes(&b, &clock, "d", 10), 10);
    clock.advance_secs(2);
    // b and c are full again; a (the oldest) and d are not. A newcomer forgets b and c.
    takes(&b, &clock, "e", 1);
    assert_eq!(b.tracked(), 3);
    assert_eq!(
        takes(&b, &clock, "a", 10),
        3,
        "a kept its state: 3 s of refill"
    );
    assert_eq!(takes(&b, &clock, "d", 10), 2);
}

#[test]
fn when_nothing_has_refilled_the_least_recently_used_goes() {
    let (b, clock) = one_shard(0.001, 3);
    assert_eq!(takes(&b, &clock, "hot", 3), 3);
    for i in 0..100 {
        clock.advance_secs(1);
        // The flooding caller keeps hammering and keeps being refused: its bucket is always
        // the most recently used, so the churn of newcomers never hands it a fresh one.
        assert_eq!(takes(&b, &clock, "hot", 1), 0, "at {i}");
        clock.advance_secs(1);
        assert_eq!(takes(&b, &clock, &format!("new{i}"), 1), 1);
        assert!(b.tracked() <= 4);
    }
}
