//! What failed, why, and what operators did about it.
//!
//! Every queue consumer reports a failed message as a [`Failure`], keyed by the work's business
//! identity ([`FailureKey`]: the flow and the order id, envelope id or channel and SKU), never by
//! the SQS message id, which changes on every redrive. The store folds repeats into one
//! [`FailureRecord`] (attempts, first and last failure, when it reached a DLQ). When the same key
//! later succeeds, the consumer [`FailureStore::resolve`]s it, saying how, so an operator's list
//! of open failures is what still needs a person.
//!
//! Every operator action (redrive, edit, purge, replay, retry) appends an [`AuditEntry`] to the
//! [`AuditLog`]: who, when, what, how many, and the outcome. Entries are never changed.
//!
//! Adapters: DynamoDB (feature `dynamodb`, the ops table) and in-memory twins held to the same
//! contract (feature `contract`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
#[cfg(feature = "contract")]
pub mod contract;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod memory;
mod recorder;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_platform::ServiceError;

pub use batch::{Classify, Received, each_message, item_failure};
#[cfg(feature = "dynamodb")]
pub use dynamodb::{DynamoDbAuditLog, DynamoDbFailureStore};
pub use memory::{InMemoryAuditLog, InMemoryFailureStore};
pub use recorder::FailureRecorder;

/// What kind of failure it is, which says what will fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// A dependency was down or slow (ERP, channel, AWS): retrying later fixes it.
    Transient,
    /// The ERP or the channel refused it as it stands (an unknown SKU, a closed order): a person
    /// fixes the data, then redrives.
    Business,
    /// The message itself can never be handled (unreadable, wrong type): edit it or purge it.
    Poison,
    /// Switchyard did something it should not have (an invariant broke): a developer looks.
    Bug,
}

impl FailureClass {
    /// The wire name (`transient`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Business => "business",
            Self::Poison => "poison",
            Self::Bug => "bug",
        }
    }
}

/// The business identity of a piece of work.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FailureKey {
    /// The flow, named after its queue without the stack prefix (`orders`, `stock-shopify`,
    /// `fulfilment-shopify`, `edi-acknowledgements`, `amazon-notifications`, `erp-changes`).
    pub flow: String,
    /// What the work is about in that flow: the order id, the envelope id, `channel#SKU`, …
    pub subject: String,
}

impl FailureKey {
    /// A key from its two parts.
    pub fn new(flow: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            flow: flow.into(),
            subject: subject.into(),
        }
    }
}

/// The business subject of a queue message body: the order it is about (`payload.order_id`,
/// `payload.order.id`), else its flow's correlation id, else its envelope id; for an Amazon
/// order-change notification, `amazon:<AmazonOrderId>` (every notification about one order is
/// one piece of work); for a body that is none of these, a hash of the bytes (stable across
/// redrives, unlike the SQS message id). EventBridge-delivered bodies carry the envelope in
/// `detail`.
pub fn subject_of(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    if let Some(amazon) = parsed
        .as_ref()
        .and_then(|v| v.pointer("/Payload/OrderChangeNotification/AmazonOrderId"))
        .and_then(|v| v.as_str())
    {
        return format!("amazon:{amazon}");
    }
    let envelope = parsed.as_ref().map(|v| v.get("detail").unwrap_or(v));
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    envelope
        .and_then(|e| {
            let payload = e.get("payload");
            text(payload.and_then(|p| p.get("order_id")))
                .or_else(|| {
                    text(
                        payload
                            .and_then(|p| p.get("order"))
                            .and_then(|o| o.get("id")),
                    )
                })
                .or_else(|| text(e.get("correlation_id")))
                .or_else(|| text(e.get("id")))
        })
        .unwrap_or_else(|| {
            use sha2::Digest;
            format!(
                "body:{}",
                hex::encode(&sha2::Sha256::digest(body.as_bytes())[..8])
            )
        })
}

/// One failed attempt, as a consumer reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What failed.
    pub key: FailureKey,
    /// What kind of failure.
    pub class: FailureClass,
    /// Why, for people (no secrets, no personal data).
    pub error: String,
    /// The function that failed it (`order-processor`).
    pub function: String,
    /// The queue the message came from (its URL or name).
    pub queue: String,
    /// The flow's correlation id (the order id for order flows), if known.
    pub correlation_id: Option<String>,
    /// The channel, if known.
    pub channel: Option<String>,
    /// The SQS message id of this delivery (changes on redrive: informational only).
    pub message_id: Option<String>,
    /// True when this was the last delivery before the queue's DLQ.
    pub dead_lettered: bool,
    /// When it failed.
    pub at: DateTime<Utc>,
}

/// Where a failed message came from, for [`Failure::of_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery<'a> {
    /// The flow (`orders`).
    pub flow: &'a str,
    /// The consuming function (`order-processor`).
    pub function: &'a str,
    /// The queue (its ARN, as the event source mapping names it).
    pub queue: &'a str,
    /// The SQS message id.
    pub message_id: Option<&'a str>,
    /// The body as received.
    pub body: &'a str,
}

impl Failure {
    /// The failure of `delivery`: its key from the body ([`subject_of`]), its channel and
    /// correlation id from the envelope when the body is one.
    pub fn of_message(
        delivery: &Delivery<'_>,
        class: FailureClass,
        error: impl Into<String>,
        dead_lettered: bool,
    ) -> Self {
        let parsed: Option<serde_json::Value> = serde_json::from_str(delivery.body).ok();
        let envelope = parsed.as_ref().map(|v| v.get("detail").unwrap_or(v));
        let text = |field: &str| {
            envelope
                .and_then(|e| e.get(field))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        Failure {
            key: FailureKey::new(delivery.flow, subject_of(delivery.body)),
            class,
            error: error.into(),
            function: delivery.function.to_string(),
            queue: delivery.queue.to_string(),
            correlation_id: text("correlation_id"),
            channel: text("channel"),
            message_id: delivery.message_id.map(str::to_string),
            dead_lettered,
            at: Utc::now(),
        }
    }
}

/// How an open failure was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// When.
    pub at: DateTime<Utc>,
    /// How, for people (`posted after a redrive`, `a newer level was pushed`, `purged by …`).
    pub how: String,
}

