//! The fulfilment side of the ERP port: what the warehouse shipped, what accounting invoiced, and
//! what came back, plus posting a channel's return request as an ERP return.
//!
//! Like the catalogue, these are read after the change feed names them
//! ([`ChangeBatch::shipments`](crate::ChangeBatch::shipments) and friends): the reader reads the
//! current state of each named record, so it always publishes the newest. Every record carries an
//! [`ErpVersion`]; for the same record a larger version is a newer state.
//!
//! Sales Switchyard created are found by the order id the adapter wrote into them (Tryton: the
//! sale description `Switchyard order <ULID>`); return sales by the return id (`Switchyard return
//! <id>`). Records of sales Switchyard did not create carry `None` there and are not published.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{ErpError, ErpVersion};

/// The sale a shipment, invoice or return belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLink {
    /// The ERP's sale number (Tryton `sale.sale.number`), what the order shows as `erp_reference`.
    pub number: String,
    /// The external reference Switchyard gave it (`channel:external-id`, or the return's reference).
    pub reference: String,
    /// The Switchyard order id written into the sale; for a return sale, the original order's.
    pub order_id: Option<String>,
    /// For a return sale: the Switchyard return id written into it.
    pub return_id: Option<String>,
}

/// Where a customer shipment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentState {
    /// Not yet released to the warehouse (Tryton `draft`, `waiting`, `assigned`).
    Pending,
    /// Being picked or packed (Tryton `picked`, `packed`).
    Preparing,
    /// Left the warehouse (Tryton `shipped`, `done`): the channel can be told.
    Dispatched,
    /// Cancelled in the ERP.
    Cancelled,
}

/// One product and quantity on a shipment or return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    /// The product code.
    pub sku: String,
    /// How many, in the sale line's unit.
    pub quantity: Decimal,
}

/// A customer shipment of one sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpShipment {
    /// The ERP's shipment number (Tryton `stock.shipment.out.number`, e.g. `CS7`); stable.
    pub id: String,
    /// The sale it ships (a shipment of several sales is read once per sale, with its lines).
    pub sale: SaleLink,
    /// Where it is.
    pub state: ShipmentState,
    /// What it carries of that sale.
    pub lines: Vec<ShipmentLine>,
    /// The carrier's name as the ERP knows it (Tryton: the carrier's party name).
    pub carrier: Option<String>,
    /// The carrier's service (Tryton: the carrier product's name).
    pub service: Option<String>,
    /// One per package that has one, in package order.
    pub tracking_numbers: Vec<String>,
    /// When it left (Tryton: the effective date and the time it was done).
    pub shipped_at: Option<DateTime<Utc>>,
    /// Ordering value of this state.
    pub version: ErpVersion,
}

/// An invoice, or a credit note for a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    /// Charges the customer.
    Invoice,
    /// Credits the customer (for a return).
    CreditNote,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpInvoiceLine {
    /// The product code, when the line is for a product.
    pub sku: Option<String>,
    /// The line's description.
    pub description: String,
    /// Quantity invoiced (positive for invoices and credit notes alike).
    pub quantity: Decimal,
    /// Unit price, excluding tax.
    pub unit_price: Decimal,
    /// quantity × unit price, excluding tax, in the invoice currency.
    pub amount: Decimal,
}

/// One tax on an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpInvoiceTax {
    /// The tax's name.
    pub name: String,
    /// What it is computed on.
    pub base: Decimal,
    /// The tax amount.
    pub amount: Decimal,
}

