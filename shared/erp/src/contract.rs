//! The contract of the [`SalesOrders`] port: one set of cases, run against every adapter.
//!
//! The order-processor is tested against [`InMemoryErp`](crate::InMemoryErp), and runs in
//! production against [`TrytonClient`](crate::TrytonClient). Those tests only mean something if
//! the twin answers as Tryton does, so each case here runs against both: the twin in this
//! crate's fast tests (`tests/contract.rs`), Tryton in `tests/adapters` (`on_tryton`). When a
//! case passes on Tryton and fails on the twin, the twin is wrong.
//!
//! A test target instantiates every case with [`sales_orders_contract!`](crate::sales_orders_contract):
//!
//! ```text
//! switchyard_erp::sales_orders_contract!(
//!     backend: switchyard_erp::InMemoryErp::new(),
//!     fixture: switchyard_erp::contract::Fixture::demo("twin"),
//! );
//! ```
//!
//! Compiled only with the `contract` feature: it panics on purpose, which has no place in the
//! library the functions ship.

pub mod fulfilment;

use std::collections::BTreeSet;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::json;

use crate::catalog::LIST_PRICE;
use crate::{
    ChangeBatch, ChangeCursor, ChangeFeed, CustomerPriceList, ErpError, ErpSale, ErpSaleLine,
    InMemoryErp, PriceBreak, PriceListPrices, PriceLists, RejectionCode, SaleAddress, SaleLine,
    SaleRequest, SaleState, SalesOrders, StockLevels, TrytonClient, WarehouseStock,
};

/// An adapter under contract: the port, plus the two reads the cases need to see what the
/// backend really holds (the port itself never lists sales or reads lines back).
#[async_trait::async_trait]
pub trait ErpUnderTest: SalesOrders {
    /// Every sale with this external reference, oldest first, cancelled ones included.
    async fn stored_sales(&self, reference: &str) -> Result<Vec<ErpSale>, ErpError>;

    /// The product lines of a sale, in the order they were sent.
    async fn stored_lines(&self, sale_id: i64) -> Result<Vec<ErpSaleLine>, ErpError>;
}

#[async_trait::async_trait]
impl ErpUnderTest for InMemoryErp {
    async fn stored_sales(&self, reference: &str) -> Result<Vec<ErpSale>, ErpError> {
        Ok(self.sales_with_reference(reference))
    }

    async fn stored_lines(&self, sale_id: i64) -> Result<Vec<ErpSaleLine>, ErpError> {
        Ok(self.sale_lines(sale_id))
    }
}

#[async_trait::async_trait]
impl ErpUnderTest for TrytonClient {
    async fn stored_sales(&self, reference: &str) -> Result<Vec<ErpSale>, ErpError> {
        self.sales_with_reference(reference).await
    }

    async fn stored_lines(&self, sale_id: i64) -> Result<Vec<ErpSaleLine>, ErpError> {
        self.sale_lines(sale_id).await
    }
}

/// What exists in the backend before any case runs, and where the cases may write.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Prefix of every reference a case creates. Unique per test and per run, so cases run in
    /// parallel, and again and again, against one shared ERP database.
    pub prefix: String,
    /// At least three saleable SKUs, all counted in [`Fixture::unit`] (whole quantities).
    pub skus: Vec<String>,
    /// At least two customer accounts, each with a default delivery and invoice address.
    pub customers: Vec<String>,
    /// A currency the ERP has, as an ISO 4217 code.
    pub currency: String,
    /// The channel unit of measure the SKUs are sold in, e.g. `"EA"`.
    pub unit: String,
    /// A unit the ERP knows that cannot measure the SKUs (a weight for counted goods).
    pub unmeasurable_unit: String,
    /// A country code the ERP has, for ship-to and bill-to addresses.
    pub country: String,
    /// The state `confirm_sale` leaves a sale in: `Processing` when the ERP creates shipments
    /// and invoices on confirmation (as the demo Tryton, with its accounting, does).
    pub confirmed_state: SaleState,
}

impl Fixture {
    /// The local Tryton's demo data (`local/tryton/demo_data.py`), which
    /// [`InMemoryErp::new`] mirrors.
    pub fn demo(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            skus: vec!["WIDGET-S".into(), "WIDGET-M".into(), "WIDGET-L".into()],
            customers: vec!["DEMO-SHOP".into(), "ACME-001".into(), "PARTNER-001".into()],
            currency: "USD".into(),
            unit: "EA".into(),
            unmeasurable_unit: "KG".into(),
            country: "US".into(),
            confirmed_state: SaleState::Processing,
        }
    }

    /// A reference no other case (nor any earlier run, given a unique prefix) uses.
    pub fn reference(&self, tag: &str) -> String {
        format!("{}:{tag}", self.prefix)
    }

    fn sku(&self, index: usize) -> &str {
        &self.skus[index]
    }

    /// One line of a known SKU in the fixture's unit.
    fn line(&self, index: usize, quantity: &str, unit_price: &str) -> SaleLine {
        SaleLine {
            sku: self.sku(index).to_owned(),
            quantity: dec(quantity),
            unit_price: dec(unit_price),
            uom: self.unit.clone(),
        }
    }

    /// A valid request for the first customer, with the customer's default addresses.
    fn request(&self, reference: &str, lines: Vec<SaleLine>) -> SaleRequest {
        SaleRequest {
            reference: reference.to_owned(),
            order_id: format!("{reference}:order"),
            customer_account: self.customers[0].clone(),
            currency: self.currency.clone(),
            ship_to: None,
            bill_to: None,
            lines,
            requested_ship_date: None,
            notes: None,
        }
    }

    /// A one-line valid request.
    fn simple(&self, tag: &str) -> SaleRequest {
        self.request(&self.reference(tag), vec![self.line(0, "1", "9.25")])
    }

    fn address(&self) -> SaleAddress {
        SaleAddress {
            name: Some("Contract Receiving".into()),
            line1: "500 Howard Street".into(),
            line2: Some(format!("Dock {}", self.prefix)),
            city: "San Francisco".into(),
            region: None,
            postal_code: Some("94105".into()),
            country: self.country.clone(),
        }
    }
}

