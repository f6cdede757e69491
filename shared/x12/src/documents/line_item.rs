//! The baseline item line shared by PO1 (850, 855) and IT1 (810).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::values::{At, keep};
use crate::error::SetError;
use crate::segment::Segment;

/// A product identifier: a qualifier (`VN` vendor item, `VP` vendor part, `UP` UPC, `BP` buyer
/// part …) and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductId {
    /// What kind of id (PO106, PO108 …).
    pub qualifier: String,
    /// The id (PO107, PO109 …).
    pub value: String,
}

/// One item line: PO1 or IT1 and the PID descriptions that follow it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineItem {
    /// Element 1, the partner's line number (may be empty).
    pub line_number: String,
    /// Element 2, the quantity.
    pub quantity: Decimal,
    /// Element 3, the unit of measure code (`EA`, `CA` …).
    pub uom: String,
    /// Element 4, the unit price.
    pub unit_price: Option<Decimal>,
    /// Element 5, the basis of the unit price (`PE` price per each …).
    pub price_basis: String,
    /// Every qualifier/value pair from element 6 onward, in order.
    pub product_ids: Vec<ProductId>,
    /// PID05 free-form descriptions that follow the line.
    pub descriptions: Vec<String>,
    /// The line segment's position in the set (ST is 1).
    pub position: usize,
    /// Other segments of the line's loop, kept as they came.
    pub other_segments: Vec<Segment>,
}

impl LineItem {
    /// Reads a PO1 or IT1 segment.
    pub(crate) fn read(at: At<'_>) -> Result<LineItem, Vec<SetError>> {
        let mut errors = Vec::new();
        let quantity = keep(at.required_number(2), &mut errors);
        let unit_price = keep(at.number(4), &mut errors).flatten();
        let product_ids = (6..=at.segment.len())
            .step_by(2)
            .filter_map(|n| {
                let value = at.string(n + 1);
                (!value.is_empty()).then(|| ProductId {
                    qualifier: at.string(n),
                    value,
                })
            })
            .collect();
        match quantity {
            Some(quantity) if errors.is_empty() => Ok(LineItem {
                line_number: at.string(1),
                quantity,
                uom: at.string(3),
                unit_price,
                price_basis: at.string(5),
                product_ids,
                descriptions: Vec::new(),
                position: crate::interchange::TransactionSet::position_of(at.index),
                other_segments: Vec::new(),
            }),
            _ => Err(errors),
        }
    }

    /// The value of the first product id with `qualifier`.
    pub fn product_id(&self, qualifier: &str) -> Option<&str> {
        self.product_ids
            .iter()
            .find(|p| p.qualifier == qualifier)
            .map(|p| p.value.as_str())
    }

    /// Files a segment that follows the line: PID descriptions are collected, the rest kept.
    pub(crate) fn attach(&mut self, segment: &Segment) {
        if segment.id() == "PID" {
            let description = segment.trimmed(5);
            if !description.is_empty() {
                self.descriptions.push(description.to_string());
            }
        }
        self.other_segments.push(segment.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(elements: &[&str]) -> Result<LineItem, Vec<SetError>> {
        let seg = Segment::simple("PO1", elements);
        LineItem::read(At {
            segment: &seg,
            index: 0,
            short_dates: false,
        })
    }

    #[test]
    fn keeps_every_product_id_pair_in_order() {
        let line = read(&[
            "1", "10", "EA", "9.25", "", "VN", "W-S", "UP", "0123", "BP", "",
        ])
        .unwrap();
        assert_eq!(line.quantity, Decimal::from(10));
        assert_eq!(line.unit_price, Some("9.25".parse().unwrap()));
        let pairs: Vec<(&str, &str)> = line
            .product_ids
            .iter()
            .map(|p| (p.qualifier.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(pairs, vec![("VN", "W-S"), ("UP", "0123")]);
        assert_eq!(line.product_id("UP"), Some("0123"));
        assert_eq!(line.position, 2);
    }

    #[test]
    fn bad_numbers_are_all_reported() {
        let errors = read(&["1", "x", "EA", "y"]).unwrap_err();
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec!["PO102 must be a number", "PO104 must be a number"]
        );
        assert_eq!(read(&["1"]).unwrap_err()[0].reason, "PO102 is required");
    }
}
