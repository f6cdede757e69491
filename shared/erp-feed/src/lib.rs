//! The ERP change feed, from the ERP's side to canonical events.
//!
//! An ERP without outbound webhooks (Tryton) is polled: [`Poller::poll`] reads what changed
//! since the cursor ([`switchyard_erp::ChangeFeed`]), re-reads the current levels, prices and
//! price list assignments of what changed, publishes them (`InventoryChanged`, `PriceChanged`,
//! `CustomerPriceListChanged`), and only then advances the cursor. A crash in between publishes
//! the same states again on the next run; every event carries its ERP version, and consumers keep
//! only what is newer, so a repeat costs a little work and never a wrong level.
//!
//! [`Poller::resync`] publishes the current state of the whole catalogue (or some SKUs) without
//! touching the cursor: the first load, and the repair of any drift.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cursor;
mod events;
mod fulfilment_events;
mod poller;

pub use cursor::{CursorStore, StoredCursor};
pub use events::{customer_event, inventory_events, price_events};
pub use fulfilment_events::{invoice_events, return_events, shipment_events};
pub use poller::{ErpCatalog, PollError, PollReport, Poller};
