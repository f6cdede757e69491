//! The orders queue on SQS.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use switchyard_model::envelope::{Envelope, Message, RESENT_ATTRIBUTE};
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::returns::ReturnRequested;
use switchyard_platform::ServiceError;

use crate::{OrderQueue, RetryScheduler};

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
    async fn send<T: Message>(
        &self,
        envelope: &Envelope<T>,
        resent: bool,
    ) -> Result<(), ServiceError> {
        let mut send = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(serde_json::to_string(envelope).expect("envelopes serialise"))
            .message_attributes("type", attribute(&envelope.kind))
            .message_attributes("channel", attribute(&envelope.channel))
            .message_attributes("correlation_id", attribute(&envelope.correlation_id));
        if resent {
            send = send.message_attributes(RESENT_ATTRIBUTE, attribute("reconciler"));
        }
        send.send()
            .await
            .map_err(|e| ServiceError::new("sqs", DisplayErrorContext(e)))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl OrderQueue for SqsQueue {
    async fn submit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError> {
        self.send(envelope, false).await
    }

    async fn resubmit(&self, envelope: &Envelope<OrderSubmitted>) -> Result<(), ServiceError> {
        self.send(envelope, true).await
    }

    async fn cancel(
        &self,
        envelope: &Envelope<OrderCancellationRequested>,
    ) -> Result<(), ServiceError> {
        self.send(envelope, false).await
    }

    async fn request_return(
        &self,
        envelope: &Envelope<ReturnRequested>,
    ) -> Result<(), ServiceError> {
        self.send(envelope, false).await
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
