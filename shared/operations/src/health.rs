//! Flow health as operators see it (the ops API and page): per channel the last hour's received,
//! accepted and rejected orders, the ERP posting latency, every queue's depth, the DLQs with
//! their reasons, the open failures and each channel's inventory lag.
//!
//! Everything here only reads what the stores already hold; nothing on the order path writes
//! for it. The computations ([`order_flow`], [`erp_latency`]) are pure functions over order
//! records so they are tested on known data; [`Health`] wires them to the ports.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use switchyard_channels::ChannelDirectory;
use switchyard_failures::{FailureFilter, FailureRecord, FailureStore};
use switchyard_inventory::pusher::{PushSummary, summary_key};
use switchyard_model::OrderStatus;
use switchyard_orders::{OrderActivity, OrderRecord};
use switchyard_projections::ProjectionStore;

use crate::dlq::{self, DlqError, DlqMessage, DlqSummary, OpsPorts};

/// How far back an order may have been received and still have been accepted or rejected within
/// the window: the orders read are those received in the window plus this. An order posted
/// within the window after waiting longer than this (a DLQ redriven days later) is not counted.
pub const LOOKBACK: Duration = Duration::hours(24);

/// Why a health read failed.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// A store (orders, failures, channels, catalog) failed.
    #[error("{0}")]
    Store(String),
    /// SQS failed.
    #[error(transparent)]
    Queues(#[from] DlqError),
}

fn store_error(e: impl std::fmt::Display) -> HealthError {
    HealthError::Store(e.to_string())
}

/// One channel's orders in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelFlow {
    /// The channel.
    pub channel: String,
    /// Orders received in the window.
    pub received: u64,
    /// Orders the ERP accepted in the window.
    pub accepted: u64,
    /// Orders the ERP rejected in the window.
    pub rejected: u64,
}

/// Per channel (sorted by name), what entered `RECEIVED`, `ACCEPTED` and `REJECTED` at or after
/// `since`, from each record's status history.
pub fn order_flow(records: &[OrderRecord], since: DateTime<Utc>) -> Vec<ChannelFlow> {
    let mut flows: BTreeMap<String, ChannelFlow> = BTreeMap::new();
    for record in records {
        let channel = record.order.channel.to_string();
        for change in record.history.iter().filter(|c| c.at >= since) {
            let flow = flows.entry(channel.clone()).or_insert_with(|| ChannelFlow {
                channel: channel.clone(),
                ..ChannelFlow::default()
            });
            match change.status {
                OrderStatus::Received => flow.received += 1,
                OrderStatus::Accepted => flow.accepted += 1,
                OrderStatus::Rejected => flow.rejected += 1,
                _ => {}
            }
        }
    }
    flows.into_values().collect()
}

/// ERP posting latency over the window, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// Orders the ERP answered (accepted or rejected) in the window.
    pub count: u64,
    /// The median (nearest rank), if any order was answered.
    pub p50_ms: Option<i64>,
    /// The 99th percentile (nearest rank).
    pub p99_ms: Option<i64>,
    /// The slowest.
    pub max_ms: Option<i64>,
}

/// The nearest-rank percentile `p` (0 < p ≤ 1) of sorted `values`.
fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: the smallest value with at least p of the values at or below it.
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// From `RECEIVED` to the ERP's answer (`ACCEPTED` or `REJECTED`), for the orders answered at or
/// after `since`: what a channel waits for its order to be in the ERP, queue time and retries
/// included (the record holds no finer timestamps, and the order path writes none for this).
pub fn erp_latency(records: &[OrderRecord], since: DateTime<Utc>) -> Latency {
    let mut samples: Vec<i64> = records
        .iter()
        .filter_map(|record| {
            let received = record
                .history
                .iter()
                .find(|c| c.status == OrderStatus::Received)?;
            let answered = record.history.iter().find(|c| {
                matches!(c.status, OrderStatus::Accepted | OrderStatus::Rejected) && c.at >= since
            })?;
            Some((answered.at - received.at).num_milliseconds().max(0))
        })
        .collect();
    samples.sort_unstable();
    Latency {
        count: samples.len() as u64,
        p50_ms: nearest_rank(&samples, 0.50),
        p99_ms: nearest_rank(&samples, 0.99),
        max_ms: samples.last().copied(),
    }
}

