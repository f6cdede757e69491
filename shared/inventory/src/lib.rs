//! Inventory and prices from the ERP, out to every channel.
//!
//! - [`push`] is the port every channel pusher implements ([`ChannelStock`]): set the sellable
//!   quantity of some SKUs on one channel, idempotently.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod push;

pub use push::{ChannelLevel, ChannelStock, LevelOutcome, PushError};
