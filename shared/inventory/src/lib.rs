//! Inventory and prices from the ERP, out to every channel.
//!
//! - [`push`] is the port every channel pusher implements ([`ChannelStock`]): set the sellable
//!   quantity of some SKUs on one channel, idempotently; [`InMemoryChannelStock`] is its twin,
//!   held to the same contract (`contract`, feature `contract`) as every adapter.
//! - [`stock`] and [`prices`] are the typed projections the channel APIs read and the projector
//!   writes (over `switchyard-projections`), and [`prices::SkuPricing::quote`] picks the price a
//!   customer pays.
//! - [`pusher`] is the consumer logic every channel kind's pusher shares: coalesce a batch,
//!   apply each channel's allocation, skip what the channel already has, retry what failed.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
mod memory;
pub mod prices;
pub mod push;
pub mod pusher;
pub mod stock;

pub use memory::InMemoryChannelStock;
pub use push::{ChannelLevel, ChannelStock, LevelOutcome, PushError};