/// One queue's depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueDepth {
    /// Queue name.
    pub name: String,
    /// Whether it is a dead-letter queue.
    pub dead_letter: bool,
    /// Visible messages.
    pub depth: u64,
    /// Received and not yet deleted or released.
    pub in_flight: u64,
    /// Sent with a delay not yet over.
    pub delayed: u64,
    /// Age of its oldest message in seconds; measured for DLQs only (see [`QueueReader`]).
    pub oldest_age_seconds: Option<i64>,
}

/// A DLQ with its messages and their failure records.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetters {
    /// The queue, as `switchyard dlq list` shows it.
    #[serde(flatten)]
    pub summary: DlqSummary,
    /// Up to the limit of its messages, each with its failure record (why it failed).
    pub messages: Vec<DlqMessage>,
}

/// Reads the queues.
///
/// The age of the oldest message is measured for DLQs only, by `switchyard dlq list`'s peek:
/// SQS answers it only as a CloudWatch metric, and peeking a working queue would count as a
/// delivery (the receive count moves messages to their DLQ sooner).
#[async_trait::async_trait]
pub trait QueueReader: Send + Sync {
    /// Every queue of the stack with its depth.
    async fn queues(&self) -> Result<Vec<QueueDepth>, HealthError>;
    /// Every DLQ with up to `limit` of its messages (none consumed).
    async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetters>, HealthError>;
}

/// [`QueueReader`] over SQS (the stack's queues: those named with `prefix`).
pub struct SqsQueues {
    sqs: aws_sdk_sqs::Client,
    ports: OpsPorts,
    prefix: Option<String>,
}

impl SqsQueues {
    /// Reads the queues starting with `prefix` (all when `None`); `ports` find the failure
    /// records of DLQ messages.
    pub fn new(sqs: aws_sdk_sqs::Client, ports: OpsPorts, prefix: Option<String>) -> Self {
        Self { sqs, ports, prefix }
    }
}

#[async_trait::async_trait]
impl QueueReader for SqsQueues {
    async fn queues(&self) -> Result<Vec<QueueDepth>, HealthError> {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let sqs_error = |operation: &'static str, e: String| DlqError::Sqs {
            operation,
            message: e,
        };
        let dlqs = dlq::list(&self.sqs, self.prefix.as_deref()).await?;
        let mut urls = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .sqs
                .list_queues()
                .set_queue_name_prefix(self.prefix.clone())
                .set_next_token(token)
                .max_results(1000)
                .send()
                .await
                .map_err(|e| {
                    sqs_error(
                        "ListQueues",
                        aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
                    )
                })?;
            urls.extend(page.queue_urls.unwrap_or_default());
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        let mut depths = Vec::new();
        for url in urls {
            let attributes = self
                .sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(A::ApproximateNumberOfMessages)
                .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
                .attribute_names(A::ApproximateNumberOfMessagesDelayed)
                .send()
                .await
                .map_err(|e| {
                    sqs_error(
                        "GetQueueAttributes",
                        aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
                    )
                })?
                .attributes
                .unwrap_or_default();
            let number = |name: A| {
                attributes
                    .get(&name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let name = url.rsplit('/').next().unwrap_or(&url).to_string();
            let dead = dlqs.iter().find(|d| d.name == name);
            depths.push(QueueDepth {
                dead_letter: dead.is_some(),
                depth: number(A::ApproximateNumberOfMessages),
                in_flight: number(A::ApproximateNumberOfMessagesNotVisible),
                delayed: number(A::ApproximateNumberOfMessagesDelayed),
                oldest_age_seconds: dead.and_then(|d| d.oldest_age_seconds),
                name,
            });
        }
        depths.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(depths)
    }

    async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetters>, HealthError> {
        let mut found = Vec::new();
        for summary in dlq::list(&self.sqs, self.prefix.as_deref()).await? {
            // An empty DLQ is not scanned: each scan hides what it reads for a moment.
            let messages = if summary.depth + summary.in_flight == 0 {
                Vec::new()
            } else {
                let queue = dlq::resolve(&self.sqs, &summary.url, self.prefix.as_deref()).await?;
                dlq::show(&self.sqs, &self.ports, &queue, &[], limit).await?
            };
            found.push(DeadLetters { summary, messages });
        }
        Ok(found)
    }
}

/// [`QueueReader`] with fixed answers: the twin handler tests use.
#[derive(Default)]
pub struct FixedQueues {
    /// What [`QueueReader::queues`] answers.
    pub queues: Vec<QueueDepth>,
    /// What [`QueueReader::dead_letters`] answers (cut to the limit).
    pub dead_letters: Vec<DeadLetters>,
}

#[async_trait::async_trait]
impl QueueReader for FixedQueues {
    async fn queues(&self) -> Result<Vec<QueueDepth>, HealthError> {
        Ok(self.queues.clone())
    }
    async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetters>, HealthError> {
        Ok(self
            .dead_letters
            .iter()
            .cloned()
            .map(|mut d| {
                if limit > 0 {
                    d.messages.truncate(limit);
                }
                d
            })
            .collect())
    }
}

/// One channel's inventory lag, from its stock pusher's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelLag {
    /// The channel.
    pub channel: String,
    /// Its kind (`shopify`, …).
    pub kind: String,
    /// When it last acknowledged a push.
    pub last_push_at: Option<DateTime<Utc>>,
    /// ERP change → channel acknowledgement of the newest level in that push, in ms.
    pub last_lag_ms: Option<i64>,
    /// The last failure after that push, if any.
    pub last_failure: Option<String>,
}

