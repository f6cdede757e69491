//! One SQS batch: each message claims its order, posts it, and fails alone.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use switchyard_events::EventPublisher;
use switchyard_model::envelope::{Envelope, RESENT_ATTRIBUTE};
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::returns::ReturnRequested;
use switchyard_orders::RetryScheduler;
use switchyard_orders::{Leased, OrderStore};
use tracing::Instrument;

use crate::posting::{Posted, Poster, PostingError};
use switchyard_failures::{FailureClass, FailureRecorder, FailureStore, item_failure};

/// The flow failure records of this consumer are filed under.
pub const FLOW: &str = "orders";
use switchyard_orders::{POISON_REDELIVERY, RetryPolicy};

/// What the processor needs from the world.
#[derive(Clone)]
pub struct Ports {
    /// Order records.
    pub orders: Arc<dyn OrderStore>,
    /// The ERP.
    pub erp: Arc<dyn switchyard_erp::Erp>,
    /// The event bus.
    pub events: Arc<dyn EventPublisher>,
    /// Delays redelivery of failed messages.
    pub retries: Arc<dyn RetryScheduler>,
    /// Where failed messages are recorded for operators, and resolved once they succeed.
    pub failures: Arc<dyn FailureStore>,
}

/// How one message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Done (now or before): delete the message.
    Done(Option<Posted>),
    /// Leave it on the queue; it comes back after `delay`.
    Retry {
        /// Why.
        reason: String,
        /// When it should come back.
        delay: Duration,
    },
    /// It can never succeed; leave it to reach the dead-letter queue.
    Poison(String),
}

/// An outcome, and whether an earlier delivery of the same work may have left a failure record
/// open (then success resolves it).
struct Noted {
    outcome: MessageOutcome,
    may_have_failed_before: bool,
}

/// Time kept in reserve at the end of an invocation: no new message starts inside it.
const DEADLINE_RESERVE: Duration = Duration::from_secs(2);

/// Processes batches of submitted orders.
#[derive(Clone)]
pub struct BatchProcessor {
    ports: Ports,
    poster: Poster,
    policy: RetryPolicy,
    failures: FailureRecorder,
}

impl BatchProcessor {
    /// A processor over `ports`.
    pub fn new(ports: Ports, policy: RetryPolicy) -> Self {
        let poster = Poster {
            orders: ports.orders.clone(),
            erp: ports.erp.clone(),
            events: ports.events.clone(),
        };
        let failures = FailureRecorder::new(
            ports.failures.clone(),
            FLOW,
            "order-processor",
            policy.max_receive_count,
        );
        BatchProcessor {
            ports,
            poster,
            policy,
            failures,
        }
    }

