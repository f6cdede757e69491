//! A local stand-in for Amazon's SP-API: the Login-with-Amazon token endpoint and the two Orders
//! v0 operations Switchyard calls, serving recorded JSON from a data directory.
//!
//! It behaves like Amazon where the client's behaviour depends on it: it insists on an
//! `x-amz-access-token`, answers errors in SP-API's `{"errors":[…]}` shape, and throttles each
//! operation with its own token bucket (`429 QuotaExceeded`), so the local stack exercises the
//! client's token caching, pacing and retries.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod errors;
mod orders;
mod token;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
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
}

/// What every handler shares.
struct Sandbox {
    data_dir: PathBuf,
    rate_per_second: f64,
    get_order: TokenBucket,
    get_order_items: TokenBucket,
    tokens_issued: AtomicU64,
}

/// The sandbox's routes, logging every request.
pub fn router(config: SandboxConfig) -> Result<Router, InvalidRate> {
    let state = Arc::new(Sandbox {
        get_order: TokenBucket::new(config.rate_per_second, config.burst)?,
        get_order_items: TokenBucket::new(config.rate_per_second, config.burst)?,
        rate_per_second: config.rate_per_second,
        data_dir: config.data_dir,
        tokens_issued: AtomicU64::new(0),
    });
    Ok(Router::new()
        .route("/auth/o2/token", post(token::issue))
        .route("/orders/v0/orders/{id}", get(orders::get_order))
        .route(
            "/orders/v0/orders/{id}/orderItems",
            get(orders::get_order_items),
        )
        .fallback(errors::no_route)
        .layer(middleware::from_fn(log_request))
        .with_state(state))
}

/// One log line per request: method, path, status. Headers (tokens) and bodies are not logged.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(%method, path, status = response.status().as_u16(), "request");
    response
}
