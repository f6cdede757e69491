//! The `ChannelStock` contract against the real `ShopifyInventory` talking to the sandbox
//! in-process on an ephemeral port (no running service needed), and what only Shopify has:
//! compare-and-swap races, cost throttling, mandatory idempotency, faults and credentials.
//! The same contract cases run against the in-memory twin in `shared/inventory/tests`.

mod common;

use common::{Admin, client, client_with, start};
use serde_json::{Value, json};
use switchyard_inventory::contract::ChannelUnderTest;
use switchyard_inventory::{ChannelLevel, ChannelStock, LevelOutcome, PushError};
use switchyard_shopify::ShopifyInventory;

/// The client plus the sandbox's admin routes, as the contract needs them.
struct Shop {
    client: ShopifyInventory,
    admin: Admin,
}

#[async_trait::async_trait]
impl ChannelStock for Shop {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        self.client.set_levels(levels).await
    }
}

#[async_trait::async_trait]
impl ChannelUnderTest for Shop {
    async fn list(&self, sku: &str, quantity: i64) {
        self.admin.list(sku, quantity).await;
    }
    async fn shown(&self, sku: &str) -> Option<i64> {
        self.admin.shown(sku).await
    }
    async fn change_behind_our_back(&self, sku: &str, quantity: i64) {
        self.admin.set(sku, quantity).await;
    }
}

/// A shop on Shopify Plus's rate (1,000 points/s) so the 260-SKU case is not paced for seconds;
/// pacing is what the throttling tests below are for.
async fn shop() -> Shop {
    let addr = start(2000.0, 1000.0).await;
    Shop {
        client: client(addr),
        admin: Admin::new(addr),
    }
}

switchyard_inventory::channel_stock_contract_tests! {
    channel: shop().await,
    run: ulid::Ulid::new().to_string(),
}

fn level(sku: &str, quantity: i64) -> ChannelLevel {
    ChannelLevel {
        sku: sku.into(),
        quantity,
        idempotency_key: format!("{sku}:{quantity}:{}", ulid::Ulid::new()),
    }
}

fn mutations(calls: &[Value]) -> Vec<&Value> {
    calls
        .iter()
        .filter(|c| c["operation"] == "mutation")
        .collect()
}

#[tokio::test]
async fn a_sale_between_read_and_write_is_re_read_and_set_once() {
    let addr = start(2000.0, 1000.0).await;
    let admin = Admin::new(addr);
    admin.list("RACE-A", 10).await;
    // Right after the client reads 10, a sale takes the level to 7: its compare goes stale.
    admin.race("RACE-A", 7).await;
    let outcomes = client(addr)
        .set_levels(&[level("RACE-A", 12)])
        .await
        .unwrap();

    assert_eq!(
        outcomes,
        vec![LevelOutcome::Set {
            sku: "RACE-A".into(),
            previous: Some(7)
        }]
    );
    assert_eq!(admin.shown("RACE-A").await, Some(12));
    let calls = admin.calls().await;
    let writes = mutations(&calls);
    assert_eq!(writes.len(), 2, "{calls:#?}");
    assert_eq!(writes[0]["outcome"], "user_errors");
    assert_eq!(writes[0]["codes"], json!(["CHANGE_FROM_QUANTITY_STALE"]));
    assert_eq!(writes[0]["applied"], false);
    assert_eq!(writes[1]["outcome"], "ok");
    assert_eq!(writes.iter().filter(|w| w["applied"] == true).count(), 1);
    // The retry compared against a new read, so it is a new request with a new key.
    assert_ne!(writes[0]["idempotency_key"], writes[1]["idempotency_key"]);
    let compared: Vec<&Value> = writes
        .iter()
        .map(|w| &w["variables"]["input"]["quantities"][0]["changeFromQuantity"])
        .collect();
    assert_eq!(compared, [&json!(10), &json!(7)]);
}

#[tokio::test]
async fn a_level_that_never_settles_ends_transient_without_writing() {
    let addr = start(2000.0, 1000.0).await;
    let admin = Admin::new(addr);
    admin.list("BUSY", 10).await;
    let client = client(addr);
    // Every read is followed by another change, more times than the client re-reads.
    admin.race_times("BUSY", 20, 10).await;
    let result = client.set_levels(&[level("BUSY", 3)]).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, PushError::Unavailable(_)) && error.is_transient(),
        "{error:?}"
    );
    assert_ne!(admin.shown("BUSY").await, Some(3));
    assert!(
        mutations(&admin.calls().await)
            .iter()
            .all(|w| w["applied"] == false)
    );
}

