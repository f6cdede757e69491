//! Order records: the order as accepted, where it is, and the events its changes produce.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_model::contract::v1::{
    Cancellation, CancellationState, OrderBodyV1, OrderView, Rejection, StatusChange,
};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_model::events::{
    OrderAccepted, OrderCancellationFailed, OrderCancelled, OrderRejected,
};
use switchyard_model::{ChannelName, ExternalId, Order, OrderId, OrderStatus, TransitionError};

use crate::ServiceError;

/// Everything Switchyard knows about one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// The order as accepted by the API.
    pub order: Order,
    /// Where it is now.
    pub status: OrderStatus,
    /// Every status entered, oldest first.
    pub history: Vec<StatusChange>,
    /// The ERP's document number once accepted.
    pub erp_reference: Option<String>,
    /// Why the ERP refused it.
    pub rejection: Option<Rejection>,
    /// The `Idempotency-Key` it was submitted with; a retry under the same key resumes it.
    pub idempotency_key: String,
    /// The last transient failure while posting to the ERP, for operators.
    pub last_error: Option<String>,
    /// The channel's cancellation request and its outcome.
    #[serde(default)]
    pub cancellation: Option<Cancellation>,
    /// Events recorded with a status change and not yet published. Publishing happens after the
    /// change is saved; a crash in between leaves them here for the next delivery to publish, with
    /// the same envelope id, so consumers can de-duplicate.
    pub outbox: Vec<Envelope<serde_json::Value>>,
}

impl OrderRecord {
    /// A freshly received order.
    pub fn received(order: Order, idempotency_key: impl Into<String>, now: DateTime<Utc>) -> Self {
        OrderRecord {
            order,
            status: OrderStatus::Received,
            history: vec![StatusChange {
                status: OrderStatus::Received,
                at: now,
            }],
            erp_reference: None,
            rejection: None,
            idempotency_key: idempotency_key.into(),
            last_error: None,
            cancellation: None,
            outbox: vec![],
        }
    }

    fn enter(&mut self, to: OrderStatus, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.status = self.status.transition(to)?;
        self.history.push(StatusChange {
            status: to,
            at: now,
        });
        Ok(())
    }

    fn record_event<T: Message>(&mut self, payload: T) {
        let envelope = Envelope::new(
            self.order.channel.to_string(),
            self.order.id.to_string(),
            payload,
        );
        self.outbox.push(Envelope {
            id: envelope.id,
            kind: envelope.kind,
            version: envelope.version,
            occurred_at: envelope.occurred_at,
            correlation_id: envelope.correlation_id,
            channel: envelope.channel,
            payload: serde_json::to_value(envelope.payload).expect("events serialise"),
        });
    }

    /// The ERP confirmed the order as `erp_reference`; records `OrderAccepted` in the outbox.
    pub fn accept(
        &mut self,
        erp_reference: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.enter(OrderStatus::Accepted, now)?;
        self.erp_reference = Some(erp_reference.to_string());
        self.last_error = None;
        self.record_event(OrderAccepted {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            erp_reference: erp_reference.to_string(),
            accepted_at: now,
        });
        Ok(())
    }

    /// The ERP refused the order; records `OrderRejected` in the outbox.
    pub fn reject(
        &mut self,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.enter(OrderStatus::Rejected, now)?;
        self.rejection = Some(Rejection {
            code: code.to_string(),
            message: message.to_string(),
        });
        self.last_error = None;
        self.record_event(OrderRejected {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            code: code.to_string(),
            message: message.to_string(),
            rejected_at: now,
        });
        Ok(())
    }

    /// Notes the channel's cancellation request, unless one is already noted.
    pub fn request_cancellation(&mut self, reason: Option<String>, at: DateTime<Utc>) {
        if self.cancellation.is_none() {
            self.cancellation = Some(Cancellation {
                requested_at: at,
                reason,
                state: CancellationState::Pending,
                detail: None,
            });
        }
    }

