//! Order records in memory: the twin the handler tests use, held to the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use switchyard_model::{ChannelName, ExternalId, OrderId};

use chrono::{DateTime, Utc};
use switchyard_model::OrderStatus;

use crate::store::{StatusEntry, external_key, external_pk, status_entered_at};
use crate::{Created, Leased, OrderRecord, OrderStore, OrderStoreError, Versioned};

/// Order records in memory, same rules as DynamoDB.
#[derive(Debug, Default)]
pub struct InMemoryOrderStore {
    records: Mutex<HashMap<OrderId, Versioned<OrderRecord>>>,
    external_ids: Mutex<HashMap<String, (OrderId, String)>>,
    /// Posting leases: owner and end, by order.
    leases: Mutex<HashMap<OrderId, (String, DateTime<Utc>)>>,
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

    async fn lease(
        &self,
        id: OrderId,
        owner: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Leased, OrderStoreError> {
        let records = self.records.lock().unwrap();
        let Some(record) = records.get(&id) else {
            return Ok(Leased::Missing);
        };
        if record.value.status != OrderStatus::Received {
            return Ok(Leased::Final(record.clone()));
        }
        let mut leases = self.leases.lock().unwrap();
        if let Some((_, held_until)) = leases.get(&id).filter(|(_, end)| *end >= now) {
            return Ok(Leased::Held { until: *held_until });
        }
        leases.insert(id, (owner.to_string(), until));
        Ok(Leased::Taken(record.clone()))
    }

    async fn release_lease(&self, id: OrderId, owner: &str) -> Result<(), OrderStoreError> {
        let mut leases = self.leases.lock().unwrap();
        if leases.get(&id).is_some_and(|(o, _)| o == owner) {
            leases.remove(&id);
        }
        Ok(())
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
                if record.status != OrderStatus::Received {
                    self.leases.lock().unwrap().remove(&record.order.id);
                }
                Ok(())
            }
            _ => Err(OrderStoreError::VersionConflict),
        }
    }

    async fn in_status(
        &self,
        status: OrderStatus,
        entered: std::ops::RangeInclusive<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<StatusEntry>, OrderStoreError> {
        let mut found: Vec<StatusEntry> = self
            .records
            .lock()
            .unwrap()
            .values()
            .map(|v| &v.value)
            .filter(|r| r.status == status && entered.contains(&status_entered_at(r)))
            .map(|r| StatusEntry {
                order_id: r.order.id,
                channel: r.order.channel.clone(),
                entered_at: status_entered_at(r),
            })
            .collect();
        found.sort_by_key(|e| (e.entered_at, e.order_id.to_string()));
        found.truncate(limit);
        Ok(found)
    }
}