/// Turns a valid value into the invalid one a case is about.
type Spoil<T> = fn(&mut T);

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?} is not a decimal: {e}"))
}

/// What the order-processor does: find by reference, create only if absent, then confirm.
async fn post(erp: &dyn ErpUnderTest, request: &SaleRequest) -> ErpSale {
    let sale = match erp.find_sale(&request.reference).await.expect("find_sale") {
        Some(sale) => sale,
        None => erp.create_sale(request).await.expect("create_sale"),
    };
    erp.confirm_sale(sale.id).await.expect("confirm_sale")
}

/// Creates `request`, expects a rejection with `code`, and checks nothing was stored under its
/// reference. Returns the error for further checks of its message.
async fn expect_rejected(
    erp: &dyn ErpUnderTest,
    request: &SaleRequest,
    code: RejectionCode,
    why: &str,
) -> ErpError {
    let err = match erp.create_sale(request).await {
        Ok(sale) => panic!("{why}: expected a {code} rejection, the ERP created {sale:?}"),
        Err(err) => err,
    };
    assert!(
        matches!(err, ErpError::Rejected { .. }),
        "{why}: expected a rejection (not retryable), got {err:?}"
    );
    assert_eq!(err.rejection_code(), Some(code), "{why}: {err}");
    if !request.reference.trim().is_empty() {
        let stored = erp.stored_sales(&request.reference).await.expect("read");
        assert!(
            stored.is_empty(),
            "{why}: a rejected sale was stored: {stored:?}"
        );
        assert_eq!(erp.find_sale(&request.reference).await.expect("find"), None);
    }
    err
}

/// Lines as (sku, quantity, unit price), compared by value (`2.0 == 2`).
fn triples(lines: &[ErpSaleLine]) -> Vec<(String, Decimal, Decimal)> {
    lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity, l.unit_price))
        .collect()
}

fn sent(request: &SaleRequest) -> Vec<(String, Decimal, Decimal)> {
    request
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity, l.unit_price))
        .collect()
}

/// `find_sale` finds nothing before the create and exactly the created sale after it; the
/// reference is matched whole, not as a prefix.
pub async fn find_is_none_before_create_and_the_sale_after(
    erp: &dyn ErpUnderTest,
    fixture: &Fixture,
) {
    let request = fixture.simple("find");
    assert_eq!(erp.find_sale(&request.reference).await.unwrap(), None);
    let created = erp.create_sale(&request).await.unwrap();
    assert_eq!(created.reference, request.reference);
    assert_eq!(created.state, SaleState::Draft);
    assert_eq!(created.number, None, "a draft has no number yet");
    assert_eq!(
        erp.find_sale(&request.reference).await.unwrap(),
        Some(created.clone())
    );
    let shorter = &request.reference[..request.reference.len() - 1];
    assert_eq!(
        erp.find_sale(shorter).await.unwrap(),
        None,
        "no prefix match"
    );
    assert_eq!(
        erp.find_sale(&format!("{}x", request.reference))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        erp.stored_sales(&request.reference).await.unwrap(),
        vec![created]
    );
}

/// `confirm_sale` takes a draft all the way to the fixture's confirmed state, gives it a number,
/// and what it returns is what `find_sale` reads afterwards.
pub async fn confirm_brings_a_draft_to_the_confirmed_state(
    erp: &dyn ErpUnderTest,
    fixture: &Fixture,
) {
    let request = fixture.simple("confirm");
    let created = erp.create_sale(&request).await.unwrap();
    let confirmed = erp.confirm_sale(created.id).await.unwrap();
    assert_eq!(confirmed.id, created.id);
    assert_eq!(confirmed.reference, request.reference);
    assert_eq!(confirmed.state, fixture.confirmed_state);
    assert!(confirmed.state.is_confirmed());
    assert!(
        confirmed.number.as_deref().is_some_and(|n| !n.is_empty()),
        "{confirmed:?}"
    );
    assert_eq!(
        erp.find_sale(&request.reference).await.unwrap(),
        Some(confirmed)
    );
}

/// Confirming twice is harmless, and posting the same order twice (find, create if absent,
/// confirm) leaves one sale.
pub async fn confirm_and_posting_are_idempotent(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let request = fixture.simple("twice");
    let first = post(erp, &request).await;
    assert_eq!(erp.confirm_sale(first.id).await.unwrap(), first);
    let second = post(erp, &request).await;
    assert_eq!(second, first);
    let stored = erp.stored_sales(&request.reference).await.unwrap();
    assert_eq!(stored, vec![first], "one sale per reference");
}

/// Unknown SKUs are refused with every missing one named (and no known one), before anything
/// is created.
pub async fn unknown_skus_are_rejected_and_all_named(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let missing_a = format!("NOPE-A-{}", fixture.prefix);
    let missing_b = format!("NOPE-B-{}", fixture.prefix);
    let mut request = fixture.request(
        &fixture.reference("sku"),
        vec![
            fixture.line(0, "1", "1.00"),
            fixture.line(1, "1", "9.25"),
            fixture.line(0, "1", "1.00"),
        ],
    );
    request.lines[0].sku = missing_a.clone();
    request.lines[2].sku = missing_b.clone();
    let err = expect_rejected(erp, &request, RejectionCode::UnknownSku, "unknown SKUs").await;
    assert!(err.message().contains(&missing_a), "{err}");
    assert!(err.message().contains(&missing_b), "{err}");
    assert!(!err.message().contains(fixture.sku(1)), "{err}");
}

/// A customer account the ERP does not have is refused; nothing is created.
pub async fn an_unknown_customer_is_rejected(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let mut request = fixture.simple("customer");
    request.customer_account = format!("NO-SUCH-{}", fixture.prefix);
    expect_rejected(
        erp,
        &request,
        RejectionCode::UnknownCustomer,
        "unknown customer",
    )
    .await;
}

