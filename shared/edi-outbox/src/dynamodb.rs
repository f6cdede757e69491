//! EDI state in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use switchyard_model::{ChannelName, OrderId};
use switchyard_platform::ServiceError;

use crate::{EdiStore, OutboxDocument};

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

/// Most items in one `TransactWriteItems` (DynamoDB's quota).
const MAX_TRANSACTION_ITEMS: usize = 100;
/// Bytes of items in one transaction, well inside DynamoDB's 4 MB so that keys and names fit.
const MAX_TRANSACTION_BYTES: usize = 3 * 1024 * 1024;

fn document_item(document: &OutboxDocument) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".into(), s(format!("OUTBOX#{}", document.channel))),
        ("sk".into(), s(format!("doc#{}", document.id))),
        (
            "doc".into(),
            s(serde_json::to_string(document).expect("documents serialise")),
        ),
    ])
}

fn context_item(order_id: OrderId, context: &serde_json::Value) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".into(), s(format!("PENDING#{order_id}"))),
        ("sk".into(), s("ack")),
        ("doc".into(), s(context.to_string())),
    ])
}

fn item_bytes(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(k, v)| k.len() + v.as_s().map_or(0, String::len))
        .sum()
}

fn put(table: &str, item: HashMap<String, AttributeValue>, only_new: bool) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(only_new.then(|| "attribute_not_exists(sk)".to_string()))
        .build()
        .expect("a put names its table and item");
    TransactWriteItem::builder().put(put).build()
}

/// Whether a transaction was refused because an item's condition failed.
fn condition_failed(e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
            .cancellation_reasons()
            .iter()
            .any(|r| r.code() == Some("ConditionalCheckFailed")),
        _ => false,
    }
}

impl DynamoDbEdiStore {
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), ServiceError> {
        if items.is_empty() {
            return Ok(());
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(dynamo)
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
            .set_item(Some(document_item(document)))
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

    async fn put_document_and_contexts(
        &self,
        document: &OutboxDocument,
        contexts: &[(OrderId, serde_json::Value)],
    ) -> Result<(), ServiceError> {
        // One transaction may not touch an item twice: the last context of an order wins.
        let mut unique: Vec<(OrderId, &serde_json::Value)> = Vec::new();
        for (order_id, context) in contexts {
            match unique.iter_mut().find(|(id, _)| id == order_id) {
                Some(kept) => kept.1 = context,
                None => unique.push((*order_id, context)),
            }
        }
        // Contexts in transactions that fit DynamoDB's quotas; the document goes in the last.
        let mut chunks: Vec<Vec<HashMap<String, AttributeValue>>> = vec![Vec::new()];
        let mut bytes = 0;
        let answer = document_item(document);
        let answer_bytes = item_bytes(&answer);
        for (order_id, context) in unique {
            let item = context_item(order_id, context);
            let size = item_bytes(&item);
            let chunk = chunks.last_mut().expect("never empty");
            if !chunk.is_empty()
                && (chunk.len() + 1 >= MAX_TRANSACTION_ITEMS
                    || bytes + size + answer_bytes > MAX_TRANSACTION_BYTES)
            {
                chunks.push(Vec::new());
                bytes = 0;
            }
            bytes += size;
            chunks.last_mut().expect("never empty").push(item);
        }
        let last = chunks.pop().expect("never empty");
        for chunk in chunks {
            self.transact(
                chunk
                    .into_iter()
                    .map(|i| put(&self.table, i, false))
                    .collect(),
            )
            .await?;
        }
        let mut items: Vec<TransactWriteItem> = last
            .iter()
            .cloned()
            .map(|i| put(&self.table, i, false))
            .collect();
        items.push(put(&self.table, answer, true));
        let written = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            // The document was written before (this answer, written again): the contexts still
            // go in, without it.
            Err(e) if condition_failed(&e) => {
                self.transact(
                    last.into_iter()
                        .map(|i| put(&self.table, i, false))
                        .collect(),
                )
                .await
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
            .set_item(Some(context_item(order_id, pending)))
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
