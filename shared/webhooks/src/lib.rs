//! Webhooks from storefronts and partners: signature verification over the raw body, and mappers
//! from Shopify and WooCommerce order payloads to the canonical [`switchyard_model::Order`].
//!
//! The intended order of work in a webhook handler is: verify the signature ([`signature`]),
//! de-duplicate on the delivery id, then map ([`shopify`], [`woocommerce`]). Nothing in this crate
//! panics on any input; mappers report every invalid field at once, each with its JSON path.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod mapping;
mod pricing;
mod reader;
pub mod shopify;
pub mod signature;
pub mod woocommerce;

pub use mapping::{MapContext, MappingError};
pub use signature::SignatureError;
