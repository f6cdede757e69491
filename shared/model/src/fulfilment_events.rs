//! What the ERP did with an accepted order — shipped it, invoiced it, received a return — and
//! the order events those facts become once they are on the order record.
//!
//! `erp-changes` publishes the ERP facts ([`ShipmentDispatched`], [`InvoicePosted`],
//! [`ReturnReceived`]) under [`FULFILMENT_EVENTS_SOURCE`], with the same cursor and version rules
//! as the inventory events: each carries the ERP record's `erp_version`, and a consumer keeps the
//! newest it saw per record, so a repeated or reordered fact changes nothing. The order tracker
//! applies them to the order record, which records [`OrderShipped`] / [`OrderInvoiced`] in its
//! outbox (source `switchyard.orders`); the channel pushers and the EDI writer consume those.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::envelope::Message;
use crate::money::Currency;
use crate::order::{ChannelName, ExternalId, OrderId, Sku};
use crate::status::OrderStatus;

/// EventBridge `source` of the ERP's fulfilment facts.
pub const FULFILMENT_EVENTS_SOURCE: &str = "switchyard.fulfilment";

/// One product and quantity shipped or returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShippedLine {
    /// The product.
    pub sku: Sku,
    /// How many, in the order line's unit.
    pub quantity: Decimal,
}

/// One ERP shipment of an order, as the order and its channels see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Shipment {
    /// The ERP's shipment number (`CS7`): one channel fulfilment per shipment id.
    pub shipment_id: String,
    /// What it carries.
    pub lines: Vec<ShippedLine>,
    /// The carrier, as the ERP names it.
    pub carrier: Option<String>,
    /// The carrier's service.
    pub service: Option<String>,
    /// One per package that has one.
    pub tracking_numbers: Vec<String>,
    /// When it left the warehouse.
    pub shipped_at: DateTime<Utc>,
}

/// Invoice or credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    /// Charges the customer.
    Invoice,
    /// Credits the customer for a return.
    CreditNote,
}

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicedLine {
    /// The product, when the line is for one.
    pub sku: Option<Sku>,
    /// The line's description.
    pub description: String,
    /// Quantity (positive for credit notes too).
    pub quantity: Decimal,
    /// Unit price excluding tax.
    pub unit_price: Decimal,
    /// quantity × unit price, excluding tax.
    pub amount: Decimal,
}

/// One tax of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTax {
    /// The tax's name.
    pub name: String,
    /// What it is computed on.
    pub base: Decimal,
    /// The amount.
    pub amount: Decimal,
}

/// A posted invoice (or credit note) of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// The ERP's invoice number.
    pub invoice_id: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The invoice date.
    pub invoice_date: NaiveDate,
    /// When payment is due, if the ERP says.
    pub due_date: Option<NaiveDate>,
    /// The currency of every amount.
    pub currency: Currency,
    /// Its lines for this order.
    pub lines: Vec<InvoicedLine>,
    /// Its taxes.
    pub taxes: Vec<InvoiceTax>,
    /// Total excluding tax.
    pub untaxed_amount: Decimal,
    /// Total tax.
    pub tax_amount: Decimal,
    /// Total including tax.
    pub total_amount: Decimal,
}

/// The ERP dispatched a shipment of an order Switchyard posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentDispatched {
    /// The order it ships.
    pub order_id: OrderId,
    /// The ERP sale number.
    pub erp_reference: String,
    /// The shipment.
    pub shipment: Shipment,
    /// Ordering value of this state of the shipment: larger is newer.
    pub erp_version: i64,
    /// When Switchyard read it (ties between equal versions go to the later read).
    pub observed_at: DateTime<Utc>,
}

impl Message for ShipmentDispatched {
    const TYPE: &'static str = "ShipmentDispatched";
    const VERSION: u32 = 1;
}

/// The ERP posted an invoice (or, for a return, a credit note) of an order Switchyard posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePosted {
    /// The order it invoices (for a credit note: the order returned from).
    pub order_id: OrderId,
    /// The ERP sale number it invoices (for a credit note: the return sale's).
    pub erp_reference: String,
    /// For a credit note: the Switchyard return it credits.
    pub return_id: Option<String>,
    /// The invoice.
    pub invoice: Invoice,
    /// Ordering value of this state of the invoice.
    pub erp_version: i64,
    /// When Switchyard read it.
    pub observed_at: DateTime<Utc>,
}

impl Message for InvoicePosted {
    const TYPE: &'static str = "InvoicePosted";
    const VERSION: u32 = 1;
}

/// The warehouse received a return Switchyard posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReceived {
    /// The Switchyard return.
    pub return_id: String,
    /// The order returned from.
    pub order_id: OrderId,
    /// The ERP return sale's number.
    pub erp_reference: String,
    /// The ERP's return shipment number.
    pub receipt_id: String,
    /// What came back.
    pub lines: Vec<ShippedLine>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Ordering value of this state of the receipt.
    pub erp_version: i64,
    /// When Switchyard read it.
    pub observed_at: DateTime<Utc>,
}

impl Message for ReturnReceived {
    const TYPE: &'static str = "ReturnReceived";
    const VERSION: u32 = 1;
}

/// A shipment is on the order record; its channel should be told (recorded in the order's
/// outbox, published with source `switchyard.orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderShipped {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The submitting channel.
    pub channel: ChannelName,
    /// The channel's kind (`shopify`, `woocommerce`, `amazon-sp-api`, `x12`, `api`, …, as the channel record names it), so each kind's
    /// pusher subscribes to its own.
    pub channel_kind: String,
    /// The channel's id for the order.
    pub external_id: ExternalId,
    /// The ERP sale number.
    pub erp_reference: String,
    /// The shipment.
    pub shipment: Shipment,
    /// The order's status with this shipment.
    pub status: OrderStatus,
    /// True when, with this shipment, every line is shipped in full.
    pub fully_shipped: bool,
}

impl Message for OrderShipped {
    const TYPE: &'static str = "OrderShipped";
    const VERSION: u32 = 1;
}

/// An invoice is on the order record (outbox, source `switchyard.orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInvoiced {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The submitting channel.
    pub channel: ChannelName,
    /// The channel's kind, as in [`OrderShipped::channel_kind`].
    pub channel_kind: String,
    /// The channel's id for the order.
    pub external_id: ExternalId,
    /// The ERP sale number.
    pub erp_reference: String,
    /// The invoice.
    pub invoice: Invoice,
    /// The order's status with this invoice.
    pub status: OrderStatus,
}

impl Message for OrderInvoiced {
    const TYPE: &'static str = "OrderInvoiced";
    const VERSION: u32 = 1;
}
