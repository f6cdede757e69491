//! Login-with-Amazon credentials, and a wrapper that keeps secrets out of logs.

/// A secret string (client secret, refresh token, access token).
///
/// `Debug` and `Display` print `[redacted]`, so a secret that ends up inside a logged struct or an
/// error message is never written out; the value is reachable only through [`Secret::expose`],
/// which makes every use easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string (a missing setting, usually).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

/// The Login-with-Amazon (LWA) credentials of one SP-API application and seller authorisation.
///
/// The client id identifies the application and is not secret; the client secret and the
/// seller's refresh token are.
#[derive(Debug, Clone)]
pub struct LwaCredentials {
    /// The LWA client id (`amzn1.application-oa2-client.…`).
    pub client_id: String,
    /// The LWA client secret.
    pub client_secret: Secret,
    /// The refresh token the seller granted when authorising the application (`Atzr|…`).
    pub refresh_token: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let creds = LwaCredentials {
            client_id: "amzn1.application-oa2-client.x".into(),
            client_secret: Secret::new("s3cr3t"),
            refresh_token: "Atzr|refresh".into(),
        };
        let shown = format!("{creds:?} {}", creds.client_secret);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("Atzr|refresh"), "{shown}");
        assert!(shown.contains("amzn1.application-oa2-client.x"));
        assert_eq!(creds.refresh_token.expose(), "Atzr|refresh");
    }
}
