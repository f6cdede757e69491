//! The port order records are kept behind.

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
    /// Replaces a record read at `expected_version`.
    async fn save(
        &self,
        record: &OrderRecord,
        expected_version: u64,
    ) -> Result<(), OrderStoreError>;
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
