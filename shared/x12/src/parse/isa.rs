//! The fixed-length ISA header, which declares the delimiters.

use crate::delimiters::{Delimiters, repetition_allowed};
use crate::error::{InterchangeError, ta1_codes};
use crate::interchange::InterchangeHeader;

/// The ISA segment is always 106 bytes, terminator included.
pub const ISA_LEN: usize = 106;

/// Where each element separator sits in the ISA: its elements have fixed widths.
const SEPARATORS: [usize; 16] = [
    3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103,
];

/// Reads the delimiters and the header from the first 106 bytes.
pub(super) fn read_isa(raw: &[u8]) -> Result<(Delimiters, InterchangeHeader), InterchangeError> {
    if raw.is_empty() {
        return Err(InterchangeError::Empty);
    }
    if !raw.starts_with(b"ISA") {
        let found = String::from_utf8_lossy(raw.get(..raw.len().min(3)).unwrap_or_default());
        return Err(InterchangeError::NotIsa {
            found: found.into_owned(),
        });
    }
    let Some(isa) = raw.get(..ISA_LEN) else {
        return Err(InterchangeError::TooShort { len: raw.len() });
    };
    // The length check above makes these reads safe; `get` keeps the code free of panics.
    let byte = |i: usize| isa.get(i).copied().unwrap_or_default();
    let element = byte(3);
    for (k, &pos) in SEPARATORS.iter().enumerate() {
        if byte(pos) != element {
            return Err(InterchangeError::IsaLayout {
                separator: char::from(element),
                position: pos,
                element: k,
            });
        }
    }
    // A separator inside a fixed-width field would shift the elements that follow.
    let separators = isa.iter().take(104).filter(|b| **b == element).count();
    if separators != SEPARATORS.len() {
        return Err(InterchangeError::Delimiters {
            reason: format!(
                "the element separator {:?} also appears inside an ISA field",
                char::from(element)
            ),
            note: ta1_codes::INVALID_ELEMENT_SEPARATOR,
        });
    }
    let field = |n: usize| -> String {
        // ISAnn runs from the separator before it to the one after it.
        let start = SEPARATORS.get(n - 1).map_or(0, |p| p + 1);
        let end = SEPARATORS.get(n).copied().unwrap_or(105);
        String::from_utf8_lossy(isa.get(start..end).unwrap_or_default()).into_owned()
    };

    let version = field(12);
    if version.len() != 5 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(isa_field(
            12,
            "must be a 5-digit version such as 00401",
            version,
        ));
    }
    let component = byte(104);
    let segment = byte(105);
    let repetition = if repetition_allowed(&version) {
        Some(byte(82))
    } else {
        None
    };
    let delimiters = Delimiters {
        element,
        component,
        segment,
        repetition,
    };
    check_delimiters(&delimiters)?;

    let control_number = field(13);
    if control_number.len() != 9 || !control_number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(isa_field(13, "must be 9 digits", control_number));
    }
    let ack = field(14);
    let ack_requested = match ack.as_str() {
        "0" => false,
        "1" => true,
        _ => return Err(isa_field(14, "must be 0 or 1", ack)),
    };
    let usage = field(15);
    if !matches!(usage.as_str(), "P" | "T" | "I") {
        return Err(isa_field(15, "must be P, T or I", usage));
    }
    // ISA01 and ISA03 are code lists of two values each.
    let authorization = field(1);
    if !matches!(authorization.as_str(), "00" | "03") {
        return Err(isa_field(1, "must be 00 or 03", authorization));
    }
    let security = field(3);
    if !matches!(security.as_str(), "00" | "01") {
        return Err(isa_field(3, "must be 00 or 01", security));
    }
    // ISA09 is YYMMDD in every version; the century does not matter for checking it.
    let date = field(9);
    if crate::version::read_short_date(&date).is_none() {
        return Err(isa_field(9, "must be a valid YYMMDD date", date));
    }
    let time = field(10);
    let valid_time = time.len() == 4
        && time.bytes().all(|b| b.is_ascii_digit())
        && time.get(..2).and_then(|h| h.parse::<u32>().ok()) < Some(24)
        && time.get(2..).and_then(|m| m.parse::<u32>().ok()) < Some(60);
    if !valid_time {
        return Err(isa_field(10, "must be a valid HHMM time", time));
    }
    let header = InterchangeHeader {
        sender_qualifier: field(5).trim().to_string(),
        sender_id: field(6).trim().to_string(),
        receiver_qualifier: field(7).trim().to_string(),
        receiver_id: field(8).trim().to_string(),
        date,
        time,
        control_number,
        version,
        ack_requested,
        usage_indicator: usage,
    };
    Ok((delimiters, header))
}

fn isa_field(element: usize, reason: &'static str, found: String) -> InterchangeError {
    InterchangeError::IsaField {
        element,
        reason,
        found,
    }
}

/// Delimiters must be distinct, ASCII and unable to appear in ordinary data.
fn check_delimiters(d: &Delimiters) -> Result<(), InterchangeError> {
    let named = [
        (
            "element separator",
            Some(d.element),
            ta1_codes::INVALID_ELEMENT_SEPARATOR,
        ),
        (
            "component separator (ISA16)",
            Some(d.component),
            ta1_codes::INVALID_COMPONENT_SEPARATOR,
        ),
        (
            "segment terminator",
            Some(d.segment),
            ta1_codes::INVALID_SEGMENT_TERMINATOR,
        ),
        (
            "repetition separator (ISA11)",
            d.repetition,
            ta1_codes::INVALID_STANDARDS_IDENTIFIER,
        ),
    ];
    for (i, (name, value, note)) in named.iter().enumerate() {
        let Some(b) = *value else { continue };
        let bad = !b.is_ascii() || b.is_ascii_alphanumeric() || b == b' ';
        // Line breaks are skipped between segments, so only the terminator may be one.
        let line_break = (b == b'\r' || b == b'\n') && *name != "segment terminator";
        if bad || line_break {
            return Err(InterchangeError::Delimiters {
                reason: format!("the {name} {:?} cannot be a delimiter", char::from(b)),
                note,
            });
        }
        for (other, other_value, _) in named.iter().skip(i + 1) {
            if *other_value == Some(b) {
                return Err(InterchangeError::Delimiters {
                    reason: format!("the {name} and the {other} are both {:?}", char::from(b)),
                    note,
                });
            }
        }
    }
    Ok(())
}
