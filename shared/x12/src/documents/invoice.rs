//! The 810 invoice.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::line_item::LineItem;
use super::purchase_order::Party;
use super::values::{At, keep, missing_segment};
use crate::error::{SetError, note_codes};
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// An invoice (810).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    /// BIG01, the invoice date.
    pub date: Option<NaiveDate>,
    /// BIG02, the invoice number.
    pub number: String,
    /// BIG03, the PO date.
    pub po_date: Option<NaiveDate>,
    /// BIG04, the PO number.
    pub po_number: String,
    /// BIG07, the transaction type (`CR` credit memo …), empty when not sent.
    pub transaction_type: String,
    /// CUR02, the currency, when a CUR segment was sent.
    pub currency: Option<String>,
    /// The N1 loops (N1, N3, N4) of the heading.
    pub parties: Vec<Party>,
    /// ITD06, the terms net due date.
    pub net_due_date: Option<NaiveDate>,
    /// The IT1 loops.
    pub lines: Vec<LineItem>,
    /// TDS01, the total invoice amount. TDS01 is an `N2` element, an integer with two implied
    /// decimal places: `45250` is 452.50.
    pub total: Option<Decimal>,
    /// The summary TXI segments: tax type code (TXI01) and amount (TXI02).
    pub taxes: Vec<(String, Option<Decimal>)>,
    /// CTT01: the number of IT1 lines the sender counted.
    pub declared_line_count: Option<Decimal>,
    /// Segments not read into fields, kept as they came.
    pub other_segments: Vec<Segment>,
}

impl Invoice {
    /// Reads an 810.
    pub fn read(set: &TransactionSet) -> Result<Invoice, Vec<SetError>> {
        let mut errors = Vec::new();
        let mut invoice = Invoice {
            date: None,
            number: String::new(),
            po_date: None,
            po_number: String::new(),
            transaction_type: String::new(),
            currency: None,
            parties: Vec::new(),
            net_due_date: None,
            lines: Vec::new(),
            total: None,
            taxes: Vec::new(),
            declared_line_count: None,
            other_segments: Vec::new(),
        };
        let mut seen_big = false;
        let mut in_lines = false;
        // Inside an N1 loop, whose N3/N4 belong to the last party.
        let mut in_party = false;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At::new(segment, index, set);
            match segment.id() {
                "BIG" if !seen_big => {
                    seen_big = true;
                    invoice.date = keep(at.date(1), &mut errors).flatten();
                    invoice.number = at.required(2, &mut errors);
                    invoice.po_date = keep(at.date(3), &mut errors).flatten();
                    invoice.po_number = at.string(4);
                    invoice.transaction_type = at.string(7);
                }
                "IT1" => {
                    in_lines = true;
                    in_party = false;
                    match LineItem::read(at) {
                        Ok(line) => invoice.lines.push(line),
                        Err(e) => errors.extend(e),
                    }
                }
                "TDS" => {
                    in_lines = false;
                    invoice.total = keep(implied_two_decimals(at, 1), &mut errors).flatten();
                }
                _ if in_lines => match invoice.lines.last_mut() {
                    Some(line) => line.attach(segment),
                    None => invoice.other_segments.push(segment.clone()),
                },
                "CUR" if invoice.lines.is_empty() => {
                    invoice.currency = Some(at.string(2));
                    invoice.other_segments.push(segment.clone());
                }
                "N1" if invoice.lines.is_empty() => {
                    in_party = true;
                    invoice.parties.push(Party {
                        entity: at.string(1),
                        name: at.string(2),
                        id_qualifier: at.string(3),
                        id: at.string(4),
                        address_lines: Vec::new(),
                        city: String::new(),
                        state: String::new(),
                        postal_code: String::new(),
                        country: String::new(),
                    });
                }
                "N3" if in_party => {
                    if let Some(party) = invoice.parties.last_mut() {
                        party.address_lines.extend(
                            [at.string(1), at.string(2)]
                                .into_iter()
                                .filter(|l| !l.is_empty()),
                        );
                    }
                }
                "N4" if in_party => {
                    if let Some(party) = invoice.parties.last_mut() {
                        party.city = at.string(1);
                        party.state = at.string(2);
                        party.postal_code = at.string(3);
                        party.country = at.string(4);
                    }
                }
                "ITD" if invoice.lines.is_empty() => {
                    in_party = false;
                    if invoice.net_due_date.is_none() {
                        invoice.net_due_date = keep(at.date(6), &mut errors).flatten();
                    }
                    invoice.other_segments.push(segment.clone());
                }
                "TXI" => {
                    let amount = keep(at.number(2), &mut errors).flatten();
                    invoice.taxes.push((at.string(1), amount));
                    invoice.other_segments.push(segment.clone());
                }
                "CTT" => {
                    invoice.declared_line_count = keep(at.number(1), &mut errors).flatten();
                    invoice.other_segments.push(segment.clone());
                }
                _ => {
                    in_party = in_party && matches!(segment.id(), "N2" | "REF" | "PER");
                    invoice.other_segments.push(segment.clone());
                }
            }
        }
        if !seen_big {
            errors.push(missing_segment("BIG", "beginning of invoice"));
        }
        if errors.is_empty() {
            Ok(invoice)
        } else {
            Err(errors)
        }
    }
}

/// An `N2` element: optional minus and digits, two decimal places implied.
fn implied_two_decimals(at: At<'_>, n: usize) -> Result<Option<Decimal>, SetError> {
    let raw = at.text(n);
    if raw.is_empty() {
        return Ok(None);
    }
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let cents = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse::<i64>().ok()
    } else {
        None
    };
    cents.map(|c| Some(Decimal::new(c, 2))).ok_or_else(|| {
        at.element_error(
            n,
            note_codes::INVALID_CHARACTER,
            "must be a whole number of cents (N2)",
        )
    })
}