/// A currency the ERP does not have is refused; the code is read case-insensitively, so a
/// lower-case known code is the same currency.
pub async fn an_unknown_currency_is_rejected(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let mut request = fixture.simple("currency");
    request.currency = "XTS".into(); // ISO 4217's code reserved for testing
    expect_rejected(
        erp,
        &request,
        RejectionCode::UnknownCurrency,
        "unknown currency",
    )
    .await;
    request.currency = format!(" {} ", fixture.currency.to_ascii_lowercase());
    let sale = erp.create_sale(&request).await.unwrap();
    assert_eq!(sale.reference, request.reference);
}

/// A unit nobody knows, and a known unit that cannot measure the product, are both
/// `UnknownUnit`; nothing is created.
pub async fn units_that_cannot_measure_the_product_are_rejected(
    erp: &dyn ErpUnderTest,
    fixture: &Fixture,
) {
    let mut request = fixture.simple("unit");
    request.lines[0].uom = "NO-SUCH-UNIT".into();
    expect_rejected(erp, &request, RejectionCode::UnknownUnit, "unknown unit").await;
    request.lines[0].uom = fixture.unmeasurable_unit.clone();
    expect_rejected(
        erp,
        &request,
        RejectionCode::UnknownUnit,
        "a unit of another category",
    )
    .await;
}

/// Requests every ERP would refuse are refused before any call, with the code the processor
/// records; nothing is created.
pub async fn invalid_requests_are_rejected(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let good = fixture.simple("invalid");
    let cases: [(&str, RejectionCode, Spoil<SaleRequest>); 6] = [
        ("no lines", RejectionCode::ErpRule, |r| r.lines.clear()),
        ("zero quantity", RejectionCode::ErpRule, |r| {
            r.lines[0].quantity = Decimal::ZERO
        }),
        ("negative quantity", RejectionCode::ErpRule, |r| {
            r.lines[0].quantity = -Decimal::ONE
        }),
        ("negative price", RejectionCode::ErpRule, |r| {
            r.lines[0].unit_price = Decimal::new(-1, 2)
        }),
        ("blank customer", RejectionCode::UnknownCustomer, |r| {
            r.customer_account = "  ".into()
        }),
        ("blank SKU", RejectionCode::UnknownSku, |r| {
            r.lines[0].sku = " ".into()
        }),
    ];
    for (why, code, spoil) in cases {
        let mut request = good.clone();
        spoil(&mut request);
        expect_rejected(erp, &request, code, why).await;
    }
    let mut request = good.clone();
    request.reference = "   ".into();
    expect_rejected(erp, &request, RejectionCode::ErpRule, "blank reference").await;
}

/// A given address is used; one in a country the ERP does not have, or without a street or a
/// city, is `InvalidAddress` and nothing is created.
pub async fn addresses_are_used_or_rejected(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let mut request = fixture.simple("address");
    let cases: [(&str, Spoil<SaleAddress>); 3] = [
        ("unknown country", |a| a.country = "QQ".into()), // user-assigned: never a country
        ("no street", |a| a.line1 = " ".into()),
        ("no city", |a| a.city = String::new()),
    ];
    for (why, spoil) in cases {
        let mut address = fixture.address();
        spoil(&mut address);
        request.ship_to = Some(address.clone());
        request.bill_to = None;
        expect_rejected(erp, &request, RejectionCode::InvalidAddress, why).await;
        request.ship_to = None;
        request.bill_to = Some(address);
        let why = format!("bill-to: {why}");
        expect_rejected(erp, &request, RejectionCode::InvalidAddress, &why).await;
    }
    request.ship_to = Some(fixture.address());
    request.bill_to = Some(SaleAddress {
        line2: None,
        ..fixture.address()
    });
    request.customer_account = fixture.customers[1].clone();
    let sale = post(erp, &request).await;
    assert_eq!(sale.state, fixture.confirmed_state);
}

/// The lines read back are the lines sent: same SKUs, quantities and prices, in the same order,
/// a SKU given twice kept as two lines, a free line kept at zero.
pub async fn lines_read_back_as_sent(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let request = fixture.request(
        &fixture.reference("lines"),
        vec![
            fixture.line(2, "1", "21.00"),
            fixture.line(0, "2", "9.25"),
            fixture.line(1, "3", "14.4999"),
            fixture.line(0, "1", "0"),
        ],
    );
    let created = erp.create_sale(&request).await.unwrap();
    assert_eq!(
        triples(&erp.stored_lines(created.id).await.unwrap()),
        sent(&request)
    );
    // Confirming must not reprice or merge lines.
    erp.confirm_sale(created.id).await.unwrap();
    assert_eq!(
        triples(&erp.stored_lines(created.id).await.unwrap()),
        sent(&request)
    );
}

/// Decimals survive the trip exactly, at the precision the ERP keeps: prices to four places,
/// large and tiny; quantities of counted goods whole, however many zeros the channel wrote.
pub async fn decimals_round_trip_exactly(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let request = fixture.request(
        &fixture.reference("decimals"),
        vec![
            fixture.line(0, "1", "0.0001"),
            fixture.line(1, "2.000", "1234567.8901"),
            fixture.line(2, "10", "0.1000"),
            fixture.line(0, "999", "19.99"),
        ],
    );
    let created = erp.create_sale(&request).await.unwrap();
    let back = erp.stored_lines(created.id).await.unwrap();
    assert_eq!(triples(&back), sent(&request));
}

/// Precision the ERP cannot keep is refused, never rounded away: a fraction of a counted item,
/// a price with five decimals. A business rule (`ErpRule`); nothing is created.
pub async fn precision_the_erp_cannot_keep_is_rejected(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let mut request = fixture.simple("precision");
    request.lines[0].quantity = dec("1.5");
    expect_rejected(erp, &request, RejectionCode::ErpRule, "half a counted item").await;
    let mut request = fixture.simple("precision");
    request.lines[0].unit_price = dec("9.12345");
    expect_rejected(erp, &request, RejectionCode::ErpRule, "five-decimal price").await;
}

