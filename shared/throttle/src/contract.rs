//! The contract every [`RateLimiter`] adapter passes: the in-memory twin in this crate's tests,
//! DynamoDB on moto in `tests/adapters`. Instantiate every case with
//! [`rate_limiter_contract_tests!`](crate::rate_limiter_contract_tests).
//!
//! Every case passes fixed timestamps: windows are chosen by the `now` the caller gives, so no
//! case waits for the clock.
#![allow(clippy::missing_panics_doc)]

use chrono::{DateTime, Duration, Utc};
use switchyard_model::ChannelName;

use crate::RateLimiter;

fn channel(name: &str) -> ChannelName {
    ChannelName::try_from(name).expect("a valid channel name")
}

/// An instant 100 ms into a second, so that "later in the same second" stays inside it.
fn at(second: &str) -> DateTime<Utc> {
    format!("{second}.100Z").parse().expect("a valid instant")
}

async fn admits(
    limiter: &dyn RateLimiter,
    channel: &ChannelName,
    limit: u32,
    now: DateTime<Utc>,
    times: usize,
) -> Vec<bool> {
    let mut admitted = Vec::with_capacity(times);
    for _ in 0..times {
        admitted.push(limiter.admit(channel, limit, now).await.unwrap());
    }
    admitted
}

/// At a limit of 3, five requests in one second: the first three are admitted, the rest refused.
pub async fn a_channel_is_admitted_up_to_its_limit_in_a_second(limiter: &dyn RateLimiter) {
    let shop = channel("shop-a");
    assert_eq!(
        admits(limiter, &shop, 3, at("2026-11-27T10:00:00"), 5).await,
        [true, true, true, false, false]
    );
}

/// Instants anywhere in one second share its count; the next second starts a new one.
pub async fn each_second_has_its_own_count(limiter: &dyn RateLimiter) {
    let shop = channel("shop-a");
    let now = at("2026-11-27T10:00:00");
    assert_eq!(admits(limiter, &shop, 2, now, 2).await, [true, true]);
    let late_in_the_second = now + Duration::milliseconds(899);
    assert!(
        !limiter.admit(&shop, 2, late_in_the_second).await.unwrap(),
        "10:00:00.999 is still the second whose limit is used up"
    );
    let next_second = now + Duration::seconds(1);
    assert_eq!(
        admits(limiter, &shop, 2, next_second, 3).await,
        [true, true, false],
        "a new second, a new count"
    );
}

/// One channel using up its limit does not refuse another's requests in the same second.
pub async fn channels_are_counted_apart(limiter: &dyn RateLimiter) {
    let (shop, other) = (channel("shop-a"), channel("shop-b"));
    let now = at("2026-11-27T10:00:00");
    assert_eq!(admits(limiter, &shop, 1, now, 2).await, [true, false]);
    assert!(
        limiter.admit(&other, 1, now).await.unwrap(),
        "channels count apart"
    );
    assert!(!limiter.admit(&other, 1, now).await.unwrap());
}

/// Of ten concurrent requests at a limit of 4 (requests from many Lambda instances at once),
/// exactly four are admitted: the count is not lost between a read and a write.
pub async fn concurrent_requests_admit_exactly_the_limit(limiter: &dyn RateLimiter) {
    let shop = channel("shop-a");
    let now = at("2026-11-27T10:00:00");
    let results = futures::future::join_all((0..10).map(|_| limiter.admit(&shop, 4, now))).await;
    let admitted = results
        .into_iter()
        .map(|r| r.unwrap())
        .filter(|admitted| *admitted)
        .count();
    assert_eq!(admitted, 4);
}

/// A limit of 0 (a channel paused with `--rate-limit 0`) admits nothing: the second's limit is
/// used up before the first request.
pub async fn a_limit_of_zero_admits_nothing(limiter: &dyn RateLimiter) {
    let shop = channel("shop-a");
    assert_eq!(
        admits(limiter, &shop, 0, at("2026-11-27T10:00:00"), 2).await,
        [false, false]
    );
}

/// One `#[tokio::test]` per contract case, each on a fresh limiter made by `$limiter` (an
/// expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! rate_limiter_contract_tests {
    ($limiter:expr) => {
        $crate::rate_limiter_contract_tests!(@cases $limiter;
            a_channel_is_admitted_up_to_its_limit_in_a_second,
            each_second_has_its_own_count,
            channels_are_counted_apart,
            concurrent_requests_admit_exactly_the_limit,
            a_limit_of_zero_admits_nothing);
    };
    (@cases $limiter:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let limiter = $limiter;
                $crate::contract::$case(&limiter).await;
            }
        )*
    };
}
