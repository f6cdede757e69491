//! `orders-api`: the channel-facing order API (`POST /v1/orders`, `GET /v1/orders/{id}`).
//!
//! The handler is a plain async function over small ports; `main.rs` only wires the AWS adapters
//! and the Lambda runtime. `apigw` converts API Gateway HTTP API (v2) events to and from the
//! handler's own request/response types.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod apigw;
pub mod handler;
pub mod http;
pub mod problem;

pub use handler::{OrdersApi, Ports, Settings};
