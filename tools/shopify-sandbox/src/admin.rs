//! `/_sandbox/…`: arrange the shop and observe what the client did. Not part of Shopify's API.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::errors::admin as refuse;
use crate::store::{ProductSeed, Record};
use crate::{DEMO_LOCATION_ID, Sandbox};

/// `POST /_sandbox/products {"sku","quantity","title"?}`: a product with one variant stocked at
/// the demo location. `201` with the new ids; `409` for a SKU the shop already has.
pub(crate) async fn create_product(
    State(sandbox): State<Arc<Sandbox>>,
    Json(seed): Json<ProductSeed>,
) -> Response {
    let mut shop = sandbox.state.lock().unwrap();
    match shop.create(seed) {
        Ok(index) => (
            StatusCode::CREATED,
            Json(describe(&shop.records[index], index)),
        )
            .into_response(),
        Err(message) if message.contains("already exists") => {
            refuse(StatusCode::CONFLICT, &message)
        }
        Err(message) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &message),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Level {
    available: i64,
}

/// `PUT /_sandbox/inventory/{sku} {"available": n}`: someone editing the stock in the admin.
pub(crate) async fn set_inventory(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
    Json(level): Json<Level>,
) -> Response {
    let mut shop = sandbox.state.lock().unwrap();
    let Some(&index) = shop.by_sku.get(&sku) else {
        return refuse(StatusCode::NOT_FOUND, &format!("no variant has SKU {sku}"));
    };
    shop.records[index].available = level.available;
    Json(describe(&shop.records[index], index)).into_response()
}

/// `GET /_sandbox/inventory/{sku}`: what the shop shows for a SKU.
pub(crate) async fn get_inventory(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
) -> Response {
    let shop = sandbox.state.lock().unwrap();
    match shop.by_sku.get(&sku) {
        Some(&index) => Json(describe(&shop.records[index], index)).into_response(),
        None => refuse(StatusCode::NOT_FOUND, &format!("no variant has SKU {sku}")),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Faults {
    count: usize,
    #[serde(default = "unavailable")]
    status: u16,
}

fn unavailable() -> u16 {
    503
}

/// `POST /_sandbox/faults {"count": n, "status"?: 500|502|503|504}`: the next n GraphQL calls
/// fail with that status before anything is read or changed.
pub(crate) async fn faults(
    State(sandbox): State<Arc<Sandbox>>,
    Json(faults): Json<Faults>,
) -> Response {
    if !(500..600).contains(&faults.status) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "a fault is a 5xx status");
    }
    let mut shop = sandbox.state.lock().unwrap();
    shop.faults
        .extend(std::iter::repeat_n(faults.status, faults.count));
    Json(json!({ "pending": shop.faults.len() })).into_response()
}

/// `DELETE /_sandbox/faults`: the shop is back; faults still pending are dropped.
pub(crate) async fn clear_faults(State(sandbox): State<Arc<Sandbox>>) -> Response {
    let mut shop = sandbox.state.lock().unwrap();
    let dropped = shop.faults.len();
    shop.faults.clear();
    Json(json!({ "dropped": dropped })).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct Race {
    sku: String,
    available: i64,
    #[serde(default = "once")]
    times: u32,
}

fn once() -> u32 {
    1
}

/// `POST /_sandbox/race {"sku", "available"}`: right after the next GraphQL call that reads this
/// SKU's quantity, the level becomes `available` — as if a sale landed between the client's read
/// and its write, so the write's `changeFromQuantity` is stale. With `"times": n` the next n reads
/// are each followed by a change (to `available`, then `available + 1`, …): a level that never
/// settles.
pub(crate) async fn race(State(sandbox): State<Arc<Sandbox>>, Json(race): Json<Race>) -> Response {
    let mut shop = sandbox.state.lock().unwrap();
    if !shop.by_sku.contains_key(&race.sku) {
        return refuse(
            StatusCode::NOT_FOUND,
            &format!("no variant has SKU {}", race.sku),
        );
    }
    if race.times > 0 {
        shop.races.insert(race.sku, (race.available, race.times));
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_sandbox/calls`: every GraphQL call received, oldest first.
pub(crate) async fn calls(State(sandbox): State<Arc<Sandbox>>) -> Response {
    let shop = sandbox.state.lock().unwrap();
    Json(json!({ "calls": shop.calls })).into_response()
}

fn describe(record: &Record, index: usize) -> serde_json::Value {
    json!({
        "sku": record.sku,
        "title": record.title,
        "available": record.available,
        "product_id": Record::product_id(index),
        "variant_id": Record::variant_id(index),
        "inventory_item_id": Record::item_id(index),
        "location_id": DEMO_LOCATION_ID,
    })
}

/// `POST /_sandbox/orders` body.
#[derive(Debug, Deserialize)]
pub(crate) struct NewOrder {
    /// The order's numeric id (as webhooks carry it); one is assigned when absent.
    #[serde(default)]
    id: Option<u64>,
    line_items: Vec<crate::store::OrderLineSeed>,
}

/// `POST /_sandbox/orders {"id"?, "line_items": [{"sku","quantity","fulfillment_order"?}]}`: a
/// customer's order, with its fulfillment order(s) open. `201` with the ids; `409` for an id the
/// shop already has; `422` for an empty order or a line without SKU or quantity.
pub(crate) async fn create_order(
    State(sandbox): State<Arc<Sandbox>>,
    Json(new): Json<NewOrder>,
) -> Response {
    let mut shop = sandbox.state.lock().unwrap();
    match shop.place_order(new.id, new.line_items) {
        Ok(id) => {
            let order = &shop.orders[&id];
            let body = json!({
                "id": id,
                "admin_graphql_api_id": format!("gid://shopify/Order/{id}"),
                "fulfillment_orders": order
                    .fulfillment_orders
                    .iter()
                    .map(|fo| format!("gid://shopify/FulfillmentOrder/{}", fo.id))
                    .collect::<Vec<_>>(),
                "line_items": order
                    .lines
                    .iter()
                    .map(|l| json!({
                        "id": l.id,
                        "admin_graphql_api_id": format!("gid://shopify/LineItem/{}", l.id),
                        "sku": l.sku,
                        "quantity": l.quantity,
                    }))
                    .collect::<Vec<_>>(),
            });
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(message) if message.contains("already exists") => {
            refuse(StatusCode::CONFLICT, &message)
        }
        Err(message) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &message),
    }
}

/// `GET /_sandbox/orders/{id}`: what the merchant's admin shows for an order — its fulfillment
/// orders and each fulfillment, with whether the customer was notified.
pub(crate) async fn get_order(
    State(sandbox): State<Arc<Sandbox>>,
    Path(id): Path<u64>,
) -> Response {
    let shop = sandbox.state.lock().unwrap();
    let Some(order) = shop.orders.get(&id) else {
        return refuse(StatusCode::NOT_FOUND, &format!("no order {id}"));
    };
    Json(json!({
        "id": order.id,
        "fulfillment_orders": order.fulfillment_orders.iter().map(|fo| json!({
            "id": format!("gid://shopify/FulfillmentOrder/{}", fo.id),
            "status": fo.status,
            "line_items": fo.lines.iter().map(|l| json!({
                "sku": order.lines[l.line].sku,
                "total": l.total,
                "remaining": l.remaining,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "fulfillments": order.fulfillments.iter().map(|f| json!({
            "id": format!("gid://shopify/Fulfillment/{}", f.id),
            "notify_customer": f.notify_customer,
            "tracking_numbers": f.tracking.iter().filter_map(|t| t.number.clone()).collect::<Vec<_>>(),
            "tracking_company": f.tracking.first().and_then(|t| t.company.clone()),
            "lines": f.lines.iter().map(|(_, line, quantity)| json!({
                "sku": order.lines[*line].sku,
                "quantity": quantity,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
    .into_response()
}
