//! The event publisher port.

use switchyard_model::envelope::Envelope;
use switchyard_platform::ServiceError;

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

    /// Publishes several envelopes of one `source`, in as few calls as the bus allows
    /// (EventBridge: 10 entries per `PutEvents`). On error some may have been published: the
    /// caller publishes them all again, and consumers de-duplicate on the envelope id.
    async fn publish_all(
        &self,
        source: &str,
        envelopes: &[Envelope<serde_json::Value>],
    ) -> Result<(), ServiceError> {
        for envelope in envelopes {
            self.publish(source, envelope).await?;
        }
        Ok(())
    }
}
