//! The contract every [`IdempotencyStore`] adapter passes: the in-memory twin in this crate's
//! tests, DynamoDB on moto in `tests/adapters`. Instantiate every case with [`contract_tests!`].
#![allow(clippy::missing_panics_doc)]

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::{Claim, IdempotencyError, IdempotencyStore, NextAction};

const HOUR: Duration = Duration::from_secs(3600);

fn claim<'a>(key: &'a str, hash: &'a str, lease: Duration) -> Claim<'a> {
    Claim {
        key,
        payload_hash: hash,
        lease_until: SystemTime::now() + lease,
        retention: HOUR,
    }
}

/// A new key proceeds; while its lease runs a retry waits; once completed, the same payload replays and another conflicts.
pub async fn first_claim_proceeds_and_completion_replays(store: &dyn IdempotencyStore) {
    let NextAction::Proceed(lease) = store.claim(claim("k1", "h1", HOUR)).await.unwrap() else {
        panic!("a new key must proceed");
    };
    match store.claim(claim("k1", "h1", HOUR)).await.unwrap() {
        NextAction::InFlight { retry_after } => {
            assert!(retry_after > Duration::from_secs(3500), "{retry_after:?}")
        }
        other => panic!("a second claim while the lease runs must wait, got {other:?}"),
    }
    assert_eq!(
        store.claim(claim("k1", "other", HOUR)).await.unwrap(),
        NextAction::Conflict
    );
    store
        .complete(&lease, &json!({"status": 202}), HOUR)
        .await
        .unwrap();
    assert_eq!(
        store.claim(claim("k1", "h1", HOUR)).await.unwrap(),
        NextAction::Replay(json!({"status": 202}))
    );
    assert_eq!(
        store.claim(claim("k1", "h2", HOUR)).await.unwrap(),
        NextAction::Conflict
    );
}

/// A lease past its end is taken over, and its old owner can neither complete nor release it.
pub async fn an_expired_lease_can_be_taken_over_and_the_old_owner_cannot_complete(
    store: &dyn IdempotencyStore,
) {
    let NextAction::Proceed(stale) = store.claim(claim("k2", "h", Duration::ZERO)).await.unwrap()
    else {
        panic!("a new key must proceed");
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let NextAction::Proceed(fresh) = store.claim(claim("k2", "h", HOUR)).await.unwrap() else {
        panic!("an expired lease must be claimable");
    };
    assert!(matches!(
        store.complete(&stale, &json!(1), HOUR).await,
        Err(IdempotencyError::LeaseLost { .. })
    ));
    assert!(matches!(
        store.release(&stale).await,
        Err(IdempotencyError::LeaseLost { .. })
    ));
    store.complete(&fresh, &json!(2), HOUR).await.unwrap();
    assert_eq!(
        store.claim(claim("k2", "h", HOUR)).await.unwrap(),
        NextAction::Replay(json!(2))
    );
}

/// A released key (the work failed) can be claimed again.
pub async fn a_released_key_proceeds_again(store: &dyn IdempotencyStore) {
    let NextAction::Proceed(lease) = store.claim(claim("k3", "h", HOUR)).await.unwrap() else {
        panic!("a new key must proceed");
    };
    store.release(&lease).await.unwrap();
    assert!(matches!(
        store.claim(claim("k3", "h", HOUR)).await.unwrap(),
        NextAction::Proceed(_)
    ));
}

/// Of eight concurrent claims of one key, exactly one proceeds.
pub async fn concurrent_claims_let_exactly_one_proceed(store: &dyn IdempotencyStore) {
    let results =
        futures::future::join_all((0..8).map(|_| store.claim(claim("k4", "h", HOUR)))).await;
    let proceeded = results
        .iter()
        .filter(|r| matches!(r, Ok(NextAction::Proceed(_))))
        .count();
    let waiting = results
        .iter()
        .filter(|r| matches!(r, Ok(NextAction::InFlight { .. })))
        .count();
    assert_eq!((proceeded, waiting), (1, 7));
}

/// A lease about to end still tells the client to wait a whole second, never zero.
pub async fn a_lease_about_to_end_still_asks_for_a_second(store: &dyn IdempotencyStore) {
    let NextAction::Proceed(_) = store
        .claim(claim("k5", "h", Duration::from_millis(300)))
        .await
        .unwrap()
    else {
        panic!("a new key must proceed");
    };
    assert_eq!(
        store.claim(claim("k5", "h", HOUR)).await.unwrap(),
        NextAction::InFlight {
            retry_after: Duration::from_secs(1)
        },
        "clients are told to wait at least a second, never 0"
    );
}

/// One `#[tokio::test]` per contract case, each on a fresh store made by `$store` (an
/// expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! contract_tests {
    ($store:expr) => {
        $crate::contract_tests!(@cases $store; first_claim_proceeds_and_completion_replays, an_expired_lease_can_be_taken_over_and_the_old_owner_cannot_complete, a_released_key_proceeds_again, concurrent_claims_let_exactly_one_proceed, a_lease_about_to_end_still_asks_for_a_second);
    };
    (@cases $store:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let store = $store;
                $crate::contract::$case(&store).await;
            }
        )*
    };
}
