//! `/_sandbox/*`: arrange listings, inject faults, read what clients sent. No token: these
//! routes stand for a person in Seller Central, not for an SP-API application.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::Sandbox;
use crate::errors::sp_api;
use crate::listings::{DEMO_SELLER, Listing};

fn bad_request(message: &str) -> Response {
    sp_api(StatusCode::BAD_REQUEST, "InvalidInput", message)
}

fn seller(query: &HashMap<String, String>) -> String {
    query
        .get("sellerId")
        .cloned()
        .unwrap_or_else(|| DEMO_SELLER.to_string())
}

/// `POST /_sandbox/listings`: creates (or replaces) a listing; body as in `listings.json`
/// (`sku`, `quantity`, optional `sellerId`, `marketplaceId`, `productType`, `asin`,
/// `itemName`, `fulfillmentChannelCode`).
pub(crate) async fn create_listing(
    State(sandbox): State<Arc<Sandbox>>,
    body: Result<Json<Listing>, JsonRejection>,
) -> Response {
    let Ok(Json(listing)) = body else {
        return bad_request("expected {sku, quantity?, sellerId?, marketplaceId?, productType?}");
    };
    if listing.sku.is_empty() {
        return bad_request("sku must not be empty");
    }
    let key = (listing.seller_id.clone(), listing.sku.clone());
    sandbox
        .listings
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, listing.clone());
    (StatusCode::CREATED, Json(listing)).into_response()
}

/// `PUT /_sandbox/listings/{sku}` body.
#[derive(Debug, Deserialize)]
pub(crate) struct NewQuantity {
    quantity: i64,
}

/// Sets a listing's quantity behind every client's back (`?sellerId=`, default the demo seller).
pub(crate) async fn set_quantity(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Result<Json<NewQuantity>, JsonRejection>,
) -> Response {
    let Ok(Json(new)) = body else {
        return bad_request("expected {quantity}");
    };
    let mut listings = sandbox.listings.lock().unwrap_or_else(|e| e.into_inner());
    match listings.get_mut(&(seller(&query), sku.clone())) {
        Some(listing) => {
            listing.quantity = Some(new.quantity);
            StatusCode::NO_CONTENT.into_response()
        }
        None => unknown(&sku),
    }
}

fn unknown(sku: &str) -> Response {
    sp_api(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("the sandbox has no listing {sku}"),
    )
}

/// What a listing shows.
pub(crate) async fn get_listing(
    State(sandbox): State<Arc<Sandbox>>,
    Path(sku): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let listings = sandbox.listings.lock().unwrap_or_else(|e| e.into_inner());
    match listings.get(&(seller(&query), sku.clone())) {
        Some(listing) => Json(listing).into_response(),
        None => unknown(&sku),
    }
}

/// `POST /_sandbox/faults` body.
#[derive(Debug, Deserialize)]
pub(crate) struct Faults {
    count: usize,
    #[serde(default)]
    status: Option<u16>,
}

/// The next `count` SP-API calls (not token exchanges) answer `status` (a 5xx, default 503).
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

/// Every SP-API call received, oldest first (token exchanges are left out: their bodies are
/// credentials).
pub(crate) async fn calls(State(sandbox): State<Arc<Sandbox>>) -> Response {
    let calls = sandbox
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Json(json!(calls)).into_response()
}
