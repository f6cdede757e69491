//! The webhook endpoint over in-memory ports: what a storefront or partner sees for each kind of
//! delivery, and what reaches the orders queue.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use serde_json::{Value, json};
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, SecretRef,
};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, HttpResponse, Intake};
use switchyard_model::{ChannelName, Sku};
use switchyard_orders::InMemoryOrderStore;
use switchyard_orders::InMemoryQueue;
use switchyard_quarantine::InMemoryQuarantine;
use switchyard_secrets::{InMemorySecretStore, SecretStore};
use switchyard_webhooks::signature::{
    StandardSecret, sign_shopify, sign_standard, sign_woocommerce,
};
use webhooks::{Ports, Settings, WebhooksApi};

const SHOPIFY_SECRET: &str = "shopify-app-secret-0123456789abcdef";
const WOO_SECRET: &str = "woo-secret-0123456789abcdef";
const STANDARD_OLD: &str = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const STANDARD_NEW: &str = "whsec_ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

struct App {
    api: WebhooksApi,
    channels: Arc<InMemoryChannelDirectory>,
    queue: Arc<InMemoryQueue>,
    quarantine: Arc<InMemoryQuarantine>,
}

async fn app() -> App {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let secrets = Arc::new(InMemorySecretStore::new());
    let now = Utc::now();
    for (name, kind, values) in [
        ("shop", ChannelKind::Shopify, vec![SHOPIFY_SECRET]),
        ("woo", ChannelKind::Woocommerce, vec![WOO_SECRET]),
        (
            "partner",
            ChannelKind::StandardWebhooks,
            vec![STANDARD_OLD, STANDARD_NEW],
        ),
        ("api-only", ChannelKind::Api, vec![]),
    ] {
        let mut channel = Channel {
            default_customer: Some("DEMO-SHOP".into()),
            ..Channel::new(ChannelName::try_from(name).unwrap(), kind, now)
        };
        for (i, value) in values.iter().enumerate() {
            let parameter = format!("/test/{name}/{i}");
            secrets.put(&parameter, value).await.unwrap();
            channel.secrets.push(SecretRef {
                parameter,
                created_at: now,
                expires_at: None,
            });
        }
        channels.put(&channel).await.unwrap();
    }
    let queue = Arc::new(InMemoryQueue::new());
    let quarantine = Arc::new(InMemoryQuarantine::new());
    let ports = Ports {
        channels: channels.clone(),
        secrets,
        // As deployed: a new order and its delivery's answer in one write (the twin's).
        intake: {
            let orders = Arc::new(InMemoryOrderStore::new());
            let idempotency = Arc::new(InMemoryIdempotencyStore::new());
            Intake::new(orders.clone(), idempotency.clone(), queue.clone()).with_one_write(
                Arc::new(switchyard_intake::SeparateWrites::new(orders, idempotency)),
            )
        },
        quarantine: quarantine.clone(),
    };
    let settings = Settings {
        public_base_url: Some("https://api.test".into()),
        ..Settings::default()
    };
    App {
        api: WebhooksApi::new(ports, settings),
        channels,
        queue,
        quarantine,
    }
}

impl App {
    async fn post(&self, channel: &str, headers: &[(&str, String)], body: &[u8]) -> HttpResponse {
        let request = HttpRequest {
            method: "POST".into(),
            path: format!("/v1/webhooks/{channel}"),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: body.to_vec(),
            host: Some("api.test".into()),
            query: vec![],
        };
        self.api
            .handle(&request, SystemTime::now() + Duration::from_secs(10))
            .await
    }

    fn queued(&self) -> usize {
        self.queue.submitted.lock().unwrap().len()
    }
}

fn json_body(response: &HttpResponse) -> Value {
    serde_json::from_str(&response.body).unwrap()
}