/// An unconfirmed sale cancels (again is harmless); a cancelled sale cannot be confirmed, and
/// `find_sale` still returns it, so posting sees the cancellation.
pub async fn an_unconfirmed_sale_cancels(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let request = fixture.simple("cancel-draft");
    let draft = erp.create_sale(&request).await.unwrap();
    let cancelled = erp.cancel_sale(draft.id).await.unwrap();
    assert_eq!(cancelled.id, draft.id);
    assert_eq!(cancelled.state, SaleState::Cancelled);
    assert_eq!(erp.cancel_sale(draft.id).await.unwrap(), cancelled);
    let err = erp.confirm_sale(draft.id).await.unwrap_err();
    assert_eq!(err.rejection_code(), Some(RejectionCode::ErpRule), "{err}");
    assert_eq!(
        erp.find_sale(&request.reference).await.unwrap(),
        Some(cancelled)
    );
}

/// Cancelling a sale `confirm_sale` brought to `Processing` (shipments exist) leaves it as it
/// is, for a person in the ERP; the state read back says so.
pub async fn a_processing_sale_is_left_for_a_person(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let request = fixture.simple("cancel-processing");
    let confirmed = post(erp, &request).await;
    assert_eq!(
        confirmed.state,
        SaleState::Processing,
        "this case needs a backend whose confirm creates shipments"
    );
    let after = erp.cancel_sale(confirmed.id).await.unwrap();
    assert_eq!(after, confirmed, "the ERP cannot undo a shipment by itself");
    assert_eq!(
        erp.find_sale(&request.reference).await.unwrap(),
        Some(confirmed)
    );
}

/// When a reference has a cancelled sale and live ones, `find_sale` returns the oldest live
/// one.
pub async fn find_prefers_the_oldest_live_sale(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let request = fixture.simple("live");
    let old = erp.create_sale(&request).await.unwrap();
    erp.cancel_sale(old.id).await.unwrap();
    let live = erp.create_sale(&request).await.unwrap();
    let newer = erp.create_sale(&request).await.unwrap();
    assert_eq!(
        erp.find_sale(&request.reference).await.unwrap(),
        Some(live.clone())
    );
    let ids: Vec<i64> = erp
        .stored_sales(&request.reference)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![old.id, live.id, newer.id], "oldest first");
}

/// Two creates in flight at once, with different references, both succeed as two sales.
pub async fn concurrent_creates_both_succeed(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let a = fixture.request(
        &fixture.reference("concurrent-a"),
        vec![fixture.line(0, "1", "9.25")],
    );
    let mut b = fixture.request(
        &fixture.reference("concurrent-b"),
        vec![fixture.line(1, "2", "14.50")],
    );
    b.customer_account = fixture.customers[1].clone();
    let (sale_a, sale_b) = tokio::join!(erp.create_sale(&a), erp.create_sale(&b));
    let (sale_a, sale_b) = (sale_a.unwrap(), sale_b.unwrap());
    assert_ne!(sale_a.id, sale_b.id);
    let (found_a, found_b) = tokio::join!(erp.find_sale(&a.reference), erp.find_sale(&b.reference));
    assert_eq!(found_a.unwrap(), Some(sale_a.clone()));
    assert_eq!(found_b.unwrap(), Some(sale_b.clone()));
    let (lines_a, lines_b) = tokio::join!(erp.stored_lines(sale_a.id), erp.stored_lines(sale_b.id));
    assert_eq!(triples(&lines_a.unwrap()), sent(&a));
    assert_eq!(triples(&lines_b.unwrap()), sent(&b));
}

/// Confirming or cancelling a sale that does not exist is a rejection, not a retry.
pub async fn a_missing_sale_is_rejected(erp: &dyn ErpUnderTest, _fixture: &Fixture) {
    let missing = i64::from(i32::MAX);
    let err = erp.confirm_sale(missing).await.unwrap_err();
    assert_eq!(err.rejection_code(), Some(RejectionCode::ErpRule), "{err}");
    let err = erp.cancel_sale(missing).await.unwrap_err();
    assert_eq!(err.rejection_code(), Some(RejectionCode::ErpRule), "{err}");
}

/// The reference is stored without surrounding whitespace and found with or without it.
pub async fn the_reference_is_trimmed(erp: &dyn ErpUnderTest, fixture: &Fixture) {
    let reference = fixture.reference("trim");
    let mut request = fixture.simple("trim");
    request.reference = format!("  {reference} ");
    let sale = erp.create_sale(&request).await.unwrap();
    assert_eq!(sale.reference, reference);
    assert_eq!(erp.find_sale(&reference).await.unwrap(), Some(sale.clone()));
    assert_eq!(erp.find_sale(&request.reference).await.unwrap(), Some(sale));
}

// ---- the read side: stock, prices, change feed -------------------------------------------

/// An adapter of the read side under contract: the three ports and the sales port (a confirmed
/// sale lowers what is available), plus what a person would do in the ERP to change what the
/// ports read.
#[async_trait::async_trait]
pub trait CatalogUnderTest: StockLevels + PriceLists + ChangeFeed + SalesOrders {
    /// Creates a salable product counted in whole units, with this code and list price and no
    /// stock anywhere.
    async fn create_product(&self, sku: &str, list_price: Decimal) -> Result<(), ErpError>;

    /// Moves stock of `sku` into (positive) or out of (negative) `warehouse`, done at once.
    async fn move_stock(&self, sku: &str, warehouse: &str, delta: Decimal) -> Result<(), ErpError>;

    /// Changes the list price of `sku`.
    async fn set_list_price(&self, sku: &str, price: Decimal) -> Result<(), ErpError>;
}

#[async_trait::async_trait]
impl CatalogUnderTest for InMemoryErp {
    async fn create_product(&self, sku: &str, list_price: Decimal) -> Result<(), ErpError> {
        self.add_sku(sku);
        InMemoryErp::set_list_price(self, sku, list_price);
        Ok(())
    }

    async fn move_stock(&self, sku: &str, warehouse: &str, delta: Decimal) -> Result<(), ErpError> {
        InMemoryErp::move_stock(self, sku, warehouse, delta);
        Ok(())
    }

    async fn set_list_price(&self, sku: &str, price: Decimal) -> Result<(), ErpError> {
        InMemoryErp::set_list_price(self, sku, price);
        Ok(())
    }
}

