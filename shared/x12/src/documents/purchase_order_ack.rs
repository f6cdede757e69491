//! The 855 purchase order acknowledgment.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::line_item::LineItem;
use super::values::{At, keep, missing_segment};
use crate::error::SetError;
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// One ACK segment: what the seller did with a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineAck {
    /// ACK01, such as `IA` item accepted or `IR` item rejected.
    pub status: String,
    /// ACK02.
    pub quantity: Option<Decimal>,
    /// ACK03.
    pub uom: String,
    /// ACK04, the date qualifier (`068` current schedule ship).
    pub date_qualifier: String,
    /// ACK05.
    pub date: Option<NaiveDate>,
}

/// A PO1 line of an 855 with its ACK segments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcknowledgedLine {
    /// The echoed PO1 line.
    pub item: LineItem,
    /// The line's ACK segments.
    pub acks: Vec<LineAck>,
}

/// A purchase order acknowledgment (855).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurchaseOrderAck {
    /// BAK01, the purpose (`00` original).
    pub purpose: String,
    /// BAK02, the acknowledgment type (`AD`, `AC`, `RD`, `RJ` …).
    pub ack_type: String,
    /// BAK03, the PO number acknowledged.
    pub po_number: String,
    /// BAK04, the PO date.
    pub po_date: Option<NaiveDate>,
    /// BAK08, the seller's order number.
    pub seller_order_number: String,
    /// The PO1/ACK loops.
    pub lines: Vec<AcknowledgedLine>,
    /// Segments not read into fields, kept as they came.
    pub other_segments: Vec<Segment>,
}

impl PurchaseOrderAck {
    /// Reads an 855.
    pub fn read(set: &TransactionSet) -> Result<PurchaseOrderAck, Vec<SetError>> {
        let mut errors = Vec::new();
        let mut ack = PurchaseOrderAck {
            purpose: String::new(),
            ack_type: String::new(),
            po_number: String::new(),
            po_date: None,
            seller_order_number: String::new(),
            lines: Vec::new(),
            other_segments: Vec::new(),
        };
        let mut seen_bak = false;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At::new(segment, index, set);
            match segment.id() {
                "BAK" if !seen_bak => {
                    seen_bak = true;
                    ack.purpose = at.string(1);
                    ack.ack_type = at.required(2, &mut errors);
                    ack.po_number = at.required(3, &mut errors);
                    ack.po_date = keep(at.date(4), &mut errors).flatten();
                    ack.seller_order_number = at.string(8);
                }
                "PO1" => match LineItem::read(at) {
                    Ok(item) => ack.lines.push(AcknowledgedLine {
                        item,
                        acks: Vec::new(),
                    }),
                    Err(e) => errors.extend(e),
                },
                "ACK" if !ack.lines.is_empty() => {
                    let quantity = keep(at.number(2), &mut errors).flatten();
                    let date = keep(at.date(5), &mut errors).flatten();
                    if let Some(line) = ack.lines.last_mut() {
                        line.acks.push(LineAck {
                            status: at.string(1),
                            quantity,
                            uom: at.string(3),
                            date_qualifier: at.string(4),
                            date,
                        });
                    }
                }
                "CTT" => ack.other_segments.push(segment.clone()),
                _ => match ack.lines.last_mut() {
                    Some(line) => line.item.attach(segment),
                    None => ack.other_segments.push(segment.clone()),
                },
            }
        }
        if !seen_bak {
            errors.push(missing_segment(
                "BAK",
                "beginning of purchase order acknowledgment",
            ));
        }
        if errors.is_empty() {
            Ok(ack)
        } else {
            Err(errors)
        }
    }
}
