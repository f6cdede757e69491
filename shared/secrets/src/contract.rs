//! The contract every [`SecretStore`] adapter passes: the in-memory twin in this crate's tests,
//! SSM on moto in `tests/adapters`. Instantiate every case with
//! [`secret_store_contract_tests!`](crate::secret_store_contract_tests).
#![allow(clippy::missing_panics_doc)]

use crate::SecretStore;

/// A parameter name shaped like the ones `switchyard channels add` stores
/// (`<prefix>/channels/<channel>/<purpose>-<timestamp>`), unique per call: SSM parameters
/// outlive a test and every test on one moto shares them.
fn fresh_name(purpose: &str) -> String {
    let unique = ulid::Ulid::new().to_string().to_lowercase();
    format!("/switchyard-test/channels/shop-{unique}/{purpose}-20261127T100000000")
}

/// A name nothing was stored under reads as `None`, not as an error (the webhook verifier skips
/// a missing secret and tries the others).
pub async fn a_missing_secret_reads_as_none(store: &dyn SecretStore) {
    assert_eq!(store.get(&fresh_name("webhook")).await.unwrap(), None);
}

/// A stored value reads back exactly, even right after the same name read as missing (a miss
/// must not be remembered, or a newly added channel's secret stays unseen).
pub async fn a_stored_secret_reads_back_after_a_miss(store: &dyn SecretStore) {
    let name = fresh_name("webhook");
    assert_eq!(store.get(&name).await.unwrap(), None);
    store.put(&name, "whsec_c2VjcmV0+/=").await.unwrap();
    assert_eq!(
        store.get(&name).await.unwrap().as_deref(),
        Some("whsec_c2VjcmV0+/=")
    );
}

/// Storing under a name again replaces its value, and the next read of this store sees the new
/// one at once (a rotation done by this process is not hidden by its cache).
pub async fn an_overwrite_is_read_at_once(store: &dyn SecretStore) {
    let name = fresh_name("webhook");
    store.put(&name, "whsec_b2xk").await.unwrap();
    assert_eq!(
        store.get(&name).await.unwrap().as_deref(),
        Some("whsec_b2xk")
    );
    store.put(&name, "whsec_bmV3").await.unwrap();
    assert_eq!(
        store.get(&name).await.unwrap().as_deref(),
        Some("whsec_bmV3"),
        "a put is seen at once"
    );
}

/// Each name holds its own value: a channel's new secret (a new timestamped name) leaves the old
/// one readable during the rotation's grace period.
pub async fn names_hold_their_own_values(store: &dyn SecretStore) {
    let (old, new) = (fresh_name("webhook-old"), fresh_name("webhook-new"));
    let hex = "0123456789abcdef".repeat(4);
    store.put(&old, &hex).await.unwrap();
    store.put(&new, "whsec_bmV3").await.unwrap();
    assert_eq!(store.get(&old).await.unwrap(), Some(hex));
    assert_eq!(
        store.get(&new).await.unwrap().as_deref(),
        Some("whsec_bmV3")
    );
}

/// One `#[tokio::test]` per contract case, each on a fresh store made by `$store` (an
/// expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! secret_store_contract_tests {
    ($store:expr) => {
        $crate::secret_store_contract_tests!(@cases $store;
            a_missing_secret_reads_as_none,
            a_stored_secret_reads_back_after_a_miss,
            an_overwrite_is_read_at_once,
            names_hold_their_own_values);
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