#[async_trait::async_trait]
impl CatalogUnderTest for TrytonClient {
    async fn create_product(&self, sku: &str, list_price: Decimal) -> Result<(), ErpError> {
        // Like the demo widgets: goods in units, in their accounting category (so a sale of
        // it can be confirmed all the way to processing).
        let like = self
            .execute(
                "model.product.template.search_read",
                vec![
                    json!([["products.code", "=", "WIDGET-S"]]),
                    json!(0),
                    json!(1),
                    json!(null),
                    json!(["default_uom", "account_category"]),
                ],
            )
            .await?;
        let like = like.get(0).cloned().unwrap_or_default();
        self.execute(
            "model.product.template.create",
            vec![json!([{
                "name": format!("Contract test {sku}"),
                "type": "goods",
                "salable": true,
                "default_uom": like["default_uom"],
                "sale_uom": like["default_uom"],
                "account_category": like["account_category"],
                "list_price": {"__class__": "Decimal", "decimal": list_price.to_string()},
                "products": [["create", [{"suffix_code": sku}]]],
            }])],
        )
        .await?;
        Ok(())
    }

    async fn move_stock(&self, sku: &str, warehouse: &str, delta: Decimal) -> Result<(), ErpError> {
        TrytonClient::move_stock(self, sku, warehouse, delta)
            .await
            .map(drop)
    }

    async fn set_list_price(&self, sku: &str, price: Decimal) -> Result<(), ErpError> {
        let rows = self
            .execute(
                "model.product.product.search_read",
                vec![
                    json!([["code", "=", sku]]),
                    json!(0),
                    json!(1),
                    json!(null),
                    json!(["template"]),
                ],
            )
            .await?;
        let template = rows
            .get(0)
            .map(|r| r["template"].clone())
            .unwrap_or_default();
        self.execute(
            "model.product.template.write",
            vec![
                json!([template]),
                json!({"list_price": {"__class__": "Decimal", "decimal": price.to_string()}}),
            ],
        )
        .await?;
        Ok(())
    }
}

/// What the read side's backend holds before any case runs.
#[derive(Debug, Clone)]
pub struct CatalogFixture {
    /// Unique per test and run: the SKUs a case creates start with it.
    pub prefix: String,
    /// Known SKUs (stocked or not).
    pub skus: Vec<String>,
    /// Every warehouse's code; the first is where confirmed sales ship from.
    pub warehouses: Vec<String>,
    /// The unit symbol counted products are in.
    pub unit: String,
    /// The currency of every price.
    pub currency: String,
    /// A customer who buys at list price, and one who buys on [`CatalogFixture::contract`].
    pub list_price_customer: String,
    /// The customer on the contract list.
    pub contract_customer: String,
    /// The contract list: its name, the factor of the list price below the break, the break's
    /// quantity and the factor from there on.
    pub contract: ContractTerms,
    /// Whether the contract list is limited in time (Tryton with `product_price_list_dates`).
    pub contract_is_dated: bool,
}

/// A price list that charges a factor of the list price, and a smaller one from a quantity on.
#[derive(Debug, Clone)]
pub struct ContractTerms {
    /// The list's name.
    pub name: String,
    /// Factor of the list price below `break_quantity`.
    pub factor: Decimal,
    /// Where the quantity break starts.
    pub break_quantity: Decimal,
    /// Factor of the list price from `break_quantity` on.
    pub break_factor: Decimal,
}

impl CatalogFixture {
    /// The local Tryton's demo data, which [`InMemoryErp::new`] mirrors.
    pub fn demo(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            skus: vec!["WIDGET-S".into(), "WIDGET-M".into(), "WIDGET-L".into()],
            warehouses: vec!["WH".into(), "EAST".into()],
            unit: "u".into(),
            currency: "USD".into(),
            list_price_customer: "DEMO-SHOP".into(),
            contract_customer: "ACME-001".into(),
            contract: ContractTerms {
                name: "ACME contract".into(),
                factor: dec("0.9"),
                break_quantity: dec("50"),
                break_factor: dec("0.85"),
            },
            contract_is_dated: true,
        }
    }

    /// A SKU no other case (nor earlier run) uses.
    pub fn new_sku(&self, tag: &str) -> String {
        format!("{}-{tag}", self.prefix)
    }
}

/// Creates a fresh product, optionally with stock in the first warehouse.
async fn fresh_product(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
    tag: &str,
    list_price: &str,
    stock: Option<&str>,
) -> String {
    let sku = fixture.new_sku(tag);
    erp.create_product(&sku, dec(list_price))
        .await
        .expect("create_product");
    if let Some(quantity) = stock {
        erp.move_stock(&sku, &fixture.warehouses[0], dec(quantity))
            .await
            .expect("move_stock");
    }
    sku
}

fn level<'a>(levels: &'a [WarehouseStock], sku: &str, warehouse: &str) -> &'a WarehouseStock {
    let found: Vec<&WarehouseStock> = levels
        .iter()
        .filter(|l| l.sku == sku && l.warehouse == warehouse)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one level of {sku} in {warehouse}: {levels:?}"
    );
    found[0]
}

async fn one_level(erp: &dyn CatalogUnderTest, sku: &str, warehouse: &str) -> WarehouseStock {
    let levels = erp
        .stock_levels(&[sku.to_owned()])
        .await
        .expect("stock_levels");
    level(&levels, sku, warehouse).clone()
}

/// Reads the feed from `cursor` until it says there is no more, `limit` at a time; returns
/// every batch and the cursor to continue from.
async fn drain(
    erp: &dyn CatalogUnderTest,
    cursor: Option<ChangeCursor>,
    limit: usize,
) -> (Vec<ChangeBatch>, ChangeCursor) {
    let mut cursor = cursor;
    let mut batches = Vec::new();
    for _ in 0..100_000 {
        let batch = erp
            .changes_since(cursor.as_ref(), limit)
            .await
            .expect("changes_since");
        cursor = Some(
            batch
                .next
                .clone()
                .expect("every batch says where to continue"),
        );
        let more = batch.more;
        batches.push(batch);
        if !more {
            return (batches, cursor.expect("a cursor"));
        }
    }
    panic!("the feed never ended (limit {limit})");
}

fn named_stock(batches: &[ChangeBatch]) -> BTreeSet<String> {
    batches
        .iter()
        .flat_map(|b| b.stock.iter().cloned())
        .collect()
}

