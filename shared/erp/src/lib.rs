//! The ERP port and its adapters.
//!
//! Switchyard never talks to an ERP directly from a handler: handlers talk to the
//! [`SalesOrders`] port. Two adapters implement it:
//!
//! - [`tryton::TrytonClient`] speaks Tryton's JSON-RPC (the reference ERP, run locally on
//!   SQLite by `scripts/erp.sh`);
//! - [`memory::InMemoryErp`] keeps sales in memory, for fast unit tests of handlers.
//!
//! The port is built for idempotent posting: the caller asks [`SalesOrders::find_sale`] by
//! external reference before it calls [`SalesOrders::create_sale`], and
//! [`SalesOrders::confirm_sale`] can be called any number of times. Every failure is either
//! [`ErpError::Rejected`] (a business refusal: do not retry) or [`ErpError::Unavailable`]
//! (transient: retry later).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
#[cfg(feature = "contract")]
pub mod contract;
mod error;
pub mod fulfilment;
pub mod memory;
pub mod tryton;
pub mod units;

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use catalog::{
    ChangeBatch, ChangeCursor, ChangeFeed, CustomerPriceList, ErpVersion, PriceBreak,
    PriceListPrices, PriceLists, StockLevels, WarehouseStock,
};
pub use error::{ErpError, RejectionCode};
pub use fulfilment::{
    ErpInvoice, ErpInvoiceLine, ErpInvoiceTax, ErpReturn, ErpReturnReceipt, ErpShipment,
    Fulfilments, InvoiceKind, ReturnLineRequest, ReturnRequest, SaleLink, SaleReturns,
    ShipmentLine, ShipmentState,
};
pub use memory::InMemoryErp;
pub use tryton::{TrytonClient, TrytonConfig};

/// Everything the order-processor posts: sales and returns.
pub trait Erp: SalesOrders + SaleReturns {}
impl<T: SalesOrders + SaleReturns> Erp for T {}

/// What Switchyard asks the ERP to sell. Built by the order-processor from the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleRequest {
    /// External reference, e.g. `"demo-shop:PO-10001"`. Adapters search by it before creating,
    /// so it must identify the order uniquely and stay stable across retries.
    pub reference: String,
    /// Switchyard order id (ULID); the adapter puts it in the sale description.
    pub order_id: String,
    /// ERP customer code (Tryton: `party.party.code`).
    pub customer_account: String,
    /// ISO 4217 currency code, e.g. `"USD"`.
    pub currency: String,
    /// Where to ship; `None` uses the customer's default delivery address.
    pub ship_to: Option<SaleAddress>,
    /// Where to invoice; `None` uses the customer's default invoice address.
    pub bill_to: Option<SaleAddress>,
    /// The lines to sell, in order.
    pub lines: Vec<SaleLine>,
    /// When shipping should start, if the channel asked for a date.
    pub requested_ship_date: Option<chrono::NaiveDate>,
    /// Free-text notes for the ERP user (Tryton: the sale comment).
    pub notes: Option<String>,
}

/// A postal address on a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleAddress {
    /// Recipient name, if it differs from the customer's name.
    pub name: Option<String>,
    /// First street line.
    pub line1: String,
    /// Second street line (apartment, suite, ...).
    pub line2: Option<String>,
    /// City or locality.
    pub city: String,
    /// Region/state/province: an ISO 3166-2 subdivision code (`"CA"` or `"US-CA"`) or its name.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `"US"`.
    pub country: String,
}

/// One line of a [`SaleRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// The ERP product code (Tryton: `product.product.code`).
    pub sku: String,
    /// Quantity in `uom`; must be positive.
    pub quantity: Decimal,
    /// Unit price in the sale's currency, excluding tax.
    pub unit_price: Decimal,
    /// Unit of measure as the channel sends it, e.g. `"EA"`; see [`units::tryton_unit_symbol`].
    pub uom: String,
}

impl SaleRequest {
    /// Checks what every ERP would refuse anyway, before any call is made: a reference and a
    /// customer, at least one line, positive quantities and non-negative prices.
    pub fn validate(&self) -> Result<(), ErpError> {
        let rule = |message: String| Err(ErpError::rejected(RejectionCode::ErpRule, message));
        if self.reference.trim().is_empty() {
            return rule("the sale has no external reference".into());
        }
        if self.customer_account.trim().is_empty() {
            return Err(ErpError::rejected(
                RejectionCode::UnknownCustomer,
                "the sale has no customer account",
            ));
        }
        if self.lines.is_empty() {
            return rule("the sale has no lines".into());
        }
        for (index, line) in self.lines.iter().enumerate() {
            if line.sku.trim().is_empty() {
                return Err(ErpError::rejected(
                    RejectionCode::UnknownSku,
                    format!("line {} has no SKU", index + 1),
                ));
            }
            if line.quantity <= Decimal::ZERO {
                return rule(format!(
                    "line {} ({}): quantity {} is not positive",
                    index + 1,
                    line.sku,
                    line.quantity
                ));
            }
            if line.unit_price < Decimal::ZERO {
                return rule(format!(
                    "line {} ({}): unit price {} is negative",
                    index + 1,
                    line.sku,
                    line.unit_price
                ));
            }
        }
        Ok(())
    }
}

/// A sale as the ERP holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpSale {
    /// The ERP's record id.
    pub id: i64,
    /// The ERP's document number; Tryton assigns it on `quote`, so a draft has none.
    pub number: Option<String>,
    /// The external reference the sale was created with.
    pub reference: String,
    /// Where the sale is in the ERP's workflow.
    pub state: SaleState,
}

