//! Events on an EventBridge bus.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use switchyard_model::envelope::Envelope;
use switchyard_platform::ServiceError;

use crate::EventPublisher;

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
