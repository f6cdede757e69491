//! EDI state in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
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
