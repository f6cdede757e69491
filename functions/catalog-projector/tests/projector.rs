//! The projector over the in-memory projection store, fed the SQS batch fixture of
//! `events/catalog-projector/` (EventBridge events as an SQS target receives them).

use std::str::FromStr;
use std::sync::Arc;

use switchyard_failures::{
    FailureClass, FailureFilter, FailureRecorder, FailureStore, InMemoryFailureStore,
};

use aws_lambda_events::sqs::SqsEvent;
use catalog_projector::{Projected, Projector};
use rust_decimal::Decimal;
use switchyard_inventory::prices::{customer_price_list, read_pricing};
use switchyard_inventory::stock::read_stock;
use switchyard_model::Sku;
use switchyard_projections::InMemoryProjectionStore;

fn fixture() -> SqsEvent {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/catalog-projector/catalog-events-batch.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_fixture_round_trips() {
    let event = fixture();
    let again: SqsEvent = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::to_value(&again).unwrap()
    );
}

#[tokio::test]
async fn a_reordered_and_repeated_batch_leaves_the_newest_level_and_the_prices() {
    let store = Arc::new(InMemoryProjectionStore::new());
    let projector = Projector::new(
        store.clone(),
        recorder(Arc::new(InMemoryFailureStore::new())),
    );
    let response = projector.process(fixture()).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");

    let sku = Sku::try_from("WIDGET-S").unwrap();
    let level = read_stock(store.as_ref(), std::slice::from_ref(&sku))
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    // The older 490 arrived after the 480 and was not applied; the repeat changed nothing.
    assert_eq!(level.available, Decimal::from(480));

    let list = customer_price_list(store.as_ref(), "ACME-001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.price_list.as_deref(), Some("ACME contract"));
    let pricing = read_pricing(store.as_ref(), list.price_list.as_deref(), &[sku])
        .await
        .unwrap();
    let contract = pricing[0].contract.as_ref().unwrap();
    assert_eq!(
        contract.breaks[1].unit_price,
        Decimal::from_str("7.8625").unwrap()
    );
}

#[tokio::test]
async fn each_outcome_is_told_apart_and_only_unreadable_messages_fail() {
    let store = Arc::new(InMemoryProjectionStore::new());
    let projector = Projector::new(
        store.clone(),
        recorder(Arc::new(InMemoryFailureStore::new())),
    );
    let bodies: Vec<String> = fixture()
        .records
        .into_iter()
        .map(|r| r.body.unwrap())
        .collect();
    assert_eq!(
        projector.project(&bodies[0]).await.unwrap(),
        Projected::Written
    );
    assert_eq!(
        projector.project(&bodies[1]).await.unwrap(),
        Projected::Stale
    );
    assert_eq!(
        projector.project(&bodies[2]).await.unwrap(),
        Projected::Stale
    );
    let other = bodies[0].replace("InventoryChanged", "OrderAccepted");
    assert_eq!(projector.project(&other).await.unwrap(), Projected::Ignored);
    assert!(projector.project("not json").await.is_err());
    let wrong_version = bodies[0].replace("\"version\": 1,", "\"version\": 9,");
    assert!(projector.project(&wrong_version).await.is_err());

    let mut batch = fixture();
    batch.records[1].body = Some("{\"detail-type\": \"InventoryChanged\"}".into());
    let response = projector.process(batch).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(
        response.batch_item_failures[0].item_identifier,
        "00000000-aaaa-bbbb-cccc-000000000001"
    );
}

fn recorder(store: Arc<InMemoryFailureStore>) -> FailureRecorder {
    FailureRecorder::new(store, catalog_projector::FLOW, "catalog-projector", 3)
}

#[tokio::test]
async fn an_unreadable_event_is_recorded_as_poison_and_a_good_one_records_nothing() {
    let failures = Arc::new(InMemoryFailureStore::new());
    let projector = Projector::new(
        Arc::new(InMemoryProjectionStore::new()),
        recorder(failures.clone()),
    );
    let mut event = fixture();
    event.records.truncate(1);
    let mut bad = event.records[0].clone();
    bad.message_id = Some("bad-1".into());
    bad.body =
        Some("{\"detail-type\":\"InventoryChanged\",\"detail\":{\"not\":\"an envelope\"}}".into());
    bad.attributes
        .insert("ApproximateReceiveCount".into(), "3".into());
    event.records.push(bad);
    let response = projector.process(event).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["bad-1"]);
    let records = failures.list(&FailureFilter::default()).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].key.flow, "catalog-events");
    assert_eq!(records[0].class, FailureClass::Poison);
    assert!(
        records[0].dead_lettered_at.is_some(),
        "the third receive was the last"
    );
    assert!(
        records[0].error.contains("unreadable"),
        "{}",
        records[0].error
    );
}
