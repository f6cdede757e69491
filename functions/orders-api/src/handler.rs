//! The order API's behaviour, over ports.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use sha2::{Digest, Sha256};
use switchyard_idempotency::{Claim, IdempotencyKey, IdempotencyStore, Lease, NextAction};
use switchyard_model::contract::v1::{CaptureContext, OrderReceipt, parse_order};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_model::{OrderId, OrderStatus};
use switchyard_platform::channels::{Channel, ChannelDirectory};
use switchyard_platform::orders::{Created, OrderRecord, OrderStore};
use switchyard_platform::queue::OrderQueue;

use crate::http::{HttpRequest, HttpResponse};
use crate::problem::Problem;

/// What the API needs from the world.
#[derive(Clone)]
pub struct Ports {
    /// Authenticates channels.
    pub channels: Arc<dyn ChannelDirectory>,
    /// Order records.
    pub orders: Arc<dyn OrderStore>,
    /// Idempotency claims.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// The orders queue.
    pub queue: Arc<dyn OrderQueue>,
}

/// Tunables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted body.
    pub max_body_bytes: usize,
    /// Base of the status URLs (`https://api.example.com`); when unset, `https://<Host>`.
    pub public_base_url: Option<String>,
    /// How long idempotent results are kept for replay.
    pub idempotency_retention: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 256 * 1024,
            public_base_url: None,
            idempotency_retention: switchyard_idempotency::DEFAULT_RETENTION,
        }
    }
}

/// The order API.
#[derive(Clone)]
pub struct OrdersApi {
    ports: Ports,
    settings: Settings,
}

/// Turns any `Result<HttpResponse, Problem>` flow into a response.
type Outcome = Result<HttpResponse, Problem>;

fn unavailable(what: impl std::fmt::Display) -> Problem {
    tracing::error!(error = %what, "dependency failed");
    Problem::new(
        503,
        "service-unavailable",
        "Service temporarily unavailable",
        "a backing service failed; retry the same request with the same Idempotency-Key",
    )
}

