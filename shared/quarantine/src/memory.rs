//! A quarantine in memory: the twin the handler tests use, held to the same contract.

use std::sync::Mutex;

use switchyard_platform::ServiceError;

use crate::{MAX_MESSAGE_BYTES, Quarantine, QuarantinedDelivery};

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
        // Refuse what the queue refuses, so that handler tests see the failure a delivery too
        // large for one message (or with characters SQS does not carry) meets in production.
        let message = serde_json::to_string(delivery).expect("deliveries serialise");
        if message.len() > MAX_MESSAGE_BYTES {
            return Err(ServiceError::new(
                "quarantine",
                format!(
                    "the delivery takes {} bytes, more than one message's {MAX_MESSAGE_BYTES}",
                    message.len()
                ),
            ));
        }
        if message.contains(['\u{FFFE}', '\u{FFFF}']) {
            return Err(ServiceError::new(
                "quarantine",
                "the delivery holds U+FFFE or U+FFFF, which a message cannot carry",
            ));
        }
        self.kept.lock().unwrap().push(delivery.clone());
        Ok(())
    }
}

#[cfg(feature = "contract")]
#[async_trait::async_trait]
impl crate::contract::KeptDeliveries for InMemoryQuarantine {
    async fn kept(&self) -> Vec<QuarantinedDelivery> {
        self.kept.lock().unwrap().clone()
    }
}
