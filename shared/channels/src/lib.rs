//! Channels: who may send orders, how they connect, how they are found (API keys, with their expiry, revocation and last use; X12 sender,
//! Amazon seller id), how much stock each may sell ([`Allocation`]), and the [`ChannelDirectory`] port their records are kept behind.
//!
//! Adapters: DynamoDB (feature `dynamodb`) and an in-memory twin that passes the same contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod allocation;
mod cache;
mod channel;
#[cfg(feature = "contract")]
pub mod contract;
mod directory;
mod key;
mod memory;

#[cfg(feature = "dynamodb")]
mod dynamodb;

pub use allocation::{Allocation, AllocationError};
pub use cache::ChannelCache;
pub use channel::*;
pub use directory::{ChannelDirectory, PutChannelError};
#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbChannelDirectory;
pub use key::{
    ApiKey, KEY_ID_LEN, KeyCheck, KeyState, LAST_USED_INTERVAL, REVOCATION_DELAY, key_id,
    last_used_cutoff,
};
pub use memory::InMemoryChannelDirectory;
