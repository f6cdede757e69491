//! The `ChannelFulfilment` contract against `WooFulfilment` talking to the woo-sandbox
//! in-process, read back through the REST API (the order's customer notes and status); then
//! what only WooCommerce has: the note the customer is emailed, the `completed` status set once,
//! a crash between the note and the status, and refusals that write nothing.

mod common;

use std::net::SocketAddr;

use common::{KEY, SECRET, client_config, sandbox_config, start};
use serde_json::{Value, json};
use switchyard_fulfilment::contract::{FulfilmentUnderTest, SeenFulfilment};
use switchyard_fulfilment::{ChannelShipment, FulfilOutcome, FulfilledLine};
use switchyard_woocommerce::fulfilment::{note_text, parse_note};
use switchyard_woocommerce::{ChannelFulfilment, PushError, WooFulfilment};

/// A store, the client pointed at it, and a REST client of our own for reading back.
struct Store {
    addr: SocketAddr,
    client: WooFulfilment,
    http: reqwest::Client,
}

impl Store {
    async fn new() -> Self {
        let addr = start(sandbox_config()).await;
        Store {
            addr,
            client: WooFulfilment::new(client_config(addr)).unwrap(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn rest(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, self.url(&format!("/wp-json/wc/v3{path}")))
            .basic_auth(KEY, Some(SECRET));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn order_with_status(&self, lines: &[(&str, i64)], status: &str) -> String {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(sku, quantity)| json!({ "sku": sku, "quantity": quantity }))
            .collect();
        let response = self
            .http
            .post(self.url("/_sandbox/orders"))
            .json(&json!({ "line_items": lines, "status": status }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_u64().unwrap().to_string()
    }

    async fn notes(&self, order: &str) -> Vec<Value> {
        let mut notes = self
            .rest(
                reqwest::Method::GET,
                &format!("/orders/{order}/notes"),
                None,
            )
            .await
            .as_array()
            .unwrap()
            .clone();
        // WooCommerce lists notes newest first.
        notes.sort_by_key(|n| n["id"].as_u64());
        notes
    }

    async fn status(&self, order: &str) -> String {
        self.rest(reqwest::Method::GET, &format!("/orders/{order}"), None)
            .await["status"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn calls(&self) -> Vec<Value> {
        self.http
            .get(self.url("/_sandbox/calls"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[async_trait::async_trait]
impl FulfilmentUnderTest for Store {
    fn channel(&self) -> &dyn ChannelFulfilment {
        &self.client
    }

    async fn place_order(&self, lines: &[(&str, i64)]) -> String {
        self.order_with_status(lines, "processing").await
    }

    async fn fulfilments(&self, channel_order_id: &str) -> Vec<SeenFulfilment> {
        self.notes(channel_order_id)
            .await
            .iter()
            .filter(|n| n["customer_note"] == true)
            .filter_map(|n| parse_note(n["note"].as_str()?))
            .map(|n| SeenFulfilment {
                tracking_numbers: n.tracking_numbers,
                lines: n.lines,
            })
            .collect()
    }

    async fn completed(&self, channel_order_id: &str) -> bool {
        self.status(channel_order_id).await == "completed"
    }
}

switchyard_fulfilment::channel_fulfilment_contract_tests!(Store::new().await);

fn shipment(order: &str, id: &str, lines: &[(&str, i64)], completes: bool) -> ChannelShipment {
    ChannelShipment {
        channel_order_id: order.into(),
        shipment_id: id.into(),
        lines: lines
            .iter()
            .map(|(sku, quantity)| FulfilledLine {
                sku: sku.to_string(),
                quantity: *quantity,
            })
            .collect(),
        carrier: Some("UPS".into()),
        service: Some("Ground".into()),
        tracking_numbers: vec!["1ZWOO1".into()],
        shipped_at: chrono::Utc::now(),
        completes_order: completes,
    }
}

fn puts(calls: &[Value]) -> usize {
    calls.iter().filter(|c| c["method"] == "PUT").count()
}

#[tokio::test]
async fn the_customer_is_emailed_one_note_and_the_order_completes_once() {
    let store = Store::new().await;
    let order = store.place_order(&[("WIDGET-S", 2), ("WIDGET-M", 1)]).await;
    let s = shipment(&order, "CS7", &[("WIDGET-S", 2), ("WIDGET-M", 1)], true);
    let created = store.client.fulfil(&s).await.unwrap();
    assert!(matches!(created, FulfilOutcome::Created { .. }));
    store.client.fulfil(&s).await.unwrap();

    let notes = store.notes(&order).await;
    let ours: Vec<&Value> = notes
        .iter()
        .filter(|n| n["customer_note"] == true)
        .collect();
    assert_eq!(ours.len(), 1, "{notes:#?}");
    assert_eq!(ours[0]["id"].to_string(), created.channel_fulfilment_id());
    assert_eq!(
        ours[0]["note"],
        "Shipment CS7: 2 × WIDGET-S, 1 × WIDGET-M\nCarrier: UPS Ground\nTracking: 1ZWOO1"
    );
    assert_eq!(store.status(&order).await, "completed");
    // One status change, so one system note and one PUT, however often the shipment came.
    assert_eq!(puts(&store.calls().await), 1);
    assert_eq!(
        notes.iter().filter(|n| n["customer_note"] == false).count(),
        1
    );
}

#[tokio::test]
async fn a_crash_between_the_note_and_the_status_is_finished_by_the_retry() {
    let store = Store::new().await;
    let order = store.place_order(&[("WIDGET-L", 1)]).await;
    let s = shipment(&order, "CS8", &[("WIDGET-L", 1)], true);
    // The earlier run's note reached the store; the run died before setting the status.
    let note = store
        .rest(
            reqwest::Method::POST,
            &format!("/orders/{order}/notes"),
            Some(json!({ "note": note_text(&s), "customer_note": true })),
        )
        .await;
    let outcome = store.client.fulfil(&s).await.unwrap();
    assert_eq!(
        outcome,
        FulfilOutcome::AlreadyThere {
            channel_fulfilment_id: note["id"].to_string()
        }
    );
    assert_eq!(store.status(&order).await, "completed");
    assert_eq!(store.fulfilments(&order).await.len(), 1);
}

#[tokio::test]
async fn lines_the_order_cannot_take_are_refused_and_nothing_is_written() {
    let store = Store::new().await;
    let order = store.place_order(&[("WIDGET-S", 2)]).await;
    store
        .client
        .fulfil(&shipment(&order, "CS1", &[("WIDGET-S", 1)], false))
        .await
        .unwrap();
    for bad in [
        shipment(&order, "CS2", &[("WIDGET-S", 2)], true),
        shipment(&order, "CS3", &[("NOT-ORDERED", 1)], true),
    ] {
        let error = store.client.fulfil(&bad).await.unwrap_err();
        assert!(matches!(error, PushError::Refused(_)), "{error:?}");
    }
    assert_eq!(store.fulfilments(&order).await.len(), 1);
    assert_eq!(store.status(&order).await, "processing");
}

#[tokio::test]
async fn a_cancelled_order_gets_no_shipment() {
    let store = Store::new().await;
    let order = store
        .order_with_status(&[("WIDGET-S", 1)], "cancelled")
        .await;
    let error = store
        .client
        .fulfil(&shipment(&order, "CS9", &[("WIDGET-S", 1)], true))
        .await
        .unwrap_err();
    assert!(matches!(error, PushError::Refused(_)), "{error:?}");
    assert!(store.notes(&order).await.is_empty());
}

#[tokio::test]
async fn a_failing_store_is_unavailable_and_the_retry_writes_one_note() {
    let store = Store::new().await;
    let order = store.place_order(&[("WIDGET-S", 1)]).await;
    let s = shipment(&order, "CS10", &[("WIDGET-S", 1)], true);
    let response = store
        .http
        .post(store.url("/_sandbox/faults"))
        .json(&json!({ "count": 1, "status": 503 }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let error = store.client.fulfil(&s).await.unwrap_err();
    assert!(
        matches!(error, PushError::Unavailable(_)) && error.is_transient(),
        "{error:?}"
    );
    store.client.fulfil(&s).await.unwrap();
    assert_eq!(store.fulfilments(&order).await.len(), 1);
    assert_eq!(store.status(&order).await, "completed");
}

#[tokio::test]
async fn the_sandbox_validates_notes_and_statuses_as_woocommerce_does() {
    let store = Store::new().await;
    let order = store.place_order(&[("WIDGET-S", 1)]).await;
    let send = |method: reqwest::Method, path: String, body: Value| {
        store
            .http
            .request(method, store.url(&format!("/wp-json/wc/v3{path}")))
            .basic_auth(KEY, Some(SECRET))
            .json(&body)
            .send()
    };
    let missing = send(
        reqwest::Method::POST,
        format!("/orders/{order}/notes"),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(missing.status().as_u16(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "rest_missing_callback_param");
    let bad = send(
        reqwest::Method::PUT,
        format!("/orders/{order}"),
        json!({ "status": "shipped" }),
    )
    .await
    .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let unknown = send(
        reqwest::Method::PUT,
        "/orders/999999".into(),
        json!({ "status": "completed" }),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let unauthenticated = store
        .http
        .get(store.url(&format!("/wp-json/wc/v3/orders/{order}/notes")))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status().as_u16(), 401);
    // Every API call is recorded, never with the credentials.
    let log = serde_json::to_string(&store.calls().await).unwrap();
    assert!(log.contains("/notes") && !log.contains(SECRET));
}
