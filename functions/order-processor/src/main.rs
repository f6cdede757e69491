//! Lambda entry point: wires the AWS and Tryton adapters into the batch processor.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use order_processor::{BatchProcessor, Ports, RetryPolicy};
use switchyard_erp::{TrytonClient, TrytonConfig};
use switchyard_events::EventBridgePublisher;
use switchyard_failures::DynamoDbFailureStore;
use switchyard_orders::DynamoDbOrderStore;
use switchyard_orders::SqsQueue;
use switchyard_platform::aws::{load_config, setting, setting_or};
use switchyard_secrets::{SsmSecretStore, secret_setting};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let secrets = SsmSecretStore::new(aws_sdk_ssm::Client::new(&config));
    let erp = TrytonConfig::from_env_with_password(
        secret_setting(&secrets, "SWITCHYARD_ERP_PASSWORD").await?,
    )?;
    let ports = Ports {
        orders: Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_ORDERS_TABLE")?,
        )),
        erp: Arc::new(TrytonClient::new(erp)),
        events: Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&config),
            setting("SWITCHYARD_EVENT_BUS")?,
        )),
        retries: Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_ORDERS_QUEUE_URL")?,
        )),
        failures: Arc::new(DynamoDbFailureStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            setting("SWITCHYARD_OPS_TABLE")?,
        )),
    };
    let policy = RetryPolicy {
        base: Duration::from_secs(setting_or("SWITCHYARD_RETRY_BASE_SECONDS", 10)?),
        max: Duration::from_secs(setting_or("SWITCHYARD_RETRY_MAX_SECONDS", 900)?),
        max_receive_count: setting_or("SWITCHYARD_MAX_RECEIVE_COUNT", 10)?,
    };
    let processor = BatchProcessor::new(ports, policy);
    switchyard_platform::lambda::run(|event: LambdaEvent<SqsEvent>| {
        let processor = processor.clone();
        async move {
            let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
            Ok::<SqsBatchResponse, Error>(processor.process(event.payload, deadline).await)
        }
    })
    .await
}
