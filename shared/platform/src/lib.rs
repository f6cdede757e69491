//! Ports the functions need besides the ERP, with their AWS adapters and in-memory twins.
//!
//! Each capability is one small trait (`OrderStore`, `ChannelDirectory`, `OrderQueue`,
//! `RetryScheduler`, `EventPublisher`); handlers take the traits, `main.rs` wires the AWS
//! adapters, unit tests wire the in-memory ones, and adapter tests run against moto.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aws;
pub mod channels;
pub mod edi;
pub mod events;
pub mod orders;
pub mod quarantine;
pub mod queue;
pub mod secrets;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;

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
    pub(crate) fn new(service: &'static str, e: impl std::fmt::Display) -> Self {
        ServiceError {
            service,
            message: e.to_string(),
        }
    }
}
