//! Typed readers for the transaction sets Switchyard exchanges.
//!
//! Readers never fail on segments they do not know: those are kept (`other_segments`) so
//! nothing a partner sent is lost. They fail only when a segment they need is missing or an
//! element they read is invalid, and then they report every such problem as a [`SetError`]
//! with the 997 code and location.

pub mod functional_ack;
pub mod inventory_advice;
pub mod invoice;
pub mod line_item;
pub mod purchase_order;
pub mod purchase_order_ack;
pub mod ship_notice;
mod values;

use serde::Serialize;

use crate::error::SetError;
use crate::interchange::TransactionSet;

pub use functional_ack::FunctionalAck;
pub use inventory_advice::InventoryAdvice;
pub use invoice::Invoice;
pub use line_item::{LineItem, ProductId};
pub use purchase_order::{Party, PurchaseOrder};
pub use purchase_order_ack::PurchaseOrderAck;
pub use ship_notice::ShipNotice;

/// A transaction set read into its typed form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Document {
    /// An 850.
    PurchaseOrder(PurchaseOrder),
    /// An 855.
    PurchaseOrderAck(PurchaseOrderAck),
    /// An 856.
    ShipNotice(ShipNotice),
    /// An 810.
    Invoice(Invoice),
    /// A 997, or a 999 read the same way.
    FunctionalAck(FunctionalAck),
    /// An 846.
    InventoryAdvice(InventoryAdvice),
    /// Any other set id; the set's segments are still in the [`TransactionSet`].
    Other {
        /// ST01.
        set_id: String,
    },
}

/// Reads a transaction set according to its id (ST01).
pub fn read_document(set: &TransactionSet) -> Result<Document, Vec<SetError>> {
    Ok(match set.id.as_str() {
        "850" => Document::PurchaseOrder(PurchaseOrder::read(set)?),
        "855" => Document::PurchaseOrderAck(PurchaseOrderAck::read(set)?),
        "856" => Document::ShipNotice(ShipNotice::read(set)?),
        "810" => Document::Invoice(Invoice::read(set)?),
        "997" | "999" => Document::FunctionalAck(FunctionalAck::read(set)?),
        "846" => Document::InventoryAdvice(InventoryAdvice::read(set)?),
        other => Document::Other {
            set_id: other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests;
