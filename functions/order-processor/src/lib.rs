//! `order-processor`: posts submitted orders to the ERP, exactly once.
//!
//! Consumes the orders queue in batches and reports failures per message
//! (`ReportBatchItemFailures`). `posting` holds the flow for one order; the retry schedule
//! ([`RetryPolicy`]) is the one every queue consumer shares, from `switchyard-orders`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
pub mod posting;
pub mod returns;

pub use batch::{BatchProcessor, Ports};
pub use switchyard_orders::RetryPolicy;
