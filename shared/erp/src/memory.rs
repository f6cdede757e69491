//! An in-memory ERP for fast unit tests of handlers.
//!
//! It applies the same rules as the Tryton adapter where they matter to callers: unknown
//! customers, SKUs (all missing ones listed), units and currencies are rejections; a sale is
//! created as a draft; `confirm_sale` moves it to `Processing` and is idempotent. Switches make
//! it unavailable, or make a create "succeed in the ERP but fail on the wire" (the crash window
//! the find-before-create logic exists for).
//!
//! It is also the twin of the read side ([`StockLevels`], [`PriceLists`], [`ChangeFeed`]):
//! stock per SKU and warehouse (a confirmed sale lowers `available` in the first warehouse, as
//! Tryton's draft outgoing move lowers its forecast), list prices, price lists with quantity
//! breaks computed like Tryton's (first matching line wins, prices rounded to 4 places),
//! customer assignments, versions that grow with every change, and a change feed whose cursor
//! is the position in the twin's change log (`twin:N`).
//!
//! And of the fulfilment side ([`Fulfilments`](crate::Fulfilments),
//! [`SaleReturns`](crate::SaleReturns)): a confirmed sale gets a waiting shipment and a draft
//! invoice; [`InMemoryErp::ship`], [`InMemoryErp::post_invoices`] and
//! [`InMemoryErp::receive_return`] do what `local/tryton/warehouse.py` does in Tryton.
//!
//! The contract suites (`src/contract.rs`, feature `contract`) run the same cases against this
//! twin and against a real Tryton; where they differ, this file is what changes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::catalog::{
    ChangeBatch, ChangeCursor, ChangeFeed, CustomerPriceList, ErpVersion, LIST_PRICE, PriceBreak,
    PriceListPrices, PriceLists, StockLevels, WarehouseStock,
};
use crate::units::tryton_unit_symbol;
use crate::{ErpError, ErpSale, ErpSaleLine, RejectionCode, SaleRequest, SaleState, SalesOrders};

mod fulfilment;

pub use fulfilment::DEMO_CARRIER;

/// An ERP in memory. Cheap to create; share it behind an `Arc`.
#[derive(Debug)]
pub struct InMemoryErp {
    state: Mutex<State>,
}

/// The countries the local Tryton's demo data sets up (`local/tryton/demo_data.py`): Tryton
/// refuses an address in any other.
const DEMO_COUNTRIES: [&str; 13] = [
    "US", "CA", "MX", "GB", "DE", "FR", "NL", "BE", "ES", "IT", "IE", "AU", "JP",
];

/// The Tryton unit every twin SKU is sold in: the demo products are counted (`u`, in the
/// "Units" category), so Tryton refuses any other unit for them.
const COUNTED_UNIT: &str = "u";

/// Decimals of Tryton's `u` unit: a sale line cannot hold a fraction of a counted item.
const COUNTED_UNIT_DIGITS: u32 = 0;

/// Decimals Tryton keeps in a sale line's unit price (`product.price_decimal`, default 4); it
/// refuses a finer price rather than rounding it.
const PRICE_DIGITS: u32 = 4;

/// The demo products' list prices (`local/tryton/demo_data.py`).
const DEMO_LIST_PRICES: [(&str, i64); 3] =
    [("WIDGET-S", 925), ("WIDGET-M", 1450), ("WIDGET-L", 2100)];

/// The demo stock: 500 of each widget in `WH`, some in `EAST`.
const DEMO_STOCK: [(&str, &str, i64); 5] = [
    ("WIDGET-S", "WH", 500),
    ("WIDGET-M", "WH", 500),
    ("WIDGET-L", "WH", 500),
    ("WIDGET-M", "EAST", 120),
    ("WIDGET-L", "EAST", 40),
];

/// The demo's contract price list and the customer buying on it.
pub const DEMO_CONTRACT_LIST: &str = "ACME contract";
const DEMO_CONTRACT_CUSTOMER: &str = "ACME-001";

/// How a twin price list line prices a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwinPrice {
    /// A fixed unit price.
    Fixed(Decimal),
    /// The SKU's list price times this factor (Tryton's formula `unit_price * 0.9`).
    ListPriceTimes(Decimal),
}

/// One line of a twin price list. Like Tryton's, the first line (in order) that matches the SKU
/// and the quantity prices it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwinPriceLine {
    /// Only this SKU, or every SKU when `None`.
    pub sku: Option<String>,
    /// Applies from this quantity on (inclusive).
    pub min_quantity: Decimal,
    /// What a unit costs.
    pub price: TwinPrice,
}

