//! Lambda entry point: wires the AWS adapters into the handler and starts the runtime.

use std::sync::Arc;

use lambda_runtime::Error;
use orders_api::{OrdersApi, Ports, Settings};
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_platform::aws::{load_config, setting};
use switchyard_projections::DynamoDbProjectionStore;
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
        limiter: Arc::new(DynamoDbRateLimiter::new(
            dynamodb.clone(),
            setting("SWITCHYARD_IDEMPOTENCY_TABLE")?,
        )),
        projections: Arc::new(DynamoDbProjectionStore::new(
            dynamodb,
            setting("SWITCHYARD_CATALOG_TABLE")?,
        )),
    };
    let settings = Settings {
        public_base_url: std::env::var("SWITCHYARD_PUBLIC_BASE_URL").ok(),
        ..Settings::default()
    };
    switchyard_intake::lambda::serve_http(OrdersApi::new(ports, settings)).await
}
