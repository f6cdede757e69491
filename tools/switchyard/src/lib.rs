//! The operator CLI's library half. What the commands do lives in `switchyard-operations`
//! (shared with the ops API and the dlq-redrive Lambda); it is re-exported here for the tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use switchyard_operations::{dlq, edit, orders, quarantine};
