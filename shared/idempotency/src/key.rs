//! The `Idempotency-Key` a client sends.

/// A client-chosen idempotency key: 1 to 255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// Why a header value is not a usable key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Idempotency-Key must be 1 to 255 printable ASCII characters")]
pub struct InvalidIdempotencyKey;

impl TryFrom<&str> for IdempotencyKey {
    type Error = InvalidIdempotencyKey;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        let value = value.trim();
        if value.is_empty()
            || value.len() > 255
            || !value.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(InvalidIdempotencyKey);
        }
        Ok(IdempotencyKey(value.to_string()))
    }
}

impl IdempotencyKey {
    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_printable_ascii() {
        assert!(IdempotencyKey::try_from("7f1c-…").is_err());
        assert!(IdempotencyKey::try_from("").is_err());
        assert!(IdempotencyKey::try_from("   ").is_err());
        assert!(IdempotencyKey::try_from("a".repeat(256).as_str()).is_err());
        assert_eq!(
            IdempotencyKey::try_from(" order-1 ").unwrap().as_str(),
            "order-1"
        );
    }
}
