//! Lambda entry point: wires the order, ops and catalog tables, the orders queue, Tryton and
//! the bus into the reconciler.

use std::sync::Arc;
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent};
use reconciler::{Ports, Reconciler, Settings};
use switchyard_erp::{TrytonClient, TrytonConfig};
use switchyard_erp_feed::{CursorStore, Poller};
use switchyard_events::EventBridgePublisher;
use switchyard_failures::DynamoDbFailureStore;
use switchyard_orders::{DynamoDbOrderStore, SqsQueue};
use switchyard_platform::aws::{load_config, setting, setting_or};
use switchyard_projections::DynamoDbProjectionStore;
use switchyard_secrets::{SsmSecretStore, secret_setting};

#[tokio::main]
async fn main() -> Result<(), Error> {
    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let secrets = SsmSecretStore::new(aws_sdk_ssm::Client::new(&config));
    let erp = Arc::new(TrytonClient::new(TrytonConfig::from_env_with_password(
        secret_setting(&secrets, "SWITCHYARD_ERP_PASSWORD").await?,
    )?));
    let projections = Arc::new(DynamoDbProjectionStore::new(
        dynamodb.clone(),
        setting("SWITCHYARD_CATALOG_TABLE")?,
    ));
    let ports = Ports {
        orders: Arc::new(DynamoDbOrderStore::new(
            dynamodb.clone(),
            setting("SWITCHYARD_ORDERS_TABLE")?,
        )),
        queue: Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_ORDERS_QUEUE_URL")?,
        )),
        failures: Arc::new(DynamoDbFailureStore::new(
            dynamodb,
            setting("SWITCHYARD_OPS_TABLE")?,
        )),
        erp: erp.clone(),
        projections: projections.clone(),
        feed: Poller::new(
            erp,
            Arc::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(&config),
                setting("SWITCHYARD_EVENT_BUS")?,
            )),
            CursorStore::new(projections),
            "tryton",
        ),
    };
    let defaults = Settings::default();
    let seconds = |name: &str, default: Duration| -> Result<Duration, Error> {
        Ok(Duration::from_secs(setting_or(name, default.as_secs())?))
    };
    let settings = Settings {
        stuck_after: seconds(
            "SWITCHYARD_RECONCILE_STUCK_AFTER_SECONDS",
            defaults.stuck_after,
        )?,
        retrying_within: seconds(
            "SWITCHYARD_RECONCILE_RETRYING_WITHIN_SECONDS",
            defaults.retrying_within,
        )?,
        accepted_window: seconds(
            "SWITCHYARD_RECONCILE_ACCEPTED_WINDOW_SECONDS",
            defaults.accepted_window,
        )?,
        drift_grace: seconds(
            "SWITCHYARD_RECONCILE_DRIFT_GRACE_SECONDS",
            defaults.drift_grace,
        )?,
        limit: setting_or("SWITCHYARD_RECONCILE_LIMIT", defaults.limit)?,
    };
    let reconciler = &Reconciler::new(ports, settings);
    switchyard_platform::lambda::run(move |_: LambdaEvent<serde_json::Value>| async move {
        let report = reconciler.run(chrono::Utc::now()).await?;
        Ok::<_, Error>(report)
    })
    .await
}
