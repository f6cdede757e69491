//! The ops API over the in-memory twins: authentication, and the numbers on known data.

use std::sync::Arc;
use std::time::SystemTime;

use chrono::{Duration, Utc};
use ops_api::{OpsApi, OpsToken};
use serde_json::{Value, json};
use switchyard_channels::{Channel, ChannelDirectory, InMemoryChannelDirectory};
use switchyard_failures::{FailureClass, FailureRecorder, FailureStore, InMemoryFailureStore};
use switchyard_intake::HttpRequest;
use switchyard_intake::lambda::HttpHandler;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::{ChannelName, OrderId};
use switchyard_operations::health::{FixedQueues, Health, QueueDepth};
use switchyard_orders::{InMemoryOrderStore, OrderRecord, OrderStore};
use switchyard_projections::{InMemoryProjectionStore, ProjectionStore, Version};

const TOKEN: &str = "s3cret-ops-token";

fn request(path: &str, authorization: Option<&str>) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        headers: authorization
            .map(|a| vec![("authorization".to_string(), a.to_string())])
            .unwrap_or_default(),
        body: vec![],
        host: None,
        query: vec![],
    }
}

fn record(
    channel: &str,
    received_ago: Duration,
    answered_after_ms: Option<(i64, bool)>,
) -> OrderRecord {
    let body = json!({"external_id": format!("PO-{}", ulid::Ulid::new()), "currency": "USD",
        "customer": {"name": "Acme"}, "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 1, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from(channel).unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
    };
    let at = Utc::now() - received_ago;
    let mut record = OrderRecord::received(parse_order(&body, &ctx).unwrap(), "k", at);
    match answered_after_ms {
        Some((ms, true)) => record
            .accept("SO1", at + Duration::milliseconds(ms))
            .unwrap(),
        Some((ms, false)) => record
            .reject(
                "unknown_customer",
                "no such customer",
                at + Duration::milliseconds(ms),
            )
            .unwrap(),
        None => {}
    }
    record
}

struct World {
    orders: Arc<InMemoryOrderStore>,
    failures: Arc<InMemoryFailureStore>,
    channels: Arc<InMemoryChannelDirectory>,
    catalog: Arc<InMemoryProjectionStore>,
}

impl World {
    fn new() -> Self {
        Self {
            orders: Arc::new(InMemoryOrderStore::new()),
            failures: Arc::new(InMemoryFailureStore::new()),
            channels: Arc::new(InMemoryChannelDirectory::new()),
            catalog: Arc::new(InMemoryProjectionStore::new()),
        }
    }

    fn api(&self, token: OpsToken) -> OpsApi {
        OpsApi::new(
            Health {
                orders: self.orders.clone(),
                failures: self.failures.clone(),
                channels: self.channels.clone(),
                catalog: self.catalog.clone(),
                queues: Arc::new(FixedQueues {
                    queues: vec![QueueDepth {
                        name: "switchyard-orders".into(),
                        dead_letter: false,
                        depth: 4,
                        in_flight: 1,
                        delayed: 0,
                        oldest_age_seconds: None,
                    }],
                    dead_letters: vec![],
                }),
            },
            token,
        )
    }
}

async fn get(
    api: &OpsApi,
    path: &str,
    authorization: Option<&str>,
) -> (u16, Value, Vec<(String, String)>) {
    let response = api
        .handle(&request(path, authorization), SystemTime::now())
        .await;
    let body = serde_json::from_str(&response.body).unwrap_or(Value::String(response.body.clone()));
    (response.status, body, response.headers)
}

#[tokio::test]
async fn without_the_token_or_with_a_wrong_one_the_api_answers_401_problem_json() {
    let world = World::new();
    let api = world.api(OpsToken::required(TOKEN));
    for authorization in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-ops-token-and-more"),
        Some(TOKEN),
    ] {
        let (status, body, headers) = get(&api, "/ops/health", authorization).await;
        assert_eq!(status, 401, "{authorization:?}: {body}");
        assert_eq!(body["type"], "/problems/unauthorized");
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "content-type" && v == "application/problem+json")
        );
        assert!(
            !body.to_string().contains(TOKEN),
            "the answer never echoes the token"
        );
    }
    let (status, body, _) = get(&api, "/ops/health", Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(status, 200, "{body}");
    // The page itself holds no data and loads without it (it then asks with the token).
    let (status, page, headers) = get(&api, "/ops", None).await;
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("Switchyard ops"));
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("text/html"))
    );
    assert!(
        format!("{:?}", OpsToken::required(TOKEN))
            .find(TOKEN)
            .is_none()
    );
}

