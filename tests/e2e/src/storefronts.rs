//! The storefront sandboxes of the stack (Shopify, WooCommerce, SP-API), through their
//! `/_sandbox` routes: what each one shows, and the calls it received.

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use switchyard_model::catalog_events::{InventoryChanged, WarehouseLevel};
use switchyard_model::envelope::Envelope;

use crate::setting;

async fn get(url: String) -> Value {
    reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn post(url: String, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    assert!(
        response.status().is_success(),
        "POST {url}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// The base URL of the Shopify sandbox.
pub fn shopify() -> String {
    setting("SWITCHYARD_SHOPIFY_SANDBOX_URL")
}

/// The base URL of the WooCommerce sandbox.
pub fn woo() -> String {
    setting("SWITCHYARD_WOO_SANDBOX_URL")
}

/// The base URL of the SP-API sandbox.
pub fn amazon() -> String {
    setting("SWITCHYARD_SP_API_URL")
}

/// What the Shopify sandbox shows as available for `sku`.
pub async fn shopify_shown(sku: &str) -> Option<i64> {
    get(format!("{}/_sandbox/inventory/{sku}", shopify())).await["available"].as_i64()
}

/// What the WooCommerce sandbox shows as `stock_quantity` for `sku`.
pub async fn woo_shown(sku: &str) -> Option<i64> {
    get(format!("{}/_sandbox/stock/{sku}", woo())).await["stock_quantity"].as_i64()
}

/// What the SP-API sandbox's listing of `sku` offers.
pub async fn amazon_shown(sku: &str) -> Option<i64> {
    get(format!("{}/_sandbox/listings/{sku}", amazon())).await["quantity"].as_i64()
}

/// Lists `sku` on all three storefronts with nothing available; returns Shopify's inventory item
/// id (what its calls name) and WooCommerce's product id.
pub async fn list_everywhere(sku: &str) -> (String, i64) {
    let shop = post(
        format!("{}/_sandbox/products", shopify()),
        json!({"sku": sku, "quantity": 0}),
    )
    .await;
    let product = post(
        format!("{}/_sandbox/products", woo()),
        json!({"sku": sku, "stock_quantity": 0}),
    )
    .await;
    post(
        format!("{}/_sandbox/listings", amazon()),
        json!({"sku": sku, "quantity": 0}),
    )
    .await;
    (
        shop["inventory_item_id"].as_str().unwrap().to_string(),
        product["id"].as_i64().unwrap(),
    )
}

/// Every call a sandbox at `base` received.
pub async fn calls(base: &str) -> Vec<Value> {
    match get(format!("{base}/_sandbox/calls")).await {
        Value::Array(calls) => calls,
        Value::Object(mut o) => match o.remove("calls") {
            Some(Value::Array(calls)) => calls,
            _ => vec![],
        },
        _ => vec![],
    }
}

/// The `InventoryChanged` `erp-changes` would publish for `sku` at `level` (one warehouse, the
/// level as its ERP version), ready for the bus.
pub fn inventory_changed(sku: &str, level: i64) -> Envelope<Value> {
    let now = Utc::now();
    let quantity = Decimal::from(level);
    Envelope::new(
        "erp",
        sku,
        InventoryChanged {
            sku: sku.try_into().expect("a valid SKU"),
            on_hand: quantity,
            available: quantity,
            warehouses: vec![WarehouseLevel {
                warehouse: "WH".into(),
                on_hand: quantity,
                available: quantity,
                as_of: now,
            }],
            unit: "u".into(),
            whole_units: true,
            as_of: now,
            erp_version: level,
            observed_at: now,
        },
    )
    .into_json()
}

/// Places an order on a sandbox (`/_sandbox/orders`) with `(sku, quantity)` lines; the sandbox's
/// answer (its `id`, or for SP-API its `AmazonOrderId` and item ids).
pub async fn place_order(base: &str, id: Option<u64>, lines: &[(&str, i64)]) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity}))
        .collect();
    let mut body = json!({"line_items": items, "lines": items});
    if let Some(id) = id {
        body["id"] = json!(id);
    }
    post(format!("{base}/_sandbox/orders"), body).await
}

/// What the Shopify sandbox's merchant admin shows for order `id` (fulfillment orders and
/// fulfilments).
pub async fn shopify_order(id: u64) -> Value {
    get(format!("{}/_sandbox/orders/{id}", shopify())).await
}
