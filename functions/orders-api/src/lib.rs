//! `orders-api`: the channel-facing order API (`POST /v1/orders`, `GET /v1/orders/{id}`,
//! `POST /v1/orders/validate`) and the channel reads of stock and prices (`GET /v1/inventory`,
//! `GET /v1/prices`), and the API's OpenAPI document (`GET /v1/openapi.json`).
//!
//! The handler is a plain async function over small ports; `main.rs` only wires the AWS adapters
//! and the Lambda runtime (both shared with the other channel-facing functions, in
//! `switchyard-intake`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
pub mod handler;
pub mod openapi;

pub use handler::{OrdersApi, Ports, Settings};
