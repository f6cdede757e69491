//! The contract of the fulfilment side ([`Fulfilments`], [`SaleReturns`] and what the change
//! feed names of them), run on the twin (`tests/contract.rs`) and on Tryton (`tests/adapters`,
//! `on_tryton`) through [`erp_fulfilment_contract!`](crate::erp_fulfilment_contract).
//!
//! The warehouse and accounting steps are the probe's ([`FulfilmentUnderTest`]): the twin's
//! helpers, or `local/tryton/warehouse.py` (what a clerk runs) against Tryton.

use std::collections::BTreeSet;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::{
    ChangeBatch, ChangeCursor, ChangeFeed, ErpError, ErpSale, Fulfilments, InMemoryErp,
    InvoiceKind, RejectionCode, ReturnLineRequest, ReturnRequest, SaleLine, SaleRequest,
    SaleReturns, SalesOrders, ShipmentLine, ShipmentState, TrytonClient,
};

/// A backend whose warehouse and accounting the cases can drive.
#[async_trait::async_trait]
pub trait FulfilmentUnderTest: Fulfilments + SaleReturns + ChangeFeed + SalesOrders {
    /// Ships the sale's waiting shipment (only `lines`, when given) with this carrier and
    /// tracking number; returns the shipment number.
    async fn ship(
        &self,
        sale: &str,
        lines: Option<&[ShipmentLine]>,
        carrier: &str,
        tracking: &str,
    ) -> Result<String, ErpError>;

    /// Posts the sale's draft invoices; returns the numbers of its posted ones.
    async fn post_invoices(&self, sale: &str) -> Result<Vec<String>, ErpError>;

    /// Receives the return shipment of a return sale (its number or the return id); returns
    /// the return shipment's number.
    async fn receive_return(&self, which: &str) -> Result<String, ErpError>;
}

#[async_trait::async_trait]
impl FulfilmentUnderTest for InMemoryErp {
    async fn ship(
        &self,
        sale: &str,
        lines: Option<&[ShipmentLine]>,
        carrier: &str,
        tracking: &str,
    ) -> Result<String, ErpError> {
        InMemoryErp::ship(self, sale, lines, carrier, tracking)
    }

    async fn post_invoices(&self, sale: &str) -> Result<Vec<String>, ErpError> {
        InMemoryErp::post_invoices(self, sale)
    }

    async fn receive_return(&self, which: &str) -> Result<String, ErpError> {
        InMemoryErp::receive_return(self, which)
    }
}

