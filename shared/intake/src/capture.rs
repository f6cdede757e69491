//! The capture path: idempotency claim → order record → orders queue.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use sha2::{Digest, Sha256};
use switchyard_idempotency::{Claim, IdempotencyStore, Lease, NextAction};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::{ChannelName, ExternalId, Order, OrderId, OrderStatus};
use switchyard_orders::OrderQueue;
use switchyard_orders::{Created, OrderRecord, OrderStore};

use crate::http::HttpResponse;
use crate::problem::{Problem, unavailable};

/// What capturing an order did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Captured {
    /// Stored (or an interrupted earlier attempt under the same key resumed) and queued.
    Queued(OrderId),
    /// An earlier attempt under the same key got further than the queue; nothing to do.
    AlreadyQueued(OrderId),
    /// The channel already sent this external id under another key: this is that order.
    Duplicate(OrderId),
}

impl Captured {
    /// The order created or matched.
    pub fn order_id(&self) -> OrderId {
        match *self {
            Captured::Queued(id) | Captured::AlreadyQueued(id) | Captured::Duplicate(id) => id,
        }
    }
}

/// An idempotent unit of work, as an HTTP function sees it.
#[derive(Debug, Clone)]
pub struct Once<'a> {
    /// The scoped key (`<function>#<channel>#<key>`).
    pub key: &'a str,
    /// Hash of the request payload ([`payload_hash`]).
    pub payload_hash: &'a str,
    /// When the invocation must have answered; the claim's lease ends then.
    pub deadline: SystemTime,
    /// What the client calls the key, for error messages (`Idempotency-Key`, `webhook-id`).
    pub key_name: &'a str,
}

/// The hash a payload is compared by when its key is used again.
pub fn payload_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The intake path and the ports it writes to.
#[derive(Clone)]
pub struct Intake {
    orders: Arc<dyn OrderStore>,
    idempotency: Arc<dyn IdempotencyStore>,
    pub(crate) queue: Arc<dyn OrderQueue>,
    retention: Duration,
}

impl Intake {
    /// Intake over the order store, idempotency store and orders queue.
    pub fn new(
        orders: Arc<dyn OrderStore>,
        idempotency: Arc<dyn IdempotencyStore>,
        queue: Arc<dyn OrderQueue>,
    ) -> Self {
        Intake {
            orders,
            idempotency,
            queue,
            retention: switchyard_idempotency::DEFAULT_RETENTION,
        }
    }

    /// Keeps idempotent results for `retention` instead of the default day.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The order store, for reads.
    pub fn orders(&self) -> &dyn OrderStore {
        self.orders.as_ref()
    }

    /// Runs `work` once per key: a repeat with the same payload replays the stored response
    /// (`Idempotent-Replayed: true`), another payload under the key is a 422, and a repeat while
    /// the first is still running is a 409 with `Retry-After`. A failed `work` gives the key up,
    /// so the client's retry runs it again.
    pub async fn once<F, Fut>(&self, once: Once<'_>, work: F) -> Result<HttpResponse, Problem>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<HttpResponse, Problem>>,
    {
        let claim = Claim {
            key: once.key,
            payload_hash: once.payload_hash,
            lease_until: once.deadline,
            retention: self.retention,
        };
        let lease = match self.idempotency.claim(claim).await.map_err(unavailable)? {
            NextAction::Proceed(lease) => lease,
            NextAction::Replay(stored) => {
                let channel = once.key.split('#').nth(1).unwrap_or_default();
                switchyard_platform::metrics::idempotent_replay(channel);
                let response: HttpResponse = serde_json::from_value(stored).map_err(unavailable)?;
                return Ok(response.with_header("idempotent-replayed", "true"));
            }
            NextAction::Conflict => {
                return Err(Problem::new(
                    422,
                    "idempotency-key-reused",
                    "Idempotency key reused with another body",
                    format!(
                        "this {} was already used with a different request body; use a new one for a new request",
                        once.key_name
                    ),
                ));
            }
            NextAction::InFlight { retry_after } => {
                let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                return Ok(Problem::new(
                    409,
                    "request-in-flight",
                    "Request still in progress",
                    format!(
                        "the first request with this {} is still being processed; retry later",
                        once.key_name
                    ),
                )
                .response()
                .with_header("retry-after", secs.to_string()));
            }
        };
        match work().await {
            Ok(response) => {
                let stored = serde_json::to_value(&response).expect("responses serialise");
                if let Err(e) = self
                    .idempotency
                    .complete(&lease, &stored, self.retention)
                    .await
                {
                    // The order is captured and queued; a replay resumes it via its external id.
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
        if let Err(e) = self.idempotency.release(lease).await {
            tracing::warn!(error = %e, "could not release the idempotency claim; it ends with its lease");
        }
    }

    /// Stores `order` as received and queues it for the ERP. `key` is the business key it came
    /// under (an `Idempotency-Key`, a delivery id, a notification's order id); a later capture
    /// under the same key resumes an interrupted one instead of refusing it as a duplicate.
    pub async fn capture(&self, order: Order, key: &str) -> Result<Captured, Problem> {
        let record = OrderRecord::received(order, key, Utc::now());
        let order = match self.orders.create(&record).await.map_err(unavailable)? {
            Created::New => record.order,
            Created::ExternalIdTaken {
                order_id,
                idempotency_key,
            } if idempotency_key == key => {
                let existing = self
                    .orders
                    .get(order_id)
                    .await
                    .map_err(unavailable)?
                    .ok_or_else(|| unavailable("order record missing for its external id"))?;
                if existing.value.status != OrderStatus::Received {
                    return Ok(Captured::AlreadyQueued(order_id));
                }
                existing.value.order
            }
            Created::ExternalIdTaken { order_id, .. } => return Ok(Captured::Duplicate(order_id)),
        };
        let id = order.id;
        let envelope = Envelope::new(
            order.channel.to_string(),
            id.to_string(),
            OrderSubmitted { order },
        );
        self.queue.submit(&envelope).await.map_err(unavailable)?;
        switchyard_platform::metrics::order_received(&envelope.channel);
        tracing::info!(order_id = %id, channel = %envelope.channel, "order received");
        Ok(Captured::Queued(id))
    }

    /// Queues the channel's cancellation of the order it sent as `external_id`; `None` when the
    /// channel never sent that order (nothing to cancel).
    pub async fn request_cancellation(
        &self,
        channel: &ChannelName,
        external_id: &ExternalId,
        reason: Option<String>,
    ) -> Result<Option<OrderId>, Problem> {
        let Some(order_id) = self
            .orders
            .find_external(channel, external_id)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        let envelope = Envelope::new(
            channel.to_string(),
            order_id.to_string(),
            OrderCancellationRequested {
                order_id,
                reason,
                requested_at: Utc::now(),
            },
        );
        self.queue.cancel(&envelope).await.map_err(unavailable)?;
        tracing::info!(%order_id, %channel, "order cancellation requested");
        Ok(Some(order_id))
    }
}
