//! Lambda entry point: the projector over the catalog table.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use catalog_projector::Projector;
use lambda_runtime::{Error, LambdaEvent};
use switchyard_failures::FailureRecorder;
use switchyard_platform::aws::{load_config, setting};
use switchyard_projections::DynamoDbProjectionStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let projector = Projector::new(
        Arc::new(DynamoDbProjectionStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_CATALOG_TABLE")?,
        )),
        FailureRecorder::from_environment(dynamodb, catalog_projector::FLOW, "catalog-projector")?,
    );
    switchyard_platform::lambda::run(|event: LambdaEvent<SqsEvent>| {
        let projector = projector.clone();
        async move { Ok::<SqsBatchResponse, Error>(projector.process(event.payload).await) }
    })
    .await
}
