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
}
