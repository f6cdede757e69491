//! A quarantine in memory: the twin the handler tests use, held to the same contract.

use std::sync::Mutex;

use switchyard_platform::ServiceError;

use crate::{Quarantine, QuarantinedDelivery};

/// A quarantine in memory.
#[derive(Debug, Default)]
pub struct InMemoryQuarantine {
    /// Everything kept, in order.
    pub kept: Mutex<Vec<QuarantinedDelivery>>,
}

impl InMemoryQuarantine {
    /// An empty quarantine.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl Quarantine for InMemoryQuarantine {
    async fn keep(&self, delivery: &QuarantinedDelivery) -> Result<(), ServiceError> {
        self.kept.lock().unwrap().push(delivery.clone());
        Ok(())
    }
}
