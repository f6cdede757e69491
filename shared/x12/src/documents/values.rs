//! Reading typed values out of elements, with errors that point at the segment and element.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{ElementNote, SegmentNote, SetError, note_codes, set_codes};
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// A segment of a set together with its index in [`TransactionSet::segments`].
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub segment: &'a Segment,
    pub index: usize,
    /// The set's group predates 004010, so its dates are `YYMMDD` (see [`crate::version`]).
    pub short_dates: bool,
}

impl<'a> At<'a> {
    /// Segment `index` of `set`, read by the rules of the set's group version.
    pub fn new(segment: &'a Segment, index: usize, set: &TransactionSet) -> Self {
        At {
            segment,
            index,
            short_dates: set.has_short_dates(),
        }
    }

    /// Element `n` trimmed.
    pub fn text(&self, n: usize) -> &'a str {
        self.segment.trimmed(n)
    }

    /// Element `n` as an owned string.
    pub fn string(&self, n: usize) -> String {
        self.text(n).to_string()
    }

    /// `PO102`-style name of element `n`.
    pub fn name(&self, n: usize) -> String {
        format!("{}{:02}", self.segment.id(), n)
    }

    /// An error about element `n` of this segment, located for the 997.
    pub fn element_error(&self, n: usize, code: &str, rule: &str) -> SetError {
        let value = self.text(n);
        SetError::new(
            set_codes::SEGMENTS_IN_ERROR,
            format!("{} {rule}", self.name(n)),
        )
        .at(SegmentNote {
            segment_id: self.segment.id().to_string(),
            position: TransactionSet::position_of(self.index),
            code: note_codes::SEGMENT_HAS_ELEMENT_ERRORS.to_string(),
            element: Some(ElementNote {
                position: n,
                code: code.to_string(),
                value: (!value.is_empty()).then(|| value.to_string()),
            }),
        })
    }

    /// Element `n`, which must not be empty.
    pub fn required(&self, n: usize, errors: &mut Vec<SetError>) -> String {
        let value = self.string(n);
        if value.is_empty() {
            errors.push(self.element_error(
                n,
                note_codes::MANDATORY_ELEMENT_MISSING,
                "is required",
            ));
        }
        value
    }

    /// Element `n` as a decimal number, `None` when empty.
    pub fn number(&self, n: usize) -> Result<Option<Decimal>, SetError> {
        self.number_of(n, self.text(n))
    }

    /// `raw`, the value of element `n` already looked up, as a decimal number, `None` when
    /// empty.
    pub fn number_of(&self, n: usize, raw: &str) -> Result<Option<Decimal>, SetError> {
        if raw.is_empty() {
            return Ok(None);
        }
        parse_decimal(raw)
            .map(Some)
            .ok_or_else(|| self.element_error(n, note_codes::INVALID_CHARACTER, "must be a number"))
    }

    /// Element `n` as a required decimal number.
    pub fn required_number(&self, n: usize) -> Result<Decimal, SetError> {
        self.required_number_of(n, self.text(n))
    }

    /// `raw`, the value of element `n` already looked up, as a required decimal number.
    pub fn required_number_of(&self, n: usize, raw: &str) -> Result<Decimal, SetError> {
        self.number_of(n, raw)?.ok_or_else(|| {
            self.element_error(n, note_codes::MANDATORY_ELEMENT_MISSING, "is required")
        })
    }

    /// Element `n` as a date, `None` when empty: `CCYYMMDD` from group version 004010,
    /// `YYMMDD` before it (an eight-digit date in an 003040 group breaks its 6/6 length rule
    /// and is refused rather than guessed at).
    pub fn date(&self, n: usize) -> Result<Option<NaiveDate>, SetError> {
        let raw = self.text(n);
        if raw.is_empty() {
            return Ok(None);
        }
        let (date, rule) = if self.short_dates {
            (
                crate::version::read_short_date(raw),
                "must be a YYMMDD date (six digits before version 004010)",
            )
        } else {
            (parse_date(raw), "must be a CCYYMMDD date")
        };
        date.map(Some)
            .ok_or_else(|| self.element_error(n, note_codes::INVALID_DATE, rule))
    }

    /// Element `n` as a required date (see [`At::date`]).
    pub fn required_date(&self, n: usize) -> Result<NaiveDate, SetError> {
        self.date(n)?.ok_or_else(|| {
            self.element_error(n, note_codes::MANDATORY_ELEMENT_MISSING, "is required")
        })
    }
}

