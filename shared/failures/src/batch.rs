//! Handling an SQS batch one message at a time, with failure records, metrics and a log span
//! per message. The consumers whose messages are independent (`order-tracker`,
//! `catalog-projector`, `edi-acknowledger`) call [`each_message`]; the ones that coalesce or
//! reschedule (the processor, the pushers, Amazon notifications) use [`Received`] and the
//! [`FailureRecorder`] directly.

use std::fmt::{Debug, Display};
use std::future::Future;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use switchyard_model::envelope::RESENT_ATTRIBUTE;
use tracing::Instrument;

use crate::{FailureClass, FailureRecorder};

/// One SQS message as a consumer handles it.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// The SQS message id (what a batch item failure names).
    pub message_id: &'a str,
    /// The body.
    pub body: &'a str,
    /// Its receipt handle, for consumers that change its visibility.
    pub receipt_handle: Option<&'a str>,
    /// How many times it was received, this time included.
    pub receive_count: u32,
    /// The queue (its ARN), or the consumer's flow when the event does not say.
    pub queue: &'a str,
    /// Sent again by a DLQ redrive, a DLQ edit or the reconciler (it carries
    /// [`RESENT_ATTRIBUTE`]), rather than by the work's producer.
    pub resent: bool,
}

impl<'a> Received<'a> {
    /// Reads `message`; `None` for a record without a message id (nothing could name it).
    pub fn of(message: &'a SqsMessage, flow: &'a str) -> Option<Self> {
        Some(Self {
            message_id: message.message_id.as_deref()?,
            body: message.body.as_deref().unwrap_or(""),
            receipt_handle: message.receipt_handle.as_deref(),
            receive_count: message
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1),
            queue: message.event_source_arn.as_deref().unwrap_or(flow),
            resent: message.message_attributes.contains_key(RESENT_ATTRIBUTE),
        })
    }

    /// Whether an earlier attempt at this message's work may have failed, and so left a failure
    /// record open: a redelivery, or a message sent again. A first delivery from the producer
    /// has none to resolve, and skips the read that would look (decision 0026).
    pub fn may_have_failed_before(&self) -> bool {
        self.receive_count > 1 || self.resent
    }

    /// The span to handle it in (see `switchyard_platform::telemetry::message_span`).
    pub fn span(&self) -> tracing::Span {
        switchyard_platform::telemetry::message_span(self.message_id, self.body)
    }
}

/// What a consumer's error says about the failure.
pub trait Classify: Display {
    /// Its class.
    fn class(&self) -> FailureClass;
}

/// A batch item failure naming `message_id`.
pub fn item_failure(message_id: &str) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = message_id.to_string();
    failure
}

/// Handles each message of `event` with `handle` (its body in, a result out), inside its span:
/// a success resolves the work's open failure record (saying what happened) when it may have
/// one ([`Received::may_have_failed_before`]), a failure is
/// recorded under its business key and left on the queue for another attempt (and, in the
/// end, its DLQ).
pub async fn each_message<F, Fut, T, E>(
    event: SqsEvent,
    recorder: &FailureRecorder,
    handle: F,
) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    T: Debug,
    E: Classify,
{
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        let Some(received) = Received::of(message, recorder.flow()) else {
            continue;
        };
        let span = received.span();
        async {
            match handle(received.body.to_string()).await {
                Ok(outcome) => {
                    tracing::info!(?outcome, "handled");
                    recorder
                        .succeeded_on(&received, &format!("handled: {outcome:?}"))
                        .await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, class = e.class().as_str(), "not handled; left on the queue");
                    recorder.failed_message(&received, e.class(), &e.to_string()).await;
                    response
                        .batch_item_failures
                        .push(item_failure(received.message_id));
                }
            }
        }
        .instrument(span)
        .await;
    }
    response
}
