//! `switchyard inventory`: the stock return path as an operator sees it.
//!
//! - `status`: per channel that takes stock pushes, its last acknowledged push, the lag from the
//!   ERP change to that acknowledgement, what waits in its pusher's queue and DLQ, and the last
//!   failure; and when the ERP feed last advanced.
//! - `resync [--sku S …]`: republishes the ERP's current stock and prices (every salable SKU
//!   without `--sku`), for the first load and to repair drift. It reads Tryton directly
//!   (`SWITCHYARD_ERP_*`); on AWS the same is `aws lambda invoke --function-name
//!   <prefix>-erp-changes --cli-binary-format raw-in-base64-out --payload '{"resync":{"skus":null}}'`.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;
use switchyard_channels::{ChannelDirectory, ChannelKind};
use switchyard_erp::{TrytonClient, TrytonConfig};
use switchyard_erp_feed::{CursorStore, Poller};
use switchyard_events::EventBridgePublisher;
use switchyard_inventory::pusher::{PushSummary, summary_key};
use switchyard_projections::{DynamoDbProjectionStore, Key, ProjectionStore};

/// The feed `erp-changes` keeps its cursor under.
const FEED: &str = "tryton";

/// `switchyard inventory …`.
#[derive(Subcommand)]
pub enum Inventory {
    /// Each channel's last stock push, its lag and backlog, and the ERP feed's progress.
    Status(Status),
    /// Republish the ERP's current stock and prices (all salable SKUs, or those named).
    Resync(Resync),
}

/// `switchyard inventory status`.
#[derive(Args)]
pub struct Status {
    /// The catalog table (projections, push state, the feed's cursor).
    #[arg(long, env = "SWITCHYARD_CATALOG_TABLE")]
    catalog_table: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `switchyard inventory resync`.
#[derive(Args)]
pub struct Resync {
    /// Only these SKUs (repeat the flag); every salable SKU without it.
    #[arg(long = "sku")]
    skus: Vec<String>,
    /// The catalog table.
    #[arg(long, env = "SWITCHYARD_CATALOG_TABLE")]
    catalog_table: String,
    /// The event bus the events go to.
    #[arg(long, env = "SWITCHYARD_EVENT_BUS")]
    event_bus: String,
}

/// Runs an `inventory` subcommand.
pub async fn run(
    command: Inventory,
    config: &aws_config::SdkConfig,
    directory: &dyn ChannelDirectory,
) -> anyhow::Result<()> {
    match command {
        Inventory::Status(status) => show_status(status, config, directory).await,
        Inventory::Resync(resync) => run_resync(resync, config).await,
    }
}

/// The pusher queue of a channel kind, as the stack's settings name it.
fn queue_settings(kind: ChannelKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ChannelKind::Shopify => Some((
            "SWITCHYARD_STOCK_SHOPIFY_QUEUE_URL",
            "SWITCHYARD_STOCK_SHOPIFY_DLQ_URL",
        )),
        ChannelKind::Woocommerce => Some((
            "SWITCHYARD_STOCK_WOOCOMMERCE_QUEUE_URL",
            "SWITCHYARD_STOCK_WOOCOMMERCE_DLQ_URL",
        )),
        ChannelKind::AmazonSpApi => Some((
            "SWITCHYARD_STOCK_AMAZON_QUEUE_URL",
            "SWITCHYARD_STOCK_AMAZON_DLQ_URL",
        )),
        _ => None,
    }
}

async fn depth(sqs: &aws_sdk_sqs::Client, setting: &str) -> Option<i64> {
    let url = std::env::var(setting).ok()?;
    let answer = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(
            aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        )
        .send()
        .await
        .ok()?;
    let attributes = answer.attributes()?;
    Some(
        attributes
            .values()
            .filter_map(|v| v.parse::<i64>().ok())
            .sum(),
    )
}

fn ago(at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) => format!("{} s ago", (Utc::now() - at).num_seconds()),
        None => "never".into(),
    }
}

