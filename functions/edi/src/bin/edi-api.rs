//! Lambda entry point of `edi-api`.

use std::sync::Arc;

use edi::{EdiApi, Ports};
use lambda_runtime::Error;
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_edi_outbox::DynamoDbEdiStore;
use switchyard_platform::aws::{load_config, setting};
use switchyard_quarantine::SqsQuarantine;
use switchyard_throttle::DynamoDbRateLimiter;

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let ports = Ports {
        channels: Arc::new(
            DynamoDbChannelDirectory::new(dynamodb.clone(), setting("SWITCHYARD_CHANNELS_TABLE")?)
                .with_channel_cache_from_env(),
        ),
        intake: switchyard_intake::aws::intake(&config)?,
        edi: Arc::new(DynamoDbEdiStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_EDI_TABLE")?,
        )),
        limiter: Arc::new(DynamoDbRateLimiter::new(
            dynamodb,
            setting("SWITCHYARD_IDEMPOTENCY_TABLE")?,
        )),
        quarantine: Arc::new(SqsQuarantine::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_QUARANTINE_QUEUE_URL")?,
        )),
    };
    let api = EdiApi::new(ports);
    switchyard_intake::lambda::serve_http(api).await
}
