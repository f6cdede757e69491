//! A quarantined delivery and the port that keeps it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_platform::ServiceError;

/// The largest raw body the quarantine keeps: with its metadata (and UTF-8/base64 growth) it
/// must fit one SQS message (256 KiB).
pub const MAX_KEPT_BODY_BYTES: usize = 180 * 1024;

/// The largest message the quarantine queue takes, in bytes of its JSON: SQS's
/// `MaximumMessageSize` as `infra/aws` creates the queue (the AWS provider's default, 256 KiB;
/// newer SQS queues and moto default to 1 MiB, so the tests create theirs with this size).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// The longest `reason` kept, in bytes: a validation failure of a large order can list every
/// line, and the delivery must still fit one message (the sender was told the whole reason).
pub const MAX_KEPT_REASON_BYTES: usize = 8 * 1024;

/// The most `body` takes in the message for a raw body of up to [`MAX_KEPT_BODY_BYTES`]: its
/// base64. Text whose JSON escaping would make it longer is kept as base64 instead.
const MAX_BODY_FIELD_BYTES: usize = MAX_KEPT_BODY_BYTES.div_ceil(3) * 4;

// The largest body and reason, with room for the other fields (names, ids, a timestamp), fit
// one message.
const _: () = assert!(MAX_BODY_FIELD_BYTES + MAX_KEPT_REASON_BYTES + 4 * 1024 <= MAX_MESSAGE_BYTES);

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
    /// A delivery received now for `channel` from `source`, kept whole: `raw` as
    /// [`body_from`](Self::body_from) keeps it. A reason longer than [`MAX_KEPT_REASON_BYTES`]
    /// is cut (marked with `…`) so that the delivery fits one message.
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
            delivery_id: delivery_id.map(|id| cut(id.to_string(), MAX_KEPT_HEADER_BYTES)),
            received_at: Utc::now(),
            reason: cut(reason.into(), MAX_KEPT_REASON_BYTES),
            content_type: content_type.map(|t| cut(t.to_string(), MAX_KEPT_HEADER_BYTES)),
            body,
            body_base64,
        }
    }

    /// Keeps `raw` as text when it is UTF-8 and SQS can carry it as text no longer than its
    /// base64 would be at [`MAX_KEPT_BODY_BYTES`]; else as base64. Either way a raw body of up
    /// to [`MAX_KEPT_BODY_BYTES`] fits one message.
    pub fn body_from(raw: &[u8]) -> (String, bool) {
        match std::str::from_utf8(raw) {
            Ok(text) if fits_as_text(text) => (text.to_string(), false),
            _ => {
                use base64::Engine;
                (base64::engine::general_purpose::STANDARD.encode(raw), true)
            }
        }
    }
}

/// Whether `text` can go into the message as is. SQS refuses U+FFFE and U+FFFF (outside the
/// characters it allows), which JSON does not escape; and JSON escapes quotes, backslashes and
/// control characters to up to six bytes each, so text that is mostly those (valid UTF-8, not
/// JSON) can grow past what fits.
fn fits_as_text(text: &str) -> bool {
    !text.contains(['\u{FFFE}', '\u{FFFF}']) && json_escaped_len(text) <= MAX_BODY_FIELD_BYTES
}

/// The bytes `text` takes inside a JSON string as `serde_json` writes it.
fn json_escaped_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0x00..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

/// The longest delivery id or content type kept: they come from the sender's headers, and the
/// message's size budget leaves them little room beside the largest body and reason.
const MAX_KEPT_HEADER_BYTES: usize = 256;

/// `text` cut to at most `max` bytes (at a character boundary), ending in `…` when cut.
fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let marker = '…';
        text.truncate(text.floor_char_boundary(max - marker.len_utf8()));
        text.push(marker);
    }
    text
}

/// Where unreadable deliveries go.
#[async_trait::async_trait]
pub trait Quarantine: Send + Sync {
    /// Keeps one delivery. An error means it was not kept: the sender must be told to retry.
    async fn keep(&self, delivery: &QuarantinedDelivery) -> Result<(), ServiceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_escaped_length_is_what_serde_json_writes() {
        let text = "plain \" \\ \n\r\t \u{8}\u{c} \u{0}\u{1f} \u{7f} é 日本 😀";
        assert_eq!(
            json_escaped_len(text),
            serde_json::to_string(text).unwrap().len() - 2
        );
    }

    #[test]
    fn a_long_reason_is_cut_at_a_character_boundary() {
        let reason = "é".repeat(MAX_KEPT_REASON_BYTES);
        let kept = QuarantinedDelivery::received("shop", "x12", None, reason, None, b"x").reason;
        assert!(kept.len() <= MAX_KEPT_REASON_BYTES, "{}", kept.len());
        assert!(kept.ends_with("é…"));
        let short = QuarantinedDelivery::received("shop", "x12", None, "short", None, b"x");
        assert_eq!(short.reason, "short");
    }
}
