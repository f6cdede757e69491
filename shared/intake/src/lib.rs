//! Order intake: the one path every channel's order takes into Switchyard.
//!
//! Whatever the channel speaks — the canonical API, a storefront webhook, an X12 850, an Amazon
//! notification — its order is mapped to the canonical [`Order`](switchyard_model::Order) and then
//! handed to [`Intake`]: claim the request's idempotency key, store the order record (unique per
//! channel and external id), queue it for the ERP. The HTTP-facing functions also share the
//! request/response types, RFC 9457 problems, API-key authentication and the Lambda wiring here.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod apigw;
pub mod auth;
pub mod aws;
pub mod capture;
pub mod http;
pub mod lambda;
pub mod one_write;
pub mod problem;
pub mod receipt;
mod returns;
pub mod samples;

pub use capture::{Captured, Intake, Once};
pub use http::{HttpRequest, HttpResponse};
pub use one_write::{DynamoDbOneWriteCapture, OneWriteCapture, SeparateWrites};
pub use problem::Problem;
