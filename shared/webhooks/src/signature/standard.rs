//! Standard Webhooks (<https://www.standardwebhooks.com>), the scheme partners sign with.
//!
//! The sender signs `"{webhook-id}.{webhook-timestamp}.{body}"` with HMAC-SHA256 and sends one or
//! more space-separated `v1,<base64>` signatures in `webhook-signature`. Several signatures and
//! several secrets exist so that a secret can be rotated without dropping deliveries: the sender
//! signs with old and new secrets while both are live, the receiver accepts either.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::Mac;

use super::{SignatureError, keyed};

/// The header carrying the delivery's unique id (also the de-duplication key).
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// The header carrying the signing time, in Unix seconds.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header carrying the space-separated signatures.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";
/// The tolerance the specification recommends between the signing time and now.
pub const DEFAULT_TOLERANCE: Duration = Duration::minutes(5);

/// The prefix of a Standard Webhooks secret.
const PREFIX: &str = "whsec_";
/// Key sizes the specification allows: 24 to 64 bytes. Shorter keys are refused because a
/// guessable key makes every signature forgeable.
const MIN_KEY: usize = 24;
const MAX_KEY: usize = 64;

/// A Standard Webhooks signing secret, written `whsec_<base64 key>`.
///
/// `Debug` prints only the key's length, so a secret logged by accident leaks nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct StandardSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for StandardSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StandardSecret(<{} byte key redacted>)", self.key.len())
    }
}

/// Why a text is not a Standard Webhooks secret. Messages never repeat the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The text does not start with `whsec_`.
    #[error("a Standard Webhooks secret must start with \"whsec_\"")]
    MissingPrefix,
    /// What follows the prefix is not standard base64.
    #[error("the part after \"whsec_\" must be standard base64")]
    NotBase64,
    /// The key is shorter or longer than the specification allows.
    #[error("the key must be 24 to 64 bytes long, not {0}")]
    BadLength(usize),
}

impl TryFrom<&str> for StandardSecret {
    type Error = SecretError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_KEY..=MAX_KEY).contains(&key.len()) {
            return Err(SecretError::BadLength(key.len()));
        }
        Ok(StandardSecret { key })
    }
}

impl std::str::FromStr for StandardSecret {
    type Err = SecretError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        StandardSecret::try_from(text)
    }
}