/// Runs `local/tryton/warehouse.py` with the stack's Python against this client's Tryton, as
/// a clerk would; its printed lines are the answer.
async fn warehouse(client: &TrytonClient, args: &[String]) -> Result<Vec<String>, ErpError> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let venv =
        std::env::var("SWITCHYARD_VENV").unwrap_or_else(|_| format!("{root}/.switchyard/venv"));
    let config = client.config();
    let output = tokio::process::Command::new(format!("{venv}/bin/python"))
        .arg(format!("{root}/local/tryton/warehouse.py"))
        .arg("--from-environment")
        .args(args)
        .env(crate::tryton::ENV_URL, &config.url)
        .env(crate::tryton::ENV_DB, &config.database)
        .env(crate::tryton::ENV_USER, &config.user)
        .env(crate::tryton::ENV_PASSWORD, &config.password)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|err| ErpError::unavailable(format!("running warehouse.py: {err}")))?;
    if !output.status.success() {
        return Err(ErpError::rejected(
            RejectionCode::ErpRule,
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

#[async_trait::async_trait]
impl FulfilmentUnderTest for TrytonClient {
    async fn ship(
        &self,
        sale: &str,
        lines: Option<&[ShipmentLine]>,
        carrier: &str,
        tracking: &str,
    ) -> Result<String, ErpError> {
        let mut args = vec!["ship".to_owned(), sale.to_owned()];
        if let Some(lines) = lines {
            args.push("--lines".into());
            args.push(
                lines
                    .iter()
                    .map(|l| format!("{}={}", l.sku, l.quantity))
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        args.extend([
            "--carrier".into(),
            carrier.into(),
            "--tracking".into(),
            tracking.into(),
        ]);
        let printed = warehouse(self, &args).await?;
        printed
            .last()
            .cloned()
            .ok_or_else(|| ErpError::unavailable("warehouse.py ship printed no number"))
    }

    async fn post_invoices(&self, sale: &str) -> Result<Vec<String>, ErpError> {
        warehouse(self, &["invoice".into(), sale.into()]).await
    }

    async fn receive_return(&self, which: &str) -> Result<String, ErpError> {
        let printed = warehouse(self, &["receive-return".into(), which.into()]).await?;
        printed
            .last()
            .cloned()
            .ok_or_else(|| ErpError::unavailable("warehouse.py receive-return printed no number"))
    }
}

/// What the fulfilment cases need of the backend.
#[derive(Debug, Clone)]
pub struct FulfilmentFixture {
    /// Unique per test and run: every reference a case creates starts with it.
    pub prefix: String,
    /// A customer with default addresses and a payment term.
    pub customer: String,
    /// Two stocked SKUs and their unit prices.
    pub lines: Vec<(String, Decimal)>,
    /// The currency.
    pub currency: String,
    /// The carrier's name and its service's, as shipments read them.
    pub carrier: (String, String),
    /// Days from invoice date to due date (the customer's payment term).
    pub payment_days: i64,
}

impl FulfilmentFixture {
    /// The local Tryton's demo data, which [`InMemoryErp::new`] mirrors.
    pub fn demo(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            customer: "DEMO-SHOP".into(),
            lines: vec![
                ("WIDGET-S".into(), dec("9.25")),
                ("WIDGET-M".into(), dec("14.50")),
            ],
            currency: "USD".into(),
            carrier: ("UPS".into(), "UPS Ground".into()),
            payment_days: 30,
        }
    }

    fn reference(&self, tag: &str) -> String {
        format!("{}:{tag}", self.prefix)
    }

    /// A sale of `quantities` of the fixture's SKUs, in order.
    fn request(&self, tag: &str, quantities: &[&str]) -> SaleRequest {
        let reference = self.reference(tag);
        SaleRequest {
            order_id: format!("01{}", ulid_like(&reference)),
            reference,
            customer_account: self.customer.clone(),
            currency: self.currency.clone(),
            ship_to: None,
            bill_to: None,
            lines: quantities
                .iter()
                .zip(&self.lines)
                .map(|(quantity, (sku, price))| SaleLine {
                    sku: sku.clone(),
                    quantity: dec(quantity),
                    unit_price: *price,
                    uom: "EA".into(),
                })
                .collect(),
            requested_ship_date: None,
            notes: None,
        }
    }

    fn sku(&self, index: usize) -> &str {
        &self.lines[index].0
    }
}

/// A stable id-like text for a reference (an order id needs only be unique and parse back).
fn ulid_like(reference: &str) -> String {
    reference
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal")
}

fn line(sku: &str, quantity: &str) -> ShipmentLine {
    ShipmentLine {
        sku: sku.into(),
        quantity: dec(quantity),
    }
}

/// Find, create if absent, confirm: what the order-processor does.
async fn confirmed_sale(
    erp: &dyn FulfilmentUnderTest,
    fixture: &FulfilmentFixture,
    tag: &str,
    quantities: &[&str],
) -> (SaleRequest, String) {
    let request = fixture.request(tag, quantities);
    let sale: ErpSale = match erp.find_sale(&request.reference).await.expect("find_sale") {
        Some(sale) => sale,
        None => erp.create_sale(&request).await.expect("create_sale"),
    };
    let sale = erp.confirm_sale(sale.id).await.expect("confirm_sale");
    assert!(sale.state.is_confirmed(), "{sale:?}");
    let number = sale.number.clone().expect("a confirmed sale has a number");
    (request, number)
}

async fn drain(
    erp: &dyn FulfilmentUnderTest,
    cursor: Option<ChangeCursor>,
) -> (Vec<ChangeBatch>, ChangeCursor) {
    let mut cursor = cursor;
    let mut batches = Vec::new();
    for _ in 0..100_000 {
        let batch = erp
            .changes_since(cursor.as_ref(), 1000)
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
    panic!("the feed never ended");
}

fn named(batches: &[ChangeBatch], pick: fn(&ChangeBatch) -> &Vec<String>) -> BTreeSet<String> {
    batches
        .iter()
        .flat_map(|b| pick(b).iter().cloned())
        .collect()
}

fn tracking(fixture: &FulfilmentFixture, tag: &str) -> String {
    format!("1Z{}", ulid_like(&fixture.reference(tag)))
}

/// A shipment done by the warehouse reads as dispatched, with its lines, carrier, service and
/// tracking number, linked to the order; the feed names it.
pub async fn a_done_shipment_reads_with_lines_carrier_and_tracking(
    erp: &dyn FulfilmentUnderTest,
    fixture: &FulfilmentFixture,
) {
    let (request, sale) = confirmed_sale(erp, fixture, "ship", &["2", "1"]).await;
    let (_, cursor) = drain(erp, None).await;
    let number = erp
        .ship(&sale, None, &fixture.carrier.0, &tracking(fixture, "ship"))
        .await
        .expect("ship");
    let read = erp
        .shipments(std::slice::from_ref(&number))
        .await
        .expect("shipments");
    assert_eq!(read.len(), 1, "{read:?}");
    let shipment = &read[0];
    assert_eq!(shipment.id, number);
    assert_eq!(shipment.state, ShipmentState::Dispatched);
    assert_eq!(shipment.sale.number, sale);
    assert_eq!(shipment.sale.reference, request.reference);
    assert_eq!(
        shipment.sale.order_id.as_deref(),
        Some(request.order_id.as_str())
    );
    assert_eq!(shipment.sale.return_id, None);
    let mut lines = shipment.lines.clone();
    lines.sort_by(|a, b| a.sku.cmp(&b.sku));
    let mut expected = vec![line(fixture.sku(0), "2"), line(fixture.sku(1), "1")];
    expected.sort_by(|a, b| a.sku.cmp(&b.sku));
    assert_eq!(lines, expected);
    assert_eq!(
        shipment.carrier.as_deref(),
        Some(fixture.carrier.0.as_str())
    );
    assert_eq!(
        shipment.service.as_deref(),
        Some(fixture.carrier.1.as_str())
    );
    assert_eq!(shipment.tracking_numbers, vec![tracking(fixture, "ship")]);
    assert!(shipment.shipped_at.is_some(), "{shipment:?}");
    let (batches, _) = drain(erp, Some(cursor)).await;
    assert!(
        named(&batches, |b| &b.shipments).contains(&number),
        "the feed names {number}: {batches:?}"
    );
    // A resync of the order finds it too.
    let (shipments, _) = erp.of_sale(&sale).await.expect("of_sale");
    assert!(shipments.iter().any(|s| s.id == number), "{shipments:?}");
    // Unknown numbers are left out.
    let none = erp
        .shipments(&[format!("{}-no-such-shipment", fixture.prefix)])
        .await
        .expect("shipments");
    assert!(none.is_empty(), "{none:?}");
}

/// Shipping part of a sale leaves the rest on a new waiting shipment, which ships later.
pub async fn a_partial_shipment_then_the_rest(
    erp: &dyn FulfilmentUnderTest,
    fixture: &FulfilmentFixture,
) {
    let (_, sale) = confirmed_sale(erp, fixture, "partial", &["5", "2"]).await;
    let (_, cursor) = drain(erp, None).await;
    let first = erp
        .ship(
            &sale,
            Some(&[line(fixture.sku(0), "3")]),
            &fixture.carrier.1,
            &tracking(fixture, "partial-1"),
        )
        .await
        .expect("ship part");
    let read = erp.shipments(std::slice::from_ref(&first)).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].lines, vec![line(fixture.sku(0), "3")]);
    assert_eq!(read[0].state, ShipmentState::Dispatched);
    let (batches, cursor) = drain(erp, Some(cursor)).await;
    let shipments = named(&batches, |b| &b.shipments);
    assert!(shipments.contains(&first), "{shipments:?}");
    // The rest waits on another shipment the feed names too.
    let others: Vec<String> = shipments.into_iter().filter(|n| *n != first).collect();
    let waiting: Vec<_> = erp
        .shipments(&others)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.sale.number == sale)
        .collect();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].state, ShipmentState::Pending);
    let mut rest = waiting[0].lines.clone();
    rest.sort_by(|a, b| a.sku.cmp(&b.sku));
    let mut expected = vec![line(fixture.sku(0), "2"), line(fixture.sku(1), "2")];
    expected.sort_by(|a, b| a.sku.cmp(&b.sku));
    assert_eq!(rest, expected);
    // More than the shipment holds is refused.
    let err = erp
        .ship(
            &sale,
            Some(&[line(fixture.sku(1), "3")]),
            &fixture.carrier.0,
            "1ZTOOMANY",
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.rejection_code(),
        Some(RejectionCode::ErpRule),
        "{err:?}"
    );
    let second = erp
        .ship(
            &sale,
            None,
            &fixture.carrier.0,
            &tracking(fixture, "partial-2"),
        )
        .await
        .expect("ship the rest");
    assert_eq!(second, waiting[0].id);
    let read = erp.shipments(std::slice::from_ref(&second)).await.unwrap();
    assert_eq!(read[0].state, ShipmentState::Dispatched);
    assert_eq!(
        read[0].tracking_numbers,
        vec![tracking(fixture, "partial-2")]
    );
    let (batches, _) = drain(erp, Some(cursor)).await;
    assert!(named(&batches, |b| &b.shipments).contains(&second));
    let (dispatched, _) = erp.of_sale(&sale).await.unwrap();
    let ids: BTreeSet<String> = dispatched.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, BTreeSet::from([first, second]));
}