fn shopify_order(id: u64, sku: Option<&str>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id, "name": "#1001", "currency": "USD", "email": "jane@example.com",
        "customer": {"first_name": "Jane", "last_name": "Doe"},
        "shipping_address": {"name": "Jane Doe", "address1": "1 Main St", "city": "Solon",
            "province_code": "OH", "zip": "44139", "country_code": "US"},
        "line_items": [
            {"id": 1, "sku": "WIDGET-S", "quantity": 2, "price": "9.25", "total_discount": "0.00",
             "variant_id": null, "title": "Widget"},
            {"id": 2, "sku": sku, "quantity": 1, "price": "5.00", "total_discount": "0.00",
             "variant_id": null, "title": "Gift wrap"}
        ]
    }))
    .unwrap()
}

fn shopify_headers(topic: &str, event_id: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("X-Shopify-Topic", topic.to_string()),
        (
            "X-Shopify-Hmac-Sha256",
            sign_shopify(SHOPIFY_SECRET.as_bytes(), body),
        ),
        ("X-Shopify-Shop-Domain", "demo.myshopify.com".into()),
        ("X-Shopify-Event-Id", event_id.to_string()),
        ("X-Shopify-Webhook-Id", format!("wh-{event_id}")),
        ("Content-Type", "application/json".into()),
    ]
}

#[tokio::test]
async fn a_signed_shopify_order_is_captured_once_with_its_exact_id_and_prices() {
    let app = app().await;
    let body = shopify_order(5_678_901_234_567_890_123, Some("WIDGET-M"));
    let headers = shopify_headers("orders/create", "ev-1", &body);

    let first = app.post("shop", &headers, &body).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let receipt = json_body(&first);
    assert_eq!(receipt["result"], "created");
    let order_id = receipt["order_id"].as_str().unwrap().to_string();
    assert_eq!(
        receipt["status_url"],
        format!("https://api.test/v1/orders/{order_id}")
    );

    let again = app.post("shop", &headers, &body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(json_body(&again)["order_id"], order_id.as_str());
    assert_eq!(
        app.queued(),
        1,
        "a repeated event id is acknowledged, not re-queued"
    );

    let queued = app.queue.submitted.lock().unwrap()[0].payload.order.clone();
    assert_eq!(queued.external_id.as_str(), "5678901234567890123");
    assert_eq!(queued.lines[0].unit_price.amount.to_string(), "9.25");
    assert_eq!(queued.lines[1].sku.as_str(), "WIDGET-M");
    assert_eq!(queued.customer.account, "DEMO-SHOP");
}

#[tokio::test]
async fn a_tampered_or_unsigned_body_is_refused_and_nothing_is_queued() {
    let app = app().await;
    let body = shopify_order(1001, Some("WIDGET-M"));
    let headers = shopify_headers("orders/create", "ev-2", &body);
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'9').unwrap();
    tampered[at] = b'1';

    let refused = app.post("shop", &headers, &tampered).await;
    assert_eq!(refused.status, 401);
    assert_eq!(json_body(&refused)["type"], "/problems/invalid-signature");
    let unsigned: Vec<_> = headers
        .iter()
        .filter(|(k, _)| *k != "X-Shopify-Hmac-Sha256")
        .cloned()
        .collect();
    assert_eq!(app.post("shop", &unsigned, &body).await.status, 401);
    assert_eq!(app.queued(), 0);
    assert!(
        app.quarantine.kept.lock().unwrap().is_empty(),
        "unsigned bodies are not kept"
    );
}

#[tokio::test]
async fn an_update_of_a_known_order_matches_it_and_a_cancellation_is_queued() {
    let app = app().await;
    let body = shopify_order(77, Some("WIDGET-M"));
    let created = app
        .post(
            "shop",
            &shopify_headers("orders/create", "ev-a", &body),
            &body,
        )
        .await;
    let order_id = json_body(&created)["order_id"].clone();

    let updated = app
        .post(
            "shop",
            &shopify_headers("orders/updated", "ev-b", &body),
            &body,
        )
        .await;
    assert_eq!(json_body(&updated)["result"], "matched");
    assert_eq!(json_body(&updated)["order_id"], order_id);
    assert_eq!(app.queued(), 1);

    let mut cancelled: Value = serde_json::from_slice(&body).unwrap();
    cancelled["cancelled_at"] = json!("2026-11-27T10:00:00-05:00");
    cancelled["cancel_reason"] = json!("customer");
    let cancelled = serde_json::to_vec(&cancelled).unwrap();
    let response = app
        .post(
            "shop",
            &shopify_headers("orders/cancelled", "ev-c", &cancelled),
            &cancelled,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(json_body(&response)["result"], "cancellation-requested");
    let requests = app.queue.cancellations.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].payload.order_id.to_string(),
        order_id.as_str().unwrap()
    );
    assert_eq!(requests[0].payload.reason.as_deref(), Some("customer"));
}

