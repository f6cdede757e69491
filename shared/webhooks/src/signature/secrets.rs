//! Fresh signing secrets for newly configured channels.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// Random bytes in every generated secret: 256 bits, the size of the HMAC-SHA256 output.
const SECRET_BYTES: usize = 32;

fn random_key() -> [u8; SECRET_BYTES] {
    let mut key = [0u8; SECRET_BYTES];
    // The thread RNG is a CSPRNG seeded from the operating system.
    rand::rng().fill_bytes(&mut key);
    key
}

/// A new Standard Webhooks secret: `whsec_` followed by the base64 of 32 random bytes.
pub fn generate_standard_secret() -> String {
    format!("whsec_{}", STANDARD.encode(random_key()))
}

/// A new shared secret for a Shopify-style or WooCommerce webhook: 64 lowercase hex digits
/// (32 random bytes).
///
/// Hex rather than base64 because these storefronts key the MAC with the secret's text as typed
/// into their admin, and hex survives copy and paste into any form field unchanged.
pub fn generate_shared_secret() -> String {
    random_key().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::StandardSecret;

    #[test]
    fn generated_standard_secrets_parse_and_differ() {
        let a = generate_standard_secret();
        let b = generate_standard_secret();
        assert_ne!(a, b);
        assert!(StandardSecret::try_from(a.as_str()).is_ok());
    }

    #[test]
    fn generated_shared_secrets_are_64_hex_digits_and_differ() {
        let a = generate_shared_secret();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, generate_shared_secret());
    }
}
