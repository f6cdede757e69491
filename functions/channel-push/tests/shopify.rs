//! The Shopify pusher end to end inside one process: an SQS batch of `InventoryChanged` →
//! the channel found in the directory, its token read from the secret store → the real client →
//! the Shopify sandbox on an ephemeral port, which then shows the channel's allocation.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use channel_push::DirectoryTargets;
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::json;
use shopify_sandbox::{DEMO_LOCATION_ID, SandboxConfig, router};
use switchyard_channels::{
    Allocation, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, StockPush,
};
use switchyard_inventory::pusher::{Backoff, StockPusher};
use switchyard_model::ChannelName;
use switchyard_model::catalog_events::{InventoryChanged, WarehouseLevel};
use switchyard_model::envelope::Envelope;
use switchyard_orders::InMemoryQueue;
use switchyard_projections::InMemoryProjectionStore;
use switchyard_secrets::{InMemorySecretStore, SecretStore};

const TOKEN: &str = "shpat_push_test_token";

async fn sandbox() -> String {
    let mut config = SandboxConfig::new(TOKEN);
    config.bucket_size = 2000.0;
    config.restore_rate = 1000.0;
    let app = router(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn message(n: usize, available: i64, version: i64) -> SqsMessage {
    let level = InventoryChanged {
        sku: "WIDGET-S".try_into().unwrap(),
        on_hand: Decimal::from(available),
        available: Decimal::from(available),
        warehouses: vec![WarehouseLevel {
            warehouse: "WH".into(),
            on_hand: Decimal::from(available),
            available: Decimal::from(available),
            as_of: Utc::now(),
        }],
        unit: "u".into(),
        whole_units: true,
        as_of: Utc::now(),
        erp_version: version,
        observed_at: Utc::now(),
    };
    let envelope = Envelope::new("erp", "WIDGET-S", level);
    let body = json!({"version": "0", "detail-type": "InventoryChanged",
        "source": "switchyard.inventory", "detail": envelope});
    let mut m = SqsMessage::default();
    m.message_id = Some(format!("m{n}"));
    m.receipt_handle = Some(format!("r{n}"));
    m.body = Some(body.to_string());
    m.attributes
        .insert("ApproximateReceiveCount".into(), "1".into());
    m
}

#[tokio::test]
async fn a_batch_reaches_the_shopify_sandbox_as_each_channels_allocation() {
    let shop = sandbox().await;
    let http = reqwest::Client::new();
    http.post(format!("{shop}/_sandbox/products"))
        .json(&json!({"sku": "WIDGET-S", "quantity": 3}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();

    let directory = Arc::new(InMemoryChannelDirectory::new());
    let secrets = Arc::new(InMemorySecretStore::new());
    secrets.put("/test/shopify/token", TOKEN).await.unwrap();
    let mut channel = Channel::new(
        ChannelName::try_from("demo-shopify").unwrap(),
        ChannelKind::Shopify,
        Utc::now(),
    );
    channel.allocation = Some(Allocation::new(Decimal::from(80), Decimal::ZERO, None).unwrap());
    channel.stock_push = Some(StockPush {
        endpoint: Some(shop.clone()),
        location_id: Some(DEMO_LOCATION_ID.into()),
        credential: Some("/test/shopify/token".into()),
    });
    directory.put(&channel).await.unwrap();
    // A channel of another kind and one without a stock push are left alone.
    directory
        .put(&Channel::new(
            ChannelName::try_from("demo-shop").unwrap(),
            ChannelKind::Api,
            Utc::now(),
        ))
        .await
        .unwrap();

    let targets = DirectoryTargets::new(
        directory,
        secrets,
        ChannelKind::Shopify,
        Box::new(channel_push::connect::Shopify),
    );
    let pusher = StockPusher::new(
        Arc::new(targets),
        Arc::new(InMemoryProjectionStore::new()),
        Arc::new(InMemoryQueue::new()),
        Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
        },
        switchyard_failures::FailureRecorder::in_memory("stock-shopify", "stock-push-shopify"),
    );
    let mut batch = SqsEvent::default();
    batch.records = vec![message(0, 250, 2), message(1, 100, 1), message(2, 250, 2)];
    let response = channel_push::handle(&pusher, batch).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");

    let shown: serde_json::Value = http
        .get(format!("{shop}/_sandbox/inventory/WIDGET-S"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["available"], 200, "{shown}");
    let calls: serde_json::Value = http
        .get(format!("{shop}/_sandbox/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let applied = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["applied"] == true)
        .count();
    assert_eq!(applied, 1, "{calls}");
}

#[test]
fn a_message_that_is_not_an_inventory_event_is_unreadable() {
    assert!(channel_push::read_event("{}").is_err());
    let other = json!({"detail-type": "PriceChanged", "detail": {}}).to_string();
    assert!(
        channel_push::read_event(&other)
            .unwrap_err()
            .contains("PriceChanged")
    );
}
