//! Order records in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use switchyard_model::{ChannelName, ExternalId, OrderId};
use switchyard_platform::ServiceError;

use chrono::{DateTime, SecondsFormat, Utc};
use switchyard_model::OrderStatus;

use crate::store::{StatusEntry, external_key, external_pk, order_pk, status_entered_at};
use crate::{Created, Leased, OrderRecord, OrderStore, OrderStoreError, Versioned};

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

    /// The two conditional puts that store a new record (the order, and its external id, unique
    /// per channel): what [`OrderStore::create`] writes, for a caller that adds its own items to
    /// the same transaction (decision 0026).
    pub fn create_items(&self, record: &OrderRecord) -> Vec<TransactWriteItem> {
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
        vec![
            TransactWriteItem::builder().put(put_order).build(),
            TransactWriteItem::builder().put(put_external).build(),
        ]
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

/// A record and its version from an order item.
fn versioned_from(
    item: &HashMap<String, AttributeValue>,
) -> Result<Versioned<OrderRecord>, OrderStoreError> {
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
    Ok(Versioned { value, version })
}

fn epoch_ms(t: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(t.timestamp_millis().to_string())
}

fn dynamo_err(e: impl std::error::Error + 'static) -> OrderStoreError {
    OrderStoreError::Service(ServiceError::new("dynamodb", DisplayErrorContext(e)))
}

#[async_trait::async_trait]
impl OrderStore for DynamoDbOrderStore {
    async fn create(&self, record: &OrderRecord) -> Result<Created, OrderStoreError> {
        let written = self
            .client
            .transact_write_items()
            .set_transact_items(Some(self.create_items(record)))
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
        out.item().map(versioned_from).transpose()
    }

    async fn lease(
        &self,
        id: OrderId,
        owner: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Leased, OrderStoreError> {
        let taken = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(order_pk(id)))
            .update_expression("SET lease_owner = :owner, lease_until = :until")
            .condition_expression(
                "attribute_exists(pk) AND #status = :received \
                 AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_string()))
            .expression_attribute_values(":until", epoch_ms(until))
            .expression_attribute_values(":now", epoch_ms(now))
            .expression_attribute_values(
                ":received",
                AttributeValue::S(OrderStatus::Received.as_str().into()),
            )
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let e = match taken {
            Ok(out) => {
                let item = out.attributes().ok_or_else(|| {
                    OrderStoreError::Service(ServiceError::new("dynamodb", "lease without item"))
                })?;
                return Ok(Leased::Taken(versioned_from(item)?));
            }
            Err(e) => e,
        };
        let Some(UpdateItemError::ConditionalCheckFailedException(failed)) = e.as_service_error()
        else {
            return Err(dynamo_err(e));
        };
        let Some(item) = failed.item() else {
            return Ok(Leased::Missing);
        };
        let record = versioned_from(item)?;
        if record.value.status != OrderStatus::Received {
            return Ok(Leased::Final(record));
        }
        let until = item
            .get("lease_until")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or(now);
        Ok(Leased::Held { until })
    }

    async fn release_lease(&self, id: OrderId, owner: &str) -> Result<(), OrderStoreError> {
        let released = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(order_pk(id)))
            .update_expression("REMOVE lease_owner, lease_until")
            .condition_expression("lease_owner = :owner")
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_string()))
            .send()
            .await;
        match released {
            Ok(_) => Ok(()),
            // Someone else's lease by now, or none: nothing of ours to give up.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(dynamo_err(e)),
        }
    }

    async fn save(
        &self,
        record: &OrderRecord,
        expected_version: u64,
    ) -> Result<(), OrderStoreError> {
        // An update, not a put, so that a posting lease on the item survives another writer's
        // save; leaving RECEIVED ends it.
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(order_pk(record.order.id)))
            .condition_expression("version = :expected")
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(expected_version.to_string()),
            );
        let mut sets = vec![];
        for (name, value) in Self::order_item(record, expected_version + 1) {
            if name == "pk" {
                continue;
            }
            sets.push(format!("#{name} = :{name}"));
            update = update
                .expression_attribute_names(format!("#{name}"), &name)
                .expression_attribute_values(format!(":{name}"), value);
        }
        sets.sort();
        let mut expression = format!("SET {}", sets.join(", "));
        if record.status != OrderStatus::Received {
            expression.push_str(" REMOVE lease_owner, lease_until");
        }
        match update.update_expression(expression).send().await {
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