    /// Processes a batch; the response lists the messages to keep on the queue.
    ///
    /// Messages run one after another: the ERP is protected by the event source mapping's
    /// maximum concurrency, not by parallelism inside one invocation.
    pub async fn process(&self, event: SqsEvent, deadline: SystemTime) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in &event.records {
            let Some(id) = message.message_id.clone() else {
                continue;
            };
            let span = switchyard_platform::telemetry::message_span(
                &id,
                message.body.as_deref().unwrap_or_default(),
            );
            if self
                .process_one(message, deadline)
                .instrument(span)
                .await
                .is_err()
            {
                response.batch_item_failures.push(item_failure(&id));
            }
        }
        response
    }

    /// Processes one message of the batch; `Err` leaves it on the queue.
    async fn process_one(&self, message: &SqsMessage, deadline: SystemTime) -> Result<(), ()> {
        let out_of_time = deadline
            .duration_since(SystemTime::now())
            .map(|left| left < DEADLINE_RESERVE)
            .unwrap_or(true);
        let outcome = if out_of_time {
            Noted {
                outcome: MessageOutcome::Retry {
                    reason: "invocation out of time".into(),
                    delay: Duration::ZERO,
                },
                may_have_failed_before: true,
            }
        } else {
            self.process_message_noting(message, deadline).await
        };
        self.note(message, &outcome).await;
        let outcome = outcome.outcome;
        match &outcome {
            MessageOutcome::Done(_) => return Ok(()),
            MessageOutcome::Retry { reason, delay } => {
                tracing::warn!(reason = %reason, delay_s = delay.as_secs(), "will retry");
                if let Some(handle) = &message.receipt_handle
                    && !delay.is_zero()
                    && let Err(e) = self.ports.retries.retry_after(handle, *delay).await
                {
                    tracing::warn!(error = %e, "could not delay the retry");
                }
            }
            MessageOutcome::Poison(reason) => {
                tracing::error!(reason = %reason, "message can never succeed; sending it on to the dead-letter queue");
                // Waiting would not help: let the queue redeliver at once until maxReceiveCount
                // moves it to the DLQ, where an operator sees it within seconds.
                if let Some(handle) = &message.receipt_handle
                    && let Err(e) = self
                        .ports
                        .retries
                        .retry_after(handle, POISON_REDELIVERY)
                        .await
                {
                    tracing::warn!(error = %e, "could not speed up the redelivery");
                }
            }
        }
        Err(())
    }

    /// Records a failed delivery for operators, or resolves the work's open failure once it
    /// is done.
    async fn note(&self, message: &SqsMessage, noted: &Noted) {
        let outcome = &noted.outcome;
        let body = message.body.as_deref().unwrap_or_default();
        let receive_count: u32 = message
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let queue = message.event_source_arn.as_deref().unwrap_or(FLOW);
        let id = message.message_id.as_deref();
        let failures = &self.failures;
        match outcome {
            // A first delivery of an order whose record noted no failure, sent by the intake
            // (not resent by a redrive, an edit or the reconciler), has no failure record to
            // resolve: skip the write (decision 0026).
            MessageOutcome::Done(Some(_)) if !noted.may_have_failed_before => {}
            MessageOutcome::Done(Some(posted)) => {
                failures.succeeded(body, &format!("done: {posted:?}")).await
            }
            MessageOutcome::Done(None) => {
                failures
                    .succeeded(body, "done by an earlier delivery")
                    .await
            }
            MessageOutcome::Retry { reason, .. } => {
                failures
                    .failed(
                        queue,
                        id,
                        body,
                        receive_count,
                        FailureClass::Transient,
                        reason,
                    )
                    .await
            }
            MessageOutcome::Poison(reason) => {
                failures
                    .failed(queue, id, body, receive_count, FailureClass::Poison, reason)
                    .await
            }
        }
    }

    /// Processes one message.
    pub async fn process_message(
        &self,
        message: &SqsMessage,
        deadline: SystemTime,
    ) -> MessageOutcome {
        self.process_message_noting(message, deadline).await.outcome
    }

    /// [`Self::process_message`], saying whether the work may have a failure record open.
    async fn process_message_noting(&self, message: &SqsMessage, deadline: SystemTime) -> Noted {
        let mut first_clean_delivery = false;
        let outcome = self
            .outcome(message, deadline, &mut first_clean_delivery)
            .await;
        Noted {
            outcome,
            may_have_failed_before: !first_clean_delivery,
        }
    }

    async fn outcome(
        &self,
        message: &SqsMessage,
        deadline: SystemTime,
        first_clean_delivery: &mut bool,
    ) -> MessageOutcome {
        let receive_count: u32 = message
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let body = message.body.as_deref().unwrap_or_default();
        if let Ok(request) = Envelope::<ReturnRequested>::parse(body) {
            return match self.poster.post_return(&request.payload).await {
                Ok(_) => MessageOutcome::Done(None),
                Err(PostingError::Transient(reason)) => MessageOutcome::Retry {
                    reason,
                    delay: self.policy.delay(receive_count),
                },
                Err(PostingError::Permanent(reason)) => MessageOutcome::Poison(reason),
            };
        }
        if let Ok(cancellation) = Envelope::<OrderCancellationRequested>::parse(body) {
            return match self.poster.cancel(&cancellation.payload).await {
                Ok(done) => MessageOutcome::Done(Some(done)),
                Err(PostingError::Transient(reason)) => MessageOutcome::Retry {
                    reason,
                    delay: self.policy.delay(receive_count),
                },
                Err(PostingError::Permanent(reason)) => MessageOutcome::Poison(reason),
            };
        }
        let envelope = match Envelope::<OrderSubmitted>::parse(body) {
            Ok(envelope) => envelope,
            Err(e) => return MessageOutcome::Poison(e.to_string()),
        };
        let order = &envelope.payload.order;
        // The lease lives on the order record and the same write reads it back: one request
        // where an idempotency claim and a read were two (decision 0026).
        let owner = ulid::Ulid::new().to_string();
        let now = chrono::Utc::now();
        let record = match self
            .ports
            .orders
            .lease(order.id, &owner, deadline.into(), now)
            .await
        {
            Ok(Leased::Taken(record)) => {
                *first_clean_delivery = receive_count <= 1
                    && !message.message_attributes.contains_key(RESENT_ATTRIBUTE)
                    && record.value.last_error.is_none();
                record
            }
            Ok(Leased::Final(record)) => {
                return match self.poster.finish(record).await {
                    Ok(_) => MessageOutcome::Done(None),
                    Err(PostingError::Transient(reason)) => {
                        self.retry(order, receive_count, reason).await
                    }
                    Err(PostingError::Permanent(reason)) => MessageOutcome::Poison(reason),
                };
            }
            Ok(Leased::Held { until }) => {
                return MessageOutcome::Retry {
                    reason: "another delivery holds the order".into(),
                    delay: (until - now)
                        .to_std()
                        .unwrap_or_default()
                        .max(Duration::from_secs(1)),
                };
            }
            Ok(Leased::Missing) => {
                return MessageOutcome::Poison(format!("no order record for {}", order.id));
            }
            Err(e) => return self.retry(order, receive_count, e.to_string()).await,
        };

        let started = std::time::Instant::now();
        let posting = self.poster.post_leased(order, record).await;
        switchyard_platform::metrics::erp_posting(started.elapsed());
        match posting {
            Ok(posted) => {
                match &posted {
                    Posted::Accepted { .. } | Posted::CancellationNeedsAttention { .. } => {
                        switchyard_platform::metrics::order_accepted(order.channel.as_str())
                    }
                    Posted::Rejected { .. } => {
                        switchyard_platform::metrics::order_rejected(order.channel.as_str())
                    }
                    _ => {}
                }
                // Saving the final status ended the lease; a redelivery finds the order final.
                MessageOutcome::Done(Some(posted))
            }
            Err(failure) => {
                if let Err(e) = self.ports.orders.release_lease(order.id, &owner).await {
                    tracing::warn!(order_id = %order.id, error = %e, "could not give up the lease; it ends with the invocation");
                }
                match failure {
                    PostingError::Transient(reason) => {
                        self.retry(order, receive_count, reason).await
                    }
                    PostingError::Permanent(reason) => MessageOutcome::Poison(reason),
                }
            }
        }
    }

    async fn retry(
        &self,
        order: &switchyard_model::Order,
        receive_count: u32,
        reason: String,
    ) -> MessageOutcome {
        let note = if self.policy.is_last_attempt(receive_count) {
            format!(
                "{reason} (delivery {receive_count} of {}: moving to the dead-letter queue)",
                self.policy.max_receive_count
            )
        } else {
            format!(
                "{reason} (delivery {receive_count} of {})",
                self.policy.max_receive_count
            )
        };
        self.poster.note_failure(order, &note).await;
        MessageOutcome::Retry {
            reason,
            delay: self.policy.delay(receive_count),
        }
    }
}