/// The stores and queues health reads.
#[derive(Clone)]
pub struct Health {
    /// Order records (the orders table).
    pub orders: Arc<dyn OrderActivity>,
    /// Failure records (the ops table).
    pub failures: Arc<dyn FailureStore>,
    /// Channels (which push stock).
    pub channels: Arc<dyn ChannelDirectory>,
    /// The catalog table (the pushers' summaries).
    pub catalog: Arc<dyn ProjectionStore>,
    /// The queues.
    pub queues: Arc<dyn QueueReader>,
}

/// The orders part of health: the flow per channel and the ERP latency over one window.
#[derive(Debug, Clone, Serialize)]
pub struct OrdersHealth {
    /// The window's start.
    pub since: DateTime<Utc>,
    /// Per channel.
    pub channels: Vec<ChannelFlow>,
    /// ERP posting latency.
    pub erp_latency: Latency,
}

impl Health {
    /// Orders per channel and ERP latency over the `window` before `now`.
    pub async fn orders(
        &self,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<OrdersHealth, HealthError> {
        let since = now - window;
        let records = self
            .orders
            .received_since(since - LOOKBACK)
            .await
            .map_err(store_error)?;
        Ok(OrdersHealth {
            since,
            channels: order_flow(&records, since),
            erp_latency: erp_latency(&records, since),
        })
    }

    /// Open failure records, most recent first, at most `limit` (0: all).
    pub async fn open_failures(&self, limit: usize) -> Result<Vec<FailureRecord>, HealthError> {
        self.failures
            .list(&FailureFilter {
                open: Some(true),
                limit,
                ..FailureFilter::default()
            })
            .await
            .map_err(store_error)
    }

    /// Every stock-pushing channel's lag (sorted by name).
    pub async fn inventory_lag(&self) -> Result<Vec<ChannelLag>, HealthError> {
        let mut channels: Vec<_> = self
            .channels
            .list()
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|c| c.stock_push.is_some())
            .collect();
        channels.sort_by(|a, b| a.name.cmp(&b.name));
        let keys: Vec<_> = channels
            .iter()
            .map(|c| summary_key(c.name.as_str()))
            .collect();
        let summaries = if keys.is_empty() {
            Vec::new()
        } else {
            self.catalog.get_many(&keys).await.map_err(store_error)?
        };
        Ok(channels
            .iter()
            .zip(summaries.into_iter().chain(std::iter::repeat(None)))
            .map(|(channel, stored)| {
                let summary: PushSummary = stored
                    .and_then(|s| serde_json::from_value(s.doc).ok())
                    .unwrap_or_default();
                ChannelLag {
                    channel: channel.name.to_string(),
                    kind: serde_json::to_value(channel.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    last_push_at: summary.last_push_at,
                    last_lag_ms: summary.last_lag_ms,
                    last_failure: summary.last_failure.map(|f| f.reason),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_on_known_data() {
        let values: Vec<i64> = (1..=100).collect();
        assert_eq!(nearest_rank(&values, 0.50), Some(50));
        assert_eq!(nearest_rank(&values, 0.99), Some(99));
        assert_eq!(nearest_rank(&[7], 0.99), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3], 0.50), Some(2));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }
}
