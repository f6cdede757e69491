//! Publishing what an order record's outbox holds, then clearing just that.
//!
//! Two writers save order records (the processor, the tracker), so between the publish and the
//! save someone may have added events of their own. On a version conflict the fresh record loses
//! only the envelopes this call published; the others stay for their writer (or its next
//! delivery) to publish.

use std::collections::BTreeSet;

use switchyard_events::EventPublisher;
use switchyard_model::events::ORDER_EVENTS_SOURCE;
use switchyard_platform::ServiceError;

use crate::{OrderRecord, OrderStore, OrderStoreError};

/// Saves attempted after a conflict before giving up (the events stay, and are published again
/// with the same envelope ids next time).
const SAVE_ATTEMPTS: usize = 5;

/// Why the outbox could not be flushed. Every variant is worth retrying: at worst the events are
/// published again under the same ids, which consumers de-duplicate.
#[derive(Debug, thiserror::Error)]
pub enum FlushError {
    /// The bus refused or failed.
    #[error("publishing the order's events: {0}")]
    Publish(#[from] ServiceError),
    /// The store failed, or kept changing under us.
    #[error("clearing the order's outbox: {0}")]
    Store(#[from] OrderStoreError),
    /// The record is gone.
    #[error("the order record vanished")]
    Vanished,
}

/// Publishes `record`'s outbox (read at `version`) and saves the record without the published
/// envelopes. Returns the record as saved.
pub async fn flush_outbox(
    orders: &dyn OrderStore,
    events: &dyn EventPublisher,
    mut record: OrderRecord,
    mut version: u64,
) -> Result<OrderRecord, FlushError> {
    if record.outbox.is_empty() {
        return Ok(record);
    }
    events
        .publish_all(ORDER_EVENTS_SOURCE, &record.outbox)
        .await?;
    let published: BTreeSet<ulid::Ulid> = record.outbox.iter().map(|e| e.id).collect();
    for _ in 0..SAVE_ATTEMPTS {
        record.outbox.retain(|e| !published.contains(&e.id));
        match orders.save(&record, version).await {
            Ok(()) => return Ok(record),
            Err(OrderStoreError::VersionConflict) => {
                let fresh = orders
                    .get(record.order.id)
                    .await?
                    .ok_or(FlushError::Vanished)?;
                record = fresh.value;
                version = fresh.version;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(OrderStoreError::VersionConflict.into())
}
