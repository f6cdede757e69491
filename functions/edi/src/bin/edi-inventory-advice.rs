//! Lambda entry point of `edi-inventory-advice`, invoked by a schedule.

use std::sync::Arc;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use edi::inventory_advice::{InventoryAdviser, handle};
use lambda_runtime::{Error, LambdaEvent};
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_edi_outbox::DynamoDbEdiStore;
use switchyard_platform::aws::{load_config, setting};
use switchyard_projections::DynamoDbProjectionStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let adviser = InventoryAdviser::new(
        Arc::new(DynamoDbChannelDirectory::new(
            dynamodb.clone(),
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        Arc::new(DynamoDbEdiStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_EDI_TABLE")?,
        )),
        Arc::new(DynamoDbProjectionStore::new(
            dynamodb,
            setting("SWITCHYARD_CATALOG_TABLE")?,
        )),
    );
    switchyard_platform::lambda::run(|event: LambdaEvent<EventBridgeEvent>| {
        let adviser = adviser.clone();
        async move {
            handle(&adviser, &event.payload, chrono::Utc::now())
                .await
                .map_err(Error::from)
        }
    })
    .await
}
