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
use switchyard_failures::{FailureClass, FailureRecorder};

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

/// The flow this function's failure records are filed under.
pub const FLOW: &str = "erp-changes";

/// The subject of its failure record: the ERP's change feed (one piece of work, run on a
/// schedule; a failed run is retried by the next).
pub const FEED: &str = "feed";

/// Serves one invocation; the answer says what was published. A failed run is recorded (the
/// ERP or the bus was unreachable) and the next successful one settles it.
pub async fn handle(
    poller: &Poller,
    failures: &FailureRecorder,
    event: Value,
    deadline: SystemTime,
) -> Result<Value, PollError> {
    let request: Request = serde_json::from_value(event.clone()).unwrap_or(Request::Poll(event));
    let (kind, ran) = match request {
        Request::Resync { resync } => ("resync", poller.resync(resync.skus).await),
        Request::Poll(_) => ("poll", poller.poll(deadline).await),
    };
    match ran {
        Ok(report) => {
            failures
                .settled(FEED, &format!("a later {kind} published the changes"))
                .await;
            log(kind, &report);
            Ok(answer(kind, &report))
        }
        Err(e) => {
            tracing::warn!(kind, error = %e, "erp changes not published; the next run retries");
            failures
                .run_failed(FEED, FailureClass::Transient, &e.to_string())
                .await;
            Err(e)
        }
    }
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
