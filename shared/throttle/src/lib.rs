//! Per-channel request rate limits (`rate_limit_per_second` on the channel record).
//!
//! A fixed one-second window per channel, counted in DynamoDB so that every Lambda instance sees
//! the same count: one conditional `UpdateItem` per request admits it while the window's count is
//! under the limit. Counter items expire after a minute (TTL). Fixed windows can let up to twice
//! the limit through across a window edge; that is fine for protecting the intake, and the orders
//! queue protects the ERP regardless.
//!
//! Adapters: DynamoDB (feature `dynamodb`) and an in-memory twin that passes the same contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
mod limiter;
mod memory;

#[cfg(feature = "dynamodb")]
mod dynamodb;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbRateLimiter;
pub use limiter::RateLimiter;
pub use memory::InMemoryRateLimiter;
