//! The capture path: idempotency claim → order record → orders queue.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use sha2::{Digest, Sha256};
use switchyard_channels::ChannelKind;
use switchyard_idempotency::{Claim, IdempotencyStore, Lease, NextAction};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::{ChannelName, ExternalId, Order, OrderId, OrderStatus};
use switchyard_orders::OrderQueue;
use switchyard_orders::{Created, OrderRecord, OrderStore};

use crate::http::HttpResponse;
use crate::one_write::OneWriteCapture;
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
    one_write: Option<Arc<dyn OneWriteCapture>>,
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
            one_write: None,
        }
    }

    /// Lets [`Self::capture_once`] store a new order and its key's result in one write.
    pub fn with_one_write(mut self, one_write: Arc<dyn OneWriteCapture>) -> Self {
        self.one_write = Some(one_write);
        self
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

    /// [`Self::once`] around [`Self::capture`], answering with `answer(captured)`, in as few
    /// writes as the stores allow: with a [`OneWriteCapture`], a fresh key and a new order are
    /// stored in one write with the answer already recorded, then queued (decision 0026).
    /// Anything else — a retry, a reused key, a duplicate, no one-write store — takes the
    /// general path and gets the same answers as before.
    pub async fn capture_once<F>(
        &self,
        once: Once<'_>,
        order: Order,
        key: &str,
        kind: ChannelKind,
        answer: F,
    ) -> Result<HttpResponse, Problem>
    where
        F: Fn(Captured) -> Result<HttpResponse, Problem>,
    {
        if let Some(one_write) = &self.one_write {
            let id = order.id;
            let response = answer(Captured::Queued(id))?;
            let stored = serde_json::to_value(&response).expect("responses serialise");
            let record = OrderRecord::received(order.clone(), key, Utc::now())
                .from_channel_kind(kind.as_str());
            let claim = Claim {
                key: once.key,
                payload_hash: once.payload_hash,
                lease_until: once.deadline,
                retention: self.retention,
            };
            if let Some(lease) = one_write
                .create_completed(&record, claim, &stored)
                .await
                .map_err(unavailable)?
            {
                if let Err(e) = self.submit(record.order).await {
                    // The answer is recorded but the order is not queued: give the key up, so
                    // the client's retry resumes it (the reconciler re-queues it if even that
                    // fails).
                    if let Err(release) = one_write.release(&lease).await {
                        tracing::warn!(order_id = %id, error = %release, "could not give the key up; the reconciler re-queues the order");
                    }
                    return Err(e);
                }
                return Ok(response);
            }
        }
        self.once(once, || async {
            let captured = self.capture(order, key, kind).await?;
            answer(captured)
        })
        .await
    }

    /// Stores `order` as received and queues it for the ERP. `key` is the business key it came
    /// under (an `Idempotency-Key`, a delivery id, a notification's order id); a later capture
    /// under the same key resumes an interrupted one instead of refusing it as a duplicate.
    /// `kind` is the channel's, kept on the record for the events' routing.
    pub async fn capture(
        &self,
        order: Order,
        key: &str,
        kind: ChannelKind,
    ) -> Result<Captured, Problem> {
        let record = OrderRecord::received(order, key, Utc::now()).from_channel_kind(kind.as_str());
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
        self.submit(order).await?;
        Ok(Captured::Queued(id))
    }

    /// Queues a stored order for the ERP.
    async fn submit(&self, order: Order) -> Result<(), Problem> {
        let id = order.id;
        let envelope = Envelope::new(
            order.channel.to_string(),
            id.to_string(),
            OrderSubmitted { order },
        );
        self.queue.submit(&envelope).await.map_err(unavailable)?;
        switchyard_platform::metrics::order_received(&envelope.channel);
        tracing::info!(order_id = %id, channel = %envelope.channel, "order received");
        Ok(())
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