#[tokio::test]
async fn a_signed_but_unreadable_or_invalid_body_is_kept_for_an_operator() {
    let app = app().await;
    let garbage = b"{\"id\": 12, \"line_items\": [".to_vec();
    let response = app
        .post(
            "shop",
            &shopify_headers("orders/create", "ev-g", &garbage),
            &garbage,
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(json_body(&response)["type"], "/problems/unreadable-payload");

    // A custom item (no SKU) on a channel without a custom-item SKU names the line.
    let custom = shopify_order(88, None);
    let response = app
        .post(
            "shop",
            &shopify_headers("orders/create", "ev-h", &custom),
            &custom,
        )
        .await;
    assert_eq!(response.status, 422, "{}", response.body);
    assert_eq!(
        json_body(&response)["errors"][0]["field"],
        "line_items[1].sku"
    );

    let kept = app.quarantine.kept.lock().unwrap().clone();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].body.as_bytes(), &garbage[..]);
    assert_eq!(kept[0].source, "shopify:orders/create");
    assert_eq!(kept[1].delivery_id.as_deref(), Some("ev-h"));
    assert_eq!(app.queued(), 0);

    // Once the operator configures a custom-item SKU, Shopify's retry goes through.
    let name = ChannelName::try_from("shop").unwrap();
    let mut channel = app.channels.get(&name).await.unwrap().unwrap();
    channel.mapping.custom_item_sku = Some(Sku::try_from("MISC").unwrap());
    app.channels.put(&channel).await.unwrap();
    let retried = app
        .post(
            "shop",
            &shopify_headers("orders/create", "ev-h", &custom),
            &custom,
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(
        app.queue.submitted.lock().unwrap()[0].payload.order.lines[1]
            .sku
            .as_str(),
        "MISC"
    );
}

fn woo_order(id: u64, status: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id, "number": id.to_string(), "status": status, "currency": "USD",
        "billing": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US",
            "email": "ann@example.com"},
        "shipping": {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "",
            "city": "", "state": "", "postcode": "", "country": ""},
        "line_items": [{"id": 1, "name": "Widget L", "sku": "WIDGET-L", "quantity": 3,
            "subtotal": "104.97", "total": "104.97", "price": 34.99}],
        "customer_note": ""
    }))
    .unwrap()
}

fn woo_headers(topic: &str, delivery: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("X-WC-Webhook-Topic", topic.to_string()),
        ("X-WC-Webhook-Resource", "order".into()),
        (
            "X-WC-Webhook-Event",
            topic.split('.').nth(1).unwrap_or("").to_string(),
        ),
        ("X-WC-Webhook-ID", "12".into()),
        ("X-WC-Webhook-Delivery-ID", delivery.to_string()),
        (
            "X-WC-Webhook-Signature",
            sign_woocommerce(WOO_SECRET.as_bytes(), body),
        ),
        ("Content-Type", "application/json".into()),
    ]
}

