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
    /// Remembers what acknowledging each order of an interchange needs, then adds `document`
    /// (the interchange's 997, 999 or CONTRL) to the outbox unless its id is there: one write
    /// for the common interchange rather than one per order and one for the document. The
    /// document is written last, so once it is listed every context is there.
    async fn put_document_and_contexts(
        &self,
        document: &OutboxDocument,
        contexts: &[(OrderId, serde_json::Value)],
    ) -> Result<(), ServiceError>;
    /// What acknowledging `order_id` needs, if it came by EDI.
    async fn pending_ack(
        &self,
        order_id: OrderId,
    ) -> Result<Option<serde_json::Value>, ServiceError>;
}

/// The body of `GET /v1/edi/outbox`: what waits for the partner, oldest first.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Listing {
    /// One entry per document not yet collected.
    pub documents: Vec<Listed>,
}

/// One entry of `GET /v1/edi/outbox`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Listed {
    /// The document's id, for `GET` and `DELETE /v1/edi/outbox/{id}`.
    pub id: String,
    /// Its X12 transaction set (`997`, `855`, `856`, `810`, `846`) or `TA1`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When Switchyard wrote it.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The Switchyard orders it is about.
    pub order_ids: Vec<String>,
    /// Where to fetch it.
    pub url: String,
}