#[tokio::test]
async fn the_orders_route_counts_the_last_hour_per_channel_with_erp_latency_percentiles() {
    let world = World::new();
    // shop-a: 100 orders received 30 min ago, answered after 1..=100 ms (99 accepted, 1 rejected).
    for ms in 1..=100 {
        let order = record("shop-a", Duration::minutes(30), Some((ms * 10, ms != 100)));
        world.orders.create(&order).await.unwrap();
    }
    // shop-b: one still waiting; one received and accepted two hours ago (outside the hour).
    world
        .orders
        .create(&record("shop-b", Duration::minutes(5), None))
        .await
        .unwrap();
    world
        .orders
        .create(&record("shop-b", Duration::hours(2), Some((50, true))))
        .await
        .unwrap();
    let api = world.api(OpsToken::none());
    let (status, body, _) = get(&api, "/ops/orders", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["channels"],
        json!([
            {"channel": "shop-a", "received": 100, "accepted": 99, "rejected": 1},
            {"channel": "shop-b", "received": 1, "accepted": 0, "rejected": 0},
        ])
    );
    let latency = &body["erp_latency"];
    assert_eq!(latency["count"], 100);
    assert_eq!(latency["p50_ms"], 500);
    assert_eq!(latency["p99_ms"], 990);
    assert_eq!(latency["max_ms"], 1000);
}

#[tokio::test]
async fn health_shows_open_failures_queues_and_inventory_lag() {
    let world = World::new();
    let recorder = FailureRecorder::new(world.failures.clone(), "orders", "order-processor", 3);
    let body = r#"{"id":"E1","channel":"shop-a","correlation_id":"C1","type":"OrderReceived","payload":{"order_id":"01J0000000000000000000000A"}}"#;
    recorder
        .failed(
            "switchyard-orders",
            Some("m1"),
            body,
            1,
            FailureClass::Transient,
            "ERP unreachable: connection refused",
        )
        .await;
    let channel: Channel = serde_json::from_value(json!({"name": "shop-a", "kind": "shopify",
        "default_customer": null, "rate_limit_per_second": null, "created_at": Utc::now(),
        "stock_push": {"endpoint": "http://127.0.0.1:1"}}))
    .unwrap();
    world.channels.put(&channel).await.unwrap();
    world
        .catalog
        .put(
            &switchyard_inventory_summary_key("shop-a"),
            Version::default(),
            &json!({"last_push_at": Utc::now(), "last_lag_ms": 1234, "levels_pushed": 3, "calls": 1}),
        )
        .await
        .unwrap();
    let api = world.api(OpsToken::none());
    let (status, health, _) = get(&api, "/ops/health", None).await;
    assert_eq!(status, 200, "{health}");
    let failures = health["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{health}");
    assert_eq!(failures[0]["error"], "ERP unreachable: connection refused");
    assert_eq!(health["queues"][0]["depth"], 4);
    assert_eq!(health["inventory"][0]["channel"], "shop-a");
    assert_eq!(health["inventory"][0]["last_lag_ms"], 1234);
    let _ = world.failures.list(&Default::default()).await.unwrap();
}

fn switchyard_inventory_summary_key(channel: &str) -> switchyard_projections::Key {
    // The pushers' own key (shared/inventory `summary_key`), spelled out so this test fails if
    // the ops API stops reading where the pushers write.
    switchyard_projections::Key::new(format!("push#{channel}"), "summary")
}