impl StandardSecret {
    /// A MAC already fed the signed content, ready to be cloned and compared once per signature.
    fn mac_over(&self, id: &str, timestamp: &str, body: &[u8]) -> super::HmacSha256 {
        let mut mac = keyed(&self.key);
        // Fed piecewise: the same bytes as the concatenation, without copying a large body.
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The `webhook-signature` value a sender holding `secret` sends for this delivery (`v1,<b64>`).
pub fn sign_standard(secret: &StandardSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = secret.mac_over(id, &timestamp.to_string(), body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Verifies a Standard Webhooks delivery from its three headers and raw body.
///
/// Valid when the timestamp is within `tolerance` of `now` (past or future) and any `v1`
/// signature in the header matches under any of `secrets`. Entries of other versions (`v1a`,
/// asymmetric) are ignored; a header without any readable `v1` entry is malformed.
pub fn verify_standard(
    secrets: &[StandardSecret],
    id: Option<&str>,
    timestamp: Option<&str>,
    signature_header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let id = id.ok_or(SignatureError::Missing(WEBHOOK_ID_HEADER))?;
    let timestamp = timestamp.ok_or(SignatureError::Missing(WEBHOOK_TIMESTAMP_HEADER))?;
    let header = signature_header.ok_or(SignatureError::Missing(WEBHOOK_SIGNATURE_HEADER))?;
    if id.trim().is_empty() {
        return Err(SignatureError::Malformed(WEBHOOK_ID_HEADER));
    }
    // Only plain digits: the text is signed as received, so it must mean exactly one number.
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed(WEBHOOK_TIMESTAMP_HEADER));
    }
    let signed_at: i64 = timestamp
        .parse()
        .map_err(|_| SignatureError::Malformed(WEBHOOK_TIMESTAMP_HEADER))?;
    // i128 so that no timestamp, however absurd, overflows the difference.
    let skew = (i128::from(now.timestamp()) - i128::from(signed_at)).abs();
    if skew > i128::from(tolerance.num_seconds().max(0)) {
        return Err(SignatureError::TimestampOutOfTolerance);
    }

    let signatures: Vec<Vec<u8>> = header
        .split_ascii_whitespace()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
        .collect();
    if signatures.is_empty() {
        return Err(SignatureError::Malformed(WEBHOOK_SIGNATURE_HEADER));
    }

    // The body is hashed once per secret, not once per (secret, signature) pair, so a header
    // stuffed with signatures cannot multiply the work done over a large body.
    for secret in secrets {
        let mac = secret.mac_over(id, timestamp, body);
        if signatures
            .iter()
            .any(|sig| mac.clone().verify_slice(sig).is_ok())
        {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answer computed independently with Python 3:
    //   key = bytes(range(32)); secret = "whsec_" + base64.b64encode(key).decode()
    //   content = b"msg_2Lh9KRb0pzN4hDRW1bZ8Ww.1700000000." + BODY
    //   "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const ID: &str = "msg_2Lh9KRb0pzN4hDRW1bZ8Ww";
    const TS: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"type":"order.created","data":{"id":"PO-1"}}"#;
    const EXPECTED: &str = "v1,NycyQVD0XphNnuO3zZdpE3a2BXD23bGHGDimWWoE3OA=";

    fn secret() -> StandardSecret {
        StandardSecret::try_from(SECRET).unwrap()
    }

    fn other_secret() -> StandardSecret {
        StandardSecret::try_from("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    fn verify(
        secrets: &[StandardSecret],
        header: &str,
        ts: &str,
        now: i64,
    ) -> Result<(), SignatureError> {
        verify_standard(
            secrets,
            Some(ID),
            Some(ts),
            Some(header),
            BODY,
            at(now),
            DEFAULT_TOLERANCE,
        )
    }

    #[test]
    fn known_answer() {
        assert_eq!(sign_standard(&secret(), ID, TS, BODY), EXPECTED);
        assert_eq!(verify(&[secret()], EXPECTED, "1700000000", TS), Ok(()));
    }

    #[test]
    fn any_secret_may_match_so_secrets_can_rotate() {
        assert_eq!(
            verify(&[other_secret(), secret()], EXPECTED, "1700000000", TS),
            Ok(())
        );
        assert_eq!(
            verify(&[other_secret()], EXPECTED, "1700000000", TS),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[], EXPECTED, "1700000000", TS),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_v1_signature_in_the_header_may_match_and_other_versions_are_ignored() {
        let old = sign_standard(&other_secret(), ID, TS, BODY);
        let header = format!("v1a,bm90IHVzZWQ= {old}  {EXPECTED} v2,zzz");
        assert_eq!(verify(&[secret()], &header, "1700000000", TS), Ok(()));
        // Our signature labelled with another version does not count.
        let relabelled = EXPECTED.replacen("v1,", "v1a,", 1);
        assert_eq!(
            verify(
                &[secret()],
                &format!("{relabelled} {old}"),
                "1700000000",
                TS
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[secret()], &relabelled, "1700000000", TS),
            Err(SignatureError::Malformed(WEBHOOK_SIGNATURE_HEADER))
        );
    }

    #[test]
    fn a_tampered_body_id_or_timestamp_is_a_mismatch() {
        let s = [secret()];
        let check = |id: &str, ts: &str, body: &[u8]| {
            verify_standard(
                &s,
                Some(id),
                Some(ts),
                Some(EXPECTED),
                body,
                at(TS),
                DEFAULT_TOLERANCE,
            )
        };
        assert_eq!(
            check(ID, "1700000000", b"{}"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check("msg_other", "1700000000", BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(check(ID, "1700000001", BODY), Err(SignatureError::Mismatch));
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_at_the_tolerance_boundary() {
        let s = [secret()];
        // Exactly five minutes either way is still accepted.
        assert_eq!(verify(&s, EXPECTED, "1700000000", TS + 300), Ok(()));
        assert_eq!(verify(&s, EXPECTED, "1700000000", TS - 300), Ok(()));
        assert_eq!(
            verify(&s, EXPECTED, "1700000000", TS + 301),
            Err(SignatureError::TimestampOutOfTolerance)
        );
        assert_eq!(
            verify(&s, EXPECTED, "1700000000", TS - 301),
            Err(SignatureError::TimestampOutOfTolerance)
        );
        assert_eq!(
            verify(&s, EXPECTED, "99999999999999999999", TS),
            Err(SignatureError::Malformed(WEBHOOK_TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(&s, EXPECTED, "9223372036854775807", TS),
            Err(SignatureError::TimestampOutOfTolerance)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        let s = [secret()];
        let now = at(TS);
        let tol = DEFAULT_TOLERANCE;
        assert_eq!(
            verify_standard(&s, None, Some("1"), Some(EXPECTED), BODY, now, tol),
            Err(SignatureError::Missing(WEBHOOK_ID_HEADER))
        );
        assert_eq!(
            verify_standard(&s, Some(ID), None, Some(EXPECTED), BODY, now, tol),
            Err(SignatureError::Missing(WEBHOOK_TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify_standard(&s, Some(ID), Some("1700000000"), None, BODY, now, tol),
            Err(SignatureError::Missing(WEBHOOK_SIGNATURE_HEADER))
        );
        for ts in ["", "-5", "+1700000000", " 1700000000", "17e8"] {
            assert_eq!(
                verify(&s, EXPECTED, ts, TS),
                Err(SignatureError::Malformed(WEBHOOK_TIMESTAMP_HEADER)),
                "{ts:?}"
            );
        }
        for header in ["", "v1", "v1,***", "garbage"] {
            assert_eq!(
                verify(&s, header, "1700000000", TS),
                Err(SignatureError::Malformed(WEBHOOK_SIGNATURE_HEADER)),
                "{header:?}"
            );
        }
    }

    #[test]
    fn malformed_secrets_are_refused_and_never_printed() {
        assert_eq!(
            StandardSecret::try_from("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            Err(SecretError::MissingPrefix)
        );
        assert_eq!(
            StandardSecret::try_from("whsec_!!!"),
            Err(SecretError::NotBase64)
        );
        assert_eq!(
            StandardSecret::try_from("whsec_c2hvcnQ="),
            Err(SecretError::BadLength(5))
        );
        let debug = format!("{:?}", secret());
        assert_eq!(debug, "StandardSecret(<32 byte key redacted>)");
        assert!(!debug.contains(&SECRET[6..12]));
    }
}
