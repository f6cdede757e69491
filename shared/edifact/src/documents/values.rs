//! Reading typed values out of a message's segments, with errors that point at the segment,
//! element and component as CONTRL counts them.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Location, SyntaxError};
use crate::interchange::Message;
use crate::segment::Segment;

/// A segment of a message, its index in [`Message::segments`] and the decimal mark in force.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub segment: &'a Segment,
    pub index: usize,
    pub decimal: char,
}

impl<'a> At<'a> {
    /// The segment's position in the message (UNH is 1).
    pub fn position(&self) -> usize {
        Message::position_of(self.index)
    }

    /// The location of component `c` of element `e`.
    pub fn loc(&self, e: usize, c: Option<usize>) -> Location {
        Location::segment(&self.segment.tag, self.position()).element(e, c)
    }

    /// Component `c` of element `e`, trimmed.
    pub fn text(&self, e: usize, c: usize) -> &'a str {
        self.segment.component(e, c).trim()
    }

    /// Component `c` of element `e` as an owned string.
    pub fn string(&self, e: usize, c: usize) -> String {
        self.text(e, c).to_string()
    }

    /// Component `c` of element `e`, which must not be empty.
    pub fn required(
        &self,
        e: usize,
        c: usize,
        what: &str,
        errors: &mut Vec<SyntaxError>,
    ) -> String {
        let value = self.string(e, c);
        if value.is_empty() {
            errors.push(SyntaxError::missing(self.loc(e, Some(c)), what));
        }
        value
    }

    /// Component `c` of element `e` as a number, `None` when empty.
    pub fn number(&self, e: usize, c: usize) -> Result<Option<Decimal>, SyntaxError> {
        let raw = self.text(e, c);
        if raw.is_empty() {
            return Ok(None);
        }
        match parse_decimal(raw, self.decimal) {
            Ok(d) => Ok(Some(d)),
            Err(NumberError::WrongMark) => Err(SyntaxError::InvalidDecimal {
                at: self.loc(e, Some(c)),
                value: raw.to_string(),
                decimal_mark: self.decimal,
            }),
            Err(NumberError::Invalid) => Err(SyntaxError::invalid(
                self.loc(e, Some(c)),
                "must be a number",
                raw,
            )),
        }
    }
}

/// Keeps the value, or records the error and gives `None`.
pub(crate) fn keep<T>(result: Result<T, SyntaxError>, errors: &mut Vec<SyntaxError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// Why a number could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// Well formed with the other decimal mark: CONTRL code 19.
    WrongMark,
    /// Not a number.
    Invalid,
}

/// Reads an EDIFACT numeric value: an optional minus sign, digits, and optionally the decimal
/// mark followed by digits. No exponent, no grouping, no plus sign, a digit before the mark.
pub(crate) fn parse_decimal(raw: &str, mark: char) -> Result<Decimal, NumberError> {
    let other = if mark == ',' { '.' } else { ',' };
    let well_formed = |m: char| {
        let body = raw.strip_prefix('-').unwrap_or(raw);
        let (int, frac) = match body.split_once(m) {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    };
    if !well_formed(mark) {
        return Err(if well_formed(other) && raw.contains(other) {
            NumberError::WrongMark
        } else {
            NumberError::Invalid
        });
    }
    raw.replace(mark, ".")
        .parse::<Decimal>()
        .map_err(|_| NumberError::Invalid)
}

/// A DTM date, time or period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateValue {
    /// Format 102, `CCYYMMDD`.
    Date(NaiveDate),
    /// Format 203 `CCYYMMDDHHMM` or 204 `CCYYMMDDHHMMSS`.
    DateTime(NaiveDateTime),
    /// Format 718, `CCYYMMDD-CCYYMMDD`.
    Range {
        /// The first day.
        from: NaiveDate,
        /// The last day.
        to: NaiveDate,
    },
}

impl DateValue {
    /// The (first) calendar day.
    pub fn date(&self) -> NaiveDate {
        match self {
            DateValue::Date(d) => *d,
            DateValue::DateTime(dt) => dt.date(),
            DateValue::Range { from, .. } => *from,
        }
    }

