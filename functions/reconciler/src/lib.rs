//! `reconciler`: what the flows should have done, checked against what the stores hold.
//!
//! An EventBridge schedule runs it every few minutes (seconds under the local runner). Each run:
//! * **Stuck orders.** An order `RECEIVED` for longer than [`Settings::stuck_after`] with
//!   nothing in flight is put back on the orders queue, once per run, counted as a retry, and
//!   reported. "In flight" means the processor is still working on it: its failure record is
//!   open and failed recently (it is being retried), or the message sits in the DLQ (an
//!   operator's to redrive, not ours to bypass). An order with neither lost its message (a
//!   queue purged or a message deleted by hand): nothing else would ever post it. A duplicate
//!   message is harmless: the processor claims each order once and looks the sale up before
//!   creating one.
//! * **Accepted orders without a sale.** Orders that became `ACCEPTED` in the last window are
//!   looked up in the ERP by their sale reference; one the ERP does not have (deleted there, or
//!   a bug) gets an open failure record in the `reconciliation` flow for an operator, and the
//!   record is resolved once the sale is found again.
//! * **Inventory drift.** Every salable SKU's level in the ERP is compared with the stock
//!   projection the channels are served from; SKUs that differ are reported and republished
//!   (the erp-changes resync), which repairs the projection and the channels.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use switchyard_erp::{SalesOrders, StockLevels};
use switchyard_erp_feed::{Poller, inventory_events};
use switchyard_failures::{Failure, FailureClass, FailureKey, FailureStore};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_model::{OrderId, OrderStatus, Sku};
use switchyard_orders::{OrderQueue, OrderStore};
use switchyard_projections::ProjectionStore;

/// The flow of the failure records reconciliation opens itself (accepted orders without a
/// sale).
pub const FLOW: &str = "reconciliation";

/// The flow the processor files its failures under (the orders queue).
const ORDERS_FLOW: &str = "orders";

/// SKUs read from the ERP per call.
const READ_CHUNK: usize = 50;

/// What reconciliation reads and writes.
#[derive(Clone)]
pub struct Ports {
    /// Order records.
    pub orders: Arc<dyn OrderStore>,
    /// The orders queue, for stuck orders.
    pub queue: Arc<dyn OrderQueue>,
    /// Failure records: read to tell in-flight work from lost work, written for missing sales.
    pub failures: Arc<dyn FailureStore>,
    /// The ERP's sales and stock levels.
    pub erp: Arc<dyn ReconciledErp>,
    /// The stock projection the channel APIs answer from.
    pub projections: Arc<dyn ProjectionStore>,
    /// The change feed, whose resync republishes drifting SKUs.
    pub feed: Poller,
}

/// The ERP capabilities reconciliation uses.
pub trait ReconciledErp: SalesOrders + StockLevels {}
impl<T: SalesOrders + StockLevels> ReconciledErp for T {}

/// How reconciliation judges.
#[derive(Debug, Clone)]
pub struct Settings {
    /// An order `RECEIVED` longer than this is stuck (default 15 minutes: longer than a healthy
    /// posting, shorter than anyone waits for an answer).
    pub stuck_after: Duration,
    /// A failure recorded within this long is still being retried, not lost (default 30
    /// minutes: the processor's longest backoff, 15 minutes, twice).
    pub retrying_within: Duration,
    /// How far back accepted orders are checked each run (default 30 minutes: two runs of
    /// the AWS schedule, so each order is checked about twice).
    pub accepted_window: Duration,
    /// A SKU whose ERP level changed within this long is not judged yet: the change feed may
    /// not have carried it to the projection (default 5 minutes).
    pub drift_grace: Duration,
    /// At most this many orders of each kind per run, so one run stays short and the ERP is
    /// not flooded (default 200).
    pub limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            stuck_after: Duration::from_secs(15 * 60),
            retrying_within: Duration::from_secs(30 * 60),
            accepted_window: Duration::from_secs(30 * 60),
            drift_grace: Duration::from_secs(5 * 60),
            limit: 200,
        }
    }
}

/// What one run found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Stuck orders put back on the orders queue.
    pub requeued: Vec<String>,
    /// Stuck orders left alone because the processor is still retrying them.
    pub retrying: Vec<String>,
    /// Stuck orders left alone because their message is in the DLQ.
    pub dead_lettered: Vec<String>,
    /// Accepted orders checked against the ERP.
    pub accepted_checked: usize,
    /// Accepted orders whose sale the ERP does not have.
    pub missing_sales: Vec<String>,
    /// SKUs compared.
    pub skus_checked: usize,
    /// SKUs whose projection differed from the ERP, each with both levels.
    pub drift: Vec<Drift>,
    /// Inventory events republished to repair the drift.
    pub republished: usize,
}

/// One SKU whose projection differs from the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The SKU.
    pub sku: String,
    /// Available in the ERP.
    pub erp: String,
    /// Available in the projection (`None`: never projected).
    pub projected: Option<String>,
}

/// Why a run stopped early (the next run tries again).
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A store, the queue or the ERP failed.
    #[error("{0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> ReconcileError {
    ReconcileError::Unavailable(e.to_string())
}

/// Runs reconciliation.
#[derive(Clone)]
pub struct Reconciler {
    ports: Ports,
    settings: Settings,
}