/// A posted invoice reads with its number, date, due date, lines and totals; the feed names it.
pub async fn a_posted_invoice_reads_with_dates_lines_and_totals(
    erp: &dyn FulfilmentUnderTest,
    fixture: &FulfilmentFixture,
) {
    let (request, sale) = confirmed_sale(erp, fixture, "invoice", &["2", "3"]).await;
    let (_, cursor) = drain(erp, None).await;
    let numbers = erp.post_invoices(&sale).await.expect("post");
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    // Posting again posts nothing new.
    assert_eq!(erp.post_invoices(&sale).await.unwrap(), numbers);
    let read = erp.invoices(&numbers).await.expect("invoices");
    assert_eq!(read.len(), 1, "{read:?}");
    let invoice = &read[0];
    assert_eq!(invoice.id, numbers[0]);
    assert_eq!(invoice.kind, InvoiceKind::Invoice);
    assert_eq!(invoice.sale.number, sale);
    assert_eq!(
        invoice.sale.order_id.as_deref(),
        Some(request.order_id.as_str())
    );
    assert_eq!(invoice.currency, fixture.currency);
    let today = chrono::Utc::now().date_naive();
    assert!(
        (invoice.invoice_date - today).num_days().abs() <= 1,
        "dated today: {invoice:?}"
    );
    assert_eq!(
        invoice.due_date,
        Some(invoice.invoice_date + chrono::Days::new(fixture.payment_days as u64)),
        "{invoice:?}"
    );
    let mut lines: Vec<(Option<String>, Decimal, Decimal, Decimal)> = invoice
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity, l.unit_price, l.amount))
        .collect();
    lines.sort();
    let (s, m) = (&fixture.lines[0], &fixture.lines[1]);
    let mut expected = vec![
        (
            Some(s.0.clone()),
            dec("2"),
            s.1.normalize(),
            (dec("2") * s.1).normalize(),
        ),
        (
            Some(m.0.clone()),
            dec("3"),
            m.1.normalize(),
            (dec("3") * m.1).normalize(),
        ),
    ];
    expected.sort();
    assert_eq!(lines, expected);
    let untaxed = dec("2") * s.1 + dec("3") * m.1;
    assert_eq!(invoice.untaxed_amount, untaxed.normalize());
    assert_eq!(
        invoice.total_amount,
        invoice.untaxed_amount + invoice.tax_amount
    );
    let (batches, _) = drain(erp, Some(cursor)).await;
    assert!(
        named(&batches, |b| &b.invoices).contains(&numbers[0]),
        "{batches:?}"
    );
    let (_, invoices) = erp.of_sale(&sale).await.unwrap();
    assert_eq!(invoices.len(), 1);
}

