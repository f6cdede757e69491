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
