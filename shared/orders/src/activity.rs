//! [`OrderActivity`]: the order records received since a moment, for the operators' flow health
//! (the ops API). Read-only, and nothing on the order path writes anything for it.
//!
//! Order ids are ULIDs, which sort by creation time, so "received since T" is "id at or after
//! the smallest ULID of T". The DynamoDB table has no index on time (its hash key is `pk`
//! alone), so the adapter scans with that condition as a filter: see
//! `docs/decisions/0018-ops-health-reads-by-scan.md` for what that costs and when to change it.

use chrono::{DateTime, Utc};
use switchyard_model::OrderId;

use crate::{InMemoryOrderStore, OrderRecord, OrderStoreError};

/// The smallest order id that can have been generated at or after `since`.
pub fn first_id_at(since: DateTime<Utc>) -> OrderId {
    let millis = u64::try_from(since.timestamp_millis()).unwrap_or(0);
    OrderId(ulid::Ulid::from_parts(millis, 0))
}

/// Reads order records by when they were received.
#[async_trait::async_trait]
pub trait OrderActivity: Send + Sync {
    /// Every order record whose order was received at or after `since` (by its id's time).
    async fn received_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<OrderRecord>, OrderStoreError>;
}

#[async_trait::async_trait]
impl OrderActivity for InMemoryOrderStore {
    async fn received_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<OrderRecord>, OrderStoreError> {
        let first = first_id_at(since);
        Ok(self
            .all()
            .into_iter()
            .filter(|r| r.order.id >= first)
            .collect())
    }
}

#[cfg(feature = "dynamodb")]
mod dynamodb {
    use aws_sdk_dynamodb::error::DisplayErrorContext;
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::{DateTime, Utc};
    use switchyard_platform::ServiceError;

    use super::{OrderActivity, first_id_at};
    use crate::{DynamoDbOrderStore, OrderRecord, OrderStoreError};

    #[async_trait::async_trait]
    impl OrderActivity for DynamoDbOrderStore {
        async fn received_since(
            &self,
            since: DateTime<Utc>,
        ) -> Result<Vec<OrderRecord>, OrderStoreError> {
            // `ORDER#` + a ULID sorts by time; `EXTREF#…` items sort before `ORDER#` and are
            // excluded by begins_with. A scan reads (and is billed for) the whole table; the
            // filter only spares the transfer.
            let (client, table) = self.parts();
            let mut records = Vec::new();
            let mut start = None;
            loop {
                let page = client
                    .scan()
                    .table_name(table)
                    .filter_expression("begins_with(pk, :order) AND pk >= :first")
                    .expression_attribute_values(":order", AttributeValue::S("ORDER#".into()))
                    .expression_attribute_values(
                        ":first",
                        AttributeValue::S(format!("ORDER#{}", first_id_at(since))),
                    )
                    .projection_expression("doc")
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| {
                        OrderStoreError::Service(ServiceError::new(
                            "dynamodb",
                            DisplayErrorContext(e),
                        ))
                    })?;
                for item in page.items() {
                    let Some(doc) = item.get("doc").and_then(|v| v.as_s().ok()) else {
                        continue;
                    };
                    match serde_json::from_str(doc) {
                        Ok(record) => records.push(record),
                        // One unreadable record must not blind the operators to the rest.
                        Err(e) => tracing::warn!(error = %e, "unreadable order record skipped"),
                    }
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    return Ok(records);
                }
            }
        }
    }
}