fn named_prices(batches: &[ChangeBatch]) -> BTreeSet<String> {
    batches
        .iter()
        .flat_map(|b| b.prices.iter().cloned())
        .collect()
}

fn price_list<'a>(prices: &'a [PriceListPrices], list: &str, sku: &str) -> &'a PriceListPrices {
    let found: Vec<&PriceListPrices> = prices
        .iter()
        .filter(|p| p.price_list == list && p.sku == sku)
        .collect();
    assert_eq!(found.len(), 1, "one {list:?} entry for {sku}: {prices:?}");
    found[0]
}

/// The unit price a break list charges at `quantity`.
fn price_at(prices: &PriceListPrices, quantity: Decimal) -> Decimal {
    prices
        .breaks
        .iter()
        .rev()
        .find(|b| b.min_quantity <= quantity)
        .unwrap_or_else(|| panic!("no break for {quantity} in {prices:?}"))
        .unit_price
}

fn round_price(price: Decimal) -> Decimal {
    price
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .normalize()
}

/// Every known SKU has one level in every warehouse, in the ERP's unit; unknown SKUs are left
/// out; a new product's stock is where it was moved, and nowhere else.
pub async fn levels_cover_every_warehouse_and_leave_unknown_skus_out(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let sku = fresh_product(erp, fixture, "levels", "12.00", Some("7")).await;
    let unknown = fixture.new_sku("no-such");
    let mut asked = fixture.skus.clone();
    asked.push(sku.clone());
    asked.push(unknown.clone());
    let levels = erp.stock_levels(&asked).await.unwrap();
    assert_eq!(
        levels.len(),
        (fixture.skus.len() + 1) * fixture.warehouses.len(),
        "{levels:?}"
    );
    assert!(levels.iter().all(|l| l.sku != unknown), "{levels:?}");
    for known in fixture.skus.iter().chain([&sku]) {
        for warehouse in &fixture.warehouses {
            let level = level(&levels, known, warehouse);
            assert_eq!(level.unit, fixture.unit);
            assert!(level.whole_units, "{level:?}");
        }
    }
    let here = level(&levels, &sku, &fixture.warehouses[0]);
    assert_eq!((here.on_hand, here.available), (dec("7"), dec("7")));
    for other in &fixture.warehouses[1..] {
        let there = level(&levels, &sku, other);
        assert_eq!(
            (there.on_hand, there.available),
            (Decimal::ZERO, Decimal::ZERO)
        );
    }
    assert!(erp.stock_levels(&[]).await.unwrap().is_empty());
    assert!(erp.stock_levels(&[unknown]).await.unwrap().is_empty());
}

/// A stock move raises on hand and the level's version, and the feed read from a cursor taken
/// before the move names the SKU.
pub async fn a_stock_move_raises_the_version_and_the_feed_names_the_sku(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let sku = fresh_product(erp, fixture, "move", "12.00", Some("10")).await;
    let warehouse = &fixture.warehouses[0];
    let before = one_level(erp, &sku, warehouse).await;
    let (_, cursor) = drain(erp, None, 1000).await;
    erp.move_stock(&sku, warehouse, dec("5")).await.unwrap();
    let after = one_level(erp, &sku, warehouse).await;
    assert_eq!(after.on_hand, before.on_hand + dec("5"));
    assert_eq!(after.available, before.available + dec("5"));
    assert!(after.version > before.version, "{before:?} then {after:?}");
    assert!(after.as_of >= before.as_of);
    let (batches, _) = drain(erp, Some(cursor), 1000).await;
    assert!(named_stock(&batches).contains(&sku), "{batches:?}");
    erp.move_stock(&sku, warehouse, dec("-3")).await.unwrap();
    let out = one_level(erp, &sku, warehouse).await;
    assert_eq!(out.on_hand, after.on_hand - dec("3"));
    assert!(out.version > after.version);
}

/// A confirmed sale lowers what is available in the warehouse it ships from, not what is on
/// hand (nothing has left yet).
pub async fn a_confirmed_sale_lowers_available_not_on_hand(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let sku = fresh_product(erp, fixture, "sold", "12.00", Some("20")).await;
    let warehouse = &fixture.warehouses[0];
    let before = one_level(erp, &sku, warehouse).await;
    let request = SaleRequest {
        reference: format!("{}:sold", fixture.prefix),
        order_id: format!("{}:sold:order", fixture.prefix),
        customer_account: fixture.list_price_customer.clone(),
        currency: fixture.currency.clone(),
        ship_to: None,
        bill_to: None,
        lines: vec![SaleLine {
            sku: sku.clone(),
            quantity: dec("3"),
            unit_price: dec("12.00"),
            uom: "EA".into(),
        }],
        requested_ship_date: None,
        notes: None,
    };
    let sale = erp.create_sale(&request).await.unwrap();
    let confirmed = erp.confirm_sale(sale.id).await.unwrap();
    assert!(confirmed.state.is_confirmed(), "{confirmed:?}");
    let after = one_level(erp, &sku, warehouse).await;
    assert_eq!(after.on_hand, before.on_hand, "nothing shipped yet");
    assert_eq!(after.available, before.available - dec("3"));
    assert!(after.version > before.version, "{before:?} then {after:?}");
}

/// With a small limit the feed pages (`more`), and reading on from each `next` loses nothing.
pub async fn the_feed_pages_and_resuming_loses_nothing(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let (_, cursor) = drain(erp, None, 1000).await;
    let mut skus = Vec::new();
    for tag in ["page-a", "page-b", "page-c"] {
        let sku = fresh_product(erp, fixture, tag, "5.00", None).await;
        erp.move_stock(&sku, &fixture.warehouses[0], dec("1"))
            .await
            .unwrap();
        skus.push(sku);
    }
    let (batches, _) = drain(erp, Some(cursor), 2).await;
    assert!(batches.len() >= 3, "limit 2 pages: {batches:?}");
    assert!(batches[..batches.len() - 1].iter().all(|b| b.more));
    let stock = named_stock(&batches);
    let prices = named_prices(&batches);
    for sku in &skus {
        assert!(stock.contains(sku), "{sku} missing from {stock:?}");
        assert!(
            prices.contains(sku),
            "new product {sku} missing from {prices:?}"
        );
    }
}

