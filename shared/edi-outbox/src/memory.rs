//! EDI state in memory: the twin the handler tests use, held to the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use switchyard_model::{ChannelName, OrderId};
use switchyard_platform::ServiceError;

use crate::{EdiStore, OutboxDocument};

/// EDI state in memory.
#[derive(Debug, Default)]
pub struct InMemoryEdiStore {
    counters: Mutex<HashMap<String, u64>>,
    documents: Mutex<Vec<OutboxDocument>>,
    pending: Mutex<HashMap<OrderId, serde_json::Value>>,
}

impl InMemoryEdiStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The `n`th number of a counter as ISA13 carries it: nine digits, wrapping past 999,999,999 to
/// 1 as the DynamoDB adapter does (the twin counts in `u64` so it wraps rather than overflows).
fn isa_control_number(n: u64) -> u32 {
    ((n - 1) % 999_999_999 + 1) as u32
}

#[async_trait::async_trait]
impl EdiStore for InMemoryEdiStore {
    async fn next_control_number(&self, channel: &ChannelName) -> Result<u32, ServiceError> {
        let mut counters = self.counters.lock().unwrap();
        let n = counters.entry(channel.to_string()).or_insert(0);
        *n += 1;
        Ok(isa_control_number(*n))
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

    async fn put_document_and_contexts(
        &self,
        document: &OutboxDocument,
        contexts: &[(OrderId, serde_json::Value)],
    ) -> Result<(), ServiceError> {
        for (order_id, context) in contexts {
            self.put_pending_ack(*order_id, context).await?;
        }
        self.put_document(document).await
    }

    async fn documents(&self, channel: &ChannelName) -> Result<Vec<OutboxDocument>, ServiceError> {
        let mut documents: Vec<OutboxDocument> = self
            .documents
            .lock()
            .unwrap()
            .iter()
            .filter(|d| &d.channel == channel)
            .cloned()
            .collect();
        // Oldest first, as the port promises and DynamoDB answers: documents are kept in the
        // order written, and a 997 written after a slow 855 can be the older one.
        documents.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(documents)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn control_numbers_wrap_past_nine_digits_to_one() {
        let store = InMemoryEdiStore::new();
        let partner = ChannelName::try_from("acme-edi").unwrap();
        store
            .counters
            .lock()
            .unwrap()
            .insert(partner.to_string(), 999_999_998);
        assert_eq!(
            store.next_control_number(&partner).await.unwrap(),
            999_999_999
        );
        assert_eq!(store.next_control_number(&partner).await.unwrap(), 1);
    }
}
