//! Secrets in memory: the twin the handler tests use, held to the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use switchyard_platform::ServiceError;

use crate::SecretStore;

/// Secrets in memory, for tests.
#[derive(Debug, Default)]
pub struct InMemorySecretStore {
    values: Mutex<HashMap<String, String>>,
}

impl InMemorySecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl SecretStore for InMemorySecretStore {
    async fn get(&self, name: &str) -> Result<Option<String>, ServiceError> {
        Ok(self.values.lock().unwrap().get(name).cloned())
    }

    async fn put(&self, name: &str, value: &str) -> Result<(), ServiceError> {
        self.values
            .lock()
            .unwrap()
            .insert(name.to_string(), value.to_string());
        Ok(())
    }
}
