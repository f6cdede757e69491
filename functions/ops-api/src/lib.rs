//! The ops API and page: the operators' read-only view of every flow (`GET /ops/…`, JSON) and a
//! small self-refreshing page (`GET /ops`) that shows it.
//!
//! Routes:
//! - `GET /ops` — the page (HTML, vanilla JS, nothing fetched from elsewhere).
//! - `GET /ops/health` — everything below in one answer (what the page reads).
//! - `GET /ops/orders` — per channel the window's received, accepted and rejected orders, and
//!   the ERP posting latency p50/p99 (`?minutes=N`, default 60, at most 1440).
//! - `GET /ops/queues` — every queue's depth (and a DLQ's oldest message's age).
//! - `GET /ops/dlqs` — every DLQ with its messages and their failure records (no bodies: they
//!   hold customers' addresses; `switchyard dlq show` prints them for whoever needs them).
//! - `GET /ops/failures` — open failure records.
//! - `GET /ops/inventory` — each stock-pushing channel's last lag.
//!
//! Authentication: on AWS the routes carry an IAM authorizer (Terraform). Where
//! `SWITCHYARD_OPS_TOKEN` is set (the local stack), every route but the page itself also
//! requires `Authorization: Bearer <token>`, compared in constant time; otherwise `401`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::SystemTime;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use switchyard_intake::http::{HttpRequest, HttpResponse};
use switchyard_intake::lambda::HttpHandler;
use switchyard_intake::problem::{Problem, respond};
use switchyard_operations::health::{DeadLetters, Health, HealthError};

/// The page, served as is.
pub const PAGE: &str = include_str!("ops.html");

/// How many messages of each DLQ the API shows.
pub const DLQ_MESSAGES: usize = 20;
/// How many open failures the API shows.
pub const OPEN_FAILURES: usize = 100;

/// The operator token, when the function requires one. Never printed: `Debug` hides it.
#[derive(Clone, Default)]
pub struct OpsToken(Option<[u8; 32]>);

impl std::fmt::Debug for OpsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "OpsToken(<set>)"
        } else {
            "OpsToken(<none>)"
        })
    }
}

impl OpsToken {
    /// Requires `token` (an empty one requires nothing).
    pub fn required(token: &str) -> Self {
        // Hashed so the comparison takes the same time whatever the lengths.
        Self((!token.is_empty()).then(|| Sha256::digest(token.as_bytes()).into()))
    }

    /// Requires the token in the environment variable `name`, when it is set and not empty.
    pub fn from_env(name: &str) -> Self {
        Self::required(&std::env::var(name).unwrap_or_default())
    }

    /// Requires nothing (AWS: the IAM authorizer in front decides).
    pub fn none() -> Self {
        Self(None)
    }

    fn admits(&self, request: &HttpRequest) -> bool {
        let Some(expected) = &self.0 else {
            return true;
        };
        let given = request
            .header("authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .unwrap_or_default();
        let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
        bool::from(given.ct_eq(expected))
    }
}

/// The ops API handler.
#[derive(Clone)]
pub struct OpsApi {
    health: Health,
    token: OpsToken,
}

impl OpsApi {
    /// Serves `health`, admitting requests that carry `token`.
    pub fn new(health: Health, token: OpsToken) -> Self {
        Self { health, token }
    }

