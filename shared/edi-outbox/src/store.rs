//! The EDI store port and the documents it holds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_model::{ChannelName, OrderId};
use switchyard_platform::ServiceError;

/// A document waiting in a partner's outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxDocument {
    /// Unique within the channel (`855-<order id>`, `997-<ulid>`); the same id twice is one
    /// document, so a repeated acknowledgement does not duplicate it.
    pub id: String,
    /// The owning channel.
    pub channel: ChannelName,
    /// The transaction set (`997`, `855`).
    pub kind: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// The Switchyard orders it concerns.
    pub order_ids: Vec<String>,
    /// The interchange, ready to send.
    pub content: String,
}

/// Where EDI state lives.
#[async_trait::async_trait]
pub trait EdiStore: Send + Sync {
    /// The next interchange control number for documents sent to `channel` (1, 2, …).
    async fn next_control_number(&self, channel: &ChannelName) -> Result<u32, ServiceError>;
    /// Adds a document to the outbox unless one with its id is already there.
    async fn put_document(&self, document: &OutboxDocument) -> Result<(), ServiceError>;
    /// The channel's uncollected documents, oldest first.
    async fn documents(&self, channel: &ChannelName) -> Result<Vec<OutboxDocument>, ServiceError>;
    /// One document.
    async fn document(
        &self,
        channel: &ChannelName,
        id: &str,
    ) -> Result<Option<OutboxDocument>, ServiceError>;
    /// Removes a collected document; false when there was none.
    async fn collect(&self, channel: &ChannelName, id: &str) -> Result<bool, ServiceError>;
    /// Remembers what acknowledging `order_id` will need.
    async fn put_pending_ack(
        &self,
        order_id: OrderId,
        pending: &serde_json::Value,
    ) -> Result<(), ServiceError>;
    /// What acknowledging `order_id` needs, if it came by EDI.
    async fn pending_ack(
        &self,
        order_id: OrderId,
    ) -> Result<Option<serde_json::Value>, ServiceError>;
}
