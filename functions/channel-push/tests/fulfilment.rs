//! The Shopify fulfilment pusher inside one process: `OrderShipped` events as the queue delivers
//! them → the channel's record and token → the real client → the Shopify sandbox, which then
//! holds exactly one fulfilment per ERP shipment.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use channel_push::fulfilment::{FulfilmentPusher, Pushed};
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shopify_sandbox::{DEMO_LOCATION_ID, SandboxConfig, router};
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, StockPush,
};
use switchyard_model::envelope::Envelope;
use switchyard_model::fulfilment_events::{OrderShipped, Shipment, ShippedLine};
use switchyard_model::{ChannelName, OrderId, OrderStatus};
use switchyard_projections::InMemoryProjectionStore;
use switchyard_secrets::{InMemorySecretStore, SecretStore};

const TOKEN: &str = "shpat_fulfilment_test_token";

struct World {
    shop: String,
    pusher: FulfilmentPusher,
}

async fn world() -> World {
    let mut config = SandboxConfig::new(TOKEN);
    config.bucket_size = 2000.0;
    config.restore_rate = 1000.0;
    let app = router(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let shop = format!("http://{addr}");

    let directory = Arc::new(InMemoryChannelDirectory::new());
    let secrets = Arc::new(InMemorySecretStore::new());
    secrets.put("/test/shopify/token", TOKEN).await.unwrap();
    let mut channel = Channel::new(
        ChannelName::try_from("demo-shopify").unwrap(),
        ChannelKind::Shopify,
        Utc::now(),
    );
    channel.stock_push = Some(StockPush {
        endpoint: Some(shop.clone()),
        location_id: Some(DEMO_LOCATION_ID.into()),
        credential: Some("/test/shopify/token".into()),
    });
    directory.put(&channel).await.unwrap();
    directory
        .put(&Channel::new(
            ChannelName::try_from("demo-woo").unwrap(),
            ChannelKind::Woocommerce,
            Utc::now(),
        ))
        .await
        .unwrap();
    let pusher = FulfilmentPusher::new(
        ChannelKind::Shopify,
        directory,
        secrets,
        Box::new(channel_push::connect::Shopify),
        Arc::new(InMemoryProjectionStore::new()),
        switchyard_failures::FailureRecorder::in_memory(
            "fulfilment-shopify",
            "fulfilment-push-shopify",
        ),
    );
    World { shop, pusher }
}

async fn place_order(w: &World, lines: &[(&str, i64)]) -> u64 {
    let items: Vec<_> = lines
        .iter()
        .map(|(sku, q)| json!({"sku": sku, "quantity": q}))
        .collect();
    let placed: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/orders", w.shop))
        .json(&json!({"line_items": items}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    placed["id"].as_u64().unwrap()
}

async fn shop_order(w: &World, id: u64) -> Value {
    reqwest::get(format!("{}/_sandbox/orders/{id}", w.shop))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn shipped(channel: &str, order: u64, id: &str, lines: &[(&str, i64)], full: bool) -> String {
    let event = OrderShipped {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from(channel).unwrap(),
        channel_kind: "shopify".into(),
        external_id: order.to_string().as_str().try_into().unwrap(),
        erp_reference: "SO1".into(),
        shipment: Shipment {
            shipment_id: id.into(),
            lines: lines
                .iter()
                .map(|(sku, q)| ShippedLine {
                    sku: (*sku).try_into().unwrap(),
                    quantity: Decimal::from(*q),
                })
                .collect(),
            carrier: Some("UPS".into()),
            service: Some("UPS Ground".into()),
            tracking_numbers: vec![format!("1Z-{id}")],
            shipped_at: Utc::now(),
        },
        status: if full {
            OrderStatus::Shipped
        } else {
            OrderStatus::PartiallyShipped
        },
        fully_shipped: full,
    };
    let envelope = Envelope::new(channel, "k", event);
    json!({"detail-type": "OrderShipped", "source": "switchyard.orders", "detail": envelope})
        .to_string()
}

fn batch(bodies: &[String]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("m{n}"));
            m.body = Some(body.clone());
            m
        })
        .collect();
    event
}

#[tokio::test]
async fn a_shipment_delivered_three_times_is_one_fulfilment_with_its_tracking() {
    let w = world().await;
    let order = place_order(&w, &[("WIDGET-S", 2), ("WIDGET-M", 1)]).await;
    let body = shipped(
        "demo-shopify",
        order,
        "CS1",
        &[("WIDGET-S", 2), ("WIDGET-M", 1)],
        true,
    );
    let response = w.pusher.process(batch(&[body.clone(), body.clone()])).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(w.pusher.push(&body).await.unwrap(), Pushed::AlreadyPushed);
    let held = shop_order(&w, order).await;
    let fulfilments = held["fulfillments"].as_array().unwrap();
    assert_eq!(fulfilments.len(), 1, "{held}");
    assert_eq!(fulfilments[0]["tracking_numbers"], json!(["1Z-CS1"]));
    assert_eq!(fulfilments[0]["tracking_company"], "UPS");
    assert_eq!(held["fulfillment_orders"][0]["status"], "CLOSED");
}

#[tokio::test]
async fn a_partial_shipment_is_a_partial_fulfilment_and_the_second_completes_it() {
    let w = world().await;
    let order = place_order(&w, &[("WIDGET-S", 2), ("WIDGET-M", 1)]).await;
    let first = shipped("demo-shopify", order, "CS1", &[("WIDGET-S", 1)], false);
    assert!(matches!(
        w.pusher.push(&first).await.unwrap(),
        Pushed::Fulfilled(_)
    ));
    let held = shop_order(&w, order).await;
    assert_eq!(held["fulfillment_orders"][0]["status"], "IN_PROGRESS");
    let rest = shipped(
        "demo-shopify",
        order,
        "CS2",
        &[("WIDGET-S", 1), ("WIDGET-M", 1)],
        true,
    );
    assert!(matches!(
        w.pusher.push(&rest).await.unwrap(),
        Pushed::Fulfilled(_)
    ));
    let held = shop_order(&w, order).await;
    assert_eq!(held["fulfillments"].as_array().unwrap().len(), 2);
    assert_eq!(held["fulfillment_orders"][0]["status"], "CLOSED");
}

#[tokio::test]
async fn other_kinds_are_left_alone_and_a_refusal_stays_on_the_queue() {
    let w = world().await;
    let other = shipped("demo-woo", 1, "CS9", &[("WIDGET-S", 1)], true);
    assert_eq!(w.pusher.push(&other).await.unwrap(), Pushed::OtherKind);
    let order = place_order(&w, &[("WIDGET-S", 1)]).await;
    let too_many = shipped("demo-shopify", order, "CS3", &[("WIDGET-S", 5)], true);
    let response = w.pusher.process(batch(&[too_many])).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert!(
        shop_order(&w, order).await["fulfillments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
