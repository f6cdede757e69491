//! Versioned projections: the ERP's truth (stock levels, prices, an order's fulfilment), kept
//! where the channel APIs can read it without calling the ERP.
//!
//! Every document is written with the ERP-side ordering value of what it describes, and
//! [`ProjectionStore::put_if_newer`] keeps it only if that value is larger than the stored one:
//! events may arrive reordered or repeated, and a projection never moves back. The store holds
//! JSON documents under a two-part [`Key`]; the typed views (inventory, prices) live with their
//! capability.
//!
//! Adapters: DynamoDB (feature `dynamodb`) and [`InMemoryProjectionStore`], held to the same
//! contract (`contract`, feature `contract`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod memory;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbProjectionStore;
pub use memory::InMemoryProjectionStore;

use switchyard_platform::ServiceError;

/// Where a document lives: a partition (`stock#WIDGET-S`) and a sort key within it (`level`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The partition: what the document is about.
    pub pk: String,
    /// Which document of that partition.
    pub sk: String,
}

impl Key {
    /// A key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// Which of two states of one key is newer: compared by `value` (the ERP-side ordering value),
/// then by `observed` (when Switchyard read it).
///
/// The tiebreak exists because an ERP's stamps are not a commit order: Tryton stamps a record
/// with the start of its transaction, so a transaction that started earlier and committed later
/// can leave a new state under the same newest stamp. Two reads of the same stamp are then told
/// apart by when they were made: the later read saw at least every commit the earlier one saw.
/// A repeated delivery of the same event carries the same pair, and stays a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version {
    /// The ERP-side ordering value (for a cursor, its revision).
    pub value: i64,
    /// When the state was read, in microseconds since the epoch (0 when there is no tiebreak).
    pub observed: i64,
}

impl Version {
    /// A version without a tiebreak.
    pub fn new(value: i64) -> Self {
        Version { value, observed: 0 }
    }

    /// A version with its read time as the tiebreak.
    pub fn observed(value: i64, observed_at: chrono::DateTime<chrono::Utc>) -> Self {
        Version {
            value,
            observed: observed_at.timestamp_micros(),
        }
    }
}

/// A stored document and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The version it was written with.
    pub version: Version,
    /// The document.
    pub doc: serde_json::Value,
}

/// What [`ProjectionStore::put_if_newer`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The document is stored: there was none, or an older one.
    Written,
    /// Nothing was written: the store already holds this version or a newer one.
    Stale,
}

/// Versioned documents.
#[async_trait::async_trait]
pub trait ProjectionStore: Send + Sync {
    /// Stores `doc` under `key` unless the stored version is `version` or larger, in one
    /// conditional write (so two writers racing leave the larger version, whatever the order).
    async fn put_if_newer(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<Applied, ServiceError>;

    /// Stores `doc` under `key` with `version`, whatever is stored: for state only one writer
    /// keeps (a pusher's record of what it sent), never for ERP truth.
    async fn put(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<(), ServiceError>;

    /// The documents under `keys`, in the same order; `None` where there is none. Any number of
    /// keys (adapters split them into the backend's batch size).
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Stored>>, ServiceError>;
}
