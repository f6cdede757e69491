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

/// One item line: PO1 or IT1 and the segments of its loop (the PID descriptions among them).
///
/// The line keeps its segment (a range of the interchange's shared text, see decision 0025) and
/// reads its text fields from it when asked, so reading a line allocates only the list of the
/// segments that follow it; the numbers are parsed and checked once, when the line is read.
#[derive(Debug, Clone, PartialEq)]
pub struct LineItem {
    /// The PO1 or IT1 segment.
    segment: Segment,
    /// Where elements 1, 3 and 5 are in the segment's text, so they are found once.
    spans: [(u16, u16); 3],
    /// Where element 6 starts in the segment's text (its length when there is none).
    ids_from: u16,
    /// Element 2, the quantity.
    pub quantity: Decimal,
    /// Element 4, the unit price.
    pub unit_price: Option<Decimal>,
    /// The line segment's position in the set (ST is 1).
    pub position: usize,
    /// Other segments of the line's loop, kept as they came (PIDs included).
    pub other_segments: Vec<Segment>,
}

impl LineItem {
    /// Reads a PO1 or IT1 segment.
    pub(crate) fn read(at: At<'_>) -> Result<LineItem, Vec<SetError>> {
        let segment = at.segment;
        // One walk over the segment finds elements 1 to 6; segments are at most 8 KiB (a
        // parser limit), so their offsets fit in u16.
        let mut walk = segment.spans();
        let mut spans = [0..0, 0..0, 0..0, 0..0, 0..0];
        for span in &mut spans {
            match walk.next() {
                Some(found) => *span = found,
                None => break,
            }
        }
        let ids_from = walk.next().map_or(segment.as_str().len(), |s| s.start);
        let value = |n: usize| segment.value_at(spans[n - 1].clone());
        let mut errors = Vec::new();
        let quantity = keep(at.required_number_of(2, value(2)), &mut errors);
        let unit_price = keep(at.number_of(4, value(4)), &mut errors).flatten();
        let short = |span: &std::ops::Range<usize>| {
            (
                u16::try_from(span.start).unwrap_or(u16::MAX),
                u16::try_from(span.end).unwrap_or(u16::MAX),
            )
        };
        match quantity {
            Some(quantity) if errors.is_empty() => Ok(LineItem {
                segment: segment.clone(),
                spans: [short(&spans[0]), short(&spans[2]), short(&spans[4])],
                ids_from: u16::try_from(ids_from).unwrap_or(u16::MAX),
                quantity,
                unit_price,
                position: crate::interchange::TransactionSet::position_of(at.index),
                other_segments: Vec::new(),
            }),
            _ => Err(errors),
        }
    }

    /// The value of the element at `spans[i]`.
    fn value(&self, i: usize) -> &str {
        let (start, end) = self.spans[i];
        self.segment.value_at(usize::from(start)..usize::from(end))
    }

    /// Element 1, the partner's line number (may be empty).
    pub fn line_number(&self) -> &str {
        self.value(0)
    }

    /// Element 3, the unit of measure code (`EA`, `CA` …).
    pub fn uom(&self) -> &str {
        self.value(1)
    }

    /// Element 5, the basis of the unit price (`PE` price per each …).
    pub fn price_basis(&self) -> &str {
        self.value(2)
    }

    /// Every qualifier/value pair from element 6 onward whose value is not empty, in order,
    /// borrowed from the segment.
    pub fn product_id_pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let mut rest = self.segment.values_from(usize::from(self.ids_from));
        std::iter::from_fn(move || {
            let qualifier = rest.next()?;
            let value = rest.next().unwrap_or("");
            Some((qualifier, value))
        })
        .filter(|(_, value)| !value.is_empty())
    }

    /// Every qualifier/value pair from element 6 onward, in order, as owned ids (for keeping
    /// them, such as in an acknowledgment to send later).
    pub fn product_ids(&self) -> Vec<ProductId> {
        self.product_id_pairs()
            .map(|(qualifier, value)| ProductId {
                qualifier: qualifier.to_string(),
                value: value.to_string(),
            })
            .collect()
    }

    /// The value of the first product id with `qualifier`.
    pub fn product_id(&self, qualifier: &str) -> Option<&str> {
        self.product_id_pairs()
            .find(|(q, _)| *q == qualifier)
            .map(|(_, value)| value)
    }

    /// PID05 free-form descriptions that follow the line, in order.
    pub fn descriptions(&self) -> Vec<&str> {
        self.other_segments
            .iter()
            .filter(|s| s.id() == "PID")
            .map(|s| s.trimmed(5))
            .filter(|d| !d.is_empty())
            .collect()
    }

    /// Files a segment that follows the line: kept as it came (PID descriptions are read from
    /// it by [`LineItem::descriptions`]).
    pub(crate) fn attach(&mut self, segment: &Segment) {
        self.other_segments.push(segment.clone());
    }
}

/// Serialised as it was when the fields were owned strings, so the JSON form is unchanged.
impl Serialize for LineItem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("LineItem", 9)?;
        s.serialize_field("line_number", self.line_number())?;
        s.serialize_field("quantity", &self.quantity)?;
        s.serialize_field("uom", self.uom())?;
        s.serialize_field("unit_price", &self.unit_price)?;
        s.serialize_field("price_basis", self.price_basis())?;
        s.serialize_field("product_ids", &self.product_ids())?;
        s.serialize_field("descriptions", &self.descriptions())?;
        s.serialize_field("position", &self.position)?;
        s.serialize_field("other_segments", &self.other_segments)?;
        s.end()
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
        let ids = line.product_ids();
        let pairs: Vec<(&str, &str)> = ids
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
