//! The contract every [`Quarantine`] adapter passes: the in-memory twin in this crate's tests,
//! SQS on moto in `tests/adapters`. Instantiate every case with
//! [`quarantine_contract_tests!`](crate::quarantine_contract_tests).
//!
//! The port only sends, so each case also reads what was kept through [`KeptDeliveries`], which
//! every run implements for its adapter (the twin's is in this crate).
#![allow(clippy::missing_panics_doc)]

use base64::Engine;
use chrono::Utc;

use crate::{MAX_KEPT_BODY_BYTES, MAX_MESSAGE_BYTES, Quarantine, QuarantinedDelivery};

/// A quarantine whose kept deliveries a test can read back.
#[async_trait::async_trait]
pub trait KeptDeliveries: Quarantine {
    /// Every delivery kept so far, in any order (a queue does not promise one). For a queue,
    /// waits until no more arrive, within a deadline.
    async fn kept(&self) -> Vec<QuarantinedDelivery>;
}

/// A delivery as the handlers make one, from the raw bytes received.
fn delivery(delivery_id: &str, raw: &[u8]) -> QuarantinedDelivery {
    QuarantinedDelivery::received(
        "demo-shopify",
        "shopify:orders/create",
        Some(delivery_id),
        "the body is not a JSON object: EOF",
        Some("application/json"),
        raw,
    )
}

/// The raw bytes a kept delivery holds, as an operator recovers them.
fn raw_body(kept: &QuarantinedDelivery) -> Vec<u8> {
    if kept.body_base64 {
        base64::engine::general_purpose::STANDARD
            .decode(&kept.body)
            .expect("a base64 body decodes")
    } else {
        kept.body.clone().into_bytes()
    }
}

/// Keeps `delivery` and checks it is the one delivery kept, whole, and holds `raw`.
async fn assert_kept_whole(
    quarantine: &dyn KeptDeliveries,
    delivery: QuarantinedDelivery,
    raw: &[u8],
) {
    quarantine.keep(&delivery).await.unwrap();
    let kept = quarantine.kept().await;
    assert_eq!(kept.len(), 1, "one delivery kept");
    assert!(kept[0] == delivery, "the delivery is kept whole");
    assert!(raw_body(&kept[0]) == raw, "the body holds the raw bytes");
}

/// An unreadable UTF-8 body is kept as the text it was, with every detail of the delivery.
pub async fn a_text_delivery_is_kept_whole(quarantine: &dyn KeptDeliveries) {
    let raw = b"{\"id\": 12, \"line_items\": [";
    let delivery = delivery("ev-1", raw);
    assert!(!delivery.body_base64, "UTF-8 stays text for the operator");
    assert_kept_whole(quarantine, delivery, raw).await;
}

/// A body that is not UTF-8 is kept whole as base64.
pub async fn a_binary_body_is_kept_whole_as_base64(quarantine: &dyn KeptDeliveries) {
    assert_eq!(
        QuarantinedDelivery::body_from(&[0xff, 0x00]),
        ("/wA=".to_string(), true)
    );
    let raw = [b"ISA*00*".as_slice(), &[0xff, 0xfe, 0x00, 0x80], b"~IEA"].concat();
    let delivery = delivery("ev-2", &raw);
    assert!(delivery.body_base64);
    assert_kept_whole(quarantine, delivery, &raw).await;
}

/// A binary body of [`MAX_KEPT_BODY_BYTES`] (the most the handlers pass on) is kept: base64's
/// growth and the metadata still fit one message.
pub async fn the_largest_binary_body_is_kept(quarantine: &dyn KeptDeliveries) {
    let raw: Vec<u8> = (0..MAX_KEPT_BODY_BYTES)
        .map(|i| (i % 251) as u8 | 0x80)
        .collect();
    let delivery = delivery("ev-3", &raw);
    assert!(delivery.body_base64);
    assert_kept_whole(quarantine, delivery, &raw).await;
}

/// A UTF-8 body of [`MAX_KEPT_BODY_BYTES`] that JSON escapes to several times its size (quotes,
/// backslashes, control characters), with a reason longer than a message could hold, is kept:
/// the handlers tell senders such a body was kept, so it must fit.
pub async fn the_largest_text_body_is_kept_however_it_escapes(quarantine: &dyn KeptDeliveries) {
    let raw: Vec<u8> = b"\"\\\x01\x1f"
        .iter()
        .copied()
        .cycle()
        .take(MAX_KEPT_BODY_BYTES)
        .collect();
    let delivery = QuarantinedDelivery::received(
        "acme-edi",
        "x12",
        None,
        format!("segments in error: {}", "ISA13 ".repeat(10_000)),
        Some("application/edi-x12"),
        &raw,
    );
    assert_kept_whole(quarantine, delivery, &raw).await;
}

/// Text with characters SQS does not carry (U+FFFE, U+FFFF are valid UTF-8) is kept whole.
pub async fn text_a_queue_cannot_carry_is_kept_whole(quarantine: &dyn KeptDeliveries) {
    let raw = "{\"note\": \"\u{FFFF}\u{FFFE}\"".as_bytes();
    assert_kept_whole(quarantine, delivery("ev-4", raw), raw).await;
}

/// A delivery too large for one message is refused with an error (the sender is told to retry
/// rather than believe it was kept), and nothing is kept.
pub async fn a_delivery_too_large_for_one_message_is_refused(quarantine: &dyn KeptDeliveries) {
    let delivery = QuarantinedDelivery {
        channel: "demo-shopify".into(),
        source: "shopify:orders/create".into(),
        delivery_id: Some("ev-5".into()),
        received_at: Utc::now(),
        reason: "the body is not a JSON object".into(),
        content_type: Some("application/json".into()),
        body: "a".repeat(MAX_MESSAGE_BYTES),
        body_base64: false,
    };
    assert!(quarantine.keep(&delivery).await.is_err());
    assert_eq!(quarantine.kept().await, []);
}

/// Every delivery kept is there, each whole.
pub async fn each_delivery_is_kept(quarantine: &dyn KeptDeliveries) {
    let deliveries: Vec<QuarantinedDelivery> = ["ev-a", "ev-b", "ev-c"]
        .into_iter()
        .map(|id| delivery(id, format!("{{\"id\": \"{id}\"").as_bytes()))
        .collect();
    for d in &deliveries {
        quarantine.keep(d).await.unwrap();
    }
    let mut kept = quarantine.kept().await;
    kept.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
    assert_eq!(kept, deliveries);
}

/// One `#[tokio::test]` per contract case, each on a fresh quarantine made by `$quarantine` (an
/// expression, awaited inside the test if it needs to be, whose value implements
/// [`KeptDeliveries`](crate::contract::KeptDeliveries)).
#[macro_export]
macro_rules! quarantine_contract_tests {
    ($quarantine:expr) => {
        $crate::quarantine_contract_tests!(@cases $quarantine;
            a_text_delivery_is_kept_whole,
            a_binary_body_is_kept_whole_as_base64,
            the_largest_binary_body_is_kept,
            the_largest_text_body_is_kept_however_it_escapes,
            text_a_queue_cannot_carry_is_kept_whole,
            a_delivery_too_large_for_one_message_is_refused,
            each_delivery_is_kept);
    };
    (@cases $quarantine:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let quarantine = $quarantine;
                $crate::contract::$case(&quarantine).await;
            }
        )*
    };
}
