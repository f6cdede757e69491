//! Order records in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use switchyard_model::{ChannelName, ExternalId, OrderId};
use switchyard_platform::ServiceError;

use chrono::{DateTime, SecondsFormat, Utc};
use switchyard_model::OrderStatus;

use crate::store::{StatusEntry, external_key, external_pk, order_pk, status_entered_at};
use crate::{Created, OrderRecord, OrderStore, OrderStoreError, Versioned};

/// Order records in one DynamoDB table (hash key `pk`): `ORDER#<id>` holds the record as JSON with
/// a version; `EXTREF#<channel>#<external id>` makes the external id unique per channel.
///
/// Each order item also carries `status_shard` (`<STATUS>#<0..7>`) and `status_at` (when it
/// entered that status, RFC 3339 to the millisecond, which sorts as time): the keys of the
/// [`STATUS_INDEX`] global secondary index that [`OrderStore::in_status`] queries. Eight shards
/// per status keep one status from being one hot index partition at peak intake.
#[derive(Debug, Clone)]
pub struct DynamoDbOrderStore {
    client: Client,
    table: String,
}

impl DynamoDbOrderStore {
    /// A store over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The client and table, for the read-only queries beside the port (`activity`).
    pub(crate) fn parts(&self) -> (&Client, &str) {
        (&self.client, &self.table)
    }

    fn order_item(record: &OrderRecord, version: u64) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".into(), AttributeValue::S(order_pk(record.order.id))),
            (
                "doc".into(),
                AttributeValue::S(serde_json::to_string(record).expect("records serialise")),
            ),
            ("version".into(), AttributeValue::N(version.to_string())),
            (
                "status".into(),
                AttributeValue::S(record.status.as_str().into()),
            ),
            (
                "channel".into(),
                AttributeValue::S(record.order.channel.to_string()),
            ),
            (
                STATUS_SHARD.into(),
                AttributeValue::S(status_shard(record.status, shard_of(record.order.id))),
            ),
            (
                STATUS_AT.into(),
                AttributeValue::S(sortable_time(status_entered_at(record))),
            ),
        ])
    }
}

/// The global secondary index over (`status_shard`, `status_at`); Terraform creates it
/// (`infra/modules/tables`), projecting `channel`.
pub const STATUS_INDEX: &str = "by-status";
/// The index's hash key attribute.
pub const STATUS_SHARD: &str = "status_shard";
/// The index's range key attribute.
pub const STATUS_AT: &str = "status_at";
/// Shards per status.
pub const STATUS_SHARDS: u32 = 8;

fn shard_of(id: OrderId) -> u32 {
    id.to_string()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % STATUS_SHARDS
}

fn status_shard(status: OrderStatus, shard: u32) -> String {
    format!("{}#{shard}", status.as_str())
}

fn sortable_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn dynamo_err(e: impl std::error::Error + 'static) -> OrderStoreError {
    OrderStoreError::Service(ServiceError::new("dynamodb", DisplayErrorContext(e)))
}

