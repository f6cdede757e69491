//! What the hot-path bench (`benches/hot_path.rs`) measures with: the inputs (a v1 order body,
//! a Shopify order, an X12 850 interchange, all of a given size) and an orders API over
//! in-memory ports with stock projected for a set of SKUs.

#![forbid(unsafe_code)]

use std::sync::Arc;

use chrono::Utc;
use orders_api::{OrdersApi, Ports, Settings};
use rust_decimal::Decimal;
use switchyard_channels::{
    Allocation, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, hash_api_key,
};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, Intake};
use switchyard_inventory::stock::project_stock;
use switchyard_model::catalog_events::{InventoryChanged, WarehouseLevel};
use switchyard_model::{ChannelName, Sku};
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue};
use switchyard_projections::InMemoryProjectionStore;
use switchyard_throttle::InMemoryRateLimiter;

/// The API key of the bench channel.
pub const KEY: &str = "sy_bench_key";

/// The bench channel's name.
pub fn channel() -> ChannelName {
    ChannelName::try_from("bench").expect("a valid channel name")
}

/// A `POST /v1/orders` body with `lines` lines, as a channel sends it.
pub fn v1_body(lines: usize) -> Vec<u8> {
    let lines: Vec<serde_json::Value> = (0..lines)
        .map(|i| {
            serde_json::json!({"sku": format!("SKU-{i:05}"), "quantity": 2,
                "unit_price": "9.25", "uom": "EA"})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "external_id": "PO-10001",
        "customer": {"account": "ACME-001", "name": "Acme Retail", "email": "buyer@acme.example"},
        "currency": "USD",
        "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "line2": null,
            "city": "Solon", "region": "OH", "postal_code": "44139", "country": "US"},
        "bill_to": null,
        "lines": lines,
        "requested_ship_date": "2026-12-01",
        "notes": null
    }))
    .expect("values serialise")
}

/// An X12 004010 interchange holding one 850 with `lines` PO1 loops (each with a PID).
pub fn interchange(lines: usize) -> String {
    let mut body = vec![
        "BEG*00*SA*PO-4471**20261127".to_string(),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
    ];
    for i in 1..=lines {
        body.push(format!("PO1*{i}*{i}*EA*9.25**VN*WIDGET-S*UP*012345678905"));
        body.push("PID*F****Widget, small".into());
    }
    body.push(format!("CTT*{lines}"));
    format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*000000101*0*P*>~\n\
         GS*PO*ACMEBUYER*SWITCHYARD*20261127*1030*101*X*004010~\nST*850*0001~\n{}~\nSE*{}*0001~\nGE*1*101~\nIEA*1*000000101~\n",
        body.join("~\n"),
        body.len() + 2
    )
}

/// A Shopify `orders/create` webhook body with `lines` line items.
pub fn shopify_body(lines: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..lines)
        .map(|i| {
            serde_json::json!({"id": i, "sku": "WIDGET-S", "quantity": 2, "price": "9.25",
            "total_discount": "0.00", "variant_id": null, "title": "Widget"})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "id": 5_678_901_234_567_890_123u64, "name": "#1001", "currency": "USD",
        "email": "jane@example.com", "customer": {"first_name": "Jane", "last_name": "Doe"},
        "shipping_address": {"name": "Jane Doe", "address1": "1 Main St", "city": "Solon",
            "province_code": "OH", "zip": "44139", "country_code": "US"},
        "line_items": items
    }))
    .expect("values serialise")
}

/// A request to the orders API as the bench channel.
pub fn request(
    method: &str,
    path: &str,
    query: Vec<(String, String)>,
    body: Vec<u8>,
) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: vec![
            ("x-api-key".into(), KEY.into()),
            ("content-type".into(), "application/json".into()),
            ("idempotency-key".into(), "bench-1".into()),
        ],
        body,
        host: None,
        query,
    }
}

/// The orders API over in-memory ports: the bench channel (with an allocation rule, so the
/// inventory read does its whole work) and stock in three warehouses projected for `skus`.
pub async fn inventory_api(skus: &[Sku]) -> OrdersApi {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let channel = Channel {
        default_customer: Some("BENCH".into()),
        allocation: Some(
            Allocation::new(80.into(), 5.into(), Some(1000.into())).expect("a valid allocation"),
        ),
        ..Channel::new(channel(), ChannelKind::Api, Utc::now())
    };
    channels.put(&channel).await.expect("in-memory put");
    channels
        .add_api_key(&channel.name, &hash_api_key(KEY))
        .await
        .expect("in-memory put");
    let projections = Arc::new(InMemoryProjectionStore::new());
    for (n, sku) in skus.iter().enumerate() {
        let warehouses: Vec<WarehouseLevel> = ["WH-EAST", "WH-WEST", "WH-SOUTH"]
            .iter()
            .map(|w| WarehouseLevel {
                warehouse: w.to_string(),
                on_hand: Decimal::from(100 + n),
                available: Decimal::from(90 + n),
                as_of: Utc::now(),
            })
            .collect();
        let level = InventoryChanged {
            sku: sku.clone(),
            on_hand: warehouses.iter().map(|w| w.on_hand).sum(),
            available: warehouses.iter().map(|w| w.available).sum(),
            warehouses,
            unit: "u".into(),
            whole_units: true,
            as_of: Utc::now(),
            erp_version: 1,
            observed_at: Utc::now(),
        };
        project_stock(projections.as_ref(), &level)
            .await
            .expect("in-memory projection");
    }
    OrdersApi::new(
        Ports {
            channels,
            intake: Intake::new(
                Arc::new(InMemoryOrderStore::new()),
                Arc::new(InMemoryIdempotencyStore::new()),
                Arc::new(InMemoryQueue::new()),
            ),
            limiter: Arc::new(InMemoryRateLimiter::default()),
            projections,
        },
        Settings::default(),
    )
}
