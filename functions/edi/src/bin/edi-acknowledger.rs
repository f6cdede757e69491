//! Lambda entry point of `edi-acknowledger`.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use edi::acknowledger::Acknowledger;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use switchyard_edi_outbox::DynamoDbEdiStore;
use switchyard_platform::aws::{load_config, setting};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let acknowledger = Acknowledger::new(Arc::new(DynamoDbEdiStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        setting("SWITCHYARD_EDI_TABLE")?,
    )));
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let acknowledger = acknowledger.clone();
        async move { Ok::<SqsBatchResponse, Error>(acknowledger.process(event.payload).await) }
    }))
    .await
}
