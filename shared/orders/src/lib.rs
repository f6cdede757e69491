//! Orders: the order record with its state machine and outbox of events, the [`OrderStore`]
//! port it is kept behind, and the orders queue ([`OrderQueue`], [`RetryScheduler`]) that
//! carries work to the ERP.
//!
//! Adapters: DynamoDB (feature `dynamodb`), SQS (feature `sqs`), and in-memory twins that pass
//! the same contract (feature `contract` holds the cases; `tests/adapters` runs them on moto).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod activity;
#[cfg(feature = "contract")]
pub mod contract;
mod fulfilment;
mod memory;
mod outbox;
mod queue;
mod record;
mod retry;
mod returns;
mod store;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqs")]
mod sqs;

pub use activity::OrderActivity;
#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbOrderStore;
pub use fulfilment::{Applied, FulfilmentError};
pub use memory::InMemoryOrderStore;
pub use outbox::{FlushError, flush_outbox};
pub use queue::{Delivery, InMemoryQueue, OrderQueue, RetryScheduler};
pub use record::OrderRecord;
pub use retry::{POISON_REDELIVERY, RetryPolicy};
pub use returns::RequestedReturn;
#[cfg(feature = "sqs")]
pub use sqs::SqsQueue;
pub use store::{
    Created, Leased, OrderStore, OrderStoreError, StatusEntry, Versioned, status_entered_at,
};
