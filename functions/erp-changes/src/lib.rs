//! `erp-changes`: what one invocation does.
//!
//! An EventBridge schedule (every minute on AWS; every few seconds under the local runner)
//! invokes it with a "Scheduled Event": it runs the change feed once ([`Poller::poll`]). An
//! operator invokes it with `{"resync": {"skus": [...]}}` (or `"skus": null` for everything) to
//! republish current state ([`Poller::resync`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::SystemTime;

use serde::Deserialize;
use serde_json::{Value, json};
use switchyard_erp_feed::{PollError, PollReport, Poller};

/// What an invocation asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Request {
    /// `{"resync": {"skus": [...] | null}}`.
    Resync {
        /// What to republish.
        resync: ResyncRequest,
    },
    /// Anything else (the schedule's event): one run of the feed.
    Poll(Value),
}

/// The SKUs a resync republishes; every salable SKU when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResyncRequest {
    /// The SKUs, or `None` for the whole catalogue.
    #[serde(default)]
    pub skus: Option<Vec<String>>,
}

/// Serves one invocation; the answer says what was published.
pub async fn handle(
    poller: &Poller,
    event: Value,
    deadline: SystemTime,
) -> Result<Value, PollError> {
    let request: Request = serde_json::from_value(event.clone()).unwrap_or(Request::Poll(event));
    let (kind, report) = match request {
        Request::Resync { resync } => ("resync", poller.resync(resync.skus).await?),
        Request::Poll(_) => ("poll", poller.poll(deadline).await?),
    };
    log(kind, &report);
    Ok(answer(kind, &report))
}

fn log(kind: &str, report: &PollReport) {
    tracing::info!(
        kind,
        batches = report.batches,
        inventory_events = report.inventory_events,
        price_events = report.price_events,
        customer_events = report.customer_events,
        fulfilment_events = report.fulfilment_events,
        advanced = report.advanced,
        "erp changes published"
    );
}

fn answer(kind: &str, report: &PollReport) -> Value {
    json!({
        "kind": kind,
        "batches": report.batches,
        "inventory_events": report.inventory_events,
        "price_events": report.price_events,
        "customer_events": report.customer_events,
        "fulfilment_events": report.fulfilment_events,
        "cursor_advanced": report.advanced,
    })
}