    async fn route(&self, request: &HttpRequest) -> Result<HttpResponse, Problem> {
        let path = request.path.trim_end_matches('/');
        let known = matches!(
            path,
            "/ops"
                | "/ops/health"
                | "/ops/orders"
                | "/ops/queues"
                | "/ops/dlqs"
                | "/ops/failures"
                | "/ops/inventory"
        );
        if !known {
            return Err(Problem::no_route(request));
        }
        if request.method != "GET" {
            return Err(Problem::method_not_allowed(request));
        }
        if path == "/ops" {
            // The page holds no data; what it fetches is authenticated.
            return Ok(page());
        }
        if !self.token.admits(request) {
            return Err(Problem::new(
                401,
                "unauthorized",
                "Unauthorized",
                "the ops API needs `Authorization: Bearer <SWITCHYARD_OPS_TOKEN>`",
            ));
        }
        let window = window(request)?;
        let body = match path {
            "/ops/health" => self.everything(window).await,
            "/ops/orders" => self.orders(window).await,
            "/ops/queues" => self.queues().await,
            "/ops/dlqs" => self.dlqs().await,
            "/ops/failures" => self.failures().await,
            _ => self.inventory().await,
        }
        .map_err(switchyard_intake::problem::unavailable)?;
        Ok(HttpResponse::json(200, &body).with_header("cache-control", "no-store"))
    }

    async fn orders(&self, window: Duration) -> Result<Value, HealthError> {
        Ok(json!(self.health.orders(Utc::now(), window).await?))
    }

    async fn queues(&self) -> Result<Value, HealthError> {
        Ok(json!({"queues": self.health.queues.queues().await?}))
    }

    async fn dlqs(&self) -> Result<Value, HealthError> {
        let dlqs = self.health.queues.dead_letters(DLQ_MESSAGES).await?;
        Ok(json!({"dlqs": dlqs.iter().map(dlq_view).collect::<Vec<_>>()}))
    }

    async fn failures(&self) -> Result<Value, HealthError> {
        Ok(json!({"failures": self.health.open_failures(OPEN_FAILURES).await?}))
    }

    async fn inventory(&self) -> Result<Value, HealthError> {
        Ok(json!({"channels": self.health.inventory_lag().await?}))
    }

    async fn everything(&self, window: Duration) -> Result<Value, HealthError> {
        let (orders, queues, dlqs, failures, inventory) = tokio::try_join!(
            self.orders(window),
            self.queues(),
            self.dlqs(),
            self.failures(),
            self.inventory()
        )?;
        Ok(json!({
            "generated_at": Utc::now(),
            "orders": orders,
            "queues": queues["queues"],
            "dlqs": dlqs["dlqs"],
            "failures": failures["failures"],
            "inventory": inventory["channels"],
        }))
    }
}

/// A DLQ as the API shows it: each message's identity and failure record, not its body.
fn dlq_view(dlq: &DeadLetters) -> Value {
    let messages: Vec<Value> = dlq
        .messages
        .iter()
        .map(|m| {
            json!({
                "message_id": m.message_id, "sent_at": m.sent_at, "receive_count": m.receive_count,
                "type": m.kind, "channel": m.channel, "key": m.key,
                "reason": m.failure.as_ref().map(|f| f.error.clone()),
                "failure": m.failure,
            })
        })
        .collect();
    json!({
        "name": dlq.summary.name, "depth": dlq.summary.depth, "in_flight": dlq.summary.in_flight,
        "oldest_age_seconds": dlq.summary.oldest_age_seconds, "sources": dlq.summary.sources,
        "messages": messages,
    })
}

fn window(request: &HttpRequest) -> Result<Duration, Problem> {
    match request.query_param("minutes") {
        None => Ok(Duration::hours(1)),
        Some(text) => match text.parse::<i64>() {
            Ok(minutes) if (1..=1440).contains(&minutes) => Ok(Duration::minutes(minutes)),
            _ => Err(Problem::new(
                400,
                "invalid-query",
                "Invalid query parameter",
                format!("minutes must be a whole number from 1 to 1440, not `{text}`"),
            )),
        },
    }
}

fn page() -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        body: PAGE.to_string(),
    }
    .with_header("cache-control", "no-store")
    .with_header("referrer-policy", "no-referrer")
    .with_header("x-content-type-options", "nosniff")
    .with_header(
        "content-security-policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
}

#[async_trait::async_trait]
impl HttpHandler for OpsApi {
    async fn handle(&self, request: &HttpRequest, _deadline: SystemTime) -> HttpResponse {
        respond(self.route(request).await)
    }
}
