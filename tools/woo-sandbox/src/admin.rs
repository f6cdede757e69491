//! `/_sandbox/*`: arrange the store and observe what clients did. No credentials: these routes
//! stand for a person in the store's admin screens, not for a REST client.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::Sandbox;
use crate::errors::wc;
use crate::store::Kind;

/// `POST /_sandbox/products` body.
#[derive(Debug, Deserialize)]
pub(crate) struct NewProduct {
    sku: String,
    #[serde(default)]
    name: Option<String>,
    /// The stock; the product manages stock when it is given.
    #[serde(default)]
    stock_quantity: Option<i64>,
    /// Makes the product a variation of the variable product with this SKU (created when
    /// absent).
    #[serde(default)]
    parent_sku: Option<String>,
}

fn bad_request(message: &str) -> Response {
    wc(StatusCode::BAD_REQUEST, "sandbox_invalid_request", message)
}

/// Creates a simple product, or a variation of a variable product.
pub(crate) async fn create_product(
    State(sandbox): State<Arc<Sandbox>>,
    body: Result<Json<NewProduct>, JsonRejection>,
) -> Response {
    let Ok(Json(new)) = body else {
        return bad_request("expected {sku, stock_quantity?, name?, parent_sku?}");
    };
    if new.sku.trim().is_empty() {
        return bad_request("sku must not be empty");
    }
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    // WooCommerce keeps SKUs unique across products and variations.
    if store.by_sku(&new.sku).is_some() {
        return wc(
            StatusCode::BAD_REQUEST,
            "product_invalid_sku",
            "Invalid or duplicated SKU.",
        );
    }
    let name = new.name.clone().unwrap_or_else(|| new.sku.clone());
    let (id, parent_id) = match &new.parent_sku {
        None => (
            store.insert(Kind::Simple, 0, &new.sku, &name, new.stock_quantity),
            0,
        ),
        Some(parent_sku) => {
            let parent = match store.by_sku(parent_sku) {
                Some(p) if p.kind == Kind::Variable => p.id,
                Some(_) => return bad_request("parent_sku names a product that is not variable"),
                None => store.insert(Kind::Variable, 0, parent_sku, parent_sku, None),
            };
            (
                store.insert(Kind::Variation, parent, &new.sku, &name, new.stock_quantity),
                parent,
            )
        }
    };
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "parent_id": parent_id, "sku": new.sku})),
    )
        .into_response()
}

/// `PUT /_sandbox/stock/{sku}` body.
#[derive(Debug, Deserialize)]
pub(crate) struct NewStock {
    stock_quantity: i64,
}

/// Sets a product's stock behind every client's back (turning stock management on).
pub(crate) async fn set_stock(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
    body: Result<Json<NewStock>, JsonRejection>,
) -> Response {
    let Ok(Json(new)) = body else {
        return bad_request("expected {stock_quantity}");
    };
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    match store.by_sku_mut(&sku) {
        Some(product) => {
            product.manage_stock = true;
            product.stock_quantity = Some(new.stock_quantity);
            StatusCode::NO_CONTENT.into_response()
        }
        None => unknown_sku(&sku),
    }
}

fn unknown_sku(sku: &str) -> Response {
    wc(
        StatusCode::NOT_FOUND,
        "sandbox_unknown_sku",
        &format!("no product or variation has SKU {sku}"),
    )
}

/// What the store shows for a SKU.
pub(crate) async fn get_stock(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
) -> Response {
    let store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    match store.by_sku(&sku) {
        Some(p) => Json(json!({
            "sku": p.sku,
            "id": p.id,
            "parent_id": p.parent_id,
            "manage_stock": p.manage_stock,
            "stock_quantity": p.stock_quantity,
        }))
        .into_response(),
        None => unknown_sku(&sku),
    }
}

/// Deletes a product (with its variations) or a variation; its id is never reused.
pub(crate) async fn delete_product(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
) -> Response {
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    if store.delete_sku(&sku) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        unknown_sku(&sku)
    }
}

/// `POST /_sandbox/faults` body.
#[derive(Debug, Deserialize)]
pub(crate) struct Faults {
    /// How many of the next API calls fail.
    count: usize,
    /// Their status (default 503).
    #[serde(default)]
    status: Option<u16>,
}

/// The next `count` API calls answer `status` (a 5xx) without touching the store.
pub(crate) async fn add_faults(
    State(sandbox): State<Arc<Sandbox>>,
    body: Result<Json<Faults>, JsonRejection>,
) -> Response {
    let Ok(Json(faults)) = body else {
        return bad_request("expected {count, status?}");
    };
    let status = faults.status.unwrap_or(503);
    if !(500..600).contains(&status) {
        return bad_request("a fault's status is a 5xx");
    }
    sandbox
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(std::iter::repeat_n(status, faults.count));
    StatusCode::NO_CONTENT.into_response()
}

/// Every API call received so far, oldest first.
pub(crate) async fn calls(State(sandbox): State<Arc<Sandbox>>) -> Response {
    let calls = sandbox
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Json(calls).into_response()
}

/// `POST /_sandbox/orders` body.
#[derive(Debug, Deserialize)]
pub(crate) struct NewOrder {
    /// `processing` (paid, to ship) unless given.
    #[serde(default)]
    status: Option<String>,
    line_items: Vec<NewOrderLine>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewOrderLine {
    sku: String,
    quantity: i64,
}

/// Places a customer's order: `201 {"id"}`.
pub(crate) async fn create_order(
    State(sandbox): State<Arc<Sandbox>>,
    body: Result<Json<NewOrder>, JsonRejection>,
) -> Response {
    let Ok(Json(new)) = body else {
        return bad_request("expected {line_items: [{sku, quantity}], status?}");
    };
    if new.line_items.is_empty() {
        return bad_request("an order needs at least one line item");
    }
    if new
        .line_items
        .iter()
        .any(|l| l.quantity <= 0 || l.sku.trim().is_empty())
    {
        return bad_request("every line needs a SKU and a positive quantity");
    }
    let status = new.status.unwrap_or_else(|| "processing".into());
    if !crate::store::ORDER_STATUSES.contains(&status.as_str()) {
        return bad_request("status is not a WooCommerce order status");
    }
    let lines: Vec<(String, i64)> = new
        .line_items
        .into_iter()
        .map(|l| (l.sku, l.quantity))
        .collect();
    let mut store = sandbox.store.lock().unwrap_or_else(|e| e.into_inner());
    let id = store.place_order(&status, &lines);
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}
