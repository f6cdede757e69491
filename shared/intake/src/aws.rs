//! The intake path wired to its AWS adapters, from the functions' environment.

use std::sync::Arc;

use aws_config::SdkConfig;
use switchyard_idempotency::DynamoDbIdempotencyStore;
use switchyard_orders::DynamoDbOrderStore;
use switchyard_orders::SqsQueue;
use switchyard_platform::aws::setting;

use crate::capture::Intake;

/// Intake over `SWITCHYARD_ORDERS_TABLE`, `SWITCHYARD_IDEMPOTENCY_TABLE` and
/// `SWITCHYARD_ORDERS_QUEUE_URL`.
pub fn intake(config: &SdkConfig) -> anyhow::Result<Intake> {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    Ok(Intake::new(
        Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_ORDERS_TABLE")?,
        )),
        Arc::new(DynamoDbIdempotencyStore::new(
            dynamodb,
            setting("SWITCHYARD_IDEMPOTENCY_TABLE")?,
        )),
        Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(config),
            setting("SWITCHYARD_ORDERS_QUEUE_URL")?,
        )),
    ))
}
