//! A local stand-in for the WooCommerce REST API v3 (`/wp-json/wc/v3`): the products and
//! variations endpoints an inventory pusher calls, and the orders and order-notes endpoints a
//! fulfilment pusher calls, over a store kept in memory.
//!
//! It behaves like WooCommerce where a client's behaviour depends on it:
//! - every API call needs the store's consumer key and secret as HTTP Basic credentials, and is
//!   refused `401` with WooCommerce's `{"code","message","data":{"status"}}` body otherwise;
//! - `GET /products?sku=a,b` finds products *and* variations by SKU; `per_page` is 1..=100 and
//!   every list carries `X-WP-Total` / `X-WP-TotalPages`;
//! - `POST /products/batch` and `POST /products/{id}/variations/batch` take at most 100 objects
//!   (`413 woocommerce_rest_request_entity_too_large` beyond) and report each item's error inside
//!   the `200` answer; `stock_quantity` only counts when `manage_stock` is on, as in WooCommerce;
//! - `GET`/`PUT /orders/{id}` read an order and change its `status` (validated against
//!   WooCommerce's statuses; a change adds WooCommerce's system note), and
//!   `GET`/`POST /orders/{id}/notes` read and add order notes (`note` required, `customer_note`
//!   for the ones the customer is emailed); an unknown order is `404`;
//! - an optional request rate answers `429` + `Retry-After` beyond it (WooCommerce itself has no
//!   limit on REST v3, but the hosts and firewalls in front of stores do).
//!
//! `/_sandbox/*` routes (no credentials) let tests and people arrange the store, change stock
//! behind a client's back, inject `5xx` faults and read every API call received.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod api;
mod errors;
mod orders;
mod store;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post, put};
use tokio::time::Instant;

pub use store::{SeedProduct, SeedVariation};

/// At most `limit` API calls per `window`; more are answered `429` with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub limit: u32,
    /// The window (fixed, starting at the first call after the previous one ended).
    pub window: Duration,
}

/// How the sandbox serves.
#[derive(Clone)]
pub struct WooSandboxConfig {
    /// The REST API consumer key (`ck_…`) clients must present.
    pub consumer_key: String,
    /// The REST API consumer secret (`cs_…`) clients must present.
    pub consumer_secret: String,
    /// Optional request rate; `None` serves as fast as asked.
    pub rate_limit: Option<RateLimit>,
    /// Products the store starts with.
    pub products: Vec<SeedProduct>,
}

impl std::fmt::Debug for WooSandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs, like a real store's.
        f.debug_struct("WooSandboxConfig")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &"[redacted]")
            .field("rate_limit", &self.rate_limit)
            .field("products", &self.products.len())
            .finish()
    }
}

impl WooSandboxConfig {
    /// A store with these credentials, no rate limit and no products.
    pub fn new(consumer_key: impl Into<String>, consumer_secret: impl Into<String>) -> Self {
        WooSandboxConfig {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            rate_limit: None,
            products: Vec::new(),
        }
    }
}

/// One API call as the sandbox received it (credentials never included).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecordedCall {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, e.g. `/wp-json/wc/v3/products/batch`.
    pub path: String,
    /// The query string, `consumer_key`/`consumer_secret` removed; empty when none.
    pub query: String,
    /// The JSON body; `null` when there was none or it was not JSON.
    pub body: serde_json::Value,
    /// The status the sandbox answered.
    pub status: u16,
}

/// What every handler shares.
pub(crate) struct Sandbox {
    consumer_key: String,
    consumer_secret: String,
    rate_limit: Option<RateLimit>,
    window: Mutex<(Instant, u32)>,
    pub(crate) store: Mutex<store::Store>,
    pub(crate) faults: Mutex<Vec<u16>>,
    pub(crate) calls: Mutex<Vec<RecordedCall>>,
}

/// The sandbox's routes.
pub fn router(config: WooSandboxConfig) -> Router {
    let mut store = store::Store::default();
    for product in &config.products {
        store.seed(product);
    }
    let state = Arc::new(Sandbox {
        consumer_key: config.consumer_key,
        consumer_secret: config.consumer_secret,
        rate_limit: config.rate_limit,
        window: Mutex::new((Instant::now(), 0)),
        store: Mutex::new(store),
        faults: Mutex::new(Vec::new()),
        calls: Mutex::new(Vec::new()),
    });
    let wc = Router::new()
        .route("/products", get(api::list_products))
        .route("/products/batch", post(api::batch_products))
        .route("/products/{id}", get(api::get_product))
        .route("/products/{id}/variations", get(api::list_variations))
        .route(
            "/products/{id}/variations/batch",
            post(api::batch_variations),
        )
        .route(
            "/orders/{id}",
            get(orders::get_order)
                .put(orders::update_order)
                .post(orders::update_order)
                .patch(orders::update_order),
        )
        .route(
            "/orders/{id}/notes",
            get(orders::list_notes).post(orders::add_note),
        )
        .fallback(errors::no_route);
    Router::new()
        .nest("/wp-json/wc/v3", wc)
        .route("/_sandbox/products", post(admin::create_product))
        .route(
            "/_sandbox/products/{sku}",
            axum::routing::delete(admin::delete_product),
        )
        .route(
            "/_sandbox/stock/{sku}",
            put(admin::set_stock).get(admin::get_stock),
        )
        .route("/_sandbox/orders", post(admin::create_order))
        .route("/_sandbox/faults", post(admin::add_faults))
        .route("/_sandbox/calls", get(admin::calls))
        .fallback(errors::no_route)
        // On the outer router, so the gate sees the full path (and a 404 under /wp-json is
        // still an API call, recorded and authenticated).
        .layer(middleware::from_fn_with_state(state.clone(), api::gate))
        .with_state(state)
}

impl Sandbox {
    /// Counts a call against the rate limit; `Some(wait)` when it is over.
    fn over_rate(&self) -> Option<Duration> {
        let limit = self.rate_limit?;
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if now.duration_since(window.0) >= limit.window {
            *window = (now, 0);
        }
        if window.1 >= limit.limit {
            return Some(limit.window.saturating_sub(now.duration_since(window.0)));
        }
        window.1 += 1;
        None
    }

    /// The next injected fault, if any is left.
    fn take_fault(&self) -> Option<u16> {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        if faults.is_empty() {
            None
        } else {
            Some(faults.remove(0))
        }
    }
}
