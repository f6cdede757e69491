//! Typed readers for the messages Switchyard exchanges over EDIFACT.
//!
//! Readers never fail on segments they do not know: those are kept (`other_segments`) so
//! nothing a partner sent is lost. They fail only when a segment they need is missing or a
//! value they read is invalid, and then they report every such problem as a [`SyntaxError`]
//! with its CONTRL code and location (positions count UNH as 1).

pub mod contrl;
pub mod orders;
pub mod ordrsp;
mod values;

use serde::Serialize;

use crate::delimiters::Delimiters;
use crate::error::SyntaxError;
use crate::interchange::Message;

pub use orders::{DateReference, ItemId, LineQuantity, OrderLine, Orders, Party, Price, Reference};
pub use values::{DATE_FORMATS, DateValue};

/// A message read into its typed form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Document {
    /// An ORDERS purchase order.
    Orders(Box<Orders>),
    /// A CONTRL syntax and service report (what a partner sends back about ours).
    Contrl(Box<crate::write::ContrlReport>),
    /// An ORDRSP order response.
    OrderResponse(Box<crate::write::OrderResponse>),
    /// Any other message type; its segments are still in the [`Message`].
    Other {
        /// UNH 0065.
        message_type: String,
    },
}

/// Reads a message according to its type (UNH 0065), with the interchange's `delimiters`
/// (their decimal mark is the one numbers are read with).
pub fn read_message(
    message: &Message,
    delimiters: &Delimiters,
) -> Result<Document, Vec<SyntaxError>> {
    Ok(match message.identifier.message_type.as_str() {
        "ORDERS" => Document::Orders(Box::new(Orders::read(message, delimiters)?)),
        "CONTRL" => Document::Contrl(Box::new(contrl::read(message)?)),
        "ORDRSP" => Document::OrderResponse(Box::new(ordrsp::read(message, delimiters)?)),
        other => Document::Other {
            message_type: other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests;
