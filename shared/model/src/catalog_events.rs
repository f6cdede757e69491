//! The ERP's truth about stock and prices, as canonical events published by `erp-changes`.
//!
//! Each event carries the ERP-side ordering value (`erp_version`) of what it describes and when
//! Switchyard read it (`observed_at`): for the same key, the larger pair is newer. Consumers keep
//! the largest, so events may arrive reordered or repeated (a crash of `erp-changes` between
//! publishing and advancing its cursor republishes them). The read time only breaks ties: an
//! ERP's stamps are not a commit order (Tryton stamps a record with the start of its
//! transaction), so one stamp can hide two states.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::envelope::Message;
use crate::money::Currency;
use crate::order::Sku;

/// EventBridge `source` of `InventoryChanged`.
pub const INVENTORY_EVENTS_SOURCE: &str = "switchyard.inventory";
/// EventBridge `source` of `PriceChanged` and `CustomerPriceListChanged`.
pub const PRICE_EVENTS_SOURCE: &str = "switchyard.prices";
/// The envelope `channel` of events that come from the ERP rather than from a channel.
pub const ERP_CHANNEL: &str = "erp";

/// The stock of one SKU changed (or was re-read by a resync): its level in every warehouse,
/// read together, so a consumer never has to combine events to know the whole level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryChanged {
    /// The product.
    pub sku: Sku,
    /// Physically in stock, all warehouses together.
    pub on_hand: Decimal,
    /// Available-to-promise, all warehouses together, before any channel's allocation.
    pub available: Decimal,
    /// The level in each warehouse, by ERP warehouse code.
    pub warehouses: Vec<WarehouseLevel>,
    /// The ERP's unit symbol for the quantities.
    pub unit: String,
    /// Whether the unit counts whole units only.
    pub whole_units: bool,
    /// The ERP time of the newest change the level reflects.
    pub as_of: DateTime<Utc>,
    /// The ERP-side ordering value of the level (the largest of its warehouses').
    pub erp_version: i64,
    /// When Switchyard read the level: the tiebreak between two reads of the same
    /// `erp_version` (the later read saw every commit the earlier one saw).
    pub observed_at: DateTime<Utc>,
}

/// One warehouse's part of an [`InventoryChanged`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseLevel {
    /// The ERP warehouse code.
    pub warehouse: String,
    /// Physically in stock there.
    pub on_hand: Decimal,
    /// Available-to-promise there.
    pub available: Decimal,
    /// The ERP time of the newest change to this warehouse's level.
    pub as_of: DateTime<Utc>,
}

impl Message for InventoryChanged {
    const TYPE: &'static str = "InventoryChanged";
    const VERSION: u32 = 1;
}

/// One quantity break of a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreak {
    /// From this quantity on (inclusive).
    pub min_quantity: Decimal,
    /// The unit price, excluding tax, as a decimal string.
    pub unit_price: Decimal,
}

/// What one price list (or the list price) charges for one SKU changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChanged {
    /// The product.
    pub sku: Sku,
    /// The price list's ERP name, or `list_price`.
    pub price_list: String,
    /// The currency of every break.
    pub currency: Currency,
    /// Ascending by `min_quantity`, the first at 0.
    pub breaks: Vec<PriceBreak>,
    /// First day the prices apply, if limited.
    pub valid_from: Option<NaiveDate>,
    /// Last day the prices apply, if limited.
    pub valid_until: Option<NaiveDate>,
    /// The ERP time of the prices.
    pub as_of: DateTime<Utc>,
    /// The ERP-side ordering value of the prices.
    pub erp_version: i64,
    /// When Switchyard read the prices (the tiebreak of equal `erp_version`s).
    pub observed_at: DateTime<Utc>,
}

impl Message for PriceChanged {
    const TYPE: &'static str = "PriceChanged";
    const VERSION: u32 = 1;
}

/// The price list a customer buys on changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPriceListChanged {
    /// The ERP customer account.
    pub customer_account: String,
    /// The price list's ERP name; `None` buys at list price.
    pub price_list: Option<String>,
    /// The ERP time of the assignment.
    pub as_of: DateTime<Utc>,
    /// The ERP-side ordering value of the assignment.
    pub erp_version: i64,
    /// When Switchyard read the assignment (the tiebreak of equal `erp_version`s).
    pub observed_at: DateTime<Utc>,
}

impl Message for CustomerPriceListChanged {
    const TYPE: &'static str = "CustomerPriceListChanged";
    const VERSION: u32 = 1;
}
