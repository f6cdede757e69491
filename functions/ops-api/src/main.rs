//! Lambda entry point: the ops API over the orders, ops, channels and catalog tables and SQS.

use std::sync::Arc;

use lambda_runtime::Error;
use ops_api::{OpsApi, OpsToken};
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_failures::{DynamoDbAuditLog, DynamoDbFailureStore};
use switchyard_operations::dlq::OpsPorts;
use switchyard_operations::health::{Health, SqsQueues};
use switchyard_orders::DynamoDbOrderStore;
use switchyard_platform::aws::{load_config, setting};
use switchyard_projections::DynamoDbProjectionStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let ops_table = setting("SWITCHYARD_OPS_TABLE")?;
    let failures = Arc::new(DynamoDbFailureStore::new(dynamodb.clone(), &ops_table));
    let ports = OpsPorts {
        failures: failures.clone(),
        audit: Arc::new(DynamoDbAuditLog::new(dynamodb.clone(), &ops_table)),
    };
    let health = Health {
        orders: Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_ORDERS_TABLE")?,
        )),
        failures,
        channels: Arc::new(DynamoDbChannelDirectory::new(
            dynamodb.clone(),
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        catalog: Arc::new(DynamoDbProjectionStore::new(
            dynamodb,
            setting("SWITCHYARD_CATALOG_TABLE")?,
        )),
        queues: Arc::new(SqsQueues::new(
            aws_sdk_sqs::Client::new(&config),
            ports,
            std::env::var("SWITCHYARD_PREFIX").ok(),
        )),
    };
    let token = OpsToken::from_env("SWITCHYARD_OPS_TOKEN");
    switchyard_intake::lambda::serve_http(OpsApi::new(health, token)).await
}