#[tokio::test]
async fn woocommerce_pings_are_answered_and_orders_are_captured_once_paid() {
    let app = app().await;
    let ping = app
        .post(
            "woo",
            &[(
                "Content-Type",
                "application/x-www-form-urlencoded".to_string(),
            )],
            b"webhook_id=12",
        )
        .await;
    assert_eq!(ping.status, 200);

    let pending = woo_order(500, "pending");
    let response = app
        .post(
            "woo",
            &woo_headers("order.created", "d-1", &pending),
            &pending,
        )
        .await;
    assert_eq!(json_body(&response)["result"], "ignored");
    assert_eq!(app.queued(), 0, "an unpaid order is not sent to the ERP");

    let paid = woo_order(500, "processing");
    let response = app
        .post("woo", &woo_headers("order.updated", "d-2", &paid), &paid)
        .await;
    assert_eq!(
        json_body(&response)["result"],
        "created",
        "{}",
        response.body
    );
    let order = app.queue.submitted.lock().unwrap()[0].payload.order.clone();
    assert_eq!(order.lines[0].unit_price.amount.to_string(), "34.99");
    assert_eq!(
        order.ship_to.city, "Dayton",
        "blank shipping falls back to billing"
    );

    // Deleting the order in WooCommerce cancels it here.
    let deleted = br#"{"id": 500}"#;
    let response = app
        .post(
            "woo",
            &woo_headers("order.deleted", "d-del", deleted),
            deleted,
        )
        .await;
    assert_eq!(
        json_body(&response)["result"],
        "cancellation-requested",
        "{}",
        response.body
    );
    assert_eq!(
        app.queue.cancellations.lock().unwrap()[0]
            .payload
            .reason
            .as_deref(),
        Some("deleted")
    );

    let mut tampered = paid.clone();
    tampered.extend_from_slice(b" ");
    let refused = app
        .post(
            "woo",
            &woo_headers("order.updated", "d-3", &paid),
            &tampered,
        )
        .await;
    assert_eq!(refused.status, 401);
}

fn standard_headers(secret: &str, id: &str, at: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    let secret = StandardSecret::try_from(secret).unwrap();
    vec![
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", at.to_string()),
        ("webhook-signature", sign_standard(&secret, id, at, body)),
        ("Content-Type", "application/json".into()),
    ]
}

fn v1_order(external_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "external_id": external_id, "currency": "USD", "customer": {"name": "Partner Co"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 1, "unit_price": "9.25"}]
    }))
    .unwrap()
}

#[tokio::test]
async fn standard_webhooks_verify_with_any_active_secret_and_refuse_stale_timestamps() {
    let app = app().await;
    let now = Utc::now().timestamp();
    let body = v1_order("PP-1");
    for (secret, id) in [(STANDARD_OLD, "msg_1"), (STANDARD_NEW, "msg_2")] {
        let response = app
            .post("partner", &standard_headers(secret, id, now, &body), &body)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
    assert_eq!(
        app.queued(),
        1,
        "the second delivery matched the first order"
    );

    let stale = app
        .post(
            "partner",
            &standard_headers(STANDARD_NEW, "msg_3", now - 6 * 60, &v1_order("PP-2")),
            &v1_order("PP-2"),
        )
        .await;
    assert_eq!(stale.status, 401);
    assert!(
        json_body(&stale)["detail"]
            .as_str()
            .unwrap()
            .contains("timestamp")
    );

    // Same webhook-id, another body: refused like a reused Idempotency-Key.
    let other = v1_order("PP-9");
    let reused = app
        .post(
            "partner",
            &standard_headers(STANDARD_NEW, "msg_1", now, &other),
            &other,
        )
        .await;
    assert_eq!(reused.status, 422);

    let invalid = br#"{"external_id": "PP-3", "currency": "ABC", "lines": []}"#;
    let response = app
        .post(
            "partner",
            &standard_headers(STANDARD_NEW, "msg_4", now, invalid),
            invalid,
        )
        .await;
    assert_eq!(response.status, 422);
    let fields: Vec<String> = json_body(&response)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        fields.contains(&"currency".to_string()) && fields.contains(&"ship_to".to_string()),
        "{fields:?}"
    );
    assert_eq!(app.queued(), 1);
}

#[tokio::test]
async fn unknown_channels_and_channels_without_webhooks_are_not_found() {
    let app = app().await;
    let body = v1_order("X-1");
    for channel in ["nobody", "api-only", "bad name"] {
        let response = app.post(channel, &[], &body).await;
        assert_eq!(response.status, 404, "{channel}");
        assert_eq!(json_body(&response)["type"], "/problems/unknown-channel");
    }
}
