//! Deliveries Switchyard authenticated but could not read, kept for an operator.
//!
//! A signed webhook whose body does not parse, or an EDI interchange that is not an order, must
//! never vanish: it is sent whole to the quarantine queue, where operators inspect it with the same
//! tools they use for dead-letter queues (`aws sqs receive-message`), fix the channel's mapping and
//! ask the sender to resend. The channel gets a 4xx naming the problem.
//!
//! Adapters: SQS (feature `sqs`) and an in-memory twin that passes the same contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
mod delivery;
mod memory;

#[cfg(feature = "sqs")]
mod sqs;

pub use delivery::{
    MAX_KEPT_BODY_BYTES, MAX_KEPT_REASON_BYTES, MAX_MESSAGE_BYTES, Quarantine, QuarantinedDelivery,
};
pub use memory::InMemoryQuarantine;
#[cfg(feature = "sqs")]
pub use sqs::SqsQuarantine;