    /// The order is cancelled, with its ERP sale if it had one; records `OrderCancelled`.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.enter(OrderStatus::Cancelled, now)?;
        self.request_cancellation(None, now);
        if let Some(c) = &mut self.cancellation {
            c.state = CancellationState::Cancelled;
            c.detail = None;
        }
        self.last_error = None;
        self.record_event(OrderCancelled {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            erp_reference: self.erp_reference.clone(),
            cancelled_at: now,
        });
        Ok(())
    }

    /// The ERP could not cancel the live sale: an operator must; records
    /// `OrderCancellationFailed` so that alerting can pick it up.
    pub fn cancellation_needs_attention(&mut self, message: &str, now: DateTime<Utc>) {
        self.request_cancellation(None, now);
        if let Some(c) = &mut self.cancellation {
            if c.state == CancellationState::NeedsAttention {
                return;
            }
            c.state = CancellationState::NeedsAttention;
            c.detail = Some(message.to_string());
        }
        self.record_event(OrderCancellationFailed {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            erp_reference: self.erp_reference.clone().unwrap_or_default(),
            message: message.to_string(),
            failed_at: now,
        });
    }

    /// The v1 view of this record.
    pub fn view(&self) -> OrderView {
        OrderView {
            id: self.order.id.to_string(),
            channel: self.order.channel.to_string(),
            status: self.status,
            history: self.history.clone(),
            erp_reference: self.erp_reference.clone(),
            rejection: self.rejection.clone(),
            cancellation: self.cancellation.clone(),
            order: OrderBodyV1::from(&self.order),
        }
    }
}

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

fn order_pk(id: OrderId) -> String {
    format!("ORDER#{id}")
}

fn external_pk(record: &OrderRecord) -> String {
    external_key(&record.order.channel, &record.order.external_id)
}

fn external_key(channel: &ChannelName, external_id: &ExternalId) -> String {
    format!("EXTREF#{channel}#{external_id}")
}

/// Order records in one DynamoDB table (hash key `pk`): `ORDER#<id>` holds the record as JSON with
/// a version; `EXTREF#<channel>#<external id>` makes the external id unique per channel.
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
        ])
    }
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
}

/// Order records in memory, same rules as DynamoDB.
#[derive(Debug, Default)]
pub struct InMemoryOrderStore {
    records: Mutex<HashMap<OrderId, Versioned<OrderRecord>>>,
    external_ids: Mutex<HashMap<String, (OrderId, String)>>,
}

impl InMemoryOrderStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record, for assertions.
    pub fn all(&self) -> Vec<OrderRecord> {
        self.records
            .lock()
            .unwrap()
            .values()
            .map(|v| v.value.clone())
            .collect()
    }
}

#[async_trait::async_trait]
impl OrderStore for InMemoryOrderStore {
    async fn create(&self, record: &OrderRecord) -> Result<Created, OrderStoreError> {
        let mut external = self.external_ids.lock().unwrap();
        if let Some((order_id, key)) = external.get(&external_pk(record)) {
            return Ok(Created::ExternalIdTaken {
                order_id: *order_id,
                idempotency_key: key.clone(),
            });
        }
        external.insert(
            external_pk(record),
            (record.order.id, record.idempotency_key.clone()),
        );
        self.records.lock().unwrap().insert(
            record.order.id,
            Versioned {
                value: record.clone(),
                version: 1,
            },
        );
        Ok(Created::New)
    }

    async fn find_external(
        &self,
        channel: &ChannelName,
        external_id: &ExternalId,
    ) -> Result<Option<OrderId>, OrderStoreError> {
        Ok(self
            .external_ids
            .lock()
            .unwrap()
            .get(&external_key(channel, external_id))
            .map(|(id, _)| *id))
    }

    async fn get(&self, id: OrderId) -> Result<Option<Versioned<OrderRecord>>, OrderStoreError> {
        Ok(self.records.lock().unwrap().get(&id).cloned())
    }

    async fn save(
        &self,
        record: &OrderRecord,
        expected_version: u64,
    ) -> Result<(), OrderStoreError> {
        let mut records = self.records.lock().unwrap();
        match records.get_mut(&record.order.id) {
            Some(v) if v.version == expected_version => {
                *v = Versioned {
                    value: record.clone(),
                    version: expected_version + 1,
                };
                Ok(())
            }
            _ => Err(OrderStoreError::VersionConflict),
        }
    }
}