fn return_request(
    fixture: &FulfilmentFixture,
    tag: &str,
    request: &SaleRequest,
    sale: &str,
    quantity: &str,
) -> ReturnRequest {
    let return_id = format!("{}-{tag}", ulid_like(&fixture.prefix));
    ReturnRequest {
        reference: format!("return:{return_id}"),
        return_id,
        order_id: request.order_id.clone(),
        original_sale: sale.to_owned(),
        lines: vec![ReturnLineRequest {
            sku: fixture.sku(0).to_owned(),
            quantity: dec(quantity),
            reason: "damaged".into(),
        }],
    }
}

/// A return is found by its reference before it is created (so a retry creates none), confirms
/// idempotently, is refused beyond what was sold or for a SKU not sold, and its received return
/// shipment reads and is named by the feed; its credit note posts.
pub async fn a_return_is_posted_once_confirmed_and_received(
    erp: &dyn FulfilmentUnderTest,
    fixture: &FulfilmentFixture,
) {
    let (request, sale) = confirmed_sale(erp, fixture, "return", &["4", "1"]).await;
    erp.ship(
        &sale,
        None,
        &fixture.carrier.0,
        &tracking(fixture, "return"),
    )
    .await
    .expect("ship");

    let too_many = return_request(fixture, "too-many", &request, &sale, "5");
    let err = erp.create_return(&too_many).await.unwrap_err();
    assert_eq!(
        err.rejection_code(),
        Some(RejectionCode::ErpRule),
        "{err:?}"
    );
    let mut not_sold = return_request(fixture, "not-sold", &request, &sale, "1");
    not_sold.lines[0].sku = format!("{}-NOT-SOLD", fixture.prefix);
    let err = erp.create_return(&not_sold).await.unwrap_err();
    assert_eq!(
        err.rejection_code(),
        Some(RejectionCode::UnknownSku),
        "{err:?}"
    );
    assert_eq!(erp.find_return(&too_many.reference).await.unwrap(), None);

    let wanted = return_request(fixture, "ok", &request, &sale, "2");
    // What the return handler does, twice (a retry after a lost answer): one return.
    let mut created = Vec::new();
    for _ in 0..2 {
        let found = erp
            .find_return(&wanted.reference)
            .await
            .expect("find_return");
        let ret = match found {
            Some(ret) => ret,
            None => erp.create_return(&wanted).await.expect("create_return"),
        };
        created.push(ret.id);
    }
    assert_eq!(
        created[0], created[1],
        "found by reference, not created twice"
    );
    let confirmed = erp.confirm_return(created[0]).await.expect("confirm");
    assert!(confirmed.confirmed, "{confirmed:?}");
    let number = confirmed
        .number
        .clone()
        .expect("a confirmed return has a number");
    assert_eq!(erp.confirm_return(created[0]).await.unwrap(), confirmed);
    assert_eq!(
        erp.find_return(&wanted.reference).await.unwrap(),
        Some(confirmed)
    );

    let (_, cursor) = drain(erp, None).await;
    let receipt = erp
        .receive_return(&wanted.return_id)
        .await
        .expect("receive");
    let read = erp
        .return_receipts(std::slice::from_ref(&receipt))
        .await
        .unwrap();
    assert_eq!(read.len(), 1, "{read:?}");
    let receipt_read = &read[0];
    assert!(receipt_read.received);
    assert!(receipt_read.received_at.is_some());
    assert_eq!(receipt_read.lines, vec![line(fixture.sku(0), "2")]);
    assert_eq!(receipt_read.sale.number, number);
    assert_eq!(
        receipt_read.sale.return_id.as_deref(),
        Some(wanted.return_id.as_str())
    );
    assert_eq!(
        receipt_read.sale.order_id.as_deref(),
        Some(request.order_id.as_str())
    );
    assert_eq!(receipt_read.sale.reference, wanted.reference);
    let (batches, _) = drain(erp, Some(cursor)).await;
    assert!(
        named(&batches, |b| &b.returns).contains(&receipt),
        "{batches:?}"
    );

    // Its credit note: positive amounts at the original price.
    let notes = erp
        .post_invoices(&number)
        .await
        .expect("post the credit note");
    let read = erp.invoices(&notes).await.unwrap();
    assert_eq!(read.len(), 1, "{read:?}");
    assert_eq!(read[0].kind, InvoiceKind::CreditNote);
    assert_eq!(read[0].lines.len(), 1);
    assert_eq!(read[0].lines[0].quantity, dec("2"));
    assert_eq!(read[0].lines[0].unit_price, fixture.lines[0].1.normalize());
    assert_eq!(
        read[0].total_amount,
        (dec("2") * fixture.lines[0].1).normalize()
    );
    assert_eq!(
        read[0].sale.return_id.as_deref(),
        Some(wanted.return_id.as_str())
    );
}

