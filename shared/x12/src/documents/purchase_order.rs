//! The 850 purchase order.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::line_item::LineItem;
use super::values::{At, keep, missing_segment};
use crate::error::{SetError, note_codes, set_codes};
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// DTM01 010: requested ship date.
pub const REQUESTED_SHIP: &str = "010";
/// DTM01 002: delivery requested.
pub const DELIVERY_REQUESTED: &str = "002";

/// A REF reference: qualifier (REF01) and value (REF02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// REF01, such as `DP` (department) or `IA` (vendor number).
    pub qualifier: String,
    /// REF02.
    pub value: String,
}

/// A DTM date: qualifier (DTM01) and date (DTM02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateReference {
    /// DTM01, such as `010` (requested ship).
    pub qualifier: String,
    /// DTM02.
    pub date: NaiveDate,
}

/// A party from an N1 loop (N1, N3, N4).
///
/// Also deserialisable, so the parties of an 850 can be kept with the order's EDI context and
/// named again in the 856 and 810.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Party {
    /// N101, the role: `ST` ship to, `BT` bill to, `BY` buying party …
    pub entity: String,
    /// N102.
    pub name: String,
    /// N103, what kind of id N104 is (`92` assigned by buyer …).
    pub id_qualifier: String,
    /// N104.
    pub id: String,
    /// N301 and N302 of every N3, in order.
    pub address_lines: Vec<String>,
    /// N401.
    pub city: String,
    /// N402.
    pub state: String,
    /// N403.
    pub postal_code: String,
    /// N404, empty when absent.
    pub country: String,
}

/// The CTT transaction totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// CTT01, the number of line items.
    pub line_count: Decimal,
    /// CTT02, the hash total (sum of quantities), when sent.
    pub hash_total: Option<Decimal>,
}

/// A purchase order (850).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurchaseOrder {
    /// BEG01, `00` original, `01` cancellation, `05` replace …
    pub purpose: String,
    /// BEG02, `SA` stand-alone, `DS` drop ship …
    pub order_type: String,
    /// BEG03, the PO number.
    pub number: String,
    /// BEG05.
    pub date: NaiveDate,
    /// Header REF segments.
    pub references: Vec<Reference>,
    /// Header DTM segments with a date.
    pub dates: Vec<DateReference>,
    /// CUR02, when a CUR segment is present.
    pub currency: Option<String>,
    /// The N1 loops.
    pub parties: Vec<Party>,
    /// The PO1 loops.
    pub lines: Vec<LineItem>,
    /// The CTT segment, when present.
    pub totals: Option<Totals>,
    /// Header and summary segments not read into fields, kept as they came.
    pub other_segments: Vec<Segment>,
}

/// Which loop the next segment belongs to.
enum Context {
    Header,
    Party,
    Line,
}

