//! The 846 inventory inquiry/advice: items and their quantities (a partner's reading of what we
//! send, and of what a supplier sends us).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::line_item::ProductId;
use super::values::{At, keep, missing_segment};
use crate::error::SetError;
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// One QTY of an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisedQuantity {
    /// QTY01, such as `33` available for sale or `17` on hand.
    pub qualifier: String,
    /// QTY02.
    pub quantity: Decimal,
    /// QTY03, the unit of measure.
    pub unit: String,
}

/// A LIN loop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisedItem {
    /// LIN01.
    pub line_number: String,
    /// The LIN qualifier/id pairs (LIN02/03, LIN04/05, …).
    pub product_ids: Vec<ProductId>,
    /// The loop's QTY segments.
    pub quantities: Vec<AdvisedQuantity>,
}

impl AdvisedItem {
    /// The id with `qualifier` (`VN`, `BP`, `UP` …), if the LIN carries one.
    pub fn id(&self, qualifier: &str) -> Option<&str> {
        self.product_ids
            .iter()
            .find(|p| p.qualifier == qualifier)
            .map(|p| p.value.as_str())
    }

    /// The quantity with `qualifier`, if the loop carries one.
    pub fn quantity(&self, qualifier: &str) -> Option<&AdvisedQuantity> {
        self.quantities.iter().find(|q| q.qualifier == qualifier)
    }
}

/// An inventory inquiry/advice (846).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryAdvice {
    /// BIA01, the purpose (`00` original).
    pub purpose: String,
    /// BIA02, the report type (`MB`, `SI`, `DD` …).
    pub report_type: String,
    /// BIA03, the advice's reference.
    pub reference: String,
    /// BIA04.
    pub date: Option<NaiveDate>,
    /// The LIN loops.
    pub items: Vec<AdvisedItem>,
    /// CTT01 as the sender declared it.
    pub declared_line_count: Option<Decimal>,
    /// Segments not read into fields, kept as they came.
    pub other_segments: Vec<Segment>,
}

impl InventoryAdvice {
    /// Reads an 846.
    pub fn read(set: &TransactionSet) -> Result<InventoryAdvice, Vec<SetError>> {
        let mut errors = Vec::new();
        let mut advice = InventoryAdvice {
            purpose: String::new(),
            report_type: String::new(),
            reference: String::new(),
            date: None,
            items: Vec::new(),
            declared_line_count: None,
            other_segments: Vec::new(),
        };
        let mut seen_bia = false;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At::new(segment, index, set);
            match segment.id() {
                "BIA" if !seen_bia => {
                    seen_bia = true;
                    advice.purpose = at.required(1, &mut errors);
                    advice.report_type = at.required(2, &mut errors);
                    advice.reference = at.required(3, &mut errors);
                    advice.date = keep(at.required_date(4), &mut errors);
                }
                "LIN" => {
                    let mut product_ids = Vec::new();
                    let mut n = 2;
                    while n < segment.len() + 1 {
                        let (qualifier, value) = (at.string(n), at.string(n + 1));
                        if !qualifier.is_empty() || !value.is_empty() {
                            product_ids.push(ProductId { qualifier, value });
                        }
                        n += 2;
                    }
                    advice.items.push(AdvisedItem {
                        line_number: at.string(1),
                        product_ids,
                        quantities: Vec::new(),
                    });
                }
                "QTY" if !advice.items.is_empty() => {
                    let qualifier = at.required(1, &mut errors);
                    let quantity = keep(at.required_number(2), &mut errors);
                    if let (Some(item), Some(quantity)) = (advice.items.last_mut(), quantity) {
                        item.quantities.push(AdvisedQuantity {
                            qualifier,
                            quantity,
                            unit: at.string(3),
                        });
                    }
                }
                "CTT" => advice.declared_line_count = keep(at.number(1), &mut errors).flatten(),
                _ => advice.other_segments.push(segment.clone()),
            }
        }
        if !seen_bia {
            errors.push(missing_segment(
                "BIA",
                "beginning of inventory inquiry/advice",
            ));
        }
        if errors.is_empty() {
            Ok(advice)
        } else {
            Err(errors)
        }
    }
}
