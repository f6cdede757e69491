//! Logging setup and PII redaction.

/// Structured JSON logs to stdout (CloudWatch picks them up), level from `RUST_LOG`
/// (default `info`). Local runs can ask for human-readable lines with `SWITCHYARD_LOG_FORMAT=text`.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    if std::env::var("SWITCHYARD_LOG_FORMAT").as_deref() == Ok("text") {
        let _ = builder.try_init();
    } else {
        let _ = builder.json().flatten_event(true).try_init();
    }
}

/// Keeps the first character and the domain of an email, for logs: `b***@acme.example`.
pub fn redact_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_are_redacted() {
        assert_eq!(
            super::redact_email("buyer@acme.example"),
            "b***@acme.example"
        );
        assert_eq!(super::redact_email("nonsense"), "***");
    }
}
