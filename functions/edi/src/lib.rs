//! `edi`: X12 trading partners.
//!
//! Two Lambda functions share this crate because they share the acknowledgement they hand over:
//! * `edi-api` ([`api`]) — `POST /v1/edi/x12` takes an interchange, captures each valid 850 through
//!   the same intake as `POST /v1/orders`, and answers with a 997; `GET /v1/edi/outbox` lists
//!   documents waiting for the partner, `GET`/`DELETE /v1/edi/outbox/{id}` fetch and confirm one.
//! * `edi-acknowledger` ([`acknowledger`]) — consumes `OrderAccepted`/`OrderRejected` and, for
//!   orders that came by EDI, writes the 855 into the partner's outbox.
//!
//! What the 855 needs from the 850 is kept at capture time as a [`pending::PendingAck`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod acknowledger;
pub mod api;
pub mod interchange;
pub mod outbox;
pub mod pending;

pub use api::{EdiApi, Ports};
