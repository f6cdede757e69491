//! The 856 ship notice, with its HL hierarchy.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::line_item::ProductId;
use super::values::{At, keep, missing_segment};
use crate::error::{SetError, note_codes};
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// One HL level and the segments under it.
///
/// The tree is kept flat with indices into [`ShipNotice::levels`] rather than nested boxes: a
/// partner's hierarchy can be arbitrarily deep, and a flat list never recurses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HierarchicalLevel {
    /// HL01, this level's id.
    pub id: String,
    /// HL02, the parent's id (empty for a root).
    pub parent_id: String,
    /// The parent's index in [`ShipNotice::levels`].
    pub parent: Option<usize>,
    /// HL03: `S` shipment, `O` order, `P` pack, `I` item …
    pub level_code: String,
    /// Indices of the child levels, in order.
    pub children: Vec<usize>,
    /// The segments between this HL and the next.
    pub segments: Vec<Segment>,
    /// LIN02/03, LIN04/05 …: the item's product ids (item levels).
    pub product_ids: Vec<ProductId>,
    /// SN1: what was shipped of the item (item levels).
    pub shipped: Option<ShippedQuantity>,
    /// PRF01/PRF04: the purchase order (order levels).
    pub purchase_order: Option<(String, Option<NaiveDate>)>,
}

/// An SN1 segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippedQuantity {
    /// SN101, the line's id (Switchyard writes the PO1 line number).
    pub line: String,
    /// SN102.
    pub quantity: Decimal,
    /// SN103.
    pub unit: String,
}

impl HierarchicalLevel {
    /// The values of this level's REF segments with `qualifier`, in order.
    pub fn references(&self, qualifier: &str) -> Vec<&str> {
        self.segments
            .iter()
            .filter(|s| s.id() == "REF" && s.trimmed(1) == qualifier)
            .map(|s| s.trimmed(2))
            .collect()
    }

    /// This level's first segment with `id`.
    pub fn segment(&self, id: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.id() == id)
    }

    /// The value of the item's first product id with `qualifier`.
    pub fn product_id(&self, qualifier: &str) -> Option<&str> {
        self.product_ids
            .iter()
            .find(|p| p.qualifier == qualifier)
            .map(|p| p.value.as_str())
    }
}

/// A ship notice / manifest (856).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShipNotice {
    /// BSN01.
    pub purpose: String,
    /// BSN02, the shipment id.
    pub shipment_id: String,
    /// BSN03.
    pub date: Option<NaiveDate>,
    /// BSN04, `HHMM[SS]`.
    pub time: String,
    /// Every HL level, in the order sent.
    pub levels: Vec<HierarchicalLevel>,
    /// CTT01: the number of HL levels the sender counted.
    pub declared_level_count: Option<Decimal>,
    /// Segments outside the hierarchy (summary CTT …), kept as they came.
    pub other_segments: Vec<Segment>,
}

impl ShipNotice {
    /// Reads an 856. A level whose parent is not an earlier level is an error.
    pub fn read(set: &TransactionSet) -> Result<ShipNotice, Vec<SetError>> {
        let mut errors = Vec::new();
        let mut notice = ShipNotice {
            purpose: String::new(),
            shipment_id: String::new(),
            date: None,
            time: String::new(),
            levels: Vec::new(),
            declared_level_count: None,
            other_segments: Vec::new(),
        };
        let mut seen_bsn = false;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At::new(segment, index, set);
            match segment.id() {
                "BSN" if !seen_bsn => {
                    seen_bsn = true;
                    notice.purpose = at.string(1);
                    notice.shipment_id = at.required(2, &mut errors);
                    notice.date = keep(at.date(3), &mut errors).flatten();
                    notice.time = at.string(4);
                }
                "HL" => notice.add_level(at, &mut errors),
                "CTT" => {
                    notice.declared_level_count = keep(at.number(1), &mut errors).flatten();
                    notice.other_segments.push(segment.clone());
                }
                _ => match notice.levels.last_mut() {
                    Some(level) => {
                        read_level_segment(level, at, &mut errors);
                        level.segments.push(segment.clone());
                    }
                    None => notice.other_segments.push(segment.clone()),
                },
            }
        }
        if !seen_bsn {
            errors.push(missing_segment("BSN", "beginning of ship notice"));
        }
        if errors.is_empty() {
            Ok(notice)
        } else {
            Err(errors)
        }
    }

    fn add_level(&mut self, at: At<'_>, errors: &mut Vec<SetError>) {
        let id = at.required(1, errors);
        if !id.is_empty() && self.levels.iter().any(|l| l.id == id) {
            errors.push(at.element_error(1, note_codes::INVALID_VALUE, "repeats an earlier HL id"));
        }
        let parent_id = at.string(2);
        let parent = if parent_id.is_empty() {
            None
        } else {
            let found = self.levels.iter().position(|l| l.id == parent_id);
            if found.is_none() {
                errors.push(at.element_error(
                    2,
                    note_codes::INVALID_VALUE,
                    "must name an earlier HL01 as the parent",
                ));
            }
            found
        };
        let index = self.levels.len();
        if let Some(p) = parent.and_then(|p| self.levels.get_mut(p)) {
            p.children.push(index);
        }
        self.levels.push(HierarchicalLevel {
            id,
            parent_id,
            parent,
            level_code: at.string(3),
            children: Vec::new(),
            segments: Vec::new(),
            product_ids: Vec::new(),
            shipped: None,
            purchase_order: None,
        });
    }

    /// Indices of the top levels (usually the one shipment level).
    pub fn roots(&self) -> Vec<usize> {
        (0..self.levels.len())
            .filter(|i| self.levels.get(*i).is_some_and(|l| l.parent.is_none()))
            .collect()
    }

    /// The levels directly under level `index`, empty for an unknown index.
    pub fn children(&self, index: usize) -> Vec<&HierarchicalLevel> {
        self.levels
            .get(index)
            .map(|l| {
                l.children
                    .iter()
                    .filter_map(|c| self.levels.get(*c))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads the LIN, SN1 and PRF of a level into its typed fields (the first of each counts).
fn read_level_segment(level: &mut HierarchicalLevel, at: At<'_>, errors: &mut Vec<SetError>) {
    match at.segment.id() {
        "LIN" if level.product_ids.is_empty() => {
            level.product_ids = (2..=at.segment.len())
                .step_by(2)
                .filter_map(|n| {
                    let value = at.string(n + 1);
                    (!value.is_empty()).then(|| ProductId {
                        qualifier: at.string(n),
                        value,
                    })
                })
                .collect();
        }
        "SN1" if level.shipped.is_none() => {
            if let Some(quantity) = keep(at.required_number(2), errors) {
                level.shipped = Some(ShippedQuantity {
                    line: at.string(1),
                    quantity,
                    unit: at.string(3),
                });
            }
        }
        "PRF" if level.purchase_order.is_none() => {
            let number = at.required(1, errors);
            let date = keep(at.date(4), errors).flatten();
            level.purchase_order = Some((number, date));
        }
        _ => {}
    }
}
