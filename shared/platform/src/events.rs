//! Publishing canonical events on EventBridge.

use std::sync::Mutex;

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use switchyard_model::envelope::Envelope;

use crate::ServiceError;

/// Publishes envelopes as events.
#[async_trait::async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes one envelope with EventBridge `source` (`switchyard.orders`); the `detail-type` is
    /// the envelope type and the detail the whole envelope.
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError>;
}

/// An EventBridge bus.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    /// Publishes to the bus named `bus`.
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait::async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(source)
            .detail_type(&envelope.kind)
            .detail(serde_json::to_string(envelope).expect("envelopes serialise"))
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| ServiceError::new("eventbridge", DisplayErrorContext(e)))?;
        // PutEvents succeeds as a call even when entries fail: check them.
        if out.failed_entry_count() > 0 {
            let reason = out
                .entries()
                .iter()
                .filter_map(|e| e.error_message())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ServiceError::new(
                "eventbridge",
                format!("event not accepted: {reason}"),
            ));
        }
        Ok(())
    }
}

/// Published events in memory.
#[derive(Debug, Default)]
pub struct InMemoryPublisher {
    /// (source, envelope) pairs, in order.
    pub published: Mutex<Vec<(String, Envelope<serde_json::Value>)>>,
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
