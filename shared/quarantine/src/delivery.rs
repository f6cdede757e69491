//! A quarantined delivery and the port that keeps it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_platform::ServiceError;

/// The largest raw body the quarantine keeps: with its metadata (and UTF-8/base64 growth) it
/// must fit one SQS message (256 KiB).
pub const MAX_KEPT_BODY_BYTES: usize = 180 * 1024;

/// One quarantined delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedDelivery {
    /// The channel it was addressed to.
    pub channel: String,
    /// What kind of delivery (`shopify:orders/create`, `x12`).
    pub source: String,
    /// The sender's delivery id, when it had one.
    pub delivery_id: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Why it was not accepted, as told to the sender.
    pub reason: String,
    /// The body's content type.
    pub content_type: Option<String>,
    /// The raw body: UTF-8 text as is, anything else base64 (`body_base64` tells which).
    pub body: String,
    /// Whether `body` is base64.
    pub body_base64: bool,
}

impl QuarantinedDelivery {
    /// A delivery received now for `channel` from `source`, kept whole: `raw` as text when it
    /// is UTF-8, else as base64.
    pub fn received(
        channel: &str,
        source: impl Into<String>,
        delivery_id: Option<&str>,
        reason: impl Into<String>,
        content_type: Option<&str>,
        raw: &[u8],
    ) -> Self {
        let (body, body_base64) = Self::body_from(raw);
        QuarantinedDelivery {
            channel: channel.to_string(),
            source: source.into(),
            delivery_id: delivery_id.map(str::to_string),
            received_at: Utc::now(),
            reason: reason.into(),
            content_type: content_type.map(str::to_string),
            body,
            body_base64,
        }
    }

    /// Keeps `raw` as text when it is UTF-8, else as base64.
    pub fn body_from(raw: &[u8]) -> (String, bool) {
        match std::str::from_utf8(raw) {
            Ok(text) => (text.to_string(), false),
            Err(_) => {
                use base64::Engine;
                (base64::engine::general_purpose::STANDARD.encode(raw), true)
            }
        }
    }
}

/// Where unreadable deliveries go.
#[async_trait::async_trait]
pub trait Quarantine: Send + Sync {
    /// Keeps one delivery. An error means it was not kept: the sender must be told to retry.
    async fn keep(&self, delivery: &QuarantinedDelivery) -> Result<(), ServiceError>;
}
