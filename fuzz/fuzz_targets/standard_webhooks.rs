//! Standard Webhooks verification (`webhook-id`, `webhook-timestamp`, `webhook-signature`), and
//! the reading of `whsec_` secrets.
#![no_main]

use chrono::{DateTime, Duration};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use switchyard_webhooks::SignatureError;
use switchyard_webhooks::signature::{
    DEFAULT_TOLERANCE, StandardSecret, sign_standard, verify_standard,
};

#[derive(Debug, Arbitrary)]
struct Delivery {
    /// Text that may or may not be a secret.
    secret_text: String,
    /// A key for a secret that is certainly valid (cut to 24–64 bytes).
    key: [u8; 64],
    key_len: u8,
    id: String,
    signed_at: u32,
    /// Seconds between signing and receipt.
    skew: i16,
    body: Vec<u8>,
    received_body: Vec<u8>,
    received_id: String,
    received_timestamp: String,
    header: String,
}

fn b64(bytes: &[u8]) -> String {
    // The secret's text form, written here so the target does not trust the code under test.
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fuzz_target!(|d: Delivery| {
    if let Ok(secret) = StandardSecret::try_from(d.secret_text.as_str()) {
        // A secret's Debug output never shows its key.
        let debug = format!("{secret:?}");
        let encoded = &d.secret_text["whsec_".len()..];
        assert!(encoded.len() < 8 || !debug.contains(encoded), "{debug}");
    }
    let len = 24 + usize::from(d.key_len) % 41;
    let secret = StandardSecret::try_from(format!("whsec_{}", b64(&d.key[..len])).as_str())
        .expect("a 24 to 64 byte key is a valid secret");
    let secrets = [secret.clone()];
    let timestamp = i64::from(d.signed_at);
    let ts_text = timestamp.to_string();
    let now = DateTime::from_timestamp(timestamp + i64::from(d.skew), 0).unwrap();
    let genuine = sign_standard(&secret, &d.id, timestamp, &d.body);
    let verify = |id: &str, ts: &str, header: &str, body: &[u8]| {
        verify_standard(
            &secrets,
            Some(id),
            Some(ts),
            Some(header),
            body,
            now,
            DEFAULT_TOLERANCE,
        )
    };

    let in_tolerance = Duration::seconds(i64::from(d.skew).abs()) <= DEFAULT_TOLERANCE;
    let own = verify(&d.id, &ts_text, &genuine, &d.body);
    if d.id.trim().is_empty() {
        assert_eq!(own, Err(SignatureError::Malformed("webhook-id")));
    } else if in_tolerance {
        assert_eq!(own, Ok(()), "the genuine signature was refused");
    } else {
        assert_eq!(own, Err(SignatureError::TimestampOutOfTolerance));
    }
    // The signed content is id, timestamp and body: change any one and it no longer verifies.
    if d.received_body != d.body {
        assert!(
            verify(&d.id, &ts_text, &genuine, &d.received_body).is_err(),
            "another body verified"
        );
    }
    if d.received_id != d.id {
        assert!(
            verify(&d.received_id, &ts_text, &genuine, &d.body).is_err(),
            "another id verified"
        );
    }
    if d.received_timestamp != ts_text {
        assert!(
            verify(&d.id, &d.received_timestamp, &genuine, &d.body).is_err(),
            "another timestamp verified"
        );
    }
    // Any header at all: accepted only if one of its `v1,` entries is the genuine signature.
    if verify(&d.id, &ts_text, &d.header, &d.body).is_ok() {
        assert!(
            d.header.split_ascii_whitespace().any(|e| e == genuine),
            "forged header {:?} verified",
            d.header
        );
    }
});