#[tokio::test]
async fn a_throttled_push_waits_for_the_bucket_and_loses_nothing() {
    // A 60-point bucket refilling at 200 points/s: a few hundred milliseconds of pacing.
    let addr = start(60.0, 200.0).await;
    let admin = Admin::new(addr);
    let skus: Vec<String> = (0..12).map(|n| format!("T-{n}")).collect();
    for sku in &skus {
        admin.list(sku, 0).await;
    }
    // Another app call spends the bucket first, so the client's first call is THROTTLED.
    let spent = admin
        .query(
            "{ productVariants(first: 25) { nodes { inventoryItem { id } } } }",
            json!({}),
        )
        .await;
    assert!(spent["errors"].is_null(), "{spent}");
    let levels: Vec<ChannelLevel> = skus
        .iter()
        .enumerate()
        .map(|(n, s)| level(s, n as i64 + 1))
        .collect();

    let outcomes = client(addr).set_levels(&levels).await.unwrap();

    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, LevelOutcome::Set { .. })),
        "{outcomes:?}"
    );
    for (n, sku) in skus.iter().enumerate() {
        assert_eq!(admin.shown(sku).await, Some(n as i64 + 1), "{sku}");
    }
    let calls = admin.calls().await;
    assert!(
        calls.iter().any(|c| c["outcome"] == "throttled"),
        "never throttled: {calls:#?}"
    );
    assert_eq!(
        mutations(&calls)
            .iter()
            .filter(|w| w["applied"] == true)
            .count(),
        1
    );
}

#[tokio::test]
async fn a_long_throttle_is_returned_with_its_wait_and_sets_nothing() {
    // Refills at 1 point/s: the next call would wait far longer than the client waits in-line.
    let addr = start(40.0, 1.0).await;
    let admin = Admin::new(addr);
    admin.list("SLOW", 5).await;
    // Another app call spends most of the bucket (13 items read: 26 points, all of them used).
    let item = admin.item_id("SLOW").await;
    let spent = admin
        .query(
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on InventoryItem { id inventoryLevel(locationId: \"gid://shopify/Location/1\") { id } } } }",
            json!({ "ids": vec![item; 13] }),
        )
        .await;
    assert_eq!(
        spent["extensions"]["cost"]["actualQueryCost"], 26,
        "{spent}"
    );

    let error = client(addr)
        .set_levels(&[level("SLOW", 6)])
        .await
        .unwrap_err();

    match error {
        PushError::Throttled { retry_after } => {
            assert!(retry_after.as_secs_f64() > 5.0, "{retry_after:?}");
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert_eq!(admin.shown("SLOW").await, Some(5));
}

#[tokio::test]
async fn a_failing_shop_is_unavailable_and_the_retry_completes() {
    let addr = start(2000.0, 1000.0).await;
    let admin = Admin::new(addr);
    admin.list("FAULT", 1).await;
    let client = client(addr);
    let push = [level("FAULT", 4)];
    admin.faults(1).await;

    let error = client.set_levels(&push).await.unwrap_err();
    assert!(
        matches!(error, PushError::Unavailable(_)) && error.is_transient(),
        "{error:?}"
    );
    assert_eq!(admin.shown("FAULT").await, Some(1));

    let outcomes = client.set_levels(&push).await.unwrap();
    assert!(
        matches!(
            &outcomes[..],
            [LevelOutcome::Set {
                previous: Some(1),
                ..
            }]
        ),
        "{outcomes:?}"
    );
    assert_eq!(admin.shown("FAULT").await, Some(4));
}

#[tokio::test]
async fn a_bad_token_is_refused_and_never_recorded() {
    let addr = start(2000.0, 1000.0).await;
    let admin = Admin::new(addr);
    admin.list("TOK", 1).await;
    let error = client_with(addr, "shpat_wrong_token_abc", "2026-04")
        .set_levels(&[level("TOK", 2)])
        .await
        .unwrap_err();
    assert!(
        matches!(error, PushError::Refused(_)) && !error.is_transient(),
        "{error:?}"
    );
    assert_eq!(admin.shown("TOK").await, Some(1));
    let log = serde_json::to_string(&admin.calls().await).unwrap();
    assert!(log.contains("unauthorized"));
    assert!(!log.contains("shpat_wrong_token_abc") && !log.contains(common::TOKEN));
}

#[tokio::test]
async fn a_client_on_an_older_api_version_is_refused() {
    let addr = start(2000.0, 1000.0).await;
    let admin = Admin::new(addr);
    admin.list("OLD", 1).await;
    let error = client_with(addr, common::TOKEN, "2025-10")
        .set_levels(&[level("OLD", 2)])
        .await
        .unwrap_err();
    assert!(matches!(error, PushError::Refused(_)), "{error:?}");
    assert_eq!(admin.shown("OLD").await, Some(1));
}

#[tokio::test]
async fn the_variant_lookup_is_cached_across_pushes() {
    let addr = start(2000.0, 1000.0).await;
    let admin = Admin::new(addr);
    admin.list("CACHE", 1).await;
    let client = client(addr);
    client.set_levels(&[level("CACHE", 2)]).await.unwrap();
    client.set_levels(&[level("CACHE", 3)]).await.unwrap();
    let lookups = admin
        .calls()
        .await
        .iter()
        .filter(|c| c["fields"] == json!(["productVariants"]))
        .count();
    assert_eq!(lookups, 1);
    assert_eq!(admin.shown("CACHE").await, Some(3));
}
