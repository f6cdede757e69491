//! `webhooks`: `POST /v1/webhooks/{channel}` for storefronts (Shopify, WooCommerce) and partner
//! portals (Standard Webhooks).
//!
//! Per delivery: find the channel → verify the signature over the raw bytes with the channel's
//! active secrets ([`verify`]) → de-duplicate on the delivery id → read what the delivery asks
//! for ([`delivery`]) → capture the order (or queue its cancellation) through the same intake as
//! `POST /v1/orders`. A signed body that cannot be read is kept in the quarantine for an operator.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod delivery;
pub mod handler;
pub mod verify;

pub use handler::{Ports, Settings, WebhooksApi};
