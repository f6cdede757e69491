//! An EventBridge event as an SQS target of a rule receives it (the queue message body).

use serde::{Deserialize, Serialize};

/// The parts of an EventBridge event a consumer reads: which event it is, and its envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusEvent {
    /// The envelope's type (`InventoryChanged`).
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// `switchyard.<domain>`.
    #[serde(default)]
    pub source: String,
    /// The whole envelope.
    pub detail: serde_json::Value,
}

impl BusEvent {
    /// Reads a queue message body.
    pub fn from_body(body: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }

    /// The payload of the envelope, read as `T` (whose type the caller matched on
    /// [`detail_type`](Self::detail_type)).
    pub fn payload<T: switchyard_model::envelope::Message>(
        &self,
    ) -> Result<T, switchyard_model::envelope::EnvelopeError> {
        switchyard_model::envelope::Envelope::<T>::parse(&self.detail.to_string())
            .map(|e| e.payload)
    }
}
