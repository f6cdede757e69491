//! Lambda entry point: wires the AWS adapters into the handler and starts the runtime.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use orders_api::apigw::{request_from_event, response_to_event};
use orders_api::{OrdersApi, Ports, Settings};
use switchyard_idempotency::DynamoDbIdempotencyStore;
use switchyard_platform::aws::{load_config, setting};
use switchyard_platform::channels::DynamoDbChannelDirectory;
use switchyard_platform::orders::DynamoDbOrderStore;
use switchyard_platform::queue::SqsQueue;

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let ports = Ports {
        channels: Arc::new(DynamoDbChannelDirectory::new(
            dynamodb.clone(),
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        orders: Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_ORDERS_TABLE")?,
        )),
        idempotency: Arc::new(DynamoDbIdempotencyStore::new(
            dynamodb,
            setting("SWITCHYARD_IDEMPOTENCY_TABLE")?,
        )),
        queue: Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_ORDERS_QUEUE_URL")?,
        )),
    };
    let settings = Settings {
        public_base_url: std::env::var("SWITCHYARD_PUBLIC_BASE_URL").ok(),
        ..Settings::default()
    };
    let api = OrdersApi::new(ports, settings);
    lambda_runtime::run(service_fn(|event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let api = api.clone();
        async move {
            let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
            let response = api
                .handle(&request_from_event(&event.payload), deadline)
                .await;
            Ok::<ApiGatewayV2httpResponse, Error>(response_to_event(response))
        }
    }))
    .await
}
