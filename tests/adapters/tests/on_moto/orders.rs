//! The order store contract on DynamoDB and the orders queue contract on SQS.

use std::sync::Arc;
use std::time::Duration;

use switchyard_adapter_tests::moto::{create_orders_table, create_queue, moto_config};
use switchyard_model::envelope::RESENT_ATTRIBUTE;
use switchyard_orders::contract::{QueueConsumer, QueueUnderTest, Received};
use switchyard_orders::{DynamoDbOrderStore, SqsQueue};

mod order_store {
    switchyard_orders::order_store_contract_tests!({
        let config = super::moto_config().await;
        let (client, table) = super::create_orders_table(&config).await;
        super::DynamoDbOrderStore::new(client, table)
    });
}

mod order_queue {
    switchyard_orders::order_queue_contract_tests!(super::sqs_queue().await);
}

/// The consumer's side of an SQS queue, as the event source mapping reads it.
struct SqsConsumer {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

#[async_trait::async_trait]
impl QueueConsumer for SqsConsumer {
    async fn receive(&self, wait: Duration) -> Vec<Received> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive from moto");
        out.messages()
            .iter()
            .map(|m| Received {
                receipt_handle: m.receipt_handle().unwrap_or_default().to_string(),
                body: m.body().unwrap_or_default().to_string(),
                resent: m
                    .message_attributes()
                    .is_some_and(|a| a.contains_key(RESENT_ATTRIBUTE)),
            })
            .collect()
    }
}

async fn sqs_queue() -> QueueUnderTest {
    let config = moto_config().await;
    let (client, queue_url) = create_queue(&config, "orders").await;
    let queue = Arc::new(SqsQueue::new(client.clone(), queue_url.clone()));
    QueueUnderTest {
        queue: queue.clone(),
        retries: queue,
        consumer: Arc::new(SqsConsumer { client, queue_url }),
    }
}