/// Every fulfilment case, by name, like [`erp_catalog_contract!`](crate::erp_catalog_contract):
/// `backend` must give a value whose reference coerces to `&dyn` [`FulfilmentUnderTest`],
/// `fixture` a fresh [`FulfilmentFixture`] per test.
#[macro_export]
macro_rules! erp_fulfilment_contract {
    (backend: $backend:expr, fixture: $fixture:expr $(,)?) => {
        $crate::erp_fulfilment_contract!(@cases [$backend] [$fixture]
            a_done_shipment_reads_with_lines_carrier_and_tracking,
            a_partial_shipment_then_the_rest,
            a_posted_invoice_reads_with_dates_lines_and_totals,
            a_return_is_posted_once_confirmed_and_received
        );
    };
    (@cases [$backend:expr] [$fixture:expr] $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let erp = $backend;
                let fixture: $crate::contract::fulfilment::FulfilmentFixture = $fixture;
                $crate::contract::fulfilment::$case(&erp, &fixture).await;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The macro's list is the only thing that runs a case.
    #[test]
    fn every_case_is_in_the_macro() {
        let source = include_str!("fulfilment.rs");
        let (cases, macro_text) = source
            .split_once("macro_rules! erp_fulfilment_contract")
            .expect("the macro");
        let defined: BTreeSet<&str> = cases
            .lines()
            .filter_map(|line| line.strip_prefix("pub async fn "))
            .map(|rest| rest.split('(').next().unwrap_or_default().trim())
            .collect();
        let listed: BTreeSet<&str> = macro_text
            .split_once("[$backend] [$fixture]")
            .and_then(|(_, rest)| rest.split_once(");"))
            .expect("the case list")
            .0
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .collect();
        assert!(defined.len() >= 4);
        assert_eq!(defined, listed);
    }
}