/// Pushes the error of `result` onto `errors`, giving back the value when there was one.
pub(crate) fn keep<T>(result: Result<T, SetError>, errors: &mut Vec<SetError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// A mandatory segment that the set does not contain.
pub(crate) fn missing_segment(id: &str, what: &str) -> SetError {
    SetError::new(
        set_codes::SEGMENTS_IN_ERROR,
        format!("the {id} segment ({what}) is required"),
    )
    .at(SegmentNote {
        segment_id: id.to_string(),
        // Header segments follow ST directly; that is where it was expected.
        position: 2,
        code: note_codes::MANDATORY_SEGMENT_MISSING.to_string(),
        element: None,
    })
}

/// An X12 `R` (decimal) value: an optional minus, digits and at most one decimal point. Stricter
/// than `Decimal::from_str`, which also accepts underscores.
pub(crate) fn parse_decimal(raw: &str) -> Option<Decimal> {
    if let Some(simple) = simple_decimal(raw) {
        return Some(simple);
    }
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let well_formed = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1;
    if !well_formed {
        return None;
    }
    raw.parse::<Decimal>().ok()
}

/// The value almost every quantity and price is: up to 18 digits with at most one decimal point
/// that is not the last character, no sign. Read directly, to the same value and scale
/// `Decimal::from_str` gives (`1.50` keeps its two places); anything else is `None` and left to
/// the general path.
fn simple_decimal(raw: &str) -> Option<Decimal> {
    let bytes = raw.as_bytes();
    if bytes.len() > 19 || bytes.last().is_none_or(|b| *b == b'.') {
        return None;
    }
    let (mut mantissa, mut digits, mut scale) = (0i64, 0u32, None);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                // At most 18 digits, so the mantissa stays below 10^18 and cannot overflow.
                digits += 1;
                if digits > 18 {
                    return None;
                }
                mantissa = mantissa * 10 + i64::from(b - b'0');
            }
            b'.' if scale.is_none() => scale = u32::try_from(bytes.len() - i - 1).ok(),
            _ => return None,
        }
    }
    Some(Decimal::new(mantissa, scale.unwrap_or(0)))
}

/// A `CCYYMMDD` date.
pub(crate) fn parse_date(raw: &str) -> Option<NaiveDate> {
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Eight digits are CCYY, MM and DD; taken apart directly, as chrono's `%Y%m%d` would (its
    // format parser costs more than the rest of reading the date).
    let year = raw.get(..4)?.parse().ok()?;
    let month = raw.get(4..6)?.parse().ok()?;
    let day = raw.get(6..)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_x12_r_type() {
        assert_eq!(parse_decimal("12.50"), Some("12.5".parse().unwrap()));
        assert_eq!(parse_decimal("-3"), Some(Decimal::from(-3)));
        assert_eq!(parse_decimal(".5"), Some("0.5".parse().unwrap()));
        for bad in ["", "-", ".", "1_000", "1e5", "1.2.3", "ten", "+1", " 1"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_decimal(&"9".repeat(40)),
            None,
            "overflow is refused, not a panic"
        );
    }

    #[test]
    fn the_direct_reading_of_decimals_is_from_str_s() {
        let mut cases = vec![
            "0",
            "00",
            "007",
            "0.00",
            ".5",
            "1.50",
            "12.5",
            "100",
            "999999999999999999",
            "99999999999999999.9",
            ".000000000000000001",
            "123456789.123456789",
            "5.",
            "1.2.3",
        ];
        let long = "1".repeat(19);
        cases.push(&long);
        for raw in cases {
            let general = raw.parse::<Decimal>().ok();
            if let Some(simple) = simple_decimal(raw) {
                assert_eq!(Some(simple), general, "{raw:?}");
                // Same scale too: it shows in messages (`1.50`).
                assert_eq!(simple.to_string(), general.unwrap().to_string(), "{raw:?}");
            }
            if raw.bytes().filter(|b| *b == b'.').count() <= 1
                && !raw.ends_with('.')
                && raw.len() <= 18
            {
                assert!(
                    simple_decimal(raw).is_some(),
                    "{raw:?} takes the direct path"
                );
            }
        }
    }

    #[test]
    fn dates_are_ccyymmdd() {
        assert_eq!(parse_date("20240229"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in [
            "20230229",
            "240105",
            "2024-01-05",
            "2024010A",
            "+2024010",
            "20241301",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        // The same dates as chrono's own `%Y%m%d`, the reading this replaced.
        for raw in [
            "00000101", "99991231", "20240100", "20240431", "19000229", "20000229",
        ] {
            assert_eq!(
                parse_date(raw),
                NaiveDate::parse_from_str(raw, "%Y%m%d").ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn element_errors_name_the_element_and_locate_it() {
        let seg = Segment::simple("PO1", &["1", "ten"]);
        let at = At {
            segment: &seg,
            index: 3,
            short_dates: false,
        };
        let err = at.number(2).unwrap_err();
        assert_eq!(err.reason, "PO102 must be a number");
        assert_eq!(err.code, "5");
        let note = err.segment.unwrap();
        assert_eq!((note.segment_id.as_str(), note.position), ("PO1", 5));
        let element = note.element.unwrap();
        assert_eq!(element.position, 2);
        assert_eq!(element.code, note_codes::INVALID_CHARACTER);
        assert_eq!(element.value.as_deref(), Some("ten"));
        assert_eq!(
            at.required_number(4).unwrap_err().reason,
            "PO104 is required"
        );
    }
}
