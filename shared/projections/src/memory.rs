//! [`InMemoryProjectionStore`]: the twin of the DynamoDB projection store.

use std::collections::HashMap;
use std::sync::Mutex;

use switchyard_platform::ServiceError;

use crate::{Applied, Key, ProjectionStore, Stored, Version};

/// Versioned documents in memory; counts writes so tests can see what did not happen.
#[derive(Debug, Default)]
pub struct InMemoryProjectionStore {
    docs: Mutex<HashMap<Key, Stored>>,
}

impl InMemoryProjectionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many documents are stored.
    pub fn len(&self) -> usize {
        self.docs.lock().unwrap().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait::async_trait]
impl ProjectionStore for InMemoryProjectionStore {
    async fn put_if_newer(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<Applied, ServiceError> {
        let mut docs = self.docs.lock().unwrap();
        match docs.get(key) {
            Some(stored) if stored.version >= version => Ok(Applied::Stale),
            _ => {
                docs.insert(
                    key.clone(),
                    Stored {
                        version,
                        doc: doc.clone(),
                    },
                );
                Ok(Applied::Written)
            }
        }
    }

    async fn put(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        self.docs.lock().unwrap().insert(
            key.clone(),
            Stored {
                version,
                doc: doc.clone(),
            },
        );
        Ok(())
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Stored>>, ServiceError> {
        let docs = self.docs.lock().unwrap();
        Ok(keys.iter().map(|key| docs.get(key).cloned()).collect())
    }
}
