//! Lambda entry point: wires the AWS adapters and starts the runtime.

use std::sync::Arc;
use std::time::Duration;

use amazon_notifications::consumer::Ports;
use amazon_notifications::{Consumer, SpApiSellers};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_failures::FailureRecorder;
use switchyard_orders::{RetryPolicy, SqsQueue};
use switchyard_platform::aws::{load_config, setting, setting_or};
use switchyard_secrets::SsmSecretStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let ports = Ports {
        channels: Arc::new(
            DynamoDbChannelDirectory::new(
                aws_sdk_dynamodb::Client::new(&config),
                setting("SWITCHYARD_CHANNELS_TABLE")?,
            )
            .with_channel_cache_from_env(),
        ),
        sellers: Arc::new(SpApiSellers::new(Arc::new(SsmSecretStore::new(
            aws_sdk_ssm::Client::new(&config),
        )))),
        intake: switchyard_intake::aws::intake(&config)?,
        retries: Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL")?,
        )),
        failures: FailureRecorder::from_environment(
            aws_sdk_dynamodb::Client::new(&config),
            amazon_notifications::consumer::FLOW,
            "amazon-notifications",
        )?,
    };
    let policy = RetryPolicy {
        base: Duration::from_secs(setting_or("SWITCHYARD_RETRY_BASE_SECONDS", 10)?),
        max: Duration::from_secs(setting_or("SWITCHYARD_RETRY_MAX_SECONDS", 900)?),
        max_receive_count: setting_or("SWITCHYARD_MAX_RECEIVE_COUNT", 10)?,
    };
    let consumer = Consumer::new(ports, policy);
    switchyard_platform::lambda::run(|event: LambdaEvent<SqsEvent>| {
        let consumer = consumer.clone();
        async move { Ok::<SqsBatchResponse, Error>(consumer.process(event.payload).await) }
    })
    .await
}