/// A change made between two calls of one paged read is seen before the feed says it is done.
pub async fn a_change_between_two_feed_calls_is_seen(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let first = fresh_product(erp, fixture, "between-a", "5.00", Some("1")).await;
    let second = fresh_product(erp, fixture, "between-b", "5.00", Some("1")).await;
    let (_, cursor) = drain(erp, None, 1000).await;
    erp.move_stock(&first, &fixture.warehouses[0], dec("1"))
        .await
        .unwrap();
    erp.move_stock(&first, &fixture.warehouses[0], dec("1"))
        .await
        .unwrap();
    let page = erp.changes_since(Some(&cursor), 1).await.unwrap();
    assert!(page.more, "two moves, limit 1: {page:?}");
    erp.move_stock(&second, &fixture.warehouses[0], dec("1"))
        .await
        .unwrap();
    let (mut batches, _) = drain(erp, page.next.clone(), 1).await;
    batches.insert(0, page);
    let stock = named_stock(&batches);
    assert!(stock.contains(&first), "{stock:?}");
    assert!(
        stock.contains(&second),
        "the change between the calls: {stock:?}"
    );
}

/// Nothing changed, nothing moves: the same state reads with the same versions.
pub async fn the_same_state_reads_with_the_same_version(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let sku = fresh_product(erp, fixture, "same", "8.00", Some("4")).await;
    let skus = [sku.clone()];
    let (levels_a, prices_a) = (
        erp.stock_levels(&skus).await.unwrap(),
        erp.prices(&skus).await.unwrap(),
    );
    let (levels_b, prices_b) = (
        erp.stock_levels(&skus).await.unwrap(),
        erp.prices(&skus).await.unwrap(),
    );
    assert_eq!(levels_a, levels_b);
    assert_eq!(prices_a, prices_b);
    let customers = [fixture.contract_customer.clone()];
    assert_eq!(
        erp.customer_price_lists(Some(&customers)).await.unwrap(),
        erp.customer_price_lists(Some(&customers)).await.unwrap()
    );
}

/// A SKU's prices: its list price, and the contract list at its factor with the quantity
/// break (the price at the break differs from the price at 1), in the company currency.
pub async fn list_price_and_the_contract_list_with_its_break(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let sku = fresh_product(erp, fixture, "priced", "20.00", None).await;
    let unknown = fixture.new_sku("no-such");
    let prices = erp.prices(&[sku.clone(), unknown.clone()]).await.unwrap();
    assert!(prices.iter().all(|p| p.sku != unknown), "{prices:?}");
    let list = price_list(&prices, LIST_PRICE, &sku);
    assert_eq!(list.currency, fixture.currency);
    assert_eq!(
        list.breaks,
        vec![PriceBreak {
            min_quantity: Decimal::ZERO,
            unit_price: dec("20")
        }]
    );
    let terms = &fixture.contract;
    let contract = price_list(&prices, &terms.name, &sku);
    assert_eq!(contract.currency, fixture.currency);
    assert_eq!(contract.breaks[0].min_quantity, Decimal::ZERO);
    let at_one = price_at(contract, Decimal::ONE);
    let at_break = price_at(contract, terms.break_quantity);
    assert_eq!(at_one, round_price(dec("20") * terms.factor));
    assert_eq!(at_break, round_price(dec("20") * terms.break_factor));
    assert_ne!(at_one, at_break);
    assert_eq!(
        price_at(contract, terms.break_quantity - Decimal::ONE),
        at_one,
        "the break starts at its quantity"
    );
    let ascending = contract
        .breaks
        .windows(2)
        .all(|w| w[0].min_quantity < w[1].min_quantity);
    assert!(ascending, "{contract:?}");
    if fixture.contract_is_dated {
        let today = chrono::Utc::now().date_naive();
        assert!(
            contract.valid_from.is_some_and(|d| d <= today),
            "{contract:?}"
        );
        assert!(
            contract.valid_until.is_some_and(|d| d >= today),
            "{contract:?}"
        );
    }
    // The demo SKUs are priced on both too.
    let demo = erp.prices(&fixture.skus).await.unwrap();
    for known in &fixture.skus {
        price_list(&demo, LIST_PRICE, known);
        price_list(&demo, &terms.name, known);
    }
}

/// Each customer's price list: the contract customer's is the contract, the other buys at list
/// price; unknown customers are left out; `None` lists them all.
pub async fn customers_read_their_price_list(erp: &dyn CatalogUnderTest, fixture: &CatalogFixture) {
    let unknown = format!("NO-SUCH-{}", fixture.prefix);
    let asked = [
        fixture.contract_customer.clone(),
        fixture.list_price_customer.clone(),
        unknown.clone(),
    ];
    let lists = erp.customer_price_lists(Some(&asked)).await.unwrap();
    assert_eq!(lists.len(), 2, "{lists:?}");
    let of = |lists: &[CustomerPriceList], account: &str| {
        lists
            .iter()
            .find(|l| l.customer_account == account)
            .unwrap_or_else(|| panic!("{account} in {lists:?}"))
            .price_list
            .clone()
    };
    assert_eq!(
        of(&lists, &fixture.contract_customer),
        Some(fixture.contract.name.clone())
    );
    assert_eq!(of(&lists, &fixture.list_price_customer), None);
    let all = erp.customer_price_lists(None).await.unwrap();
    assert_eq!(
        of(&all, &fixture.contract_customer),
        Some(fixture.contract.name.clone())
    );
    assert!(all.iter().all(|l| l.customer_account != unknown));
    assert!(
        erp.customer_price_lists(Some(&[]))
            .await
            .unwrap()
            .is_empty()
    );
}

