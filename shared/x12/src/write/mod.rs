//! Writing X12: the TA1 interchange acknowledgment, the 997 functional and 999 implementation
//! acknowledgments, the 855 purchase order acknowledgment, the
//! 846 inventory advice, the 856 ship notice and the 810 invoice.
//!
//! Data is never allowed to break the structure: any delimiter (or line break) inside a value
//! is replaced by a space, ISA fields are cut and padded to their fixed widths, and control
//! numbers are kept to their nine digits, so whatever is written parses back cleanly.

mod envelope;
pub mod functional_ack;
pub mod interchange_ack;
pub mod inventory_advice;
pub mod invoice;
pub mod purchase_order_ack;
mod render;
pub mod ship_notice;

pub use envelope::{ControlNumbers, OutboundEnvelope, PartnerId};
pub use functional_ack::{
    AckKind, IMPLEMENTATION_ACK_VERSION, SetResult, SetStatus, acknowledgment,
    functional_acknowledgment, implementation_acknowledgment,
};
pub use interchange_ack::{InterchangeAck, Ta1Envelope, Ta1Status, interchange_acknowledgment};
pub use inventory_advice::{AdviceLine, InventoryAdvice, inventory_advice};
pub use invoice::{InvoiceLine, OutboundInvoice, invoice};
pub use purchase_order_ack::{
    AckType, LineStatus, PoAck, PoAckLine, purchase_order_acknowledgment,
};
pub use ship_notice::{Carrier, Lading, OutboundShipNotice, ShippedItem, ship_notice};

#[cfg(test)]
mod tests;
