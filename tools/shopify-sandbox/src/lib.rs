//! A local stand-in for the part of Shopify's GraphQL Admin API that Switchyard's inventory and
//! fulfilment pushers call: variants by SKU, inventory levels at a location and
//! `inventorySetQuantities`; orders with their fulfillment orders and fulfillments, and
//! `fulfillmentCreate`.
//!
//! It behaves like Shopify where the client's behaviour depends on it: it insists on an
//! `X-Shopify-Access-Token`, serves only the API versions whose semantics it models (2026-04 on:
//! `changeFromQuantity` compare-and-swap and a mandatory `@idempotent` directive), parses every
//! document with a real GraphQL parser and refuses fields it does not know, enforces the
//! 250-item input limit and the 1,000-point single-query limit, and throttles by calculated
//! query cost with a leaky bucket, reporting `extensions.cost` on every answer. `/_sandbox`
//! routes let tests arrange the shop, inject faults and races, and read every call received.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod errors;
mod graphql;
mod schema;
mod store;
mod throttle;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};

pub use store::ProductSeed;

/// The oldest API version whose semantics the sandbox models.
pub const OLDEST_VERSION: &str = "2026-04";

/// The location every product is stocked at (the shop's one location).
pub const DEMO_LOCATION_ID: &str = "gid://shopify/Location/1";

/// How the sandbox serves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The Admin API access token the shop accepts in `X-Shopify-Access-Token`.
    pub access_token: String,
    /// Points the cost bucket holds (`throttleStatus.maximumAvailable`).
    pub bucket_size: f64,
    /// Points restored per second (`throttleStatus.restoreRate`; Shopify Standard: 100).
    pub restore_rate: f64,
    /// Products (one variant each) the shop starts with.
    pub products: Vec<ProductSeed>,
}

impl SandboxConfig {
    /// A shop with Shopify's Standard-plan restore rate, a 1,000-point bucket and no products.
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            bucket_size: 1000.0,
            restore_rate: 100.0,
            products: Vec::new(),
        }
    }

    /// Adds the products of a seed file (`[{"sku","quantity","title"?}]`).
    pub fn with_seed_file(mut self, path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let seeds: Vec<ProductSeed> = serde_json::from_str(&text)?;
        self.products.extend(seeds);
        Ok(self)
    }
}

/// The bucket or restore rate cannot throttle anything sensibly.
#[derive(Debug, thiserror::Error)]
#[error("bucket size and restore rate must be positive and finite")]
pub struct InvalidThrottle;

/// What every handler shares.
pub(crate) struct Sandbox {
    pub(crate) access_token: String,
    pub(crate) state: Mutex<store::Shop>,
    pub(crate) bucket: Mutex<throttle::Bucket>,
}

/// The sandbox's routes, logging every request (never its headers: they carry the token).
pub fn router(config: SandboxConfig) -> Result<Router, InvalidThrottle> {
    let bucket = throttle::Bucket::new(config.bucket_size, config.restore_rate)?;
    let mut shop = store::Shop::default();
    for seed in config.products {
        // A duplicate SKU in a seed is a broken seed; the first one wins and the rest are logged.
        if let Err(e) = shop.create(seed) {
            tracing::warn!(error = %e, "seed product skipped");
        }
    }
    let state = Arc::new(Sandbox {
        access_token: config.access_token,
        state: Mutex::new(shop),
        bucket: Mutex::new(bucket),
    });
    Ok(Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql::serve))
        .route("/_sandbox/products", post(admin::create_product))
        .route("/_sandbox/orders", post(admin::create_order))
        .route("/_sandbox/orders/{id}", get(admin::get_order))
        .route(
            "/_sandbox/inventory/{sku}",
            put(admin::set_inventory).get(admin::get_inventory),
        )
        .route(
            "/_sandbox/faults",
            post(admin::faults).delete(admin::clear_faults),
        )
        .route("/_sandbox/race", post(admin::race))
        .route("/_sandbox/calls", get(admin::calls))
        .fallback(errors::no_route)
        .layer(middleware::from_fn(log_request))
        .with_state(state))
}

/// One log line per request: method, path, status.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(%method, path, status = response.status().as_u16(), "request");
    response
}