    /// The value as DTM writes it, with its format code (2379).
    pub fn to_edifact(&self) -> (String, &'static str) {
        match self {
            DateValue::Date(d) => (d.format("%Y%m%d").to_string(), "102"),
            DateValue::DateTime(dt) => (dt.format("%Y%m%d%H%M").to_string(), "203"),
            DateValue::Range { from, to } => (
                format!("{}-{}", from.format("%Y%m%d"), to.format("%Y%m%d")),
                "718",
            ),
        }
    }
}

/// Date/time formats (2379) read.
pub const DATE_FORMATS: [&str; 4] = ["102", "203", "204", "718"];

/// Reads a DTM value in `format`. An empty format is inferred from the length (8 → 102,
/// 12 → 203), as partners routinely leave it out. `Err(true)` when the format is not supported.
pub(crate) fn parse_date(value: &str, format: &str) -> Result<DateValue, bool> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let day = |s: &str| {
        if digits(s, 8) {
            NaiveDate::parse_from_str(s, "%Y%m%d").ok()
        } else {
            None
        }
    };
    let format = match format {
        "" if value.len() == 8 => "102",
        "" if value.len() == 12 => "203",
        f => f,
    };
    match format {
        "102" => day(value).map(DateValue::Date).ok_or(false),
        "203" if digits(value, 12) => NaiveDateTime::parse_from_str(value, "%Y%m%d%H%M")
            .map(DateValue::DateTime)
            .map_err(|_| false),
        "204" if digits(value, 14) => NaiveDateTime::parse_from_str(value, "%Y%m%d%H%M%S")
            .map(DateValue::DateTime)
            .map_err(|_| false),
        "203" | "204" => Err(false),
        "718" => {
            let (a, b) = value.split_once('-').ok_or(false)?;
            match (day(a), day(b)) {
                (Some(from), Some(to)) if from <= to => Ok(DateValue::Range { from, to }),
                _ => Err(false),
            }
        }
        _ => Err(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_decimal_mark() {
        assert_eq!(parse_decimal("9.25", '.'), Ok("9.25".parse().unwrap()));
        assert_eq!(parse_decimal("9,25", ','), Ok("9.25".parse().unwrap()));
        assert_eq!(parse_decimal("-3", '.'), Ok(Decimal::from(-3)));
        assert_eq!(parse_decimal("9,25", '.'), Err(NumberError::WrongMark));
        for bad in [
            "", "-", ".5", "5.", "1e5", "+1", "1.2.3", "ten", " 1", "1 000",
        ] {
            assert_eq!(
                parse_decimal(bad, '.'),
                Err(NumberError::Invalid),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_decimal(&"9".repeat(40), '.'),
            Err(NumberError::Invalid)
        );
    }

    #[test]
    fn dates_read_their_format_code() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            parse_date("20240229", "102"),
            Ok(DateValue::Date(d(2024, 2, 29)))
        );
        assert_eq!(
            parse_date("202401121430", "203"),
            Ok(DateValue::DateTime(
                d(2024, 1, 12).and_hms_opt(14, 30, 0).unwrap()
            ))
        );
        assert_eq!(
            parse_date("20240112-20240115", "718").map(|v| v.date()),
            Ok(d(2024, 1, 12))
        );
        assert_eq!(
            parse_date("20240112", ""),
            Ok(DateValue::Date(d(2024, 1, 12)))
        );
        assert_eq!(parse_date("20230229", "102"), Err(false));
        assert_eq!(
            parse_date("20240115-20240112", "718"),
            Err(false),
            "a range ends after it starts"
        );
        assert_eq!(parse_date("0112", "101"), Err(true));
        let r = DateValue::Range {
            from: d(2024, 1, 12),
            to: d(2024, 1, 15),
        };
        assert_eq!(r.to_edifact(), ("20240112-20240115".to_string(), "718"));
    }
}
