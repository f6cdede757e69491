//! Lambda entry point: wires Tryton, EventBridge and the cursor table into the poller.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use lambda_runtime::{Error, LambdaEvent};
use switchyard_erp::{TrytonClient, TrytonConfig};
use switchyard_erp_feed::{CursorStore, Poller};
use switchyard_events::EventBridgePublisher;
use switchyard_failures::FailureRecorder;
use switchyard_platform::aws::{load_config, setting};
use switchyard_projections::DynamoDbProjectionStore;
use switchyard_secrets::{SsmSecretStore, secret_setting};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let secrets = SsmSecretStore::new(aws_sdk_ssm::Client::new(&config));
    let erp = TrytonConfig::from_env_with_password(
        secret_setting(&secrets, "SWITCHYARD_ERP_PASSWORD").await?,
    )?;
    let cursors = CursorStore::new(Arc::new(DynamoDbProjectionStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        setting("SWITCHYARD_CATALOG_TABLE")?,
    )));
    let poller = Poller::new(
        Arc::new(TrytonClient::new(erp)),
        Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&config),
            setting("SWITCHYARD_EVENT_BUS")?,
        )),
        cursors,
        "tryton",
    );
    let failures = FailureRecorder::from_environment(
        aws_sdk_dynamodb::Client::new(&config),
        erp_changes::FLOW,
        "erp-changes",
    )?;
    let (poller, failures) = (&poller, &failures);
    switchyard_platform::lambda::run(move |event: LambdaEvent<serde_json::Value>| async move {
        let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
        erp_changes::handle(poller, failures, event.payload, deadline)
            .await
            .map_err(Error::from)
    })
    .await
}
