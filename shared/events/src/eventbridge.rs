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

/// PutEvents takes at most this many entries.
const ENTRIES_PER_CALL: usize = 10;
/// How many times entries EventBridge refused (throttled, internal) are sent again.
const FAILED_ENTRY_RETRIES: u32 = 3;

impl EventBridgePublisher {
    fn entry(&self, source: &str, envelope: &Envelope<serde_json::Value>) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(source)
            .detail_type(&envelope.kind)
            .detail(serde_json::to_string(envelope).expect("envelopes serialise"))
            .build()
    }

    /// One PutEvents of at most ten entries; entries it refused are sent again a few times.
    async fn put(&self, mut entries: Vec<PutEventsRequestEntry>) -> Result<(), ServiceError> {
        for attempt in 0..=FAILED_ENTRY_RETRIES {
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries.clone()))
                .send()
                .await
                .map_err(|e| ServiceError::new("eventbridge", DisplayErrorContext(e)))?;
            // PutEvents succeeds as a call even when entries fail: check them. Results come in
            // the order of the entries; a failed one has an error code and no event id.
            if out.failed_entry_count() == 0 {
                return Ok(());
            }
            let failed: Vec<(PutEventsRequestEntry, String)> = entries
                .into_iter()
                .zip(out.entries())
                .filter(|(_, result)| result.error_code().is_some())
                .map(|(entry, result)| {
                    (
                        entry,
                        result.error_message().unwrap_or("refused").to_string(),
                    )
                })
                .collect();
            if attempt == FAILED_ENTRY_RETRIES || failed.is_empty() {
                let reason = failed
                    .iter()
                    .map(|(_, reason)| reason.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(ServiceError::new(
                    "eventbridge",
                    format!("event not accepted: {reason}"),
                ));
            }
            entries = failed.into_iter().map(|(entry, _)| entry).collect();
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        self.put(vec![self.entry(source, envelope)]).await
    }

    async fn publish_all(
        &self,
        source: &str,
        envelopes: &[Envelope<serde_json::Value>],
    ) -> Result<(), ServiceError> {
        for chunk in envelopes.chunks(ENTRIES_PER_CALL) {
            self.put(chunk.iter().map(|e| self.entry(source, e)).collect())
                .await?;
        }
        Ok(())
    }
}