/// A twin price list: its lines, and the days it applies (inclusive) when limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwinPriceList {
    /// The list's name, as [`PriceListPrices::price_list`] reports it.
    pub name: String,
    /// Tried in order; the first that matches wins.
    pub lines: Vec<TwinPriceLine>,
    /// First day the list applies.
    pub valid_from: Option<NaiveDate>,
    /// Last day the list applies.
    pub valid_until: Option<NaiveDate>,
}

impl TwinPriceList {
    /// The unit price of `sku` at `quantity`, with this list price; `None` when no line matches.
    fn price(&self, sku: &str, quantity: Decimal, list_price: Option<Decimal>) -> Option<Decimal> {
        let line = self.lines.iter().find(|line| {
            line.sku.as_deref().is_none_or(|s| s == sku) && quantity >= line.min_quantity
        })?;
        let price = match &line.price {
            TwinPrice::Fixed(price) => *price,
            TwinPrice::ListPriceTimes(factor) => list_price? * factor,
        };
        // Tryton's round_price: 4 places, half to even.
        Some(
            price
                .round_dp_with_strategy(PRICE_DIGITS, RoundingStrategy::MidpointNearestEven)
                .normalize(),
        )
    }
}

/// When something last changed: the twin's change counter, and the wall clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Stamp {
    version: i64,
    at: DateTime<Utc>,
}

/// The stock of one SKU in one warehouse.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    on_hand: Decimal,
    /// Promised by confirmed sales, not yet shipped.
    reserved: Decimal,
    stamp: Stamp,
}

/// What the change feed names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Changed {
    Stock(String),
    Price(String),
    Customer(String),
    Shipment(String),
    Invoice(String),
    Return(String),
}

/// The read side's state.
#[derive(Debug, Default)]
struct Catalog {
    clock: i64,
    warehouses: Vec<String>,
    sku_stamps: BTreeMap<String, Stamp>,
    stock: BTreeMap<(String, String), Cell>,
    list_prices: BTreeMap<String, (Decimal, Stamp)>,
    price_lists: Vec<(TwinPriceList, Stamp)>,
    assignments: BTreeMap<String, (Option<String>, Stamp)>,
    log: Vec<Changed>,
}

impl Catalog {
    fn tick(&mut self) -> Stamp {
        self.clock += 1;
        Stamp {
            version: self.clock,
            at: Utc::now(),
        }
    }

    fn add_sku(&mut self, sku: &str) {
        if !self.sku_stamps.contains_key(sku) {
            let stamp = self.tick();
            self.sku_stamps.insert(sku.to_owned(), stamp);
            self.log.push(Changed::Stock(sku.to_owned()));
            self.log.push(Changed::Price(sku.to_owned()));
        }
    }

    fn add_warehouse(&mut self, code: &str) {
        if !self.warehouses.iter().any(|w| w == code) {
            self.warehouses.push(code.to_owned());
            let skus: Vec<String> = self.sku_stamps.keys().cloned().collect();
            self.log.extend(skus.into_iter().map(Changed::Stock));
        }
    }

    fn change_stock(&mut self, sku: &str, warehouse: &str, change: impl FnOnce(&mut Cell)) {
        self.add_sku(sku);
        self.add_warehouse(warehouse);
        let stamp = self.tick();
        let cell = self
            .stock
            .entry((sku.to_owned(), warehouse.to_owned()))
            .or_default();
        change(cell);
        cell.stamp = stamp;
        self.log.push(Changed::Stock(sku.to_owned()));
    }

    /// Every SKU a list's lines price.
    fn skus_of(&self, list: &TwinPriceList) -> Vec<String> {
        if list.lines.iter().any(|l| l.sku.is_none()) {
            self.sku_stamps.keys().cloned().collect()
        } else {
            list.lines.iter().filter_map(|l| l.sku.clone()).collect()
        }
    }

