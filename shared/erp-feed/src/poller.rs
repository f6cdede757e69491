//! [`Poller`]: one run of the change feed, and the full resync.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::{StreamExt, TryStreamExt};
use switchyard_erp::{ChangeFeed, ErpError, Fulfilments, PriceLists, StockLevels};
use switchyard_events::EventPublisher;
use switchyard_model::catalog_events::{ERP_CHANNEL, INVENTORY_EVENTS_SOURCE, PRICE_EVENTS_SOURCE};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_model::fulfilment_events::FULFILMENT_EVENTS_SOURCE;
use switchyard_platform::ServiceError;

use crate::cursor::CursorStore;
use crate::events::{customer_event, inventory_events, price_events};
use crate::fulfilment_events::{invoice_events, return_events, shipment_events};

/// Everything the feed reads from the ERP.
pub trait ErpCatalog: ChangeFeed + StockLevels + PriceLists + Fulfilments {}
impl<T: ChangeFeed + StockLevels + PriceLists + Fulfilments> ErpCatalog for T {}

/// SKUs read from the ERP per call (one Tryton RPC per warehouse for each chunk).
const READ_CHUNK: usize = 100;
/// Calls in flight to the bus at once.
const PUBLISH_CONCURRENCY: usize = 4;
/// Envelopes per call (EventBridge's PutEvents limit).
const EVENTS_PER_CALL: usize = 10;
/// A run stops taking new batches this long before its deadline, so it always advances the
/// cursor over what it published.
const DEADLINE_MARGIN: Duration = Duration::from_secs(3);

/// Why a run stopped early. Nothing is lost either way: the cursor did not move past what was
/// not published.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The ERP could not be read.
    #[error("reading the ERP: {0}")]
    Erp(#[from] ErpError),
    /// The bus or the cursor store failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Change batches read from the feed.
    pub batches: usize,
    /// `InventoryChanged` events published.
    pub inventory_events: usize,
    /// `PriceChanged` events published.
    pub price_events: usize,
    /// `CustomerPriceListChanged` events published.
    pub customer_events: usize,
    /// `ShipmentDispatched`, `InvoicePosted` and `ReturnReceived` events published.
    pub fulfilment_events: usize,
    /// Whether the cursor moved.
    pub advanced: bool,
}

/// Reads the ERP's changes and publishes them.
#[derive(Clone)]
pub struct Poller {
    erp: Arc<dyn ErpCatalog>,
    events: Arc<dyn EventPublisher>,
    cursors: CursorStore,
    feed: String,
    batch_limit: usize,
}

impl Poller {
    /// A poller of `erp`'s feed named `feed` (the cursor's name, e.g. `tryton`).
    pub fn new(
        erp: Arc<dyn ErpCatalog>,
        events: Arc<dyn EventPublisher>,
        cursors: CursorStore,
        feed: impl Into<String>,
    ) -> Self {
        Self {
            erp,
            events,
            cursors,
            feed: feed.into(),
            batch_limit: 500,
        }
    }

    /// Reads at most `limit` source records per feed call (default 500).
    pub fn with_batch_limit(mut self, limit: usize) -> Self {
        self.batch_limit = limit.max(1);
        self
    }

    /// One run: feed batches until the feed has no more or the deadline nears; each batch is
    /// published, then the cursor advances past it.
    pub async fn poll(&self, deadline: SystemTime) -> Result<PollReport, PollError> {
        let mut report = PollReport::default();
        let mut stored = self.cursors.load(&self.feed).await?;
        loop {
            let batch = self
                .erp
                .changes_since(stored.as_ref().map(|s| &s.cursor), self.batch_limit)
                .await?;
            report.batches += 1;
            self.publish_state(
                &batch.stock,
                &batch.prices,
                Some(&batch.customers),
                &mut report,
            )
            .await?;
            self.publish_fulfilment(&batch, &mut report).await?;
            let Some(next) = batch.next else { break };
            if stored.as_ref().is_some_and(|s| s.cursor == next) {
                break;
            }
            let from = stored.as_ref().map(|s| s.revision);
            if !self.cursors.advance(&self.feed, from, &next).await? {
                tracing::warn!(feed = %self.feed, "another run advanced the cursor first; stopping");
                break;
            }
            report.advanced = true;
            stored = Some(crate::StoredCursor {
                cursor: next,
                revision: from.unwrap_or(0) + 1,
            });
            let near_deadline = deadline
                .duration_since(SystemTime::now())
                .map_or(true, |left| left < DEADLINE_MARGIN);
            if !batch.more || near_deadline {
                break;
            }
        }
        Ok(report)
    }

