//! The orders queue: submitting work, and scheduling a retry of a received message.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::returns::ReturnRequested;
use switchyard_platform::ServiceError;

/// Sends work for the ERP to the queue the order processor reads.
#[async_trait::async_trait]
pub trait OrderQueue: Send + Sync {
    /// Enqueues one submitted order.
    async fn submit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError>;
    /// Enqueues an order again (the reconciler's repair), marked as resent
    /// ([`RESENT_ATTRIBUTE`](switchyard_model::envelope::RESENT_ATTRIBUTE)) so its consumer
    /// resolves a failure an earlier delivery may have left open.
    async fn resubmit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError>;
    /// Enqueues a channel's cancellation of an order. It goes through the same queue as the
    /// order, so the ERP sees both at the pace it can take.
    async fn cancel(
        &self,
        envelope: &Envelope<OrderCancellationRequested>,
    ) -> Result<(), ServiceError>;
    /// Enqueues a channel's return request, for the ERP at the same pace.
    async fn request_return(
        &self,
        envelope: &Envelope<ReturnRequested>,
    ) -> Result<(), ServiceError>;
}

/// Delays the next delivery of a message that failed for a transient reason.
#[async_trait::async_trait]
pub trait RetryScheduler: Send + Sync {
    /// Makes the message with `receipt_handle` visible again after `delay`.
    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<(), ServiceError>;
}

/// A queue in memory with SQS's delivery rules: a received message is hidden for the
/// visibility timeout and names itself by a receipt handle, which is what a retry reschedules.
/// It also records what was sent and rescheduled, for assertions.
#[derive(Debug, Default)]
pub struct InMemoryQueue {
    /// Envelopes submitted, in order (resubmitted ones too).
    pub submitted: Mutex<Vec<Envelope<OrderSubmitted>>>,
    /// Cancellations requested, in order.
    pub cancellations: Mutex<Vec<Envelope<OrderCancellationRequested>>>,
    /// Returns requested, in order.
    pub returns: Mutex<Vec<Envelope<ReturnRequested>>>,
    /// (receipt handle, delay) of every successful reschedule.
    pub retries: Mutex<Vec<(String, Duration)>>,
    /// When true, every call fails as if SQS were down.
    pub failing: std::sync::atomic::AtomicBool,
    messages: Mutex<Vec<QueuedMessage>>,
}

#[derive(Debug)]
struct QueuedMessage {
    body: String,
    resent: bool,
    visible_at: Instant,
    receipt_handle: Option<String>,
}

/// How long a received message stays hidden (SQS's default visibility timeout).
const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// A message handed to a consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Names this delivery; a retry or a delete needs it.
    pub receipt_handle: String,
    /// The body, as sent.
    pub body: String,
    /// Whether it was sent again rather than by its first producer.
    pub resent: bool,
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

    fn enqueue(&self, body: String, resent: bool) {
        self.messages.lock().unwrap().push(QueuedMessage {
            body,
            resent,
            visible_at: Instant::now(),
            receipt_handle: None,
        });
    }

    /// Receives every visible message, hiding each for the visibility timeout, as the event
    /// source mapping does before it invokes a consumer.
    pub fn receive_visible(&self) -> Vec<Delivery> {
        let now = Instant::now();
        let mut messages = self.messages.lock().unwrap();
        messages
            .iter_mut()
            .filter(|m| m.visible_at <= now)
            .map(|m| {
                let handle = format!("rh-{}", ulid::Ulid::new());
                m.receipt_handle = Some(handle.clone());
                m.visible_at = now + VISIBILITY_TIMEOUT;
                Delivery {
                    receipt_handle: handle,
                    body: m.body.clone(),
                    resent: m.resent,
                }
            })
            .collect()
    }

    /// Puts `body` on the queue and receives it at once: a message as a consumer's batch holds it.
    pub fn deliver(&self, body: impl Into<String>) -> Delivery {
        let body = body.into();
        let now = Instant::now();
        let handle = format!("rh-{}", ulid::Ulid::new());
        self.messages.lock().unwrap().push(QueuedMessage {
            body: body.clone(),
            resent: false,
            visible_at: now + VISIBILITY_TIMEOUT,
            receipt_handle: Some(handle.clone()),
        });
        Delivery {
            receipt_handle: handle,
            body,
            resent: false,
        }
    }
}

#[async_trait::async_trait]
impl OrderQueue for InMemoryQueue {
    async fn submit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError> {
        self.check()?;
        self.enqueue(
            serde_json::to_string(envelope).expect("envelopes serialise"),
            false,
        );
        self.submitted.lock().unwrap().push(envelope.clone());
        Ok(())
    }

    async fn resubmit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError> {
        self.check()?;
        self.enqueue(
            serde_json::to_string(envelope).expect("envelopes serialise"),
            true,
        );
        self.submitted.lock().unwrap().push(envelope.clone());
        Ok(())
    }

    async fn cancel(
        &self,
        envelope: &Envelope<OrderCancellationRequested>,
    ) -> Result<(), ServiceError> {
        self.check()?;
        self.enqueue(
            serde_json::to_string(envelope).expect("envelopes serialise"),
            false,
        );
        self.cancellations.lock().unwrap().push(envelope.clone());
        Ok(())
    }

    async fn request_return(
        &self,
        envelope: &Envelope<ReturnRequested>,
    ) -> Result<(), ServiceError> {
        self.check()?;
        self.enqueue(
            serde_json::to_string(envelope).expect("envelopes serialise"),
            false,
        );
        self.returns.lock().unwrap().push(envelope.clone());
        Ok(())
    }
}

#[async_trait::async_trait]
impl RetryScheduler for InMemoryQueue {
    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<(), ServiceError> {
        self.check()?;
        let mut messages = self.messages.lock().unwrap();
        let Some(message) = messages
            .iter_mut()
            .find(|m| m.receipt_handle.as_deref() == Some(receipt_handle))
        else {
            return Err(ServiceError::new(
                "sqs",
                format!("ReceiptHandleIsInvalid: {receipt_handle} names no received message"),
            ));
        };
        // SQS caps a visibility timeout at 12 hours.
        message.visible_at = Instant::now() + delay.min(Duration::from_secs(43_200));
        self.retries
            .lock()
            .unwrap()
            .push((receipt_handle.to_string(), delay));
        Ok(())
    }
}
