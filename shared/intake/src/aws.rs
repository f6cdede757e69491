//! The intake path wired to its AWS adapters, from the functions' environment.

use std::sync::Arc;

use aws_config::SdkConfig;
use switchyard_idempotency::DynamoDbIdempotencyStore;
use switchyard_orders::DynamoDbOrderStore;
use switchyard_orders::SqsQueue;
use switchyard_platform::aws::setting;

use crate::capture::Intake;
use crate::one_write::DynamoDbOneWriteCapture;

/// Intake over `SWITCHYARD_ORDERS_TABLE`, `SWITCHYARD_IDEMPOTENCY_TABLE` and
/// `SWITCHYARD_ORDERS_QUEUE_URL`.
/// A new order and its key's result are one DynamoDB transaction (decision 0026).
pub fn intake(config: &SdkConfig) -> anyhow::Result<Intake> {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let orders = DynamoDbOrderStore::new(dynamodb.clone(), setting("SWITCHYARD_ORDERS_TABLE")?);
    let idempotency =
        DynamoDbIdempotencyStore::new(dynamodb.clone(), setting("SWITCHYARD_IDEMPOTENCY_TABLE")?);
    let one_write = DynamoDbOneWriteCapture::new(dynamodb, orders.clone(), idempotency.clone());
    Ok(Intake::new(
        Arc::new(orders),
        Arc::new(idempotency),
        Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(config),
            setting("SWITCHYARD_ORDERS_QUEUE_URL")?,
        )),
    )
    .with_one_write(Arc::new(one_write)))
}
