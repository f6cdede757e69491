//! WooCommerce REST API v3, for the inventory pusher: [`WooInventory`] sets stock levels on one
//! store through `/wp-json/wc/v3` and implements [`ChannelStock`].
//!
//! What it does per push, and why:
//! - finds each SKU's product or variation id (`GET /products?sku=a,b,…`, up to 100 SKUs a call;
//!   WooCommerce's `sku` filter finds variations too) and caches it: a store's ids do not change,
//!   so later pushes read by id (`include=`), which is an indexed primary-key read instead of a
//!   meta query. A cached id that no longer exists (the product was deleted, perhaps recreated
//!   under a new id) is dropped and looked up again by SKU;
//! - reads the current `stock_quantity` with that same call, so a level the store already shows
//!   is [`LevelOutcome::Unchanged`] and not written (WooCommerce fires webhooks and clears caches
//!   on every product save);
//! - writes the rest with the batch endpoints, at most 100 objects per request (WooCommerce's
//!   `woocommerce_rest_batch_items_limit`), top-level products through `POST /products/batch`
//!   and variations through their parent's `POST /products/{id}/variations/batch`, always with
//!   `manage_stock: true` (WooCommerce ignores a quantity on a product that does not manage
//!   stock);
//! - maps failures onto [`PushError`]: `429` is retried after `Retry-After` (or a doubling delay)
//!   a bounded number of times, then [`PushError::Throttled`]; `5xx`, timeouts and refused
//!   connections are [`PushError::Unavailable`]; `401`/`403` and other refusals are
//!   [`PushError::Refused`].
//!
//! For the fulfilment pusher, [`WooFulfilment`] implements [`ChannelFulfilment`]: a customer
//! note per shipment and the order `completed` once it is fully shipped (see [`fulfilment`]).
//!
//! The consumer secret is a [`ConsumerSecret`]: it never appears in `Debug` output or logs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
pub mod fulfilment;

pub use client::{ConsumerSecret, WooConfig, WooInventory};
pub use fulfilment::WooFulfilment;
pub use switchyard_fulfilment::ChannelFulfilment;
pub use switchyard_inventory::{ChannelLevel, ChannelStock, LevelOutcome, PushError};
