//! Shopify and WooCommerce webhook signatures (`base64(HMAC-SHA256(secret, body))`), as
//! `functions/webhooks/src/verify.rs` applies them to every delivery before reading it.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use switchyard_webhooks::SignatureError;
use switchyard_webhooks::signature::{
    sign_shopify, sign_woocommerce, verify_shopify, verify_woocommerce,
};

#[derive(Debug, Arbitrary)]
struct Delivery {
    secret: Vec<u8>,
    signed_body: Vec<u8>,
    /// What arrives: possibly not the body that was signed.
    received_body: Vec<u8>,
    /// A header the sender (or an attacker) chose.
    header: Option<String>,
    woo: bool,
}

/// A scheme's signer: `(secret, body)`.
type Sign = fn(&[u8], &[u8]) -> String;
/// A scheme's verifier: `(secret, body, header)`.
type Verify = fn(&[u8], &[u8], Option<&str>) -> Result<(), SignatureError>;

fuzz_target!(|d: Delivery| {
    let (sign, verify): (Sign, Verify) = if d.woo {
        (sign_woocommerce, verify_woocommerce)
    } else {
        (sign_shopify, verify_shopify)
    };
    let genuine = sign(&d.secret, &d.signed_body);
    // The genuine signature verifies the signed body (unless no secret is configured)…
    let own = verify(&d.secret, &d.signed_body, Some(&genuine));
    if d.secret.is_empty() {
        assert_eq!(
            own,
            Err(SignatureError::Mismatch),
            "an empty secret verified a body"
        );
    } else {
        assert_eq!(own, Ok(()));
    }
    // …and never a body that differs from it.
    if d.received_body != d.signed_body {
        assert_eq!(
            verify(&d.secret, &d.received_body, Some(&genuine)),
            Err(SignatureError::Mismatch)
        );
    }
    // Any header at all: accepted only if it is, byte for byte after trimming, the genuine
    // signature of the body received.
    if verify(&d.secret, &d.received_body, d.header.as_deref()).is_ok() {
        assert!(!d.secret.is_empty());
        assert_eq!(
            d.header.as_deref().map(str::trim),
            Some(sign(&d.secret, &d.received_body).as_str())
        );
    }
});
