//! Published events in memory: the twin the handler tests use, held to the same contract.

use std::sync::Mutex;

use switchyard_model::envelope::Envelope;
use switchyard_platform::ServiceError;

use crate::EventPublisher;

/// Published events in memory.
#[derive(Debug, Default)]
pub struct InMemoryPublisher {
    /// (source, envelope) pairs, in order.
    pub published: Mutex<Vec<(String, Envelope<serde_json::Value>)>>,
    /// How many of them the contract's consumer has read.
    #[cfg(feature = "contract")]
    pub(crate) read: std::sync::atomic::AtomicUsize,
}

impl InMemoryPublisher {
    /// Nothing published yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl EventPublisher for InMemoryPublisher {
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        self.published
            .lock()
            .unwrap()
            .push((source.to_string(), envelope.clone()));
        Ok(())
    }
}
