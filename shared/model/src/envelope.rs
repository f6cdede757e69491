//! The versioned envelope every queue message and event travels in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A message: who sent what, when, and which business flow it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// Unique id (a ULID); consumers de-duplicate on it.
    pub id: ulid::Ulid,
    /// The message type, e.g. `OrderSubmitted`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The payload schema version for this type.
    pub version: u32,
    /// When the fact happened.
    pub occurred_at: DateTime<Utc>,
    /// Ties together every message of one business flow (the order id for order flows).
    pub correlation_id: String,
    /// The channel the flow started from.
    pub channel: String,
    /// The payload.
    pub payload: T,
}

/// The message attribute that marks work sent again — by the reconciler, a redrive or an edit —
/// rather than by its first producer. Its consumer then looks for a failure an earlier
/// delivery left open; a first delivery, which can have none, skips that read (decision 0026).
pub const RESENT_ATTRIBUTE: &str = "switchyard-resent";

/// A payload type that knows its envelope `type` and `version`.
pub trait Message: Serialize + DeserializeOwned {
    /// The envelope `type` (and EventBridge `detail-type`).
    const TYPE: &'static str;
    /// The current payload version.
    const VERSION: u32;
}

impl<T: Message> Envelope<T> {
    /// Wraps `payload` in a fresh envelope.
    pub fn new(channel: impl Into<String>, correlation_id: impl Into<String>, payload: T) -> Self {
        Envelope {
            id: ulid::Ulid::new(),
            kind: T::TYPE.to_string(),
            version: T::VERSION,
            occurred_at: Utc::now(),
            correlation_id: correlation_id.into(),
            channel: channel.into(),
            payload,
        }
    }

    /// The same envelope with its payload as JSON, as publishers and outboxes carry it.
    pub fn into_json(self) -> Envelope<serde_json::Value> {
        Envelope {
            id: self.id,
            kind: self.kind,
            version: self.version,
            occurred_at: self.occurred_at,
            correlation_id: self.correlation_id,
            channel: self.channel,
            payload: serde_json::to_value(self.payload).expect("payloads serialise"),
        }
    }

    /// Parses an envelope of exactly this type and version.
    pub fn parse(json: &str) -> Result<Self, EnvelopeError> {
        let head: Envelope<serde_json::Value> =
            serde_json::from_str(json).map_err(EnvelopeError::Malformed)?;
        if head.kind != T::TYPE || head.version != T::VERSION {
            return Err(EnvelopeError::Unexpected {
                kind: head.kind,
                version: head.version,
                expected: T::TYPE,
            });
        }
        serde_json::from_str(json).map_err(EnvelopeError::Malformed)
    }
}

/// Why a message body is not the expected envelope.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or not the expected shape.
    #[error("malformed envelope: {0}")]
    Malformed(serde_json::Error),
    /// Another message type or version.
    #[error("unexpected message {kind} v{version}, expected {expected}")]
    Unexpected {
        /// The type found.
        kind: String,
        /// The version found.
        version: u32,
        /// The type expected.
        expected: &'static str,
    },
}
