//! The orders queue: submitting work, and scheduling a retry of a received message.

use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use switchyard_model::envelope::Envelope;
use switchyard_model::envelope::Message;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};

use crate::ServiceError;

/// Sends work for the ERP to the queue the order processor reads.
#[async_trait::async_trait]
pub trait OrderQueue: Send + Sync {
    /// Enqueues one submitted order.
    async fn submit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError>;
    /// Enqueues a channel's cancellation of an order. It goes through the same queue as the
    /// order, so the ERP sees both at the pace it can take.
    async fn cancel(
        &self,
        envelope: &Envelope<OrderCancellationRequested>,
    ) -> Result<(), ServiceError>;
}

/// Delays the next delivery of a message that failed for a transient reason.
#[async_trait::async_trait]
pub trait RetryScheduler: Send + Sync {
    /// Makes the message with `receipt_handle` visible again after `delay`.
    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<(), ServiceError>;
}

/// An SQS queue.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
}

impl SqsQueue {
    /// The queue at `queue_url`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .expect("attribute is complete")
}

impl SqsQueue {
    async fn send<T: Message>(&self, envelope: &Envelope<T>) -> Result<(), ServiceError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(serde_json::to_string(envelope).expect("envelopes serialise"))
            .message_attributes("type", attribute(&envelope.kind))
            .message_attributes("channel", attribute(&envelope.channel))
            .message_attributes("correlation_id", attribute(&envelope.correlation_id))
            .send()
            .await
            .map_err(|e| ServiceError::new("sqs", DisplayErrorContext(e)))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl OrderQueue for SqsQueue {
    async fn submit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError> {
        self.send(envelope).await
    }

    async fn cancel(
        &self,
        envelope: &Envelope<OrderCancellationRequested>,
    ) -> Result<(), ServiceError> {
        self.send(envelope).await
    }
}

#[async_trait::async_trait]
impl RetryScheduler for SqsQueue {
    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<(), ServiceError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(delay.as_secs().min(43_200) as i32)
            .send()
            .await
            .map_err(|e| ServiceError::new("sqs", DisplayErrorContext(e)))?;
        Ok(())
    }
}

/// A queue in memory that records what was sent and what was rescheduled.
#[derive(Debug, Default)]
pub struct InMemoryQueue {
    /// Envelopes submitted, in order.
    pub submitted: Mutex<Vec<Envelope<OrderSubmitted>>>,
    /// Cancellations requested, in order.
    pub cancellations: Mutex<Vec<Envelope<OrderCancellationRequested>>>,
    /// (receipt handle, delay) pairs.
    pub retries: Mutex<Vec<(String, Duration)>>,
    /// When true, every call fails as if SQS were down.
    pub failing: std::sync::atomic::AtomicBool,
}

impl InMemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn check(&self) -> Result<(), ServiceError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            Err(ServiceError::new("sqs", "simulated outage"))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl OrderQueue for InMemoryQueue {
    async fn submit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError> {
        self.check()?;
        self.submitted.lock().unwrap().push(envelope.clone());
        Ok(())
    }

    async fn cancel(
        &self,
        envelope: &Envelope<OrderCancellationRequested>,
    ) -> Result<(), ServiceError> {
        self.check()?;
        self.cancellations.lock().unwrap().push(envelope.clone());
        Ok(())
    }
}

#[async_trait::async_trait]
impl RetryScheduler for InMemoryQueue {
    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<(), ServiceError> {
        self.check()?;
        self.retries
            .lock()
            .unwrap()
            .push((receipt_handle.to_string(), delay));
        Ok(())
    }
}
