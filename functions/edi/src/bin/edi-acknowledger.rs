//! Lambda entry point of `edi-acknowledger`.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use edi::acknowledger::{self, Acknowledger};
use lambda_runtime::{Error, LambdaEvent};
use switchyard_edi_outbox::DynamoDbEdiStore;
use switchyard_failures::FailureRecorder;
use switchyard_platform::aws::{load_config, setting};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let acknowledger = Acknowledger::new(
        Arc::new(DynamoDbEdiStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_EDI_TABLE")?,
        )),
        FailureRecorder::from_environment(dynamodb, acknowledger::FLOW, "edi-acknowledger")?,
    );
    switchyard_platform::lambda::run(|event: LambdaEvent<SqsEvent>| {
        let acknowledger = acknowledger.clone();
        async move { Ok::<SqsBatchResponse, Error>(acknowledger.process(event.payload).await) }
    })
    .await
}
