//! EDI state: the outbox partners collect documents from, the acknowledgements still owed for
//! purchase orders, and interchange control numbers.
//!
//! One DynamoDB table (`pk`, `sk`):
//! * `OUTBOX#<channel>` / `doc#<id>` — a document waiting for the partner (997, 855), removed
//!   when the partner confirms collection;
//! * `PENDING#<order id>` / `ack` — what is needed to acknowledge a purchase order (an 855) once
//!   the ERP has decided, stored as JSON the EDI functions define;
//! * `COUNTER#<channel>` / `isa` — the last interchange control number sent to the partner.
//!
//! Adapters: DynamoDB (feature `dynamodb`) and an in-memory twin that passes the same contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
mod memory;
mod store;

#[cfg(feature = "dynamodb")]
mod dynamodb;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbEdiStore;
pub use memory::InMemoryEdiStore;
pub use store::{EdiStore, Listed, Listing, OutboxDocument};
