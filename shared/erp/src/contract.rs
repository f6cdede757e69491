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

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::{
    ErpError, ErpSale, ErpSaleLine, InMemoryErp, RejectionCode, SaleAddress, SaleLine, SaleRequest,
    SaleState, SalesOrders, TrytonClient,
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The macro's list is the only thing that runs a case: a `pub async fn` missing from it
    /// would pass silently everywhere.
    #[test]
    fn every_case_is_in_the_macro() {
        let source = include_str!("contract.rs");
        let (cases, macro_text) = source
            .split_once("macro_rules! sales_orders_contract")
            .expect("the macro");
        let defined: BTreeSet<&str> = cases
            .lines()
            .filter_map(|line| line.strip_prefix("pub async fn "))
            .map(|rest| rest.split('(').next().unwrap_or_default().trim())
            .collect();
        let list = macro_text
            .split_once("[$backend] [$fixture]")
            .and_then(|(_, rest)| rest.split_once(");"))
            .expect("the case list")
            .0;
        let listed: BTreeSet<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .collect();
        assert!(defined.len() >= 10, "found only {defined:?}");
        assert_eq!(
            defined, listed,
            "every case, once, in sales_orders_contract!"
        );
    }
}
