//! EDI state: the outbox partners collect documents from, the acknowledgements still owed for
//! purchase orders, and interchange control numbers.
//!
//! One DynamoDB table (`pk`, `sk`):
//! * `OUTBOX#<channel>` / `doc#<id>` — a document waiting for the partner (997, 855), removed
//!   when the partner confirms collection;
//! * `PENDING#<order id>` / `ack` — what is needed to acknowledge a purchase order (an 855) once
//!   the ERP has decided, stored as JSON the EDI functions define;
//! * `COUNTER#<channel>` / `isa` — the last interchange control number sent to the partner.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_model::{ChannelName, OrderId};

use crate::ServiceError;

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

fn dynamo(e: impl std::error::Error + 'static) -> ServiceError {
    ServiceError::new("dynamodb", DisplayErrorContext(e))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// The EDI state in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoDbEdiStore {
    client: Client,
    table: String,
}

impl DynamoDbEdiStore {
    /// A store over `table` (hash key `pk`, range key `sk`).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn document_from(item: &HashMap<String, AttributeValue>) -> Result<OutboxDocument, ServiceError> {
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| ServiceError::new("dynamodb", "outbox item without doc"))?;
    serde_json::from_str(doc)
        .map_err(|e| ServiceError::new("dynamodb", format!("unreadable outbox document: {e}")))
}

#[async_trait::async_trait]
impl EdiStore for DynamoDbEdiStore {
    async fn next_control_number(&self, channel: &ChannelName) -> Result<u32, ServiceError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("COUNTER#{channel}")))
            .key("sk", s("isa"))
            .update_expression("ADD n :one")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(dynamo)?;
        let n: u64 = out
            .attributes()
            .and_then(|a| a.get("n"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| ServiceError::new("dynamodb", "counter without a value"))?;
        // ISA13 has nine digits; wrap past 999,999,999 (partners only require uniqueness
        // over a window far shorter than a billion interchanges).
        Ok(((n - 1) % 999_999_999 + 1) as u32)
    }

    async fn put_document(&self, document: &OutboxDocument) -> Result<(), ServiceError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("OUTBOX#{}", document.channel)))
            .item("sk", s(format!("doc#{}", document.id)))
            .item(
                "doc",
                s(serde_json::to_string(document).expect("documents serialise")),
            )
            .condition_expression("attribute_not_exists(sk)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(dynamo(e)),
        }
    }

    async fn documents(&self, channel: &ChannelName) -> Result<Vec<OutboxDocument>, ServiceError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :doc)")
            .expression_attribute_values(":pk", s(format!("OUTBOX#{channel}")))
            .expression_attribute_values(":doc", s("doc#"))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut documents = Vec::new();
        while let Some(item) = pages.next().await {
            documents.push(document_from(&item.map_err(dynamo)?)?);
        }
        documents.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(documents)
    }

    async fn document(
        &self,
        channel: &ChannelName,
        id: &str,
    ) -> Result<Option<OutboxDocument>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("OUTBOX#{channel}")))
            .key("sk", s(format!("doc#{id}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?;
        out.item().map(document_from).transpose()
    }

    async fn collect(&self, channel: &ChannelName, id: &str) -> Result<bool, ServiceError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(format!("OUTBOX#{channel}")))
            .key("sk", s(format!("doc#{id}")))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(dynamo)?;
        Ok(out.attributes().is_some_and(|a| !a.is_empty()))
    }

    async fn put_pending_ack(
        &self,
        order_id: OrderId,
        pending: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("PENDING#{order_id}")))
            .item("sk", s("ack"))
            .item("doc", s(pending.to_string()))
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    async fn pending_ack(
        &self,
        order_id: OrderId,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("PENDING#{order_id}")))
            .key("sk", s("ack"))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?;
        out.item()
            .and_then(|i| i.get("doc"))
            .and_then(|v| v.as_s().ok())
            .map(|doc| {
                serde_json::from_str(doc).map_err(|e| {
                    ServiceError::new("dynamodb", format!("unreadable pending ack: {e}"))
                })
            })
            .transpose()
    }
}

/// EDI state in memory.
#[derive(Debug, Default)]
pub struct InMemoryEdiStore {
    counters: Mutex<HashMap<String, u32>>,
    documents: Mutex<Vec<OutboxDocument>>,
    pending: Mutex<HashMap<OrderId, serde_json::Value>>,
}

impl InMemoryEdiStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl EdiStore for InMemoryEdiStore {
    async fn next_control_number(&self, channel: &ChannelName) -> Result<u32, ServiceError> {
        let mut counters = self.counters.lock().unwrap();
        let n = counters.entry(channel.to_string()).or_insert(0);
        *n += 1;
        Ok(*n)
    }

    async fn put_document(&self, document: &OutboxDocument) -> Result<(), ServiceError> {
        let mut documents = self.documents.lock().unwrap();
        if !documents
            .iter()
            .any(|d| d.channel == document.channel && d.id == document.id)
        {
            documents.push(document.clone());
        }
        Ok(())
    }

    async fn documents(&self, channel: &ChannelName) -> Result<Vec<OutboxDocument>, ServiceError> {
        Ok(self
            .documents
            .lock()
            .unwrap()
            .iter()
            .filter(|d| &d.channel == channel)
            .cloned()
            .collect())
    }

    async fn document(
        &self,
        channel: &ChannelName,
        id: &str,
    ) -> Result<Option<OutboxDocument>, ServiceError> {
        Ok(self
            .documents
            .lock()
            .unwrap()
            .iter()
            .find(|d| &d.channel == channel && d.id == id)
            .cloned())
    }

    async fn collect(&self, channel: &ChannelName, id: &str) -> Result<bool, ServiceError> {
        let mut documents = self.documents.lock().unwrap();
        let before = documents.len();
        documents.retain(|d| !(&d.channel == channel && d.id == id));
        Ok(documents.len() < before)
    }

    async fn put_pending_ack(
        &self,
        order_id: OrderId,
        pending: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        self.pending
            .lock()
            .unwrap()
            .insert(order_id, pending.clone());
        Ok(())
    }

    async fn pending_ack(
        &self,
        order_id: OrderId,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        Ok(self.pending.lock().unwrap().get(&order_id).cloned())
    }
}
