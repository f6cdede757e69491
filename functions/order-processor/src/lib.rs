//! `order-processor`: posts submitted orders to the ERP, exactly once.
//!
//! Consumes the orders queue in batches and reports failures per message
//! (`ReportBatchItemFailures`). `posting` holds the flow for one order; `backoff` decides how long
//! a transiently failed message waits before its next delivery.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backoff;
pub mod batch;
pub mod posting;

pub use backoff::RetryPolicy;
pub use batch::{BatchProcessor, Ports};
