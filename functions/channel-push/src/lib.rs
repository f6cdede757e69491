//! The channel pushers, one Lambda per channel kind and flow: stock (`stock-push-shopify`, …)
//! and shipments (`fulfilment-push-shopify`, …, see [`fulfilment`]). The stock pushers share
//! [`StockPusher`](switchyard_inventory::pusher::StockPusher): this crate reads the SQS batch,
//! finds the channels of the kind, and builds each channel's client from its record.
//!
//! One pusher per kind runs at a time (reserved concurrency 1): the channel's rate limit is
//! per shop anyway, and a single writer keeps the push state in order.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod connect;
pub mod fulfilment;
mod targets;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use switchyard_events::BusEvent;
use switchyard_failures::{FailureRecorder, Received, item_failure};
use switchyard_inventory::pusher::{Delivery, StockPusher};
use switchyard_model::catalog_events::InventoryChanged;
use switchyard_model::envelope::{Envelope, Message};

pub use connect::Connector;
pub use targets::DirectoryTargets;

/// Reads one queue message: the `InventoryChanged` an EventBridge rule delivered.
pub fn read_event(body: &str) -> Result<InventoryChanged, String> {
    let event = BusEvent::from_body(body).map_err(|e| e.to_string())?;
    if event.detail_type != InventoryChanged::TYPE {
        return Err(format!("a {} event on the stock queue", event.detail_type));
    }
    Envelope::<InventoryChanged>::parse(&event.detail.to_string())
        .map(|e| e.payload)
        .map_err(|e| e.to_string())
}

/// Handles one SQS batch.
pub async fn handle(pusher: &StockPusher, event: SqsEvent) -> SqsBatchResponse {
    let deliveries = event
        .records
        .iter()
        .filter_map(|m| {
            let received = Received::of(m, "stock")?;
            Some(Delivery {
                message_id: received.message_id.to_string(),
                receipt_handle: received.receipt_handle.unwrap_or_default().to_string(),
                receive_count: received.receive_count,
                event: read_event(received.body),
                body: received.body.to_string(),
                queue: received.queue.to_string(),
            })
        })
        .collect();
    let report = pusher.push(deliveries).await;
    tracing::info!(
        skus = report.skus,
        calls = report.calls,
        set = report.set,
        skipped = report.skipped,
        failed = report.failed.len(),
        "stock batch pushed"
    );
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = report.failed.iter().map(|id| item_failure(id)).collect();
    response
}

/// The short name of a pushed-to kind, as queue and function names spell it (`amazon`).
pub fn kind_name(kind: switchyard_channels::ChannelKind) -> &'static str {
    use switchyard_channels::ChannelKind;
    match kind {
        ChannelKind::Shopify => "shopify",
        ChannelKind::Woocommerce => "woocommerce",
        ChannelKind::AmazonSpApi => "amazon",
        ChannelKind::Api => "api",
        ChannelKind::StandardWebhooks => "standard-webhooks",
        ChannelKind::X12 => "x12",
        ChannelKind::Edifact => "edifact",
    }
}

/// The failure recorder of `kind`'s pusher of `what` (`stock`, `fulfilment`): its flow is its
/// queue's name without the stack prefix (`stock-shopify`), as the operator CLI derives it
/// from the DLQ; its function is `stock-push-shopify`.
fn recorder(
    config: &aws_config::SdkConfig,
    what: &str,
    kind: switchyard_channels::ChannelKind,
) -> anyhow::Result<FailureRecorder> {
    let kind = kind_name(kind);
    FailureRecorder::from_environment(
        aws_sdk_dynamodb::Client::new(config),
        &format!("{what}-{kind}"),
        &format!("{what}-push-{kind}"),
    )
}

/// Runs a pusher of `kind` as a Lambda function: the channel directory, the secret store, the
/// push state in the catalog table, and the kind's queue (`SWITCHYARD_STOCK_QUEUE_URL`) for
/// retries.
pub async fn run(
    kind: switchyard_channels::ChannelKind,
    connector: Box<dyn Connector>,
) -> Result<(), lambda_runtime::Error> {
    use std::sync::Arc;
    use std::time::Duration;

    use switchyard_platform::aws::{load_config, setting, setting_or};

    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let targets = DirectoryTargets::new(
        Arc::new(switchyard_channels::DynamoDbChannelDirectory::new(
            dynamodb.clone(),
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        Arc::new(switchyard_secrets::SsmSecretStore::new(
            aws_sdk_ssm::Client::new(&config),
        )),
        kind,
        connector,
    );
    let pusher = StockPusher::new(
        Arc::new(targets),
        Arc::new(switchyard_projections::DynamoDbProjectionStore::new(
            dynamodb,
            setting("SWITCHYARD_CATALOG_TABLE")?,
        )),
        Arc::new(switchyard_orders::SqsQueue::new(
            aws_sdk_sqs::Client::new(&config),
            setting("SWITCHYARD_STOCK_QUEUE_URL")?,
        )),
        switchyard_inventory::pusher::Backoff {
            base: Duration::from_secs(setting_or("SWITCHYARD_RETRY_BASE_SECONDS", 10)?),
            max: Duration::from_secs(setting_or("SWITCHYARD_RETRY_MAX_SECONDS", 900)?),
        },
        recorder(&config, "stock", kind)?,
    );
    let pusher = &pusher;
    switchyard_platform::lambda::run(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| async move {
            Ok::<SqsBatchResponse, lambda_runtime::Error>(handle(pusher, event.payload).await)
        },
    )
    .await
}

/// Runs the fulfilment pusher of `kind` as a Lambda function: the channel directory, the secret
/// store, and the pushed-shipment records in the catalog table.
pub async fn run_fulfilment(
    kind: switchyard_channels::ChannelKind,
    connector: Box<dyn Connector>,
) -> Result<(), lambda_runtime::Error> {
    use std::sync::Arc;

    use switchyard_platform::aws::{load_config, setting};

    switchyard_platform::telemetry::init();
    let config = load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let pusher = fulfilment::FulfilmentPusher::new(
        kind,
        Arc::new(switchyard_channels::DynamoDbChannelDirectory::new(
            dynamodb.clone(),
            setting("SWITCHYARD_CHANNELS_TABLE")?,
        )),
        Arc::new(switchyard_secrets::SsmSecretStore::new(
            aws_sdk_ssm::Client::new(&config),
        )),
        connector,
        Arc::new(switchyard_projections::DynamoDbProjectionStore::new(
            dynamodb,
            setting("SWITCHYARD_CATALOG_TABLE")?,
        )),
        recorder(&config, "fulfilment", kind)?,
    );
    let pusher = &pusher;
    switchyard_platform::lambda::run(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| async move {
            Ok::<SqsBatchResponse, lambda_runtime::Error>(pusher.process(event.payload).await)
        },
    )
    .await
}
