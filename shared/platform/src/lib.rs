//! What every function needs besides its ports: settings from the environment, the AWS SDK
//! configuration (feature `aws`), structured logs with PII redaction, and [`ServiceError`], the
//! transient failure of a backing service that every port reports.
//!
//! The ports themselves live with their capability: `switchyard-orders`, `-channels`,
//! `-edi-outbox`, `-quarantine`, `-throttle`, `-secrets`, `-events`, `-idempotency`, `-erp`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod metrics;
pub mod settings;
pub mod telemetry;

/// A failure of a backing store or service that is worth retrying.
#[derive(Debug, thiserror::Error)]
#[error("{service} failed: {message}")]
pub struct ServiceError {
    /// Which service (`dynamodb`, `sqs`, `eventbridge`).
    pub service: &'static str,
    /// What it said.
    pub message: String,
}

impl ServiceError {
    /// A failure of `service`, saying what happened.
    pub fn new(service: &'static str, e: impl std::fmt::Display) -> Self {
        ServiceError {
            service,
            message: e.to_string(),
        }
    }
}
