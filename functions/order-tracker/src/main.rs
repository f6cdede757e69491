//! Lambda entry point: the tracker over the order and channel tables and the bus.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use order_tracker::Tracker;
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_events::EventBridgePublisher;
use switchyard_failures::FailureRecorder;
use switchyard_orders::DynamoDbOrderStore;
use switchyard_platform::aws::{load_config, setting};

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
        FailureRecorder::from_environment(
            aws_sdk_dynamodb::Client::new(&config),
            order_tracker::FLOW,
            "order-tracker",
        )?,
    );
    switchyard_platform::lambda::run(|event: LambdaEvent<SqsEvent>| {
        let tracker = tracker.clone();
        async move { Ok::<SqsBatchResponse, Error>(tracker.process(event.payload).await) }
    })
    .await
}
