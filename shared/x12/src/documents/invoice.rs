//! The 810 invoice.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::line_item::LineItem;
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
    /// The IT1 loops.
    pub lines: Vec<LineItem>,
    /// TDS01, the total invoice amount. TDS01 is an `N2` element, an integer with two implied
    /// decimal places: `45250` is 452.50.
    pub total: Option<Decimal>,
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
            lines: Vec::new(),
            total: None,
            other_segments: Vec::new(),
        };
        let mut seen_big = false;
        let mut in_lines = false;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At { segment, index };
            match segment.id.as_str() {
                "BIG" if !seen_big => {
                    seen_big = true;
                    invoice.date = keep(at.date(1), &mut errors).flatten();
                    invoice.number = at.required(2, &mut errors);
                    invoice.po_date = keep(at.date(3), &mut errors).flatten();
                    invoice.po_number = at.string(4);
                }
                "IT1" => {
                    in_lines = true;
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
                _ => invoice.other_segments.push(segment.clone()),
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
