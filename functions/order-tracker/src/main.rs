//! Lambda entry point: the tracker over the order and channel tables and the bus.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use order_tracker::Tracker;
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_events::EventBridgePublisher;
use switchyard_failures::{DynamoDbFailureStore, FailureRecorder};
use switchyard_orders::DynamoDbOrderStore;
use switchyard_platform::aws::{load_config, setting, setting_or};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let tracker = Tracker::new(
        Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_ORDERS_TABLE")?,
        )),
        Arc::new(DynamoDbChannelDirectory::new(
            dynamodb,
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&config),
            setting("SWITCHYARD_EVENT_BUS")?,
        )),
        FailureRecorder::new(
            Arc::new(DynamoDbFailureStore::new(
                aws_sdk_dynamodb::Client::new(&config),
                setting("SWITCHYARD_OPS_TABLE")?,
            )),
            order_tracker::FLOW,
            "order-tracker",
            setting_or("SWITCHYARD_MAX_RECEIVE_COUNT", 10)?,
        ),
    );
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let tracker = tracker.clone();
        async move { Ok::<SqsBatchResponse, Error>(tracker.process(event.payload).await) }
    }))
    .await
}