/// Everything known about the failures of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// What failed.
    pub key: FailureKey,
    /// The latest attempt's class.
    pub class: FailureClass,
    /// The latest attempt's error.
    pub error: String,
    /// Failed attempts since the record was opened.
    pub attempts: u32,
    /// The first failure.
    pub first_failed_at: DateTime<Utc>,
    /// The latest failure.
    pub last_failed_at: DateTime<Utc>,
    /// The function of the latest attempt.
    pub function: String,
    /// The queue of the latest attempt.
    pub queue: String,
    /// The correlation id, if known.
    pub correlation_id: Option<String>,
    /// The channel, if known.
    pub channel: Option<String>,
    /// The latest attempt's SQS message id.
    pub message_id: Option<String>,
    /// When the message reached the DLQ, if it did.
    pub dead_lettered_at: Option<DateTime<Utc>>,
    /// Set once the same key succeeded (or an operator settled it); `None` while open.
    pub resolution: Option<Resolution>,
}

impl FailureRecord {
    /// True while nobody resolved it.
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::subject_of;

    #[test]
    fn a_message_is_known_by_its_order_then_its_flow_then_its_bytes() {
        let order = r#"{"id":"E1","correlation_id":"C1","payload":{"order":{"id":"O1"}}}"#;
        assert_eq!(subject_of(order), "O1");
        let cancel = r#"{"id":"E2","correlation_id":"C2","payload":{"order_id":"O2"}}"#;
        assert_eq!(subject_of(cancel), "O2");
        let bus = r#"{"detail-type":"InventoryChanged","detail":{"id":"E3","correlation_id":"WIDGET-S","payload":{}}}"#;
        assert_eq!(subject_of(bus), "WIDGET-S");
        let amazon = r#"{"NotificationType":"ORDER_CHANGE","Payload":{"OrderChangeNotification":{"AmazonOrderId":"111-1"}}}"#;
        assert_eq!(subject_of(amazon), "amazon:111-1");
        let garbage = subject_of("{not json");
        assert!(garbage.starts_with("body:"));
        assert_eq!(
            garbage,
            subject_of("{not json"),
            "stable across redeliveries"
        );
    }
}

/// Which records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureFilter {
    /// Only open (`Some(true)`) or only resolved (`Some(false)`) records.
    pub open: Option<bool>,
    /// Only this flow's.
    pub flow: Option<String>,
    /// Only this channel's.
    pub channel: Option<String>,
    /// Only those that failed last at or after this.
    pub since: Option<DateTime<Utc>>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

impl FailureFilter {
    /// Whether `record` passes the filter (adapters that cannot filter server-side use this).
    pub fn admits(&self, record: &FailureRecord) -> bool {
        self.open.is_none_or(|open| record.is_open() == open)
            && self.flow.as_ref().is_none_or(|f| &record.key.flow == f)
            && self
                .channel
                .as_ref()
                .is_none_or(|c| record.channel.as_ref() == Some(c))
            && self.since.is_none_or(|t| record.last_failed_at >= t)
    }
}

/// Where failure records live.
#[async_trait::async_trait]
pub trait FailureStore: Send + Sync {
    /// Folds `failure` into its key's record: a new record if none is open (a resolved one is
    /// reopened as a fresh record: attempts from 1), else one more attempt. Returns the record.
    /// Two consumers recording the same key at once count both attempts.
    async fn record(&self, failure: &Failure) -> Result<FailureRecord, ServiceError>;

    /// Resolves the key's open record, saying `how`; false when none was open.
    async fn resolve(
        &self,
        key: &FailureKey,
        how: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, ServiceError>;

    /// The key's record, open or resolved.
    async fn get(&self, key: &FailureKey) -> Result<Option<FailureRecord>, ServiceError>;

    /// Records passing `filter`, most recently failed first.
    async fn list(&self, filter: &FailureFilter) -> Result<Vec<FailureRecord>, ServiceError>;
}

/// One operator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unique, sorts by time (a ULID).
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: the caller's identity (STS `GetCallerIdentity` ARN on AWS; the local user locally).
    pub actor: String,
    /// What (`dlq.redrive`, `dlq.edit`, `dlq.purge`, `replay`, `orders.retry`).
    pub action: String,
    /// On what (a queue, an order id).
    pub target: String,
    /// How many messages or records it touched.
    pub count: u64,
    /// `ok`, `partial`, `failed`, `dry-run`.
    pub outcome: String,
    /// The rest: filters, rate, the original body of an edited message, errors.
    pub details: serde_json::Value,
}

impl AuditEntry {
    /// A new entry stamped now with a fresh id.
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
    ) -> Self {
        Self {
            id: ulid::Ulid::new().to_string(),
            at: Utc::now(),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            count: 0,
            outcome: "ok".into(),
            details: serde_json::Value::Null,
        }
    }
}

/// The append-only audit trail.
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends `entry`; an entry with the same id is never overwritten (the call fails).
    async fn append(&self, entry: &AuditEntry) -> Result<(), ServiceError>;

    /// Entries at or after `since` (all when `None`), newest first (by time, then id), at most
    /// `limit` (0: all).
    async fn list(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ServiceError>;
}