impl PurchaseOrder {
    /// Reads an 850. Every problem found is reported, each naming its segment and element.
    pub fn read(set: &TransactionSet) -> Result<PurchaseOrder, Vec<SetError>> {
        let mut errors = Vec::new();
        let mut beg = None;
        let mut po = PurchaseOrder {
            purpose: String::new(),
            order_type: String::new(),
            number: String::new(),
            date: NaiveDate::MIN,
            references: Vec::new(),
            dates: Vec::new(),
            currency: None,
            parties: Vec::new(),
            lines: Vec::new(),
            totals: None,
            other_segments: Vec::new(),
        };
        let mut ctt = None;
        let mut context = Context::Header;
        let short_dates = set.has_short_dates();
        let mut po1_count = 0;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At {
                segment,
                index,
                short_dates,
            };
            match (segment.id(), &context) {
                ("BEG", _) if beg.is_none() => beg = Some(at),
                ("PO1", _) => {
                    po1_count += 1;
                    context = Context::Line;
                    match LineItem::read(at) {
                        Ok(line) => po.lines.push(line),
                        Err(line_errors) => errors.extend(line_errors),
                    }
                }
                ("CTT", _) => ctt = Some(at),
                // PO1 errors are reported; their PIDs have no line to join.
                (_, Context::Line) => match po.lines.last_mut() {
                    Some(line) => line.attach(segment),
                    None => po.other_segments.push(segment.clone()),
                },
                ("N1", _) => {
                    context = Context::Party;
                    po.parties.push(Party {
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
                ("N3", Context::Party) => {
                    if let Some(party) = po.parties.last_mut() {
                        party.address_lines.extend(
                            [at.string(1), at.string(2)]
                                .into_iter()
                                .filter(|l| !l.is_empty()),
                        );
                    }
                }
                ("N4", Context::Party) => {
                    if let Some(party) = po.parties.last_mut() {
                        party.city = at.string(1);
                        party.state = at.string(2);
                        party.postal_code = at.string(3);
                        party.country = at.string(4);
                    }
                }
                ("REF", Context::Header) => po.references.push(Reference {
                    qualifier: at.string(1),
                    value: at.string(2),
                }),
                ("DTM", Context::Header) => match keep(at.date(2), &mut errors).flatten() {
                    Some(date) => po.dates.push(DateReference {
                        qualifier: at.string(1),
                        date,
                    }),
                    // A DTM without DTM02 (a period in DTM05/06) is kept as it came.
                    None => po.other_segments.push(segment.clone()),
                },
                ("CUR", Context::Header) => po.currency = Some(at.string(2)),
                _ => po.other_segments.push(segment.clone()),
            }
        }
        match beg {
            Some(at) => {
                po.purpose = at.required(1, &mut errors);
                po.order_type = at.required(2, &mut errors);
                po.number = at.required(3, &mut errors);
                po.date = keep(at.required_date(5), &mut errors).unwrap_or(NaiveDate::MIN);
            }
            None => errors.push(missing_segment("BEG", "beginning of purchase order")),
        }
        if po1_count == 0 {
            errors.push(
                SetError::new(
                    set_codes::SEGMENTS_IN_ERROR,
                    "the purchase order has no PO1 line item",
                )
                .at(crate::error::SegmentNote {
                    segment_id: "PO1".into(),
                    position: TransactionSet::position_of(set.segments.len()),
                    code: note_codes::MANDATORY_SEGMENT_MISSING.into(),
                    element: None,
                }),
            );
        }
        if let Some(at) = ctt {
            po.totals = check_totals(at, po1_count, &po.lines, &mut errors);
        }
        if errors.is_empty() {
            Ok(po)
        } else {
            Err(errors)
        }
    }

    /// The first date with `qualifier`.
    pub fn date_for(&self, qualifier: &str) -> Option<NaiveDate> {
        self.dates
            .iter()
            .find(|d| d.qualifier == qualifier)
            .map(|d| d.date)
    }

    /// The requested ship date (DTM 010), else the requested delivery date (DTM 002).
    pub fn requested_ship_date(&self) -> Option<NaiveDate> {
        self.date_for(REQUESTED_SHIP)
            .or_else(|| self.date_for(DELIVERY_REQUESTED))
    }

    /// The first party with entity code `entity` (`ST`, `BT`, `BY` …).
    pub fn party(&self, entity: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.entity == entity)
    }

    /// The value of the first REF with `qualifier`.
    pub fn reference(&self, qualifier: &str) -> Option<&str> {
        self.references
            .iter()
            .find(|r| r.qualifier == qualifier)
            .map(|r| r.value.as_str())
    }
}

/// CTT01 must count the PO1 segments and CTT02, when sent, must add up their quantities: a
/// mismatch means lines were lost or altered on the way.
fn check_totals(
    at: At<'_>,
    po1_count: usize,
    lines: &[LineItem],
    errors: &mut Vec<SetError>,
) -> Option<Totals> {
    let line_count = keep(at.required_number(1), errors)?;
    if line_count != Decimal::from(po1_count) {
        errors.push(at.element_error(
            1,
            note_codes::INVALID_VALUE,
            &format!("says {line_count} line items but the order has {po1_count} PO1 segments"),
        ));
    }
    let hash_total = keep(at.number(2), errors).flatten();
    if let Some(hash) = hash_total {
        // Checked: quantities come from the partner, and an overflowing sum must not panic.
        let sum = lines
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.quantity));
        let shown = sum.map_or_else(|| "too large to add".to_string(), |s| s.to_string());
        // Only comparable when every line could be read; otherwise the line errors say why.
        if lines.len() == po1_count && sum != Some(hash) {
            errors.push(at.element_error(
                2,
                note_codes::INVALID_VALUE,
                &format!("hash total {hash} does not equal the sum of PO102 quantities ({shown})"),
            ));
        }
    }
    Some(Totals {
        line_count,
        hash_total,
    })
}
