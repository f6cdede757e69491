//! Lambda entry point: a [`RedriveRequest`] in, the redrive's [`Outcome`] out, run by
//! `switchyard_operations::remote::redrive` over SQS and the ops table (the same code as the
//! CLI's local redrive). It stops itself before its deadline (the outcome says so: run it again,
//! nothing is lost), so a long redrive never dies mid-message.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use switchyard_failures::{DynamoDbAuditLog, DynamoDbFailureStore};
use switchyard_operations::dlq::{OpsPorts, Outcome, Progress};
use switchyard_operations::remote::{self, RedriveRequest};
use switchyard_platform::aws::{load_config, setting};

/// Time kept back at the end of an invocation for the audit entry and the answer.
const MARGIN: Duration = Duration::from_secs(10);

/// Stops the redrive once the invocation's deadline is within [`MARGIN`].
struct Deadline(SystemTime);

impl Progress for Deadline {
    fn tick(&self) {}
    fn interrupted(&self) -> bool {
        self.0
            .duration_since(SystemTime::now())
            .map_or(true, |left| left < MARGIN)
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let table = setting("SWITCHYARD_OPS_TABLE")?;
    let ports = OpsPorts {
        failures: Arc::new(DynamoDbFailureStore::new(dynamodb.clone(), table.clone())),
        audit: Arc::new(DynamoDbAuditLog::new(dynamodb, table)),
    };
    let prefix = setting("SWITCHYARD_PREFIX")?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<RedriveRequest>| {
        let (sqs, ports, prefix) = (sqs.clone(), ports.clone(), prefix.clone());
        async move {
            let deadline = Deadline(event.context.deadline());
            let request = event.payload;
            tracing::info!(queue = %request.queue, execute = request.execute, actor = %request.actor, "redrive requested");
            let outcome: Outcome =
                remote::redrive(&sqs, &ports, Some(&prefix), &request, &deadline).await?;
            tracing::info!(queue = %outcome.queue, matched = outcome.matched, done = outcome.done, stopped_early = outcome.stopped_early, "redrive done");
            Ok::<Outcome, Error>(outcome)
        }
    }))
    .await
}