async fn show_status(
    status: Status,
    config: &aws_config::SdkConfig,
    directory: &dyn ChannelDirectory,
) -> anyhow::Result<()> {
    let store =
        DynamoDbProjectionStore::new(aws_sdk_dynamodb::Client::new(config), &status.catalog_table);
    let sqs = aws_sdk_sqs::Client::new(config);
    let feed = store
        .get_many(&[Key::new(format!("feed#{FEED}"), "cursor")])
        .await?
        .pop()
        .flatten()
        .and_then(|s| s.doc["advanced_at"].as_str().map(str::to_owned))
        .and_then(|at| at.parse::<DateTime<Utc>>().ok());
    let mut rows = vec![];
    for channel in directory.list().await? {
        if channel.stock_push.is_none() {
            continue;
        }
        let name = channel.name.to_string();
        let summary: PushSummary = store
            .get_many(&[summary_key(&name)])
            .await?
            .pop()
            .flatten()
            .and_then(|s| serde_json::from_value(s.doc).ok())
            .unwrap_or_default();
        let (queued, dead) = match queue_settings(channel.kind) {
            Some((queue, dlq)) => (depth(&sqs, queue).await, depth(&sqs, dlq).await),
            None => (None, None),
        };
        rows.push((name, channel.kind, summary, queued, dead));
    }
    if status.json {
        let channels: Vec<_> = rows
            .iter()
            .map(|(name, kind, summary, queued, dead)| {
                json!({"channel": name, "kind": kind, "last_push_at": summary.last_push_at,
                    "lag_ms": summary.last_lag_ms, "levels_pushed": summary.levels_pushed,
                    "calls": summary.calls, "queued": queued, "dead_lettered": dead,
                    "last_failure": summary.last_failure})
            })
            .collect();
        println!(
            "{}",
            json!({"feed": {"name": FEED, "advanced_at": feed}, "channels": channels})
        );
        return Ok(());
    }
    println!("ERP feed ({FEED}): cursor advanced {}", ago(feed));
    println!(
        "{:<20} {:<14} {:>14} {:>10} {:>8} {:>7} {:>5}  last failure",
        "channel", "kind", "last push", "lag", "levels", "queued", "DLQ"
    );
    for (name, kind, summary, queued, dead) in rows {
        let show = |n: Option<i64>| n.map_or("-".into(), |n| n.to_string());
        println!(
            "{:<20} {:<14} {:>14} {:>10} {:>8} {:>7} {:>5}  {}",
            name,
            serde_json::to_value(kind)?.as_str().unwrap_or("?"),
            ago(summary.last_push_at),
            summary
                .last_lag_ms
                .map_or("-".into(), |ms| format!("{:.1} s", ms as f64 / 1000.0)),
            summary.levels_pushed,
            show(queued),
            show(dead),
            summary.last_failure.map_or("-".into(), |f| format!(
                "{} (attempt {}, {}): {}",
                f.class,
                f.attempt,
                ago(Some(f.at)),
                f.reason
            )),
        );
    }
    Ok(())
}

async fn run_resync(resync: Resync, config: &aws_config::SdkConfig) -> anyhow::Result<()> {
    let erp = TrytonConfig::from_env().map_err(|e| anyhow::anyhow!("{e}: resync reads the ERP"))?;
    let store: Arc<dyn ProjectionStore> = Arc::new(DynamoDbProjectionStore::new(
        aws_sdk_dynamodb::Client::new(config),
        &resync.catalog_table,
    ));
    let poller = Poller::new(
        Arc::new(TrytonClient::new(erp)),
        Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(config),
            &resync.event_bus,
        )),
        CursorStore::new(store),
        FEED,
    );
    let skus = (!resync.skus.is_empty()).then_some(resync.skus);
    let report = poller.resync(skus).await.context("resync")?;
    println!(
        "republished {} stock levels, {} prices and {} customer price lists",
        report.inventory_events, report.price_events, report.customer_events
    );
    Ok(())
}
