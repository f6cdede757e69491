//! Publishing canonical events (the versioned envelope) for every consumer downstream.
//!
//! Adapters: EventBridge (feature `eventbridge`) and an in-memory twin that passes the same
//! contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bus_event;
#[cfg(feature = "contract")]
pub mod contract;
mod memory;
mod publisher;

#[cfg(feature = "eventbridge")]
mod eventbridge;

pub use bus_event::BusEvent;
#[cfg(feature = "eventbridge")]
pub use eventbridge::EventBridgePublisher;
pub use memory::InMemoryPublisher;
pub use publisher::EventPublisher;