    /// Publishes the current state of `skus` (every salable SKU when `None`) and of every
    /// customer's price list, without touching the cursor.
    pub async fn resync(&self, skus: Option<Vec<String>>) -> Result<PollReport, PollError> {
        let skus = match skus {
            Some(skus) => skus,
            None => self.erp.catalog_skus().await?,
        };
        let mut report = PollReport::default();
        self.publish_state(&skus, &skus, None, &mut report).await?;
        Ok(report)
    }

    /// Reads and publishes the levels of `stock`, the prices of `prices`, and the price lists of
    /// `customers` (every customer when `None`).
    async fn publish_state(
        &self,
        stock: &[String],
        prices: &[String],
        customers: Option<&[String]>,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        for chunk in stock.chunks(READ_CHUNK) {
            let observed_at = chrono::Utc::now();
            let levels = self.erp.stock_levels(chunk).await?;
            let events = inventory_events(&levels, observed_at);
            report.inventory_events += events.len();
            self.publish_all(INVENTORY_EVENTS_SOURCE, events, |e| e.sku.to_string())
                .await?;
        }
        for chunk in prices.chunks(READ_CHUNK) {
            let observed_at = chrono::Utc::now();
            let read = self.erp.prices(chunk).await?;
            let events = price_events(&read, observed_at);
            report.price_events += events.len();
            self.publish_all(PRICE_EVENTS_SOURCE, events, |e| e.sku.to_string())
                .await?;
        }
        let observed_at = chrono::Utc::now();
        let assignments = match customers {
            Some([]) => vec![],
            other => self.erp.customer_price_lists(other).await?,
        };
        let events: Vec<_> = assignments
            .iter()
            .map(|a| customer_event(a, observed_at))
            .collect();
        report.customer_events += events.len();
        self.publish_all(PRICE_EVENTS_SOURCE, events, |e| e.customer_account.clone())
            .await?;
        Ok(())
    }

    /// Reads and publishes the shipments, invoices and returns the batch names. Each envelope is
    /// correlated by its order, so one order's flow can be followed across events.
    async fn publish_fulfilment(
        &self,
        batch: &switchyard_erp::ChangeBatch,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        for chunk in batch.shipments.chunks(READ_CHUNK) {
            let observed_at = chrono::Utc::now();
            let events = shipment_events(&self.erp.shipments(chunk).await?, observed_at);
            report.fulfilment_events += events.len();
            self.publish_all(FULFILMENT_EVENTS_SOURCE, events, |e| e.order_id.to_string())
                .await?;
        }
        for chunk in batch.invoices.chunks(READ_CHUNK) {
            let observed_at = chrono::Utc::now();
            let events = invoice_events(&self.erp.invoices(chunk).await?, observed_at);
            report.fulfilment_events += events.len();
            self.publish_all(FULFILMENT_EVENTS_SOURCE, events, |e| e.order_id.to_string())
                .await?;
        }
        for chunk in batch.returns.chunks(READ_CHUNK) {
            let observed_at = chrono::Utc::now();
            let events = return_events(&self.erp.return_receipts(chunk).await?, observed_at);
            report.fulfilment_events += events.len();
            self.publish_all(FULFILMENT_EVENTS_SOURCE, events, |e| e.order_id.to_string())
                .await?;
        }
        Ok(())
    }

    /// Publishes every payload in its own envelope (correlated by its key), ten to a call, a
    /// few calls at a time.
    async fn publish_all<T: Message>(
        &self,
        source: &str,
        payloads: Vec<T>,
        correlation: impl Fn(&T) -> String,
    ) -> Result<(), ServiceError> {
        let envelopes: Vec<Envelope<serde_json::Value>> = payloads
            .into_iter()
            .map(|payload| {
                let key = correlation(&payload);
                Envelope::new(ERP_CHANNEL, key, payload).into_json()
            })
            .collect();
        futures::stream::iter(
            envelopes
                .chunks(EVENTS_PER_CALL)
                .map(|chunk| self.events.publish_all(source, chunk)),
        )
        .buffer_unordered(PUBLISH_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
    }
}