/// One line of an ERP sale, as read back from the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpSaleLine {
    /// The product code.
    pub sku: String,
    /// The quantity, in the line's unit.
    pub quantity: Decimal,
    /// The unit price.
    pub unit_price: Decimal,
}

/// The workflow state of an ERP sale (Tryton's `sale.sale.state`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SaleState {
    /// Being edited; not yet a commitment.
    Draft,
    /// Quoted to the customer; has a number.
    Quotation,
    /// Confirmed; Tryton has not (yet) created its shipments and invoices.
    Confirmed,
    /// Confirmed, with shipments and invoices created.
    Processing,
    /// Shipped and invoiced.
    Done,
    /// Cancelled in the ERP.
    Cancelled,
    /// A state this crate does not know (an ERP customisation).
    Other(String),
}

impl SaleState {
    /// True once the ERP has committed to the sale: `Confirmed`, `Processing` or `Done`.
    pub fn is_confirmed(&self) -> bool {
        matches!(self, Self::Confirmed | Self::Processing | Self::Done)
    }

    /// The state's name as Tryton spells it (`"draft"`, `"processing"`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Draft => "draft",
            Self::Quotation => "quotation",
            Self::Confirmed => "confirmed",
            Self::Processing => "processing",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Other(other) => other,
        }
    }

    /// Parses a state name; unknown names become [`SaleState::Other`].
    pub fn parse(name: &str) -> Self {
        match name {
            "draft" => Self::Draft,
            "quotation" => Self::Quotation,
            "confirmed" => Self::Confirmed,
            "processing" => Self::Processing,
            "done" => Self::Done,
            "cancelled" | "canceled" => Self::Cancelled,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for SaleState {
    fn from(name: String) -> Self {
        Self::parse(&name)
    }
}

impl From<SaleState> for String {
    fn from(state: SaleState) -> Self {
        state.as_str().to_owned()
    }
}

impl fmt::Display for SaleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sales-order side of the ERP port.
///
/// Posting an order idempotently is: `find_sale(reference)`, `create_sale(request)` only if
/// nothing was found, then `confirm_sale(id)` (safe to repeat).
#[async_trait::async_trait]
pub trait SalesOrders: Send + Sync {
    /// Finds the sale created with this external reference, if any. When the ERP holds several
    /// (created outside Switchyard), the oldest one that is not cancelled wins.
    async fn find_sale(&self, reference: &str) -> Result<Option<ErpSale>, ErpError>;

    /// Creates a draft sale with `request.reference` set. Does not search first: callers call
    /// [`SalesOrders::find_sale`] before.
    async fn create_sale(&self, request: &SaleRequest) -> Result<ErpSale, ErpError>;

    /// Brings the sale to a confirmed state: quotes it if it is a draft, confirms it if it is a
    /// quotation, does nothing if it is already confirmed. Always reads the state back and returns
    /// it. A cancelled sale is [`ErpError::Rejected`].
    async fn confirm_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError>;

    /// Cancels the sale if the ERP's workflow still allows it without undoing fulfilment
    /// (draft, quotation, or confirmed without shipments); otherwise leaves it as it is. Always
    /// reads the state back and returns it: the caller checks for [`SaleState::Cancelled`].
    async fn cancel_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> SaleRequest {
        SaleRequest {
            reference: "demo-shop:PO-1".into(),
            order_id: "01J00000000000000000000000".into(),
            customer_account: "DEMO-SHOP".into(),
            currency: "USD".into(),
            ship_to: None,
            bill_to: None,
            lines: vec![SaleLine {
                sku: "WIDGET-S".into(),
                quantity: Decimal::new(2, 0),
                unit_price: Decimal::new(925, 2),
                uom: "EA".into(),
            }],
            requested_ship_date: None,
            notes: None,
        }
    }

    #[test]
    fn sale_state_round_trips_and_knows_confirmed_states() {
        for name in [
            "draft",
            "quotation",
            "confirmed",
            "processing",
            "done",
            "cancelled",
            "x",
        ] {
            assert_eq!(SaleState::parse(name).as_str(), name);
        }
        assert!(SaleState::Processing.is_confirmed());
        assert!(SaleState::Confirmed.is_confirmed());
        assert!(SaleState::Done.is_confirmed());
        assert!(!SaleState::Quotation.is_confirmed());
        assert!(!SaleState::Cancelled.is_confirmed());
        assert!(!SaleState::Other("x".into()).is_confirmed());
        let json = serde_json::to_string(&SaleState::Processing).unwrap();
        assert_eq!(json, "\"processing\"");
    }

    #[test]
    fn validate_accepts_a_good_request_and_names_the_bad_line() {
        assert_eq!(request().validate(), Ok(()));
        let mut bad = request();
        bad.lines[0].quantity = Decimal::ZERO;
        let err = bad.validate().unwrap_err();
        assert_eq!(err.rejection_code(), Some(RejectionCode::ErpRule));
        assert!(err.to_string().contains("WIDGET-S"), "{err}");
        let mut bad = request();
        bad.lines.clear();
        assert!(bad.validate().is_err());
        let mut bad = request();
        bad.customer_account = " ".into();
        assert_eq!(
            bad.validate().unwrap_err().rejection_code(),
            Some(RejectionCode::UnknownCustomer)
        );
    }
}
