//! Webhook signature verification, checked over the raw body before anything parses it.
//!
//! Every comparison of a received signature with the expected one goes through
//! [`hmac::Mac::verify_slice`], which compares in constant time, so response timing reveals
//! nothing about how many leading bytes of a forged signature were right.

mod secrets;
mod standard;
mod storefront;

pub use secrets::{generate_shared_secret, generate_standard_secret};
pub use standard::{
    DEFAULT_TOLERANCE, SecretError, StandardSecret, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER, sign_standard, verify_standard,
};
pub use storefront::{
    SHOPIFY_HMAC_HEADER, WOOCOMMERCE_SIGNATURE_HEADER, sign_shopify, sign_woocommerce,
    verify_shopify, verify_woocommerce,
};

use hmac::Hmac;
use hmac::digest::{Digest, Key, KeyInit};
use sha2::Sha256;

/// HMAC-SHA256, the MAC all three schemes use.
type HmacSha256 = Hmac<Sha256>;

/// Why a webhook's signature was refused. The messages are meant for the sender: they name the
/// header at fault and never include secret material or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A required header was absent.
    #[error("the {0} header is missing")]
    Missing(&'static str),
    /// A header was present but could not be read (not base64, wrong length, not a number).
    #[error("the {0} header is malformed")]
    Malformed(&'static str),
    /// The signature is well formed but does not match the body under any configured secret.
    #[error("the webhook signature does not match the body")]
    Mismatch,
    /// The signed timestamp is further from the current time than the tolerance allows, in
    /// either direction: an old delivery may be a replay, a future one a forgery made to outlive
    /// the replay window.
    #[error("the webhook timestamp is outside the accepted tolerance; check the sender's clock")]
    TimestampOutOfTolerance,
}

/// An HMAC-SHA256 keyed with `key`.
///
/// The key is brought to the hash's block size exactly as RFC 2104 prescribes (hashed when
/// longer, zero-padded when shorter). `Hmac::new_from_slice` does the same but returns a
/// `Result`; building the block here keeps signing infallible without an `expect`.
fn keyed(key: &[u8]) -> HmacSha256 {
    let mut block = Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block
            .iter_mut()
            .zip(digest.iter())
            .for_each(|(b, k)| *b = *k);
    } else {
        block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
    }
    <HmacSha256 as KeyInit>::new(&block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Mac;

    #[test]
    fn keys_of_every_length_match_the_library_construction() {
        // The library's own constructor is the reference for the RFC 2104 key handling.
        for len in [0usize, 1, 31, 32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut ours = keyed(&key);
            let mut theirs = <HmacSha256 as KeyInit>::new_from_slice(&key).unwrap();
            ours.update(b"body");
            theirs.update(b"body");
            assert_eq!(
                ours.finalize().into_bytes(),
                theirs.finalize().into_bytes(),
                "key length {len}"
            );
        }
    }
}