impl Reconciler {
    /// A reconciler over `ports`.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self { ports, settings }
    }

    /// One run at `now`.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<Report, ReconcileError> {
        let mut report = Report::default();
        self.stuck_orders(now, &mut report).await?;
        self.accepted_orders(now, &mut report).await?;
        self.inventory(now, &mut report).await?;
        tracing::info!(
            requeued = report.requeued.len(),
            retrying = report.retrying.len(),
            dead_lettered = report.dead_lettered.len(),
            accepted_checked = report.accepted_checked,
            missing_sales = report.missing_sales.len(),
            skus_checked = report.skus_checked,
            drift = report.drift.len(),
            "reconciled"
        );
        Ok(report)
    }

    async fn stuck_orders(
        &self,
        now: DateTime<Utc>,
        report: &mut Report,
    ) -> Result<(), ReconcileError> {
        let cutoff = now - span(self.settings.stuck_after);
        let stuck = self
            .ports
            .orders
            .in_status(
                OrderStatus::Received,
                DateTime::<Utc>::UNIX_EPOCH..=cutoff,
                self.settings.limit,
            )
            .await
            .map_err(unavailable)?;
        let retrying_since = now - span(self.settings.retrying_within);
        for entry in stuck {
            let id = entry.order_id.to_string();
            let failure = self
                .ports
                .failures
                .get(&FailureKey::new(ORDERS_FLOW, id.clone()))
                .await
                .map_err(unavailable)?
                .filter(|f| f.is_open());
            match failure {
                Some(f) if f.dead_lettered_at.is_some() => report.dead_lettered.push(id),
                Some(f) if f.last_failed_at >= retrying_since => report.retrying.push(id),
                _ => {
                    self.requeue(entry.order_id).await?;
                    tracing::warn!(order_id = %id, channel = %entry.channel, since = %entry.entered_at, "order stuck RECEIVED with nothing in flight; queued again");
                    report.requeued.push(id);
                }
            }
        }
        Ok(())
    }

    async fn requeue(&self, id: OrderId) -> Result<(), ReconcileError> {
        let Some(record) = self.ports.orders.get(id).await.map_err(unavailable)? else {
            return Ok(());
        };
        let order = record.value.order;
        // The same envelope the intake sends: correlated by the order, from its channel.
        let envelope = Envelope::new(
            order.channel.to_string(),
            id.to_string(),
            OrderSubmitted { order },
        );
        self.ports
            .queue
            .resubmit(&envelope)
            .await
            .map_err(unavailable)?;
        switchyard_platform::metrics::retry(ORDERS_FLOW);
        Ok(())
    }

    async fn accepted_orders(
        &self,
        now: DateTime<Utc>,
        report: &mut Report,
    ) -> Result<(), ReconcileError> {
        let window = now - span(self.settings.accepted_window)..=now;
        let accepted = self
            .ports
            .orders
            .in_status(OrderStatus::Accepted, window, self.settings.limit)
            .await
            .map_err(unavailable)?;
        for entry in accepted {
            let Some(record) = self
                .ports
                .orders
                .get(entry.order_id)
                .await
                .map_err(unavailable)?
            else {
                continue;
            };
            let record = record.value;
            report.accepted_checked += 1;
            let reference = record.order.erp_reference();
            let key = FailureKey::new(FLOW, entry.order_id.to_string());
            match self
                .ports
                .erp
                .find_sale(&reference)
                .await
                .map_err(unavailable)?
            {
                Some(_) => {
                    self.ports
                        .failures
                        .resolve(&key, "the ERP has the sale again", Utc::now())
                        .await
                        .map_err(unavailable)?;
                }
                None => {
                    let error = format!(
                        "ACCEPTED as {} but the ERP has no sale with reference {reference}",
                        record.erp_reference.as_deref().unwrap_or("?")
                    );
                    tracing::error!(order_id = %entry.order_id, %reference, "accepted order has no ERP sale");
                    self.ports
                        .failures
                        .record(&Failure {
                            key,
                            class: FailureClass::Business,
                            error,
                            function: "reconciler".into(),
                            queue: "schedule".into(),
                            correlation_id: Some(entry.order_id.to_string()),
                            channel: Some(entry.channel.to_string()),
                            message_id: None,
                            dead_lettered: false,
                            at: Utc::now(),
                        })
                        .await
                        .map_err(unavailable)?;
                    report.missing_sales.push(entry.order_id.to_string());
                }
            }
        }
        Ok(())
    }

    async fn inventory(
        &self,
        now: DateTime<Utc>,
        report: &mut Report,
    ) -> Result<(), ReconcileError> {
        let settled_before = now - span(self.settings.drift_grace);
        let skus = self.ports.erp.catalog_skus().await.map_err(unavailable)?;
        let mut drifting = vec![];
        for chunk in skus.chunks(READ_CHUNK) {
            let levels = self
                .ports
                .erp
                .stock_levels(chunk)
                .await
                .map_err(unavailable)?;
            let erp = inventory_events(&levels, Utc::now());
            let ids: Vec<Sku> = erp.iter().map(|l| l.sku.clone()).collect();
            let projected =
                switchyard_inventory::stock::read_stock(self.ports.projections.as_ref(), &ids)
                    .await
                    .map_err(unavailable)?;
            for (level, projected) in erp.iter().zip(projected) {
                if level.as_of > settled_before {
                    continue;
                }
                report.skus_checked += 1;
                let shown = projected.as_ref().map(|p| p.available);
                if shown != Some(level.available) {
                    report.drift.push(Drift {
                        sku: level.sku.to_string(),
                        erp: level.available.normalize().to_string(),
                        projected: shown.map(|a| a.normalize().to_string()),
                    });
                    drifting.push(level.sku.to_string());
                }
            }
        }
        if !drifting.is_empty() {
            tracing::warn!(skus = ?drifting, "inventory projection drifted from the ERP; republishing");
            let resync = self
                .ports
                .feed
                .resync(Some(drifting))
                .await
                .map_err(unavailable)?;
            report.republished = resync.inventory_events;
        }
        Ok(())
    }
}

fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
