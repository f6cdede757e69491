//! A local stand-in for Amazon's SP-API: the Login-with-Amazon token endpoint, the Orders v0
//! operations Switchyard calls (`getOrder` and `getOrderItems` serving recorded JSON from a data
//! directory, `confirmShipment` recording packages), the Orders v2026-01-01 `getOrder` (which
//! shows an order's packages), and the Listings Items v2021-08-01 `getListingsItem` /
//! `patchListingsItem` over listings kept in memory (seeded from `<data>/listings.json`).
//!
//! It behaves like Amazon where the client's behaviour depends on it: it insists on an
//! `x-amz-access-token`, answers errors in SP-API's `{"errors":[…]}` shape, and throttles each
//! operation with its own token bucket (`429 QuotaExceeded`), so the local stack exercises the
//! client's token caching, pacing and retries.
//!
//! `/_sandbox/*` routes (no token) arrange listings, place orders, change a quantity behind a
//! client's back, make the next calls fail with a 5xx, and list every SP-API call received.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod errors;
mod listings;
mod orders;
mod shipments;
mod token;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::Serialize;
use switchyard_amazon::{InvalidRate, TokenBucket};

/// How the sandbox serves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The directory holding `orders/<id>.json` and `orders/<id>.items.json`.
    pub data_dir: PathBuf,
    /// Requests per second each operation allows (SP-API: 0.5).
    pub rate_per_second: f64,
    /// Requests each operation allows at once (SP-API: 30).
    pub burst: u32,
    /// The Listings Items operations' usage plans.
    pub listings: ListingsPlan,
    /// The usage plans of `confirmShipment` and the v2026-01-01 `getOrder`.
    pub shipments: ShipmentsPlan,
}

/// The usage plans of Orders v0 `confirmShipment` and Orders v2026-01-01 `getOrder`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShipmentsPlan {
    /// `confirmShipment` requests per second.
    pub confirm_rate_per_second: f64,
    /// `confirmShipment` burst.
    pub confirm_burst: u32,
    /// v2026-01-01 `getOrder` requests per second.
    pub get_order_rate_per_second: f64,
    /// v2026-01-01 `getOrder` burst.
    pub get_order_burst: u32,
}

impl Default for ShipmentsPlan {
    /// SP-API's documented defaults: `confirmShipment` 2 requests/s, burst 10; v2026-01-01
    /// `getOrder` 0.5 requests/s, burst 30.
    fn default() -> Self {
        ShipmentsPlan {
            confirm_rate_per_second: 2.0,
            confirm_burst: 10,
            get_order_rate_per_second: 0.5,
            get_order_burst: 30,
        }
    }
}

/// The usage plans of `getListingsItem` and `patchListingsItem`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListingsPlan {
    /// `getListingsItem` requests per second.
    pub get_rate_per_second: f64,
    /// `getListingsItem` burst.
    pub get_burst: u32,
    /// `patchListingsItem` requests per second.
    pub patch_rate_per_second: f64,
    /// `patchListingsItem` burst.
    pub patch_burst: u32,
}

impl Default for ListingsPlan {
    /// SP-API's documented defaults for v2021-08-01 (per seller account): 5 requests/s, burst 5,
    /// for both operations.
    fn default() -> Self {
        ListingsPlan {
            get_rate_per_second: 5.0,
            get_burst: 5,
            patch_rate_per_second: 5.0,
            patch_burst: 5,
        }
    }
}

/// Why the sandbox cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A usage plan that is not a rate.
    #[error(transparent)]
    Rate(#[from] InvalidRate),
    /// `<data>/listings.json` is unreadable or not a JSON array of listings.
    #[error("{0}")]
    Listings(String),
}

/// One SP-API call as the sandbox received it (the access token is never included).
#[derive(Debug, Clone, Serialize)]
pub struct RecordedCall {
    /// `GET`, `PATCH`, …
    pub method: String,
    /// The path, e.g. `/listings/2021-08-01/items/A2SWITCHYARD01/WIDGET-S`.
    pub path: String,
    /// The query string; empty when none.
    pub query: String,
    /// The JSON body; `null` when there was none.
    pub body: serde_json::Value,
    /// The status the sandbox answered.
    pub status: u16,
}

