//! The quarantine as an SQS queue.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use switchyard_platform::ServiceError;

use crate::{Quarantine, QuarantinedDelivery};

/// The quarantine as an SQS queue.
#[derive(Debug, Clone)]
pub struct SqsQuarantine {
    client: Client,
    queue_url: String,
}

impl SqsQuarantine {
    /// The quarantine queue at `queue_url`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

#[async_trait::async_trait]
impl Quarantine for SqsQuarantine {
    async fn keep(&self, delivery: &QuarantinedDelivery) -> Result<(), ServiceError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(serde_json::to_string(delivery).expect("deliveries serialise"))
            .send()
            .await
            .map_err(|e| ServiceError::new("sqs", DisplayErrorContext(e)))?;
        Ok(())
    }
}
