//! The quarantine contract on SQS: each case sends through `SqsQuarantine` to its own queue and
//! reads what was kept back from that queue.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use switchyard_platform::ServiceError;
use switchyard_quarantine::contract::KeptDeliveries;
use switchyard_quarantine::{MAX_MESSAGE_BYTES, Quarantine, QuarantinedDelivery, SqsQuarantine};

/// `SqsQuarantine` on a fresh queue, with the deliveries read back from it so far.
struct OnQueue {
    quarantine: SqsQuarantine,
    sqs: aws_sdk_sqs::Client,
    url: String,
    received: Mutex<Vec<QuarantinedDelivery>>,
}

impl OnQueue {
    async fn new() -> Self {
        let config = switchyard_adapter_tests::moto::moto_config().await;
        let sqs = aws_sdk_sqs::Client::new(&config);
        // moto's queues (like SQS queues made since 2025) take 1 MiB; the production queue
        // takes the AWS provider's default, 256 KiB, and the contract holds to that.
        let url = sqs
            .create_queue()
            .queue_name(switchyard_adapter_tests::unique_name("quarantine"))
            .attributes(
                QueueAttributeName::MaximumMessageSize,
                MAX_MESSAGE_BYTES.to_string(),
            )
            .send()
            .await
            .expect("create a test queue on moto")
            .queue_url
            .expect("a new queue has a URL");
        OnQueue {
            quarantine: SqsQuarantine::new(sqs.clone(), &url),
            sqs,
            url,
            received: Mutex::default(),
        }
    }
}

#[async_trait::async_trait]
impl Quarantine for OnQueue {
    async fn keep(&self, delivery: &QuarantinedDelivery) -> Result<(), ServiceError> {
        self.quarantine.keep(delivery).await
    }
}

#[async_trait::async_trait]
impl KeptDeliveries for OnQueue {
    /// Receives (and deletes) until a long poll finds the queue empty, so a message still on its
    /// way is waited for, but never past the deadline.
    async fn kept(&self) -> Vec<QuarantinedDelivery> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive from the quarantine queue");
            if out.messages().is_empty() {
                break;
            }
            for message in out.messages() {
                let kept = serde_json::from_str(message.body().expect("a message has a body"))
                    .expect("a kept message is a delivery");
                self.received.lock().unwrap().push(kept);
                self.sqs
                    .delete_message()
                    .queue_url(&self.url)
                    .receipt_handle(message.receipt_handle().expect("a received message"))
                    .send()
                    .await
                    .expect("delete a read message");
            }
        }
        self.received.lock().unwrap().clone()
    }
}

switchyard_quarantine::quarantine_contract_tests!(OnQueue::new().await);