/// A list price change shows in the list price and in the contract price, raises their
/// versions, and the feed names the SKU.
pub async fn a_price_change_is_read_and_named_by_the_feed(
    erp: &dyn CatalogUnderTest,
    fixture: &CatalogFixture,
) {
    let sku = fresh_product(erp, fixture, "reprice", "20.00", None).await;
    let skus = [sku.clone()];
    let terms = &fixture.contract;
    let before = erp.prices(&skus).await.unwrap();
    let (_, cursor) = drain(erp, None, 1000).await;
    erp.set_list_price(&sku, dec("22.00")).await.unwrap();
    let after = erp.prices(&skus).await.unwrap();
    let (list_a, list_b) = (
        price_list(&before, LIST_PRICE, &sku),
        price_list(&after, LIST_PRICE, &sku),
    );
    assert_eq!(list_b.breaks[0].unit_price, dec("22"));
    assert!(
        list_b.version > list_a.version,
        "{list_a:?} then {list_b:?}"
    );
    let (contract_a, contract_b) = (
        price_list(&before, &terms.name, &sku),
        price_list(&after, &terms.name, &sku),
    );
    assert_eq!(
        price_at(contract_b, Decimal::ONE),
        round_price(dec("22") * terms.factor)
    );
    assert!(contract_b.version > contract_a.version);
    let (batches, _) = drain(erp, Some(cursor), 1000).await;
    assert!(named_prices(&batches).contains(&sku), "{batches:?}");
}

/// A new salable product is in the full catalogue, which lists each SKU once.
pub async fn a_new_product_is_in_the_catalog(erp: &dyn CatalogUnderTest, fixture: &CatalogFixture) {
    let sku = fresh_product(erp, fixture, "catalog", "3.00", None).await;
    let skus = erp.catalog_skus().await.unwrap();
    assert!(skus.contains(&sku), "{sku} not in {} SKUs", skus.len());
    for known in &fixture.skus {
        assert!(skus.contains(known));
    }
    let unique: BTreeSet<&String> = skus.iter().collect();
    assert_eq!(unique.len(), skus.len(), "each SKU once");
}

/// Every case, by name: a test target turns each into a `#[tokio::test]`, so none is forgotten.
///
/// `backend` is an expression evaluated inside each test (an `async` constructor may be
/// awaited there); it must give a value whose reference coerces to
/// `&dyn` [`ErpUnderTest`]. `fixture` gives the [`Fixture`], a fresh one per test so each
/// test's references are its own.
#[macro_export]
macro_rules! sales_orders_contract {
    (backend: $backend:expr, fixture: $fixture:expr $(,)?) => {
        $crate::sales_orders_contract!(@cases [$backend] [$fixture]
            find_is_none_before_create_and_the_sale_after,
            confirm_brings_a_draft_to_the_confirmed_state,
            confirm_and_posting_are_idempotent,
            unknown_skus_are_rejected_and_all_named,
            an_unknown_customer_is_rejected,
            an_unknown_currency_is_rejected,
            units_that_cannot_measure_the_product_are_rejected,
            invalid_requests_are_rejected,
            addresses_are_used_or_rejected,
            lines_read_back_as_sent,
            decimals_round_trip_exactly,
            precision_the_erp_cannot_keep_is_rejected,
            an_unconfirmed_sale_cancels,
            a_processing_sale_is_left_for_a_person,
            find_prefers_the_oldest_live_sale,
            concurrent_creates_both_succeed,
            a_missing_sale_is_rejected,
            the_reference_is_trimmed
        );
    };
    (@cases [$backend:expr] [$fixture:expr] $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let erp = $backend;
                let fixture: $crate::contract::Fixture = $fixture;
                $crate::contract::$case(&erp, &fixture).await;
            }
        )+
    };
}

/// Every read-side case, by name, like [`sales_orders_contract!`](crate::sales_orders_contract):
/// `backend` must give a value whose reference coerces to `&dyn` [`CatalogUnderTest`],
/// `fixture` a fresh [`CatalogFixture`] per test.
#[macro_export]
macro_rules! erp_catalog_contract {
    (backend: $backend:expr, fixture: $fixture:expr $(,)?) => {
        $crate::erp_catalog_contract!(@cases [$backend] [$fixture]
            levels_cover_every_warehouse_and_leave_unknown_skus_out,
            a_stock_move_raises_the_version_and_the_feed_names_the_sku,
            a_confirmed_sale_lowers_available_not_on_hand,
            the_feed_pages_and_resuming_loses_nothing,
            a_change_between_two_feed_calls_is_seen,
            the_same_state_reads_with_the_same_version,
            list_price_and_the_contract_list_with_its_break,
            customers_read_their_price_list,
            a_price_change_is_read_and_named_by_the_feed,
            a_new_product_is_in_the_catalog
        );
    };
    (@cases [$backend:expr] [$fixture:expr] $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let erp = $backend;
                let fixture: $crate::contract::CatalogFixture = $fixture;
                $crate::contract::$case(&erp, &fixture).await;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The macro's list is the only thing that runs a case: a `pub async fn` missing from it
    /// would pass silently everywhere.
    #[test]
    fn every_case_is_in_the_macro() {
        let source = include_str!("contract.rs");
        let (sales_cases, rest) = source
            .split_once("// ---- the read side")
            .expect("the read side section");
        let (catalog_cases, macros) = rest
            .split_once("macro_rules! sales_orders_contract")
            .expect("the macro");
        let (sales_macro, catalog_macro) = macros
            .split_once("macro_rules! erp_catalog_contract")
            .expect("the catalog macro");
        let defined = |cases: &'static str| -> BTreeSet<&'static str> {
            cases
                .lines()
                .filter_map(|line| line.strip_prefix("pub async fn "))
                .map(|rest| rest.split('(').next().unwrap_or_default().trim())
                .collect()
        };
        let listed = |macro_text: &'static str| -> BTreeSet<&'static str> {
            macro_text
                .split_once("[$backend] [$fixture]")
                .and_then(|(_, rest)| rest.split_once(");"))
                .expect("the case list")
                .0
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .collect()
        };
        assert!(defined(sales_cases).len() >= 10);
        assert!(defined(catalog_cases).len() >= 10);
        assert_eq!(
            defined(sales_cases),
            listed(sales_macro),
            "every case, once, in sales_orders_contract!"
        );
        assert_eq!(
            defined(catalog_cases),
            listed(catalog_macro),
            "every case, once, in erp_catalog_contract!"
        );
    }
}