impl OrdersApi {
    /// An API over `ports`.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        OrdersApi { ports, settings }
    }

    /// Handles one request; `deadline` is when the invocation must have answered.
    pub async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let outcome = match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "orders"]) => self.submit(request, deadline).await,
            ("GET", ["v1", "orders", id]) => self.status(request, id).await,
            (_, ["v1", "orders"]) | (_, ["v1", "orders", _]) => Err(Problem::new(
                405,
                "method-not-allowed",
                "Method not allowed",
                format!("{} is not allowed on {}", request.method, request.path),
            )),
            _ => Err(Problem::new(
                404,
                "not-found",
                "Not found",
                format!("no resource at {}", request.path),
            )),
        };
        let response = outcome.unwrap_or_else(|problem| {
            let response = problem.response();
            if problem.status == 401 {
                response.with_header("www-authenticate", "Bearer")
            } else {
                response
            }
        });
        tracing::info!(method = %request.method, path = %request.path, status = response.status, "request");
        response
    }

    async fn authenticate(&self, request: &HttpRequest) -> Result<Channel, Problem> {
        let presented = request
            .header("authorization")
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .or_else(|| request.header("x-api-key"))
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let Some(key) = presented else {
            return Err(Problem::new(
                401,
                "unauthenticated",
                "Authentication required",
                "send the channel's API key as `Authorization: Bearer <key>` or `x-api-key`",
            ));
        };
        match self.ports.channels.by_api_key(key).await {
            Ok(Some(channel)) => Ok(channel),
            Ok(None) => Err(Problem::new(
                401,
                "unauthenticated",
                "Authentication required",
                "the API key is not valid",
            )),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn status_url(&self, request: &HttpRequest, id: OrderId) -> String {
        let base = match (&self.settings.public_base_url, &request.host) {
            (Some(base), _) => base.trim_end_matches('/').to_string(),
            (None, Some(host)) => format!("https://{host}"),
            (None, None) => String::new(),
        };
        format!("{base}/v1/orders/{id}")
    }

    async fn submit(&self, request: &HttpRequest, deadline: SystemTime) -> Outcome {
        let channel = self.authenticate(request).await?;
        if request.body.len() > self.settings.max_body_bytes {
            return Err(Problem::new(
                413,
                "body-too-large",
                "Request body too large",
                format!(
                    "the body is {} bytes; the limit is {} bytes",
                    request.body.len(),
                    self.settings.max_body_bytes
                ),
            ));
        }
        if let Some(ct) = request.header("content-type") {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(Problem::new(
                    415,
                    "unsupported-media-type",
                    "Unsupported media type",
                    format!("send application/json, not {essence}"),
                ));
            }
        }
        let key = match request
            .header("idempotency-key")
            .map(IdempotencyKey::try_from)
        {
            None => {
                return Err(Problem::new(
                    400,
                    "idempotency-key-required",
                    "Idempotency-Key required",
                    "POST /v1/orders needs an Idempotency-Key header so that retries are safe",
                ));
            }
            Some(Err(e)) => {
                return Err(Problem::new(
                    400,
                    "idempotency-key-invalid",
                    "Invalid Idempotency-Key",
                    e.to_string(),
                ));
            }
            Some(Ok(key)) => key,
        };
        let body: serde_json::Value = serde_json::from_slice(&request.body).map_err(|e| {
            Problem::new(
                400,
                "malformed-json",
                "Malformed JSON",
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        let ctx = CaptureContext {
            order_id: OrderId::generate(),
            channel: channel.name.clone(),
            default_customer: channel.default_customer.clone(),
        };
        let order = parse_order(&body, &ctx).map_err(|errors| {
            Problem::new(
                422,
                "validation-failed",
                "The order is not valid",
                errors.to_string(),
            )
            .with_errors(errors.0)
        })?;

        // serde_json's map is ordered by key, so this hash ignores key order and whitespace.
        let payload_hash = hex::encode(Sha256::digest(
            serde_json::to_vec(&body).expect("values serialise"),
        ));
        let scoped_key = format!("orders-api#{}#{}", channel.name, key.as_str());
        let claim = Claim {
            key: &scoped_key,
            payload_hash: &payload_hash,
            lease_until: deadline,
            retention: self.settings.idempotency_retention,
        };
        let lease = match self
            .ports
            .idempotency
            .claim(claim)
            .await
            .map_err(unavailable)?
        {
            NextAction::Proceed(lease) => lease,
            NextAction::Replay(stored) => {
                let response: HttpResponse = serde_json::from_value(stored).map_err(unavailable)?;
                return Ok(response.with_header("idempotent-replayed", "true"));
            }
            NextAction::Conflict => {
                return Err(Problem::new(
                    422,
                    "idempotency-key-reused",
                    "Idempotency-Key reused with another body",
                    "this Idempotency-Key was already used with a different request body; use a new key for a new order",
                ));
            }
            NextAction::InFlight { retry_after } => {
                let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                return Ok(Problem::new(
                    409,
                    "request-in-flight",
                    "Request still in progress",
                    "the first request with this Idempotency-Key is still being processed; retry later",
                )
                .response()
                .with_header("retry-after", secs.to_string()));
            }
        };

        match self.capture(request, order, key.as_str()).await {
            Ok(response) => {
                if let Err(e) = self
                    .ports
                    .idempotency
                    .complete(
                        &lease,
                        &serde_json::to_value(&response).expect("responses serialise"),
                        self.settings.idempotency_retention,
                    )
                    .await
                {
                    // The order is captured and queued; a replay will resume it via its external id.
                    tracing::warn!(error = %e, "could not record the idempotent result");
                }
                Ok(response)
            }
            Err(problem) => {
                self.release(&lease).await;
                Err(problem)
            }
        }
    }

    async fn release(&self, lease: &Lease) {
        if let Err(e) = self.ports.idempotency.release(lease).await {
            tracing::warn!(error = %e, "could not release the idempotency claim; it ends with its lease");
        }
    }

    /// Stores the order and queues it; resumes an earlier attempt under the same key.
    async fn capture(
        &self,
        request: &HttpRequest,
        order: switchyard_model::Order,
        key: &str,
    ) -> Outcome {
        let record = OrderRecord::received(order, key, Utc::now());
        let order = match self
            .ports
            .orders
            .create(&record)
            .await
            .map_err(unavailable)?
        {
            Created::New => record.order,
            Created::ExternalIdTaken {
                order_id,
                idempotency_key,
            } if idempotency_key == key => {
                // An earlier attempt with this key stored the order but did not finish: resume it.
                let existing = self
                    .ports
                    .orders
                    .get(order_id)
                    .await
                    .map_err(unavailable)?
                    .ok_or_else(|| unavailable("order record missing for its external id"))?;
                if existing.value.status != OrderStatus::Received {
                    return Ok(self.receipt(request, order_id));
                }
                existing.value.order
            }
            Created::ExternalIdTaken { order_id, .. } => {
                return Err(Problem::new(
                    409,
                    "duplicate-order",
                    "Order already submitted",
                    format!(
                        "this channel already submitted external_id {:?} as order {order_id}",
                        record.order.external_id.as_str()
                    ),
                )
                .with("existing_order_id", order_id.to_string())
                .with("existing_order_url", self.status_url(request, order_id)));
            }
        };
        let envelope = Envelope::new(
            order.channel.to_string(),
            order.id.to_string(),
            OrderSubmitted { order },
        );
        self.ports
            .queue
            .submit(&envelope)
            .await
            .map_err(unavailable)?;
        tracing::info!(order_id = %envelope.payload.order.id, channel = %envelope.channel, "order received");
        Ok(self.receipt(request, envelope.payload.order.id))
    }

    fn receipt(&self, request: &HttpRequest, id: OrderId) -> HttpResponse {
        let url = self.status_url(request, id);
        HttpResponse::json(
            202,
            &OrderReceipt {
                id: id.to_string(),
                status: OrderStatus::Received,
                status_url: url.clone(),
            },
        )
        .with_header("location", url)
    }

    async fn status(&self, request: &HttpRequest, id: &str) -> Outcome {
        let channel = self.authenticate(request).await?;
        let not_found = || {
            Problem::new(
                404,
                "order-not-found",
                "Order not found",
                format!("no order {id} for this channel"),
            )
        };
        let id: OrderId = id.parse().map_err(|_| not_found())?;
        let record = self
            .ports
            .orders
            .get(id)
            .await
            .map_err(unavailable)?
            .ok_or_else(not_found)?;
        // Another channel's order is indistinguishable from a missing one.
        if record.value.order.channel != channel.name {
            return Err(not_found());
        }
        Ok(HttpResponse::json(200, &record.value.view()))
    }
}
