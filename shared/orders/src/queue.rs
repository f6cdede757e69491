//! The orders queue: submitting work, and scheduling a retry of a received message.

use std::sync::Mutex;
use std::time::Duration;

use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_platform::ServiceError;

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
