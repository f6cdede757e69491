//! The read side of the ERP port: stock, prices, and what changed since a cursor.
//!
//! Switchyard never calls these on a channel's hot path. `erp-changes` polls
//! [`ChangeFeed::changes_since`], reads the levels and prices of what changed, and publishes them
//! as canonical events; the channel APIs answer from the projections those events build.
//!
//! Every level and price carries an ERP-side ordering value ([`ErpVersion`]): for the same SKU
//! and warehouse (or price list and SKU), a larger version is a newer state, and the same version
//! is the same state. Consumers keep the largest they saw, so a reordered or repeated event never
//! moves a projection back.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ErpError;

/// An ERP-side ordering value: larger is newer, for one SKU × warehouse (or price list × SKU, or
/// customer). For Tryton, the microseconds since the epoch of the newest `write_date` or
/// `create_date` among the records the value was computed from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ErpVersion(pub i64);

/// The stock of one SKU in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseStock {
    /// The product code.
    pub sku: String,
    /// The warehouse's code (Tryton: `stock.location.code` of the warehouse, e.g. `WH`).
    pub warehouse: String,
    /// What is physically there now (Tryton: `quantity`).
    pub on_hand: Decimal,
    /// Available-to-promise: what can still be promised after confirmed but unshipped sales
    /// and planned receipts (Tryton: `forecast_quantity`). May be negative when oversold.
    pub available: Decimal,
    /// The product's unit symbol in the ERP (Tryton: `u` for Unit).
    pub unit: String,
    /// Whether the unit only counts whole units (Tryton: the unit's rounding is 1 or more).
    pub whole_units: bool,
    /// The ERP time of the newest change this level reflects.
    pub as_of: DateTime<Utc>,
    /// Ordering value of this level.
    pub version: ErpVersion,
}

/// The name [`PriceListPrices::price_list`] carries for the product's own list price.
pub const LIST_PRICE: &str = "list_price";

/// One quantity break: from `min_quantity` on (inclusive), each unit costs `unit_price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreak {
    /// The smallest quantity this price applies to; the first break starts at 0.
    pub min_quantity: Decimal,
    /// Unit price in the list's currency, excluding tax.
    pub unit_price: Decimal,
}

/// What one price list charges for one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListPrices {
    /// The price list's name in the ERP, or [`LIST_PRICE`] for the product's list price.
    pub price_list: String,
    /// The product code.
    pub sku: String,
    /// ISO 4217 code of the prices.
    pub currency: String,
    /// Breaks in ascending `min_quantity`, the first at 0; never empty.
    pub breaks: Vec<PriceBreak>,
    /// First day these prices apply, when the ERP limits them.
    pub valid_from: Option<NaiveDate>,
    /// Last day these prices apply, when the ERP limits them.
    pub valid_until: Option<NaiveDate>,
    /// The ERP time of the newest change these prices reflect.
    pub as_of: DateTime<Utc>,
    /// Ordering value of these prices.
    pub version: ErpVersion,
}

/// Which price list a customer buys on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPriceList {
    /// The customer's account (Tryton: `party.party.code`).
    pub customer_account: String,
    /// The price list's name, or `None` when the customer buys at list price.
    pub price_list: Option<String>,
    /// The ERP time of the newest change this assignment reflects.
    pub as_of: DateTime<Utc>,
    /// Ordering value of this assignment.
    pub version: ErpVersion,
}

/// Where a change feed reader is: opaque to callers, which only store it and hand it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChangeCursor(pub String);

/// What changed in the ERP after a cursor, as keys to re-read (never the values themselves: the
/// reader reads the current levels and prices, so it always publishes the newest state).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeBatch {
    /// SKUs whose stock (on hand or available-to-promise) may have changed.
    pub stock: Vec<String>,
    /// SKUs whose list price or price-list prices may have changed.
    pub prices: Vec<String>,
    /// Customers whose price list assignment may have changed.
    pub customers: Vec<String>,
    /// Customer shipments (ERP numbers) that may have changed; see
    /// [`Fulfilments::shipments`](crate::Fulfilments::shipments).
    #[serde(default)]
    pub shipments: Vec<String>,
    /// Invoices and credit notes (ERP numbers) that may have been posted.
    #[serde(default)]
    pub invoices: Vec<String>,
    /// Return shipments (ERP numbers) that may have changed.
    #[serde(default)]
    pub returns: Vec<String>,
    /// Where to continue from. Hand it back only after what this batch names was published.
    pub next: Option<ChangeCursor>,
    /// True when the feed stopped at the limit: call again with `next` at once.
    pub more: bool,
}

impl ChangeBatch {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.stock.is_empty()
            && self.prices.is_empty()
            && self.customers.is_empty()
            && self.shipments.is_empty()
            && self.invoices.is_empty()
            && self.returns.is_empty()
    }
}

/// Stock levels per SKU and warehouse.
#[async_trait::async_trait]
pub trait StockLevels: Send + Sync {
    /// The level of each SKU in every warehouse. SKUs the ERP does not know are left out.
    async fn stock_levels(&self, skus: &[String]) -> Result<Vec<WarehouseStock>, ErpError>;

    /// Every salable SKU, for a full load (`switchyard inventory resync`).
    async fn catalog_skus(&self) -> Result<Vec<String>, ErpError>;
}

/// Prices: the list price and every price list's prices, with quantity breaks.
#[async_trait::async_trait]
pub trait PriceLists: Send + Sync {
    /// For each SKU: its list price (as [`LIST_PRICE`]) and what each price list charges for it.
    /// SKUs the ERP does not know are left out.
    async fn prices(&self, skus: &[String]) -> Result<Vec<PriceListPrices>, ErpError>;

    /// The price list of each customer; `None` asks for every customer.
    async fn customer_price_lists(
        &self,
        accounts: Option<&[String]>,
    ) -> Result<Vec<CustomerPriceList>, ErpError>;
}

/// What changed in the ERP since a cursor.
#[async_trait::async_trait]
pub trait ChangeFeed: Send + Sync {
    /// The keys that changed after `cursor` (from the beginning when `None`), at most `limit`
    /// source records' worth. A change made while this runs is seen now or by the next call,
    /// never lost: the feed may repeat a key, never skip one.
    async fn changes_since(
        &self,
        cursor: Option<&ChangeCursor>,
        limit: usize,
    ) -> Result<ChangeBatch, ErpError>;
}
