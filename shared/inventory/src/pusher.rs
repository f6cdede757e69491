//! [`StockPusher`]: from a batch of `InventoryChanged` events to every channel of one kind.
//!
//! A batch is coalesced before anything is sent: per SKU only the newest level (largest ERP
//! version) counts, so a burst of changes becomes one push per SKU and channel. Each channel is
//! shown what its [`Allocation`] leaves of the available stock, in whole units. What was pushed
//! is remembered per channel and SKU (the push state, in the projection store), so a repeated or
//! older event pushes nothing, and an allocation change with the same level pushes again.
//!
//! Failures keep the messages of the SKUs that did not reach the channel on the queue: a
//! throttled channel gets them back after the delay it asked for, an unavailable one after the
//! retry policy's backoff; past `maxReceiveCount` they move to the DLQ, and the channel's push
//! summary says why.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_channels::{Allocation, Channel};
use switchyard_failures::{FailureClass, FailureRecorder, Received};
use switchyard_model::catalog_events::InventoryChanged;
use switchyard_orders::RetryScheduler;
use switchyard_platform::ServiceError;
use switchyard_projections::{Key, ProjectionStore, Version};

use crate::push::{ChannelLevel, ChannelStock, LevelOutcome, PushError};

/// One queue message as the pusher sees it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The SQS message id (what a batch item failure names).
    pub message_id: String,
    /// Its receipt handle (to change its visibility).
    pub receipt_handle: String,
    /// How many times it was received, this time included.
    pub receive_count: u32,
    /// The event, or why it could not be read.
    pub event: Result<InventoryChanged, String>,
    /// The body as received (what its failure record is keyed by).
    pub body: String,
    /// The queue it came from (its ARN).
    pub queue: String,
}

impl Delivery {
    fn received(&self) -> Received<'_> {
        Received {
            message_id: &self.message_id,
            body: &self.body,
            receipt_handle: Some(&self.receipt_handle),
            receive_count: self.receive_count,
            queue: &self.queue,
            // Only failures are recorded through it: a pusher settles a SKU's failure by name.
            resent: false,
        }
    }
}

/// A channel and the client that reaches it.
pub type Target = (Channel, Arc<dyn ChannelStock>);

/// The channels one pusher serves, each with its client.
#[async_trait::async_trait]
pub trait PushTargets: Send + Sync {
    /// Every channel of this pusher's kind that takes stock pushes, with a client for it.
    async fn targets(&self) -> Result<Vec<Target>, ServiceError>;
}

/// What the pusher remembers of one channel and SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedLevel {
    /// The quantity the channel acknowledged.
    pub quantity: i64,
    /// The ERP version of the level it came from.
    pub erp_version: i64,
    /// When that level was read from the ERP.
    pub observed_at: DateTime<Utc>,
    /// The ERP time of that level.
    pub as_of: DateTime<Utc>,
    /// When the channel acknowledged it.
    pub pushed_at: DateTime<Utc>,
}

/// What the pusher remembers of one channel: its latest push and its latest failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSummary {
    /// When the channel last acknowledged a push.
    pub last_push_at: Option<DateTime<Utc>>,
    /// ERP change → channel acknowledgement, of the newest level in the last push, in ms.
    pub last_lag_ms: Option<i64>,
    /// Levels the channel has acknowledged since the summary began.
    pub levels_pushed: u64,
    /// Calls made to the channel since the summary began.
    pub calls: u64,
    /// The last failure, if it came after the last push.
    pub last_failure: Option<PushFailure>,
}

/// A push that did not reach the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushFailure {
    /// When.
    pub at: DateTime<Utc>,
    /// Why, as the channel or the client said.
    pub reason: String,
    /// `throttled`, `unavailable` or `refused`.
    pub class: String,
    /// The receive count of the newest message involved.
    pub attempt: u32,
}

/// Where a channel's push state for a SKU lives.
pub fn pushed_key(channel: &str, sku: &str) -> Key {
    Key::new(format!("push#{channel}"), format!("sku#{sku}"))
}

/// Where a channel's push summary lives.
pub fn summary_key(channel: &str) -> Key {
    Key::new(format!("push#{channel}"), "summary")
}

/// The backoff of an unavailable channel, by receive count.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    fn delay(&self, receive_count: u32) -> Duration {
        let factor = 1u32 << receive_count.saturating_sub(1).min(10);
        (self.base * factor).min(self.max)
    }
}

/// What one batch did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// SKUs left after coalescing.
    pub skus: usize,
    /// Calls made to channels (one per channel with something to push).
    pub calls: usize,
    /// Levels set on channels.
    pub set: usize,
    /// Levels skipped because the channel already had them.
    pub skipped: usize,
    /// Message ids to report as batch item failures.
    pub failed: Vec<String>,
}