    fn level(&self, sku: &str, warehouse: &str) -> WarehouseStock {
        let cell = self
            .stock
            .get(&(sku.to_owned(), warehouse.to_owned()))
            .copied()
            .unwrap_or(Cell {
                stamp: self.sku_stamps.get(sku).copied().unwrap_or_default(),
                ..Cell::default()
            });
        WarehouseStock {
            sku: sku.to_owned(),
            warehouse: warehouse.to_owned(),
            on_hand: cell.on_hand.normalize(),
            available: (cell.on_hand - cell.reserved).normalize(),
            unit: COUNTED_UNIT.to_owned(),
            whole_units: true,
            as_of: cell.stamp.at,
            version: ErpVersion(cell.stamp.version),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    catalog: Catalog,
    skus: BTreeSet<String>,
    customers: BTreeSet<String>,
    currencies: BTreeSet<String>,
    countries: BTreeSet<String>,
    unavailable: bool,
    lose_create_responses: usize,
    sales: Vec<Stored>,
    create_calls: usize,
    find_calls: usize,
    confirm_calls: usize,
    fulfilment: fulfilment::Fulfilment,
}

#[derive(Debug, Clone)]
struct Stored {
    sale: ErpSale,
    request: SaleRequest,
}

impl Default for InMemoryErp {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryErp {
    /// An ERP with the same demo catalogue as the local Tryton: SKUs `WIDGET-S`, `WIDGET-M`,
    /// `WIDGET-L`; customers `DEMO-SHOP`, `ACME-001`, `PARTNER-001`; currency `USD`; the
    /// countries of the demo data (`US`, `CA`, `MX`, `GB`, `DE`, `FR`, `NL`, `BE`, `ES`, `IT`,
    /// `IE`, `AU`, `JP`).
    ///
    /// And the demo's read side: warehouses `WH` (500 of each widget) and `EAST` (120
    /// `WIDGET-M`, 40 `WIDGET-L`); list prices 9.25, 14.50 and 21.00; the price list
    /// [`DEMO_CONTRACT_LIST`] (list price less 10%, less 15% from 50 units, valid from 1 January
    /// this year to the end of next year) assigned to `ACME-001`.
    pub fn new() -> Self {
        let erp = Self::empty()
            .with_skus(["WIDGET-S", "WIDGET-M", "WIDGET-L"])
            .with_customers(["DEMO-SHOP", "ACME-001", "PARTNER-001"])
            .with_currencies(["USD"])
            .with_countries(DEMO_COUNTRIES);
        erp.add_warehouse("WH");
        erp.add_warehouse("EAST");
        for (sku, warehouse, quantity) in DEMO_STOCK {
            erp.set_stock(sku, warehouse, Decimal::from(quantity));
        }
        for (sku, cents) in DEMO_LIST_PRICES {
            erp.set_list_price(sku, Decimal::new(cents, 2));
        }
        let year = Utc::now().year();
        erp.define_price_list(TwinPriceList {
            name: DEMO_CONTRACT_LIST.into(),
            lines: vec![
                TwinPriceLine {
                    sku: None,
                    min_quantity: Decimal::from(50),
                    price: TwinPrice::ListPriceTimes(Decimal::new(85, 2)),
                },
                TwinPriceLine {
                    sku: None,
                    min_quantity: Decimal::ZERO,
                    price: TwinPrice::ListPriceTimes(Decimal::new(9, 1)),
                },
            ],
            valid_from: NaiveDate::from_ymd_opt(year, 1, 1),
            valid_until: NaiveDate::from_ymd_opt(year + 1, 12, 31),
        });
        erp.assign_price_list(DEMO_CONTRACT_CUSTOMER, Some(DEMO_CONTRACT_LIST));
        erp
    }

    /// An ERP that knows no SKU, customer, currency or country.
    pub fn empty() -> Self {
        Self {
            state: Mutex::new(State::default()),
        }
    }

    /// Adds known SKUs (product codes). Like the demo products, they are counted: sold in units
    /// (`EA`, `PC`, ...), whole quantities only.
    pub fn with_skus<I, S>(self, skus: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        {
            let mut state = self.lock();
            for sku in skus {
                let sku = sku.into();
                state.catalog.add_sku(&sku);
                state.skus.insert(sku);
            }
        }
        self
    }

    /// Adds known customer accounts (party codes).
    pub fn with_customers<I, S>(self, customers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.lock()
            .customers
            .extend(customers.into_iter().map(Into::into));
        self
    }

    /// Adds known ISO 4217 currency codes.
    pub fn with_currencies<I, S>(self, currencies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.lock()
            .currencies
            .extend(currencies.into_iter().map(Into::into));
        self
    }

    /// Adds known ISO 3166-1 alpha-2 country codes, for ship-to and bill-to addresses.
    pub fn with_countries<I, S>(self, countries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.lock().countries.extend(
            countries
                .into_iter()
                .map(|c| c.into().trim().to_ascii_uppercase()),
        );
        self
    }

    /// Adds a known SKU at run time.
    pub fn add_sku(&self, sku: impl Into<String>) {
        let sku = sku.into();
        let mut state = self.lock();
        state.catalog.add_sku(&sku);
        state.skus.insert(sku);
    }

    /// Adds a warehouse (by code); the first one added is where confirmed sales ship from.
    pub fn add_warehouse(&self, code: impl Into<String>) {
        self.lock().catalog.add_warehouse(&code.into());
    }

    /// Sets what is on hand of `sku` in `warehouse` (both added if unknown), as an inventory
    /// would; what confirmed sales promised stays promised.
    pub fn set_stock(&self, sku: &str, warehouse: &str, on_hand: Decimal) {
        let mut state = self.lock();
        state.skus.insert(sku.to_owned());
        state
            .catalog
            .change_stock(sku, warehouse, |cell| cell.on_hand = on_hand);
    }

    /// Moves `delta` units of `sku` into (positive) or out of (negative) `warehouse`, like
    /// [`TrytonClient::move_stock`](crate::TrytonClient::move_stock).
    pub fn move_stock(&self, sku: &str, warehouse: &str, delta: Decimal) {
        let mut state = self.lock();
        state.skus.insert(sku.to_owned());
        state
            .catalog
            .change_stock(sku, warehouse, |cell| cell.on_hand += delta);
    }

    /// Sets the list price of `sku` (added if unknown).
    pub fn set_list_price(&self, sku: &str, price: Decimal) {
        let mut state = self.lock();
        state.skus.insert(sku.to_owned());
        let catalog = &mut state.catalog;
        catalog.add_sku(sku);
        let stamp = catalog.tick();
        catalog.list_prices.insert(sku.to_owned(), (price, stamp));
        catalog.log.push(Changed::Price(sku.to_owned()));
    }

    /// Defines a price list, or replaces the one with the same name.
    pub fn define_price_list(&self, list: TwinPriceList) {
        let mut state = self.lock();
        let catalog = &mut state.catalog;
        let stamp = catalog.tick();
        let mut touched = catalog.skus_of(&list);
        if let Some(old) = catalog
            .price_lists
            .iter()
            .position(|(l, _)| l.name == list.name)
        {
            let (old, _) = catalog.price_lists.remove(old);
            touched.extend(catalog.skus_of(&old));
        }
        catalog.price_lists.push((list, stamp));
        catalog.log.extend(touched.into_iter().map(Changed::Price));
    }

    /// Makes `customer` buy on the price list with this name (`None`: at list price).
    pub fn assign_price_list(&self, customer: &str, price_list: Option<&str>) {
        let mut state = self.lock();
        let catalog = &mut state.catalog;
        let stamp = catalog.tick();
        catalog
            .assignments
            .insert(customer.to_owned(), (price_list.map(str::to_owned), stamp));
        catalog.log.push(Changed::Customer(customer.to_owned()));
    }

    /// Adds a known customer at run time.
    pub fn add_customer(&self, customer: impl Into<String>) {
        self.lock().customers.insert(customer.into());
    }

    /// While `true`, every call fails with [`ErpError::Unavailable`] and changes nothing.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock().unavailable = unavailable;
    }

    /// The next `count` successful creates store the sale but answer
    /// [`ErpError::Unavailable`], as if the response was lost after the ERP committed.
    pub fn lose_create_responses(&self, count: usize) {
        self.lock().lose_create_responses = count;
    }

    /// How many times `create_sale` was called (including failed calls).
    pub fn create_calls(&self) -> usize {
        self.lock().create_calls
    }

    /// How many times `find_sale` was called.
    pub fn find_calls(&self) -> usize {
        self.lock().find_calls
    }

    /// How many times `confirm_sale` was called.
    pub fn confirm_calls(&self) -> usize {
        self.lock().confirm_calls
    }

    /// Every sale with this reference, oldest first: proves there are no duplicates.
    pub fn sales_with_reference(&self, reference: &str) -> Vec<ErpSale> {
        // Tryton strips Char values, in searches as in writes.
        let reference = reference.trim();
        self.lock()
            .sales
            .iter()
            .filter(|s| s.sale.reference == reference)
            .map(|s| s.sale.clone())
            .collect()
    }

    /// Every sale, oldest first.
    pub fn sales(&self) -> Vec<ErpSale> {
        self.lock().sales.iter().map(|s| s.sale.clone()).collect()
    }

    /// The lines of a sale, as created.
    pub fn sale_lines(&self, sale_id: i64) -> Vec<ErpSaleLine> {
        self.lock()
            .sales
            .iter()
            .find(|s| s.sale.id == sale_id)
            .map(|s| {
                s.request
                    .lines
                    .iter()
                    .map(|l| ErpSaleLine {
                        sku: l.sku.clone(),
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The request a sale was created from (to assert on addresses, dates, notes).
    pub fn sale_request(&self, sale_id: i64) -> Option<SaleRequest> {
        self.lock()
            .sales
            .iter()
            .find(|s| s.sale.id == sale_id)
            .map(|s| s.request.clone())
    }

    /// Sets a sale's state, as an ERP user would (e.g. cancel it).
    pub fn set_state(&self, sale_id: i64, state: SaleState) {
        if let Some(stored) = self.lock().sales.iter_mut().find(|s| s.sale.id == sale_id) {
            stored.sale.state = state;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the state from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Significant decimals: `2.500` has 1, `3.0` has 0 (trailing zeros say nothing about
/// precision, and the adapter drops them before it sends the number).
fn decimals(value: Decimal) -> u32 {
    value.normalize().scale()
}

impl State {
    fn check_available(&self) -> Result<(), ErpError> {
        if self.unavailable {
            Err(ErpError::unavailable(
                "in-memory ERP switched to unavailable",
            ))
        } else {
            Ok(())
        }
    }

    fn check(&self, request: &SaleRequest) -> Result<(), ErpError> {
        request.validate()?;
        if !self.customers.contains(request.customer_account.trim()) {
            return Err(ErpError::rejected(
                RejectionCode::UnknownCustomer,
                format!("unknown customer account {:?}", request.customer_account),
            ));
        }
        let mut missing: Vec<&str> = Vec::new();
        for line in &request.lines {
            if !self.skus.contains(&line.sku) && !missing.contains(&line.sku.as_str()) {
                missing.push(&line.sku);
            }
        }
        if !missing.is_empty() {
            return Err(ErpError::rejected(
                RejectionCode::UnknownSku,
                format!("unknown SKU(s): {}", missing.join(", ")),
            ));
        }
        for line in &request.lines {
            match tryton_unit_symbol(&line.uom) {
                None => {
                    return Err(ErpError::rejected(
                        RejectionCode::UnknownUnit,
                        format!("unknown unit of measure {:?} on SKU {}", line.uom, line.sku),
                    ));
                }
                // Tryton checks the unit's category against the product's: kilograms of a
                // counted widget are refused, not converted.
                Some(symbol) if symbol != COUNTED_UNIT => {
                    return Err(ErpError::rejected(
                        RejectionCode::UnknownUnit,
                        format!("unit {:?} cannot measure SKU {}", line.uom, line.sku),
                    ));
                }
                Some(_) => {}
            }
        }
        if !self
            .currencies
            .contains(&request.currency.trim().to_ascii_uppercase())
        {
            return Err(ErpError::rejected(
                RejectionCode::UnknownCurrency,
                format!("unknown currency {:?}", request.currency),
            ));
        }
        for (usage, address) in [("ship-to", &request.ship_to), ("bill-to", &request.bill_to)] {
            if let Some(address) = address
                && (address.line1.trim().is_empty()
                    || address.city.trim().is_empty()
                    || !self
                        .countries
                        .contains(&address.country.trim().to_ascii_uppercase()))
            {
                return Err(ErpError::rejected(
                    RejectionCode::InvalidAddress,
                    format!(
                        "{usage} address needs a street, a city and a known country (got {:?})",
                        address.country
                    ),
                ));
            }
        }
        // Tryton validates the digits of the stored lines last, when it writes the sale: its
        // refusal is a plain business rule, not one of the codes resolved before.
        for (index, line) in request.lines.iter().enumerate() {
            if decimals(line.quantity) > COUNTED_UNIT_DIGITS {
                return Err(ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!(
                        "line {} ({}): quantity {} has more than {COUNTED_UNIT_DIGITS} decimals",
                        index + 1,
                        line.sku,
                        line.quantity
                    ),
                ));
            }
            if decimals(line.unit_price) > PRICE_DIGITS {
                return Err(ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!(
                        "line {} ({}): unit price {} has more than {PRICE_DIGITS} decimals",
                        index + 1,
                        line.sku,
                        line.unit_price
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl SalesOrders for InMemoryErp {
    async fn find_sale(&self, reference: &str) -> Result<Option<ErpSale>, ErpError> {
        let mut state = self.lock();
        state.find_calls += 1;
        state.check_available()?;
        // Tryton strips Char values, in searches as in writes.
        let reference = reference.trim();
        let matching: Vec<&Stored> = state
            .sales
            .iter()
            .filter(|s| s.sale.reference == reference)
            .collect();
        Ok(matching
            .iter()
            .find(|s| s.sale.state != SaleState::Cancelled)
            .or(matching.first())
            .map(|s| s.sale.clone()))
    }

    async fn create_sale(&self, request: &SaleRequest) -> Result<ErpSale, ErpError> {
        let mut state = self.lock();
        state.create_calls += 1;
        state.check_available()?;
        state.check(request)?;
        let sale = ErpSale {
            id: state.sales.len() as i64 + 1,
            number: None,
            // Tryton strips it on write, and reads the stripped value back.
            reference: request.reference.trim().to_owned(),
            state: SaleState::Draft,
        };
        state.sales.push(Stored {
            sale: sale.clone(),
            request: request.clone(),
        });
        if state.lose_create_responses > 0 {
            state.lose_create_responses -= 1;
            return Err(ErpError::unavailable(
                "in-memory ERP lost the create response (the sale exists)",
            ));
        }
        Ok(sale)
    }

    async fn confirm_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        let mut state = self.lock();
        state.confirm_calls += 1;
        state.check_available()?;
        let stored = state
            .sales
            .iter_mut()
            .find(|s| s.sale.id == sale_id)
            .ok_or_else(|| {
                ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!("sale {sale_id} does not exist"),
                )
            })?;
        match stored.sale.state {
            SaleState::Draft | SaleState::Quotation => {
                stored.sale.state = SaleState::Processing;
                stored.sale.number = Some(format!("S{sale_id}"));
                let sale = stored.sale.clone();
                let lines = stored.request.lines.clone();
                // Like Tryton's draft outgoing moves: promised, not yet shipped.
                if let Some(warehouse) = state.catalog.warehouses.first().cloned() {
                    for line in lines {
                        state.catalog.change_stock(&line.sku, &warehouse, |cell| {
                            cell.reserved += line.quantity
                        });
                    }
                }
                state.plan_fulfilment(sale_id);
                Ok(sale)
            }
            SaleState::Cancelled => Err(ErpError::rejected(
                RejectionCode::ErpRule,
                format!("sale {sale_id} is cancelled in the ERP"),
            )),
            ref s if s.is_confirmed() => Ok(stored.sale.clone()),
            ref other => Err(ErpError::rejected(
                RejectionCode::ErpRule,
                format!("sale {sale_id} is in state {other:?}, which cannot be confirmed"),
            )),
        }
    }

    async fn cancel_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        let mut state = self.lock();
        state.check_available()?;
        let stored = state
            .sales
            .iter_mut()
            .find(|s| s.sale.id == sale_id)
            .ok_or_else(|| {
                ErpError::rejected(
                    RejectionCode::ErpRule,
                    format!("sale {sale_id} does not exist"),
                )
            })?;
        // Like Tryton: a confirm creates the shipment at once, so only unconfirmed sales cancel.
        if matches!(
            stored.sale.state,
            SaleState::Draft | SaleState::Quotation | SaleState::Confirmed
        ) {
            stored.sale.state = SaleState::Cancelled;
        }
        Ok(stored.sale.clone())
    }
}

#[async_trait::async_trait]
impl StockLevels for InMemoryErp {
    async fn stock_levels(&self, skus: &[String]) -> Result<Vec<WarehouseStock>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        let catalog = &state.catalog;
        let wanted: BTreeSet<&String> = skus
            .iter()
            .filter(|sku| catalog.sku_stamps.contains_key(*sku))
            .collect();
        Ok(catalog
            .warehouses
            .iter()
            .flat_map(|warehouse| wanted.iter().map(|sku| catalog.level(sku, warehouse)))
            .collect())
    }

    async fn catalog_skus(&self) -> Result<Vec<String>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        Ok(state.catalog.sku_stamps.keys().cloned().collect())
    }
}

#[async_trait::async_trait]
impl PriceLists for InMemoryErp {
    async fn prices(&self, skus: &[String]) -> Result<Vec<PriceListPrices>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        let catalog = &state.catalog;
        let today = Utc::now().date_naive();
        let currency = state
            .currencies
            .first()
            .cloned()
            .unwrap_or_else(|| "USD".into());
        let wanted: BTreeSet<&String> = skus
            .iter()
            .filter(|sku| catalog.sku_stamps.contains_key(*sku))
            .collect();
        let mut out = Vec::new();
        for sku in wanted {
            let list_price = catalog.list_prices.get(sku.as_str()).copied();
            let sku_stamp = catalog.sku_stamps[sku.as_str()];
            if let Some((price, stamp)) = list_price {
                out.push(PriceListPrices {
                    price_list: LIST_PRICE.into(),
                    sku: sku.clone(),
                    currency: currency.clone(),
                    breaks: vec![PriceBreak {
                        min_quantity: Decimal::ZERO,
                        unit_price: price.normalize(),
                    }],
                    valid_from: None,
                    valid_until: None,
                    as_of: stamp.at,
                    version: ErpVersion(stamp.version),
                });
            }
            for (list, list_stamp) in &catalog.price_lists {
                if list.valid_from.is_some_and(|d| d > today)
                    || list.valid_until.is_some_and(|d| d < today)
                {
                    continue;
                }
                let thresholds: BTreeSet<Decimal> = std::iter::once(Decimal::ZERO)
                    .chain(
                        list.lines
                            .iter()
                            .filter(|l| l.sku.as_deref().is_none_or(|s| s == sku.as_str()))
                            .map(|l| l.min_quantity),
                    )
                    .collect();
                let mut breaks: Vec<PriceBreak> = Vec::new();
                for min in thresholds {
                    let Some(price) = list.price(sku, min, list_price.map(|(p, _)| p)) else {
                        continue;
                    };
                    if breaks.last().is_some_and(|b| b.unit_price == price) {
                        continue;
                    }
                    breaks.push(PriceBreak {
                        min_quantity: min.normalize(),
                        unit_price: price,
                    });
                }
                if breaks.is_empty() {
                    continue;
                }
                let newest = [
                    Some(*list_stamp),
                    list_price.map(|(_, s)| s),
                    Some(sku_stamp),
                ]
                .into_iter()
                .flatten()
                .max_by_key(|s| s.version)
                .unwrap_or_default();
                out.push(PriceListPrices {
                    price_list: list.name.clone(),
                    sku: sku.clone(),
                    currency: currency.clone(),
                    breaks,
                    valid_from: list.valid_from,
                    valid_until: list.valid_until,
                    as_of: newest.at,
                    version: ErpVersion(newest.version),
                });
            }
        }
        Ok(out)
    }

    async fn customer_price_lists(
        &self,
        accounts: Option<&[String]>,
    ) -> Result<Vec<CustomerPriceList>, ErpError> {
        let state = self.lock();
        state.check_available()?;
        let known: Vec<&String> = match accounts {
            Some(accounts) => {
                let wanted: BTreeSet<&String> = accounts.iter().collect();
                wanted
                    .into_iter()
                    .filter(|a| state.customers.contains(*a))
                    .collect()
            }
            None => state.customers.iter().collect(),
        };
        Ok(known
            .into_iter()
            .map(|account| {
                let (price_list, stamp) = state
                    .catalog
                    .assignments
                    .get(account)
                    .cloned()
                    .unwrap_or_default();
                CustomerPriceList {
                    customer_account: account.clone(),
                    price_list,
                    as_of: stamp.at,
                    version: ErpVersion(stamp.version),
                }
            })
            .collect())
    }
}

/// The twin's cursor: `twin:N`, the number of change log entries already handed out.
fn twin_position(cursor: Option<&ChangeCursor>) -> Result<usize, ErpError> {
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    cursor
        .0
        .strip_prefix("twin:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ErpError::rejected(
                RejectionCode::ErpRule,
                format!("not a twin change cursor: {:?}", cursor.0),
            )
        })
}

#[async_trait::async_trait]
impl ChangeFeed for InMemoryErp {
    async fn changes_since(
        &self,
        cursor: Option<&ChangeCursor>,
        limit: usize,
    ) -> Result<ChangeBatch, ErpError> {
        let state = self.lock();
        state.check_available()?;
        let log = &state.catalog.log;
        let from = twin_position(cursor)?.min(log.len());
        let to = (from + limit.max(1)).min(log.len());
        let (mut stock, mut prices, mut customers) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let (mut shipments, mut invoices, mut returns) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for entry in &log[from..to] {
            match entry {
                Changed::Stock(sku) => stock.insert(sku.clone()),
                Changed::Price(sku) => prices.insert(sku.clone()),
                Changed::Customer(account) => customers.insert(account.clone()),
                Changed::Shipment(number) => shipments.insert(number.clone()),
                Changed::Invoice(number) => invoices.insert(number.clone()),
                Changed::Return(number) => returns.insert(number.clone()),
            };
        }
        Ok(ChangeBatch {
            stock: stock.into_iter().collect(),
            prices: prices.into_iter().collect(),
            customers: customers.into_iter().collect(),
            shipments: shipments.into_iter().collect(),
            invoices: invoices.into_iter().collect(),
            returns: returns.into_iter().collect(),
            next: Some(ChangeCursor(format!("twin:{to}"))),
            more: to < log.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::SaleLine;

    fn request(reference: &str, skus: &[&str]) -> SaleRequest {
        SaleRequest {
            reference: reference.into(),
            order_id: "01J00000000000000000000000".into(),
            customer_account: "DEMO-SHOP".into(),
            currency: "USD".into(),
            ship_to: None,
            bill_to: None,
            lines: skus
                .iter()
                .map(|sku| SaleLine {
                    sku: (*sku).into(),
                    quantity: Decimal::ONE,
                    unit_price: Decimal::new(925, 2),
                    uom: "EA".into(),
                })
                .collect(),
            requested_ship_date: None,
            notes: None,
        }
    }

    #[tokio::test]
    async fn find_create_confirm_is_idempotent() {
        let erp = InMemoryErp::new();
        assert_eq!(erp.find_sale("r1").await.unwrap(), None);
        let sale = erp
            .create_sale(&request("r1", &["WIDGET-S"]))
            .await
            .unwrap();
        assert_eq!(sale.state, SaleState::Draft);
        let confirmed = erp.confirm_sale(sale.id).await.unwrap();
        assert_eq!(confirmed.state, SaleState::Processing);
        assert_eq!(erp.confirm_sale(sale.id).await.unwrap(), confirmed);
        assert_eq!(erp.find_sale("r1").await.unwrap(), Some(confirmed));
        assert_eq!(erp.create_calls(), 1);
        assert_eq!(erp.sales_with_reference("r1").len(), 1);
        assert_eq!(erp.sale_lines(sale.id)[0].unit_price, Decimal::new(925, 2));
    }

    #[tokio::test]
    async fn rejections_name_the_problem() {
        let erp = InMemoryErp::new();
        let err = erp
            .create_sale(&request("r", &["NOPE-1", "WIDGET-S", "NOPE-2"]))
            .await
            .unwrap_err();
        assert_eq!(err.rejection_code(), Some(RejectionCode::UnknownSku));
        assert!(err.message().contains("NOPE-1, NOPE-2"), "{err}");
        let mut unknown_customer = request("r", &["WIDGET-S"]);
        unknown_customer.customer_account = "WHO".into();
        let err = erp.create_sale(&unknown_customer).await.unwrap_err();
        assert_eq!(err.rejection_code(), Some(RejectionCode::UnknownCustomer));
        let mut bad_unit = request("r", &["WIDGET-S"]);
        bad_unit.lines[0].uom = "BOX".into();
        let err = erp.create_sale(&bad_unit).await.unwrap_err();
        assert_eq!(err.rejection_code(), Some(RejectionCode::UnknownUnit));
        assert!(erp.sales().is_empty());
        assert_eq!(erp.create_calls(), 3);
    }

    #[tokio::test]
    async fn unavailable_and_lost_responses() {
        let erp = InMemoryErp::new();
        erp.set_unavailable(true);
        assert!(erp.find_sale("r").await.unwrap_err().is_retryable());
        erp.set_unavailable(false);
        erp.lose_create_responses(1);
        let err = erp
            .create_sale(&request("r", &["WIDGET-M"]))
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        // The retry finds the sale instead of creating a second one.
        let found = erp.find_sale("r").await.unwrap().unwrap();
        assert_eq!(found.reference, "r");
        erp.set_state(found.id, SaleState::Cancelled);
        let err = erp.confirm_sale(found.id).await.unwrap_err();
        assert_eq!(err.rejection_code(), Some(RejectionCode::ErpRule));
    }
}
