//! Idempotency: claim a business key once, learn in one round trip what to do next.
//!
//! A caller claims a key with the hash of its payload and a lease that ends at its own deadline.
//! The store answers with a [`NextAction`]: go ahead (you own the lease), replay the stored result,
//! refuse a different payload under the same key, or wait because someone else holds the lease.
//! Completion is conditioned on still owning the lease, so a caller that overran its lease cannot
//! overwrite the result of the one that took over.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod key;
mod memory;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbIdempotencyStore;
pub use key::{IdempotencyKey, InvalidIdempotencyKey};
pub use memory::InMemoryIdempotencyStore;

/// How long a completed result is kept for replays (and a claim's record at most).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// What the caller should do after claiming a key.
#[derive(Debug, Clone, PartialEq)]
pub enum NextAction {
    /// The key is ours until the lease ends: do the work, then [`IdempotencyStore::complete`].
    Proceed(Lease),
    /// The work was done before with the same payload; here is its stored result.
    Replay(serde_json::Value),
    /// The key was used before with a different payload.
    Conflict,
    /// Someone else holds a valid lease on the key; try again after `retry_after`.
    InFlight {
        /// Time left on the other holder's lease.
        retry_after: Duration,
    },
}

/// Proof of owning a key until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The claimed key (already scoped, e.g. `orders-api#demo-shop#k1`).
    pub key: String,
    /// A unique token for this claim.
    pub owner: String,
    /// When the lease ends, epoch milliseconds.
    pub until_ms: u64,
}

/// A claim request.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The scoped key, built from business identity (never an SQS message id).
    pub key: &'a str,
    /// Hash of the canonical payload; a replay must carry the same one.
    pub payload_hash: &'a str,
    /// When the lease should end: the caller's own deadline.
    pub lease_until: SystemTime,
    /// How long the record lives after completion.
    pub retention: Duration,
}

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// Completion or release refused: the lease ended and someone else took the key.
    #[error("the lease on {key} was lost to another owner")]
    LeaseLost {
        /// The key.
        key: String,
    },
    /// The backing store failed; retry later.
    #[error("idempotency store failed: {0}")]
    Store(String),
}

/// Claims, completes and releases idempotency keys.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `claim.key`; see [`NextAction`].
    async fn claim(&self, claim: Claim<'_>) -> Result<NextAction, IdempotencyError>;
    /// Stores the result and ends the lease; later claims with the same payload replay it.
    async fn complete(
        &self,
        lease: &Lease,
        result: &serde_json::Value,
        retention: Duration,
    ) -> Result<(), IdempotencyError>;
    /// Gives the key up without a result, so that the next claim proceeds at once.
    async fn release(&self, lease: &Lease) -> Result<(), IdempotencyError>;
}

/// A record a new claim could not take over, as both stores see it.
pub(crate) struct Held<'a> {
    pub payload_hash: Option<&'a str>,
    /// The stored result, once completed.
    pub result: Option<serde_json::Value>,
    pub lease_until_ms: Option<u64>,
}

/// The one rule for a refused claim: another payload conflicts, a completed key replays, and a
/// running one tells the caller to wait for the lease (at least a second, so clients back off).
pub(crate) fn refused(held: Held<'_>, payload_hash: &str, now_ms: u64) -> NextAction {
    if held.payload_hash != Some(payload_hash) {
        return NextAction::Conflict;
    }
    if let Some(result) = held.result {
        return NextAction::Replay(result);
    }
    let lease_until = held.lease_until_ms.unwrap_or(now_ms);
    NextAction::InFlight {
        retry_after: Duration::from_millis(lease_until.saturating_sub(now_ms))
            .max(Duration::from_secs(1)),
    }
}

pub(crate) fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}

pub(crate) fn new_owner() -> String {
    ulid::Ulid::new().to_string()
}
