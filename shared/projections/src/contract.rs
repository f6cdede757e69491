//! The contract every [`ProjectionStore`] adapter passes: the twin in this crate's tests,
//! DynamoDB on moto in `tests/adapters`. Instantiate every case with
//! [`projection_store_contract_tests!`](crate::projection_store_contract_tests).
#![allow(clippy::missing_panics_doc)]

use serde_json::json;

use crate::{Applied, Key, ProjectionStore, Version};

fn v(value: i64) -> Version {
    Version::new(value)
}

fn key(run: &str, tag: &str) -> Key {
    Key::new(format!("{run}#{tag}"), "doc")
}

/// The first write of a key is stored and read back exactly, decimal strings and all.
pub async fn a_first_write_is_stored_exactly(store: &dyn ProjectionStore, run: &str) {
    let k = key(run, "first");
    let doc = json!({"sku": "WIDGET-S", "available": "12.5000", "note": "ünïcødé ✓"});
    assert_eq!(
        store.put_if_newer(&k, v(7), &doc).await.unwrap(),
        Applied::Written
    );
    let read = store.get_many(std::slice::from_ref(&k)).await.unwrap();
    let stored = read[0].as_ref().expect("the document");
    assert_eq!((stored.version, &stored.doc), (v(7), &doc));
}

/// An older version never overwrites a newer one; the same version again (a duplicate) writes
/// nothing; a newer one replaces it.
pub async fn only_a_newer_version_overwrites(store: &dyn ProjectionStore, run: &str) {
    let k = key(run, "order");
    store
        .put_if_newer(&k, v(10), &json!({"v": 10}))
        .await
        .unwrap();
    assert_eq!(
        store
            .put_if_newer(&k, v(9), &json!({"v": 9}))
            .await
            .unwrap(),
        Applied::Stale
    );
    assert_eq!(
        store
            .put_if_newer(&k, v(10), &json!({"v": "dup"}))
            .await
            .unwrap(),
        Applied::Stale
    );
    let read = store.get_many(std::slice::from_ref(&k)).await.unwrap();
    assert_eq!(read[0].as_ref().unwrap().doc, json!({"v": 10}));
    assert_eq!(
        store
            .put_if_newer(&k, v(11), &json!({"v": 11}))
            .await
            .unwrap(),
        Applied::Written
    );
    let read = store.get_many(std::slice::from_ref(&k)).await.unwrap();
    assert_eq!(read[0].as_ref().unwrap().version, v(11));
}

/// Two documents of one partition are independent.
pub async fn sort_keys_are_independent(store: &dyn ProjectionStore, run: &str) {
    let a = Key::new(format!("{run}#part"), "a");
    let b = Key::new(format!("{run}#part"), "b");
    store.put_if_newer(&a, v(5), &json!("a")).await.unwrap();
    assert_eq!(
        store.put_if_newer(&b, v(1), &json!("b")).await.unwrap(),
        Applied::Written
    );
    let read = store.get_many(&[b.clone(), a.clone()]).await.unwrap();
    assert_eq!(read[0].as_ref().unwrap().doc, json!("b"));
    assert_eq!(read[1].as_ref().unwrap().doc, json!("a"));
}

/// Reads answer in the order asked, `None` for missing keys, a repeated key twice, and any
/// number of keys (more than one backend batch).
pub async fn many_keys_are_read_in_order(store: &dyn ProjectionStore, run: &str) {
    let keys: Vec<Key> = (0..130).map(|n| key(run, &format!("many{n}"))).collect();
    for (n, k) in keys.iter().enumerate().filter(|(n, _)| n % 3 != 0) {
        store
            .put_if_newer(k, v(n as i64 + 1), &json!({ "n": n }))
            .await
            .unwrap();
    }
    let mut asked = keys.clone();
    asked.push(keys[1].clone());
    let read = store.get_many(&asked).await.unwrap();
    assert_eq!(read.len(), asked.len());
    for (n, found) in read.iter().take(keys.len()).enumerate() {
        if n % 3 == 0 {
            assert_eq!(found, &None, "key {n}");
        } else {
            assert_eq!(found.as_ref().unwrap().doc, json!({ "n": n }), "key {n}");
        }
    }
    assert_eq!(read.last().unwrap(), &read[1]);
}

/// Writers racing with different versions leave the largest, whatever order they land in.
pub async fn racing_writers_leave_the_largest_version(store: &dyn ProjectionStore, run: &str) {
    let k = key(run, "race");
    let writes = (1..=12).rev().map(|v| {
        let k = k.clone();
        async move {
            store
                .put_if_newer(&k, Version::new(v), &json!({ "v": v }))
                .await
        }
    });
    let outcomes = futures::future::join_all(writes).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let read = store.get_many(std::slice::from_ref(&k)).await.unwrap();
    assert_eq!(read[0].as_ref().unwrap().version, v(12));
    assert_eq!(read[0].as_ref().unwrap().doc, json!({ "v": 12 }));
}

/// The same ERP value read later wins (a transaction that committed late under an old stamp);
/// the same pair again (a redelivery) is a duplicate; an earlier read never overwrites.
pub async fn the_later_read_of_the_same_value_wins(store: &dyn ProjectionStore, run: &str) {
    let k = key(run, "tie");
    let first = Version {
        value: 50,
        observed: 1_000,
    };
    let later = Version {
        value: 50,
        observed: 2_000,
    };
    store
        .put_if_newer(&k, first, &json!("first read"))
        .await
        .unwrap();
    assert_eq!(
        store
            .put_if_newer(&k, later, &json!("later read"))
            .await
            .unwrap(),
        Applied::Written
    );
    assert_eq!(
        store
            .put_if_newer(&k, later, &json!("again"))
            .await
            .unwrap(),
        Applied::Stale
    );
    assert_eq!(
        store
            .put_if_newer(&k, first, &json!("first read"))
            .await
            .unwrap(),
        Applied::Stale
    );
    let read = store.get_many(std::slice::from_ref(&k)).await.unwrap();
    let stored = read[0].as_ref().unwrap();
    assert_eq!((stored.version, &stored.doc), (later, &json!("later read")));
}

/// A plain put replaces the document whatever its version, older included.
pub async fn a_plain_put_replaces_whatever_is_stored(store: &dyn ProjectionStore, run: &str) {
    let k = key(run, "plain");
    store.put_if_newer(&k, v(5), &json!("newer")).await.unwrap();
    store.put(&k, v(3), &json!("replaced")).await.unwrap();
    let read = store.get_many(std::slice::from_ref(&k)).await.unwrap();
    let stored = read[0].as_ref().unwrap();
    assert_eq!((stored.version, &stored.doc), (v(3), &json!("replaced")));
}

/// Instantiates every case as a `#[tokio::test]`: `$store` builds the adapter, `$run` a unique
/// prefix for one case's keys.
#[macro_export]
macro_rules! projection_store_contract_tests {
    (store: $store:expr, run: $run:expr $(,)?) => {
        $crate::projection_store_contract_tests!(@cases $store, $run;
            a_first_write_is_stored_exactly,
            only_a_newer_version_overwrites,
            sort_keys_are_independent,
            many_keys_are_read_in_order,
            racing_writers_leave_the_largest_version,
            the_later_read_of_the_same_value_wins,
            a_plain_put_replaces_whatever_is_stored);
    };
    (@cases $store:expr, $run:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let store = $store;
                let run: String = $run;
                $crate::contract::$case(&store, &run).await;
            }
        )*
    };
}
