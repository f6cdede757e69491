//! An in-memory ERP for fast unit tests of handlers.
//!
//! It applies the same rules as the Tryton adapter where they matter to callers: unknown
//! customers, SKUs (all missing ones listed), units and currencies are rejections; a sale is
//! created as a draft; `confirm_sale` moves it to `Processing` and is idempotent. Switches make
//! it unavailable, or make a create "succeed in the ERP but fail on the wire" (the crash window
//! the find-before-create logic exists for).
//!
//! The contract suite (`src/contract.rs`, feature `contract`) runs the same cases against this
//! twin and against a real Tryton; where they differ, this file is what changes.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use rust_decimal::Decimal;

use crate::units::tryton_unit_symbol;
use crate::{ErpError, ErpSale, ErpSaleLine, RejectionCode, SaleRequest, SaleState, SalesOrders};

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

#[derive(Debug, Default)]
struct State {
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
    pub fn new() -> Self {
        Self::empty()
            .with_skus(["WIDGET-S", "WIDGET-M", "WIDGET-L"])
            .with_customers(["DEMO-SHOP", "ACME-001", "PARTNER-001"])
            .with_currencies(["USD"])
            .with_countries(DEMO_COUNTRIES)
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
        self.lock().skus.extend(skus.into_iter().map(Into::into));
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
        self.lock().skus.insert(sku.into());
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
                Ok(stored.sale.clone())
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