/// What every handler shares.
struct Sandbox {
    data_dir: PathBuf,
    rate_per_second: f64,
    get_order: TokenBucket,
    get_order_items: TokenBucket,
    tokens_issued: AtomicU64,
    listings_plan: ListingsPlan,
    get_listings_item: TokenBucket,
    patch_listings_item: TokenBucket,
    listings: Mutex<listings::Listings>,
    submissions: AtomicU64,
    faults: Mutex<Vec<u16>>,
    calls: Mutex<Vec<RecordedCall>>,
    shipments_plan: ShipmentsPlan,
    confirm_shipment: TokenBucket,
    get_order_v2026: TokenBucket,
    /// Orders held in memory (placed, or recorded ones since their first shipment), by id.
    orders: Mutex<HashMap<String, shipments::StoredOrder>>,
    /// Orders placed so far, for fresh ids.
    placed: AtomicU64,
    /// Varies ids between sandbox runs (a test's orders never meet another run's).
    seed: u64,
}

impl Sandbox {
    fn lock_orders(&self) -> std::sync::MutexGuard<'_, HashMap<String, shipments::StoredOrder>> {
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sandbox's routes, logging every request.
pub fn router(config: SandboxConfig) -> Result<Router, SandboxError> {
    let plan = config.listings;
    let seeded =
        listings::seed(&config.data_dir.join("listings.json")).map_err(SandboxError::Listings)?;
    let state = Arc::new(Sandbox {
        get_order: TokenBucket::new(config.rate_per_second, config.burst)?,
        get_order_items: TokenBucket::new(config.rate_per_second, config.burst)?,
        rate_per_second: config.rate_per_second,
        data_dir: config.data_dir,
        tokens_issued: AtomicU64::new(0),
        listings_plan: plan,
        get_listings_item: TokenBucket::new(plan.get_rate_per_second, plan.get_burst)?,
        patch_listings_item: TokenBucket::new(plan.patch_rate_per_second, plan.patch_burst)?,
        listings: Mutex::new(seeded),
        submissions: AtomicU64::new(0),
        faults: Mutex::new(Vec::new()),
        calls: Mutex::new(Vec::new()),
        shipments_plan: config.shipments,
        confirm_shipment: TokenBucket::new(
            config.shipments.confirm_rate_per_second,
            config.shipments.confirm_burst,
        )?,
        get_order_v2026: TokenBucket::new(
            config.shipments.get_order_rate_per_second,
            config.shipments.get_order_burst,
        )?,
        orders: Mutex::new(HashMap::new()),
        placed: AtomicU64::new(0),
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
    });
    Ok(Router::new()
        .route("/auth/o2/token", post(token::issue))
        .route("/orders/v0/orders/{id}", get(orders::get_order))
        .route(
            "/orders/v0/orders/{id}/orderItems",
            get(orders::get_order_items),
        )
        .route(
            "/orders/v0/orders/{id}/shipmentConfirmation",
            post(shipments::confirm_shipment),
        )
        .route(
            "/orders/2026-01-01/orders/{id}",
            get(shipments::get_order_v2026),
        )
        .route("/_sandbox/orders", post(shipments::place_order))
        .route(
            "/listings/2021-08-01/items/{seller_id}/{sku}",
            get(listings::get_listings_item).patch(listings::patch_listings_item),
        )
        .route("/_sandbox/listings", post(admin::create_listing))
        .route(
            "/_sandbox/listings/{sku}",
            put(admin::set_quantity).get(admin::get_listing),
        )
        .route("/_sandbox/faults", post(admin::add_faults))
        .route("/_sandbox/calls", get(admin::calls))
        .fallback(errors::no_route)
        .layer(middleware::from_fn_with_state(state.clone(), record))
        .layer(middleware::from_fn(log_request))
        .with_state(state))
}

/// Largest request body recorded (a listings patch is a few hundred bytes).
const MAX_BODY: usize = 1 << 20;

/// Records every SP-API call and answers injected faults. The token endpoint (its body is the
/// application's credentials) and the `/_sandbox` routes pass straight through.
async fn record(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/_sandbox/") || path == "/auth/o2/token" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return errors::sp_api(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "The request is too large.",
        );
    };
    let mut call = RecordedCall {
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        status: 0,
    };
    let fault = {
        let mut faults = sandbox.faults.lock().unwrap_or_else(|e| e.into_inner());
        (!faults.is_empty()).then(|| faults.remove(0))
    };
    let response = match fault {
        Some(status) => errors::sp_api(
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "InternalFailure",
            "We encountered an internal error. Please try again.",
        ),
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };
    call.status = response.status().as_u16();
    sandbox
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(call);
    response
}

/// Amazon tells callers their current rate in this header.
pub(crate) fn add_rate_limit_header(response: &mut Response, rate: f64) {
    if let Ok(value) = rate.to_string().parse() {
        response
            .headers_mut()
            .insert("x-amzn-ratelimit-limit", value);
    }
}

/// One log line per request: method, path, status. Headers (tokens) and bodies are not logged.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(%method, path, status = response.status().as_u16(), "request");
    response
}
