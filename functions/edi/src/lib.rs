//! `edi`: X12 and UN/EDIFACT trading partners.
//!
//! Three Lambda functions share this crate; the first two share the acknowledgement they hand
//! over, and all three write into the partner outbox:
//! * `edi-api` ([`api`]) — `POST /v1/edi/x12` takes an interchange, captures each valid 850 through
//!   the same intake as `POST /v1/orders`, and answers with a 997 (a 999 for partners configured
//!   for it) and, for envelope errors or when ISA14 asks, a TA1 ([`interchange`]); acknowledgments
//!   received are never acknowledged; `GET /v1/edi/outbox` lists
//!   documents waiting for the partner, `GET`/`DELETE /v1/edi/outbox/{id}` fetch and confirm one.
//!   `POST /v1/edi/edifact` ([`edifact`]) does the same for EDIFACT partners: ORDERS captured,
//!   a CONTRL back and into the outbox.
//! * `edi-acknowledger` ([`acknowledger`]) — consumes `OrderAccepted`/`OrderRejected` and, for
//!   orders that came by EDI, writes the 855 (the ORDRSP for EDIFACT orders) into the partner's
//!   outbox; `OrderShipped` and
//!   `OrderInvoiced` of X12 orders become an 856 per shipment and an 810 per invoice
//!   ([`fulfilment`]).
//! * `edi-inventory-advice` ([`inventory_advice`]) — on a schedule, an 846 inventory advice
//!   into the outbox of every X12 partner that subscribed, once per its period.
//!
//! What the 855, 856 and 810 need from the 850 is kept at capture time as a
//! [`pending::PendingAck`], the order's EDI context.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod acknowledger;
pub mod api;
pub mod edifact;
pub mod fulfilment;
pub mod interchange;
pub mod inventory_advice;
pub mod outbox;
pub mod pending;

pub use api::{EdiApi, Ports};
