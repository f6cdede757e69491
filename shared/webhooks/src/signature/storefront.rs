//! Shopify and WooCommerce: `base64(HMAC-SHA256(secret, raw body))` in one header.
//!
//! Both storefronts key the MAC with the bytes of the shared secret *as text* (the string shown
//! in the admin), not with a decoded form of it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;

use super::{SignatureError, keyed};

/// The header Shopify signs deliveries with.
pub const SHOPIFY_HMAC_HEADER: &str = "X-Shopify-Hmac-Sha256";
/// The header WooCommerce signs deliveries with.
pub const WOOCOMMERCE_SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";

/// Length of an HMAC-SHA256 output.
const MAC_LEN: usize = 32;

/// Verifies a Shopify delivery: `header` is the value of `X-Shopify-Hmac-Sha256`.
///
/// An empty secret verifies nothing: a channel whose secret was never configured must not accept
/// bodies anyone could sign.
pub fn verify_shopify(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    verify_body_mac(secret, body, header, SHOPIFY_HMAC_HEADER)
}

/// Verifies a WooCommerce delivery: `header` is the value of `X-WC-Webhook-Signature`.
///
/// An empty secret verifies nothing, as for [`verify_shopify`].
pub fn verify_woocommerce(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    verify_body_mac(secret, body, header, WOOCOMMERCE_SIGNATURE_HEADER)
}

/// The `X-Shopify-Hmac-Sha256` value Shopify would send for `body`.
pub fn sign_shopify(secret: &[u8], body: &[u8]) -> String {
    sign_body(secret, body)
}

/// The `X-WC-Webhook-Signature` value WooCommerce would send for `body`.
pub fn sign_woocommerce(secret: &[u8], body: &[u8]) -> String {
    sign_body(secret, body)
}

fn sign_body(secret: &[u8], body: &[u8]) -> String {
    let mut mac = keyed(secret);
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn verify_body_mac(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
    name: &'static str,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing(name))?;
    // Proxies may leave surrounding whitespace; base64 never contains any.
    let received = STANDARD
        .decode(header.trim())
        .map_err(|_| SignatureError::Malformed(name))?;
    if received.len() != MAC_LEN {
        return Err(SignatureError::Malformed(name));
    }
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let mut mac = keyed(secret);
    mac.update(body);
    mac.verify_slice(&received)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answers computed independently with Python 3:
    //   import hmac, hashlib, base64
    //   base64.b64encode(hmac.new(SECRET, BODY, hashlib.sha256).digest()).decode()
    const SECRET: &[u8] = b"shpss_0123456789abcdef";
    const BODY: &[u8] = br##"{"id":5678901234567890123,"name":"#1001"}"##;
    const EXPECTED: &str = "ACb+0vwAE4E4Sx9DbyxS246x2xL/bXZIHu9hfkpCLis=";
    // A 100-byte key, longer than SHA-256's 64-byte block, so the key is hashed first:
    //   hmac.new(b"k" * 100, b"hello", hashlib.sha256)
    const LONG_KEY_EXPECTED: &str = "P9V412Gk9nAwCektLooK6iKrmrUNStJQ3JXYw2new/U=";

    #[test]
    fn known_answers() {
        assert_eq!(sign_shopify(SECRET, BODY), EXPECTED);
        assert_eq!(sign_woocommerce(SECRET, BODY), EXPECTED);
        assert_eq!(sign_shopify(&[b'k'; 100], b"hello"), LONG_KEY_EXPECTED);
        assert_eq!(verify_shopify(SECRET, BODY, Some(EXPECTED)), Ok(()));
        assert_eq!(verify_woocommerce(SECRET, BODY, Some(EXPECTED)), Ok(()));
    }

    #[test]
    fn surrounding_whitespace_in_the_header_is_tolerated() {
        let padded = format!("  {EXPECTED}\t");
        assert_eq!(verify_shopify(SECRET, BODY, Some(&padded)), Ok(()));
    }

    #[test]
    fn a_tampered_body_or_wrong_secret_is_a_mismatch() {
        let tampered = br##"{"id":5678901234567890124,"name":"#1001"}"##;
        assert_eq!(
            verify_shopify(SECRET, tampered, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_woocommerce(b"another secret", BODY, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_empty_secret_verifies_nothing() {
        let signed_with_empty = sign_shopify(b"", BODY);
        assert_eq!(
            verify_shopify(b"", BODY, Some(&signed_with_empty)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_headers_name_the_header() {
        assert_eq!(
            verify_shopify(SECRET, BODY, None),
            Err(SignatureError::Missing("X-Shopify-Hmac-Sha256"))
        );
        assert_eq!(
            verify_woocommerce(SECRET, BODY, None),
            Err(SignatureError::Missing("X-WC-Webhook-Signature"))
        );
        for bad in ["", "not base64!", "c2hvcnQ=", &format!("{EXPECTED}AAAA")] {
            assert_eq!(
                verify_shopify(SECRET, BODY, Some(bad)),
                Err(SignatureError::Malformed("X-Shopify-Hmac-Sha256")),
                "{bad:?}"
            );
        }
        assert_eq!(
            SignatureError::Missing(SHOPIFY_HMAC_HEADER).to_string(),
            "the X-Shopify-Hmac-Sha256 header is missing"
        );
    }
}