/// A posted customer invoice (or credit note) of one sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpInvoice {
    /// The invoice number (Tryton `account.invoice.number`); stable once posted.
    pub id: String,
    /// The sale it invoices (an invoice of several sales is read once per sale, with its lines).
    pub sale: SaleLink,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The invoice date.
    pub invoice_date: NaiveDate,
    /// When payment is due (the first due date of its payment term), if known.
    pub due_date: Option<NaiveDate>,
    /// ISO 4217 code.
    pub currency: String,
    /// Its lines for this sale.
    pub lines: Vec<ErpInvoiceLine>,
    /// Its taxes.
    pub taxes: Vec<ErpInvoiceTax>,
    /// Total excluding tax (positive for credit notes too).
    pub untaxed_amount: Decimal,
    /// Total tax.
    pub tax_amount: Decimal,
    /// Total including tax.
    pub total_amount: Decimal,
    /// Ordering value of this state.
    pub version: ErpVersion,
}

/// A return shipment the warehouse received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpReturnReceipt {
    /// The return shipment's number (Tryton `stock.shipment.out.return.number`).
    pub id: String,
    /// The return sale it belongs to (with the return id).
    pub sale: SaleLink,
    /// Whether it is received (Tryton `received` or `done`).
    pub received: bool,
    /// What came back.
    pub lines: Vec<ShipmentLine>,
    /// When it was received, once it is.
    pub received_at: Option<DateTime<Utc>>,
    /// Ordering value of this state.
    pub version: ErpVersion,
}

/// Shipments, invoices and returns, by the ids the change feed names.
#[async_trait::async_trait]
pub trait Fulfilments: Send + Sync {
    /// The current state of each customer shipment; ids the ERP does not know are left out.
    async fn shipments(&self, ids: &[String]) -> Result<Vec<ErpShipment>, ErpError>;

    /// The posted invoices and credit notes among `ids`; unknown or unposted ones are left out.
    async fn invoices(&self, ids: &[String]) -> Result<Vec<ErpInvoice>, ErpError>;

    /// The current state of each return shipment; unknown ids are left out.
    async fn return_receipts(&self, ids: &[String]) -> Result<Vec<ErpReturnReceipt>, ErpError>;

    /// The dispatched shipments and posted invoices of one sale, for a resync of one order.
    async fn of_sale(&self, number: &str) -> Result<(Vec<ErpShipment>, Vec<ErpInvoice>), ErpError>;
}

/// One line a channel asks to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLineRequest {
    /// The product code, as on the original sale.
    pub sku: String,
    /// How many (positive).
    pub quantity: Decimal,
    /// The channel's reason code (`damaged`, `wrong_item`, …), kept on the ERP line.
    pub reason: String,
}

/// A return to post: a return sale of the original sale's customer, prices and units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// External reference the adapter searches by before creating (`return:<return id>`).
    pub reference: String,
    /// The Switchyard return id; written into the return sale.
    pub return_id: String,
    /// The Switchyard order id of the original order; written into the return sale.
    pub order_id: String,
    /// The original sale's number.
    pub original_sale: String,
    /// What comes back.
    pub lines: Vec<ReturnLineRequest>,
}

/// A return sale in the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErpReturn {
    /// The ERP's internal id.
    pub id: i64,
    /// The return sale's number, once it has one.
    pub number: Option<String>,
    /// Whether it is confirmed (Tryton `confirmed`, `processing` or `done`): authorised.
    pub confirmed: bool,
}

/// Posting returns, built for exactly-once like [`SalesOrders`](crate::SalesOrders): find by
/// reference, create only when not found, confirm any number of times.
#[async_trait::async_trait]
pub trait SaleReturns: Send + Sync {
    /// The live return sale with this reference, if any.
    async fn find_return(&self, reference: &str) -> Result<Option<ErpReturn>, ErpError>;

    /// Creates the return sale (a sale with negative quantities of the original's lines, at the
    /// original's prices). Rejected when the original is unknown, a SKU is not on it, or a
    /// quantity exceeds what it shipped.
    async fn create_return(&self, request: &ReturnRequest) -> Result<ErpReturn, ErpError>;

    /// Confirms it (Tryton: quote, confirm; the return shipment is created). Idempotent.
    async fn confirm_return(&self, id: i64) -> Result<ErpReturn, ErpError>;
}
