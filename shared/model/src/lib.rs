//! Switchyard's canonical model.
//!
//! Every channel payload is mapped into these types before anything is written, so the rest of the
//! system only ever sees values that are already valid: a quantity is positive, a currency is an
//! ISO 4217 code, a SKU is not empty, and every line is priced in the order's currency.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog_events;
pub mod contract;
pub mod envelope;
pub mod events;
pub mod fulfilment_events;
pub mod json;
pub mod money;
pub mod order;
pub mod party;
pub mod returns;
pub mod status;
pub mod validation;

pub use envelope::Envelope;
pub use money::{Currency, Money};
pub use order::{
    ChannelName, ExternalId, Order, OrderId, OrderLine, Quantity, Sku, UnitOfMeasure,
    WHOLE_UNIT_CODES, check_quantity_in_unit,
};
pub use party::{Address, CountryCode, Customer};
pub use status::{OrderStatus, TransitionError};
pub use validation::{FieldError, FieldErrors};
