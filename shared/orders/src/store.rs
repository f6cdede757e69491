//! The port order records are kept behind.

use chrono::{DateTime, Utc};
use switchyard_model::OrderStatus;
use switchyard_model::{ChannelName, ExternalId, OrderId};
use switchyard_platform::ServiceError;

use crate::OrderRecord;

/// A record with the version it was read at, for optimistic concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Its version; a save must name it.
    pub version: u64,
}

/// What happened when a new order was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Stored as new.
    New,
    /// The channel already has an order with this external id.
    ExternalIdTaken {
        /// The existing order.
        order_id: OrderId,
        /// The key the existing order was submitted with.
        idempotency_key: String,
    },
}

/// What taking the posting lease on an order found ([`OrderStore::lease`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Leased {
    /// The order is still `RECEIVED` and the lease is ours: here is the record, read in the
    /// same call. Saving it in a final status ends the lease.
    Taken(Versioned<OrderRecord>),
    /// The order has already left `RECEIVED`; no lease is needed to finish it.
    Final(Versioned<OrderRecord>),
    /// Another delivery holds the lease until then.
    Held {
        /// When that lease ends.
        until: DateTime<Utc>,
    },
    /// No such order.
    Missing,
}

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderStoreError {
    /// Someone saved the record since it was read; read again.
    #[error("the order record changed since it was read")]
    VersionConflict,
    /// The store failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Where order records live.
#[async_trait::async_trait]
pub trait OrderStore: Send + Sync {
    /// Stores a new record, unless the channel already used its external id.
    async fn create(&self, record: &OrderRecord) -> Result<Created, OrderStoreError>;
    /// The order a channel submitted under `external_id`, if any.
    async fn find_external(
        &self,
        channel: &ChannelName,
        external_id: &ExternalId,
    ) -> Result<Option<OrderId>, OrderStoreError>;
    /// Reads a record.
    async fn get(&self, id: OrderId) -> Result<Option<Versioned<OrderRecord>>, OrderStoreError>;
    /// Takes the lease on posting the order for `owner` until `until`, unless another owner's
    /// lease is still running at `now`, and reads the record in the same request: the one write
    /// that keeps two deliveries of one order from posting it twice (decision 0026). Another
    /// writer's save keeps the lease; a save that moves the order out of `RECEIVED` ends it.
    async fn lease(
        &self,
        id: OrderId,
        owner: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Leased, OrderStoreError>;
    /// Gives up `owner`'s lease, so the next delivery need not wait for it to run out.
    async fn release_lease(&self, id: OrderId, owner: &str) -> Result<(), OrderStoreError>;
    /// Replaces a record read at `expected_version`.
    async fn save(
        &self,
        record: &OrderRecord,
        expected_version: u64,
    ) -> Result<(), OrderStoreError>;
    /// Orders now in `status` that entered it within `entered` (inclusive), those that entered
    /// it first first, at most `limit`: what reconciliation and the ops page scan (orders
    /// stuck `RECEIVED`, recently `ACCEPTED`) without reading the whole table.
    async fn in_status(
        &self,
        status: OrderStatus,
        entered: std::ops::RangeInclusive<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<StatusEntry>, OrderStoreError>;
}

/// An order found by [`OrderStore::in_status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The order.
    pub order_id: OrderId,
    /// Its channel.
    pub channel: ChannelName,
    /// When it entered its current status.
    pub entered_at: DateTime<Utc>,
}

/// When `record` entered its current status (its last history entry; every record has one,
/// from its receipt).
pub fn status_entered_at(record: &OrderRecord) -> DateTime<Utc> {
    record
        .history
        .last()
        .map(|change| change.at)
        .unwrap_or_default()
}

#[cfg(feature = "dynamodb")]
pub(crate) fn order_pk(id: OrderId) -> String {
    format!("ORDER#{id}")
}

pub(crate) fn external_pk(record: &OrderRecord) -> String {
    external_key(&record.order.channel, &record.order.external_id)
}

pub(crate) fn external_key(channel: &ChannelName, external_id: &ExternalId) -> String {
    format!("EXTREF#{channel}#{external_id}")
}