#[async_trait::async_trait]
impl OrderStore for DynamoDbOrderStore {
    async fn create(&self, record: &OrderRecord) -> Result<Created, OrderStoreError> {
        let put_order = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::order_item(record, 1)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("put is complete");
        let put_external = Put::builder()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(external_pk(record)))
            .item("order_id", AttributeValue::S(record.order.id.to_string()))
            .item(
                "idempotency_key",
                AttributeValue::S(record.idempotency_key.clone()),
            )
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .expect("put is complete");
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_order).build())
            .transact_items(TransactWriteItem::builder().put(put_external).build())
            .send()
            .await;
        let Err(e) = written else {
            return Ok(Created::New);
        };
        let cancelled = e
            .as_service_error()
            .is_some_and(|se| se.is_transaction_canceled_exception());
        if !cancelled {
            return Err(dynamo_err(e));
        }
        // The order id is fresh, so a cancelled transaction means the external id is taken.
        let existing = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(external_pk(record)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err)?;
        let item = existing.item().ok_or_else(|| {
            OrderStoreError::Service(ServiceError::new(
                "dynamodb",
                "transaction cancelled without a taken external id",
            ))
        })?;
        let text = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        Ok(Created::ExternalIdTaken {
            order_id: text("order_id").parse().map_err(|_| {
                OrderStoreError::Service(ServiceError::new(
                    "dynamodb",
                    "bad order id in EXTREF item",
                ))
            })?,
            idempotency_key: text("idempotency_key"),
        })
    }

    async fn find_external(
        &self,
        channel: &ChannelName,
        external_id: &ExternalId,
    ) -> Result<Option<OrderId>, OrderStoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(external_key(channel, external_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err)?;
        Ok(out
            .item()
            .and_then(|item| item.get("order_id"))
            .and_then(|v| v.as_s().ok())
            .and_then(|id| id.parse().ok()))
    }

    async fn get(&self, id: OrderId) -> Result<Option<Versioned<OrderRecord>>, OrderStoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(order_pk(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err)?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let doc = item.get("doc").and_then(|v| v.as_s().ok()).ok_or_else(|| {
            OrderStoreError::Service(ServiceError::new("dynamodb", "order item without doc"))
        })?;
        let version = item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let value = serde_json::from_str(doc).map_err(|e| {
            OrderStoreError::Service(ServiceError::new(
                "dynamodb",
                format!("unreadable order record: {e}"),
            ))
        })?;
        Ok(Some(Versioned { value, version }))
    }

    async fn save(
        &self,
        record: &OrderRecord,
        expected_version: u64,
    ) -> Result<(), OrderStoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::order_item(record, expected_version + 1)))
            .condition_expression("version = :expected")
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(expected_version.to_string()),
            )
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(OrderStoreError::VersionConflict)
            }
            Err(e) => Err(dynamo_err(e)),
        }
    }

    async fn in_status(
        &self,
        status: OrderStatus,
        entered: std::ops::RangeInclusive<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<StatusEntry>, OrderStoreError> {
        let mut found = vec![];
        for shard in 0..STATUS_SHARDS {
            let mut pages = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(STATUS_INDEX)
                .key_condition_expression("#shard = :shard AND #at BETWEEN :from AND :to")
                .expression_attribute_names("#shard", STATUS_SHARD)
                .expression_attribute_names("#at", STATUS_AT)
                .expression_attribute_values(
                    ":shard",
                    AttributeValue::S(status_shard(status, shard)),
                )
                .expression_attribute_values(
                    ":from",
                    AttributeValue::S(sortable_time(*entered.start())),
                )
                .expression_attribute_values(
                    ":to",
                    AttributeValue::S(sortable_time(*entered.end())),
                )
                .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
                .into_paginator()
                .items()
                .send();
            let mut in_shard = 0;
            while in_shard < limit {
                let Some(item) = pages.next().await else {
                    break;
                };
                let item = item.map_err(dynamo_err)?;
                in_shard += 1;
                found.push(status_entry(&item).ok_or_else(|| {
                    OrderStoreError::Service(ServiceError::new(
                        "dynamodb",
                        "an order index entry without pk, channel or status_at",
                    ))
                })?);
            }
        }
        found.sort_by_key(|e| (e.entered_at, e.order_id.to_string()));
        found.truncate(limit);
        Ok(found)
    }
}

fn status_entry(item: &HashMap<String, AttributeValue>) -> Option<StatusEntry> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    Some(StatusEntry {
        order_id: text("pk")?.strip_prefix("ORDER#")?.parse().ok()?,
        channel: ChannelName::try_from(text("channel")?.as_str()).ok()?,
        entered_at: DateTime::parse_from_rfc3339(text(STATUS_AT)?)
            .ok()?
            .with_timezone(&Utc),
    })
}
