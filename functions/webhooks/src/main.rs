//! Lambda entry point: wires the AWS adapters into the handler and starts the runtime.

use std::sync::Arc;

use lambda_runtime::Error;
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_platform::aws::{load_config, setting};
use switchyard_quarantine::SqsQuarantine;
use switchyard_secrets::SsmSecretStore;
use webhooks::{Ports, Settings, WebhooksApi};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let ports = Ports {
        // Not cached: the record holds the signing secrets' grace periods, and retiring a
        // leaked secret must take effect at once (decision 0026).
        channels: Arc::new(DynamoDbChannelDirectory::new(
            aws_sdk_dynamodb::Client::new(&config),
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        secrets: Arc::new(SsmSecretStore::new(aws_sdk_ssm::Client::new(&config))),
        intake: switchyard_intake::aws::intake(&config)?,
        quarantine: Arc::new(SqsQuarantine::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_QUARANTINE_QUEUE_URL")?,
        )),
    };
    let settings = Settings {
        public_base_url: std::env::var("SWITCHYARD_PUBLIC_BASE_URL").ok(),
        ..Settings::default()
    };
    switchyard_intake::lambda::serve_http(WebhooksApi::new(ports, settings)).await
}
