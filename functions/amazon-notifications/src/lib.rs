//! `amazon-notifications`: Amazon delivers SP-API notifications to SQS (not HTTP); this function
//! consumes `ORDER_CHANGE` and turns each actionable order into a canonical order.
//!
//! Per message: read the notification → find the channel by the seller id → decide by the
//! order status (create, cancel, wait) → fetch the full order and its items through the SP-API
//! client ([`sellers`]) → map → capture through the same intake as `POST /v1/orders`.
//! Duplicates need no extra bookkeeping: capture is unique per Amazon order id, and its key is
//! the notification id, so a redelivered notification resumes an interrupted capture while a
//! later notification about the same order only matches it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod consumer;
pub mod sellers;

pub use consumer::{Consumer, Handled, Ports};
pub use sellers::{SellerApis, SellerError, SpApiSellers};
