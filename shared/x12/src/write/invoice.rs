//! The 810 invoice we send a trading partner for each invoice (or credit note) the ERP posts
//! against its order.
//!
//! Layout (004010, one GS*IN group, one set):
//!
//! ```text
//! ST*810*0001
//! BIG*<invoice date>*<invoice number>*<PO date>*<PO number>***[CR]   CR: credit memo
//! CUR*SE*<currency>                             every amount is in the seller's currency
//! REF*VN*<our order number>
//! N1*BT*… / N1*ST*… / N1*RE*… with N3/N4        as available
//! ITD*05*3****<net due date>*<net days>         discount not applicable, from invoice date
//! IT1*<PO line>*<quantity>*<unit>*<unit price>**VN*<sku>*UP*<upc>…
//! PID*F****<description>
//! TDS*<total in cents>                          N2: two implied decimals
//! TXI*TX*<tax amount>                           all taxes, when there are any
//! CTT*<IT1 count>*<sum of IT102>
//! SE/GE/IEA
//! ```

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::envelope::OutboundEnvelope;
use super::render::{number, party, seg, single_set};
use super::ship_notice::unit_or_each;
use crate::documents::{Party, ProductId};

/// Most days ITD07 (N0 1/3) can say.
const MAX_NET_DAYS: i64 = 999;

/// One invoiced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// IT101: the partner's PO1 line number, empty for a line that is not on the PO.
    pub line_number: String,
    /// IT102.
    pub quantity: Decimal,
    /// IT103 (the PO1 unit; `EA` when none).
    pub unit: String,
    /// IT104, excluding tax.
    pub unit_price: Decimal,
    /// IT106/07 …: the partner's own product ids from the 850 line.
    pub product_ids: Vec<ProductId>,
    /// PID05, when there is one.
    pub description: Option<String>,
}

/// The content of an 810.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundInvoice {
    /// BIG02.
    pub number: String,
    /// BIG01.
    pub date: NaiveDate,
    /// BIG04: the partner's PO number.
    pub po_number: String,
    /// BIG03: the PO date.
    pub po_date: Option<NaiveDate>,
    /// BIG07 `CR`: a credit memo rather than an invoice.
    pub credit: bool,
    /// CUR02 with CUR01 `SE`, an ISO 4217 code.
    pub currency: String,
    /// REF*VN: our order number (the ERP sale), when known.
    pub seller_order_number: Option<String>,
    /// N1 loops (`BT` bill to, `ST` ship to, `RE` remit to), in order.
    pub parties: Vec<Party>,
    /// ITD06: when the total is due.
    pub due_date: Option<NaiveDate>,
    /// The IT1 loops.
    pub lines: Vec<InvoiceLine>,
    /// TXI02 with TXI01 `TX` (all taxes); no TXI when zero.
    pub tax_amount: Decimal,
    /// TDS01: the total, taxes included.
    pub total: Decimal,
}

/// Writes an 810 interchange (one GS*IN group, one set).
pub fn invoice(envelope: &OutboundEnvelope, invoice: &OutboundInvoice) -> String {
    let mut body = vec![seg!(
        "BIG",
        invoice.date.format("%Y%m%d"),
        invoice.number,
        invoice
            .po_date
            .map(|d| d.format("%Y%m%d").to_string())
            .unwrap_or_default(),
        invoice.po_number,
        "",
        "",
        if invoice.credit { "CR" } else { "" }
    )];
    if !invoice.currency.trim().is_empty() {
        body.push(seg!("CUR", "SE", invoice.currency));
    }
    if let Some(order) = invoice
        .seller_order_number
        .as_deref()
        .filter(|o| !o.trim().is_empty())
    {
        body.push(seg!("REF", "VN", order));
    }
    for p in &invoice.parties {
        body.extend(party(p));
    }
    if let Some(due) = invoice.due_date {
        // ITD01 05 (discount not applicable) requires ITD06 or ITD07; ITD02 3: the terms run
        // from the invoice date. Net days only when they fit ITD07 and are not negative.
        let days = (due - invoice.date).num_days();
        let days = if (0..=MAX_NET_DAYS).contains(&days) {
            days.to_string()
        } else {
            String::new()
        };
        body.push(seg!(
            "ITD",
            "05",
            "3",
            "",
            "",
            "",
            due.format("%Y%m%d"),
            days
        ));
    }
    for line in &invoice.lines {
        let mut it1 = seg!(
            "IT1",
            line.line_number,
            number(line.quantity),
            unit_or_each(&line.unit),
            // IT102, IT103 and IT104 go together (P020304): a zero price is written as 0.
            number(line.unit_price),
            ""
        );
        for id in line
            .product_ids
            .iter()
            .filter(|p| !p.qualifier.trim().is_empty() && !p.value.trim().is_empty())
        {
            it1.elements.push(id.qualifier.clone());
            it1.elements.push(id.value.clone());
        }
        body.push(it1);
        if let Some(description) = line.description.as_deref().filter(|d| !d.trim().is_empty()) {
            body.push(seg!("PID", "F", "", "", "", description));
        }
    }
    body.push(seg!("TDS", cents(invoice.total)));
    if !invoice.tax_amount.is_zero() {
        body.push(seg!("TXI", "TX", number(invoice.tax_amount)));
    }
    let hash = invoice
        .lines
        .iter()
        .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.quantity));
    body.push(seg!(
        "CTT",
        invoice.lines.len(),
        hash.map(number).unwrap_or_default()
    ));
    single_set(envelope, "IN", "810", body)
}

/// An amount as an `N2` element: whole cents, rounded half away from zero, with no decimal
/// point (`452.5` → `45250`). Saturates rather than overflowing for absurd amounts.
pub fn cents(amount: Decimal) -> String {
    amount
        .checked_mul(Decimal::ONE_HUNDRED)
        .map(|c| c.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        .unwrap_or(if amount.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        })
        .normalize()
        .to_string()
}