/// Pushes stock levels to every channel of one kind.
#[derive(Clone)]
pub struct StockPusher {
    targets: Arc<dyn PushTargets>,
    state: Arc<dyn ProjectionStore>,
    retries: Arc<dyn RetryScheduler>,
    backoff: Backoff,
    failures: FailureRecorder,
}

impl StockPusher {
    /// A pusher over its targets, the push-state store and its queue, recording failures (by
    /// SKU) with `failures`.
    pub fn new(
        targets: Arc<dyn PushTargets>,
        state: Arc<dyn ProjectionStore>,
        retries: Arc<dyn RetryScheduler>,
        backoff: Backoff,
        failures: FailureRecorder,
    ) -> Self {
        Self {
            targets,
            state,
            retries,
            backoff,
            failures,
        }
    }

    /// Pushes a batch; the report names the messages to leave on the queue.
    pub async fn push(&self, batch: Vec<Delivery>) -> PushReport {
        let mut report = PushReport::default();
        // Newest level per SKU, and the messages that carried each SKU.
        let mut newest: BTreeMap<String, InventoryChanged> = BTreeMap::new();
        let mut carried: BTreeMap<String, Vec<&Delivery>> = BTreeMap::new();
        for delivery in &batch {
            match &delivery.event {
                Ok(level) => {
                    let sku = level.sku.to_string();
                    carried.entry(sku.clone()).or_default().push(delivery);
                    let keep = newest
                        .get(&sku)
                        .is_none_or(|seen| version_of(seen) < version_of(level));
                    if keep {
                        newest.insert(sku, level.clone());
                    }
                }
                Err(reason) => {
                    tracing::warn!(message_id = %delivery.message_id, %reason, "unreadable stock event; left for the DLQ");
                    self.failures
                        .failed_message(&delivery.received(), FailureClass::Poison, reason)
                        .await;
                    report.failed.push(delivery.message_id.clone());
                }
            }
        }
        report.skus = newest.len();
        if newest.is_empty() {
            return report;
        }
        let targets = match self.targets.targets().await {
            Ok(targets) => targets,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the channels to push to; will retry");
                report
                    .failed
                    .extend(carried.values().flatten().map(|d| d.message_id.clone()));
                return report;
            }
        };
        let mut failed: HashSet<String> = HashSet::new();
        let mut failed_skus: HashSet<String> = HashSet::new();
        for (channel, client) in &targets {
            match self
                .push_channel(channel, client.as_ref(), &newest, &mut report)
                .await
            {
                Ok(()) => {}
                Err((error, skus)) => {
                    let deliveries: Vec<&Delivery> = skus
                        .iter()
                        .flat_map(|sku| carried.get(sku).into_iter().flatten().copied())
                        .collect();
                    self.failed(channel, &error, &deliveries).await;
                    failed.extend(deliveries.iter().map(|d| d.message_id.clone()));
                    failed_skus.extend(skus);
                }
            }
        }
        // A SKU every channel now has (this level or a newer one) settles its open failure,
        // however old the level that failed was: the newer level won.
        for (sku, level) in &newest {
            if !failed_skus.contains(sku) {
                let how = format!(
                    "every channel has ERP version {} of the level (or a newer one)",
                    level.erp_version
                );
                self.failures.settled(sku, &how).await;
            }
        }
        report.failed.extend(failed);
        report
    }

    /// Pushes what `channel` does not have yet; on failure, the error and the SKUs not pushed.
    async fn push_channel(
        &self,
        channel: &Channel,
        client: &dyn ChannelStock,
        newest: &BTreeMap<String, InventoryChanged>,
        report: &mut PushReport,
    ) -> Result<(), (PushError, Vec<String>)> {
        let name = channel.name.to_string();
        let allocation = channel.allocation.clone().unwrap_or_default();
        let skus: Vec<&String> = newest.keys().collect();
        let keys: Vec<Key> = skus.iter().map(|sku| pushed_key(&name, sku)).collect();
        let unavailable = |e: ServiceError| {
            (
                PushError::Unavailable(e.to_string()),
                newest.keys().cloned().collect::<Vec<_>>(),
            )
        };
        let pushed: Vec<Option<PushedLevel>> = self
            .state
            .get_many(&keys)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|s| s.and_then(|s| serde_json::from_value(s.doc).ok()))
            .collect();
        let mut levels = vec![];
        let mut sources = vec![];
        for (sku, before) in skus.iter().zip(pushed) {
            let level = &newest[*sku];
            let quantity = channel_quantity(&allocation, level);
            // Nothing to say when the channel has this quantity already, or has a newer level.
            let already = before
                .as_ref()
                .is_some_and(|b| b.quantity == quantity || b.version() > version_of(level));
            if already {
                report.skipped += 1;
                continue;
            }
            levels.push(ChannelLevel {
                sku: (*sku).clone(),
                quantity,
                idempotency_key: format!(
                    "{name}:{sku}:{}:{}:{quantity}",
                    level.erp_version,
                    level.observed_at.timestamp_micros()
                ),
            });
            sources.push(level);
        }
        if levels.is_empty() {
            return Ok(());
        }
        report.calls += 1;
        let outcomes = client
            .set_levels(&levels)
            .await
            .map_err(|e| (e, levels.iter().map(|l| l.sku.clone()).collect()))?;
        let now = Utc::now();
        let mut newest_pushed: Option<&InventoryChanged> = None;
        let mut acknowledged = 0u64;
        for ((level, source), outcome) in levels.iter().zip(&sources).zip(&outcomes) {
            if matches!(outcome, LevelOutcome::NotListed { .. }) {
                continue;
            }
            report.set += 1;
            acknowledged += 1;
            let state = PushedLevel {
                quantity: level.quantity,
                erp_version: source.erp_version,
                observed_at: source.observed_at,
                as_of: source.as_of,
                pushed_at: now,
            };
            self.state
                .put(
                    &pushed_key(&name, &level.sku),
                    version_of(source),
                    &serde_json::to_value(&state).expect("push state serialises"),
                )
                .await
                .map_err(unavailable)?;
            if newest_pushed.is_none_or(|n| n.as_of < source.as_of) {
                newest_pushed = Some(source);
            }
        }
        let mut summary = self.summary(&name).await;
        summary.calls += 1;
        summary.levels_pushed += acknowledged;
        if let Some(level) = newest_pushed {
            summary.last_push_at = Some(now);
            summary.last_lag_ms = Some((now - level.as_of).num_milliseconds());
            summary.last_failure = None;
            if let Some(lag) = summary.last_lag_ms {
                switchyard_platform::metrics::inventory_lag(&name, lag);
            }
            tracing::info!(channel = %name, levels = acknowledged, lag_ms = summary.last_lag_ms, "stock pushed");
        }
        self.save_summary(&name, &summary).await;
        Ok(())
    }

    async fn failed(&self, channel: &Channel, error: &PushError, deliveries: &[&Delivery]) {
        let name = channel.name.to_string();
        let attempt = deliveries
            .iter()
            .map(|d| d.receive_count)
            .max()
            .unwrap_or(1);
        let class = match error {
            PushError::Throttled { .. } => "throttled",
            PushError::Unavailable(_) => "unavailable",
            PushError::Refused(_) => "refused",
        };
        tracing::warn!(channel = %name, class, attempt, error = %error, "stock push failed; will retry");
        let mut summary = self.summary(&name).await;
        summary.last_failure = Some(PushFailure {
            at: Utc::now(),
            reason: error.to_string(),
            class: class.into(),
            attempt,
        });
        self.save_summary(&name, &summary).await;
        switchyard_platform::metrics::push_failure(&name);
        let failure_class = match error {
            PushError::Throttled { .. } | PushError::Unavailable(_) => FailureClass::Transient,
            PushError::Refused(_) => FailureClass::Business,
        };
        for delivery in deliveries {
            self.failures
                .failed_on_channel(
                    &delivery.received(),
                    &name,
                    failure_class,
                    &error.to_string(),
                )
                .await;
            let delay = match error {
                PushError::Throttled { retry_after } => *retry_after,
                _ => self.backoff.delay(delivery.receive_count),
            };
            if let Err(e) = self
                .retries
                .retry_after(&delivery.receipt_handle, delay)
                .await
            {
                // The visibility timeout brings it back anyway, a little later.
                tracing::warn!(error = %e, "cannot reschedule a failed push");
            }
        }
    }

    async fn summary(&self, channel: &str) -> PushSummary {
        match self.state.get_many(&[summary_key(channel)]).await {
            Ok(mut found) => found
                .pop()
                .flatten()
                .and_then(|s| serde_json::from_value(s.doc).ok())
                .unwrap_or_default(),
            Err(_) => PushSummary::default(),
        }
    }

    async fn save_summary(&self, channel: &str, summary: &PushSummary) {
        let doc = serde_json::to_value(summary).expect("summaries serialise");
        if let Err(e) = self
            .state
            .put(&summary_key(channel), Version::default(), &doc)
            .await
        {
            tracing::warn!(channel, error = %e, "cannot save the push summary");
        }
    }
}

impl PushedLevel {
    fn version(&self) -> Version {
        Version::observed(self.erp_version, self.observed_at)
    }
}

fn version_of(level: &InventoryChanged) -> Version {
    Version::observed(level.erp_version, level.observed_at)
}

/// What `allocation` leaves of `level` for a channel, in whole units.
pub fn channel_quantity(allocation: &Allocation, level: &InventoryChanged) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    allocation
        .apply(level.available, true)
        .to_i64()
        .unwrap_or(i64::MAX)
}
