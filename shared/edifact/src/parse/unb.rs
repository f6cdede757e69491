//! The start of an interchange: the optional UNA, the syntax identifier in UNB S001 (which says
//! how to decode the bytes) and the UNB header itself.

use crate::delimiters::Delimiters;
use crate::error::{Location, SyntaxError};
use crate::interchange::{InterchangeHeader, PartyId, Syntax};
use crate::segment::Segment;

/// Syntax identifiers whose bytes are ASCII (UNOA upper case, UNOB mixed case).
const ASCII_LEVELS: [&str; 2] = ["UNOA", "UNOB"];
/// ISO 8859 levels, one byte a character. Decoded as ISO 8859-1, which is exact for UNOC
/// (Latin-1, by far the most used) and keeps every byte of the others as one character.
const LATIN_LEVELS: [&str; 9] = [
    "UNOC", "UNOD", "UNOE", "UNOF", "UNOG", "UNOH", "UNOI", "UNOJ", "UNOK",
];
/// UTF-8 levels of syntax version 4 (UNOW: UTF-8 up to 3 bytes, UNOY: any UTF-8).
const UTF8_LEVELS: [&str; 2] = ["UNOW", "UNOY"];

/// What the UNA and the UNB's syntax identifier say, and the decoded text from UNB on.
pub(super) struct Start {
    pub delimiters: Delimiters,
    pub has_una: bool,
    pub text: String,
}

/// Reads the UNA (if any) and the syntax identifier, and decodes the rest.
pub(super) fn start(raw: &[u8]) -> Result<Start, SyntaxError> {
    let raw = skip_preamble(raw);
    if raw.is_empty() {
        return Err(SyntaxError::Empty);
    }
    let (una, rest) = match raw.strip_prefix(b"UNA") {
        Some(after) => {
            let chars: [u8; 6] =
                after
                    .get(..6)
                    .and_then(|c| c.try_into().ok())
                    .ok_or_else(|| SyntaxError::ServiceStringAdvice {
                        reason: "UNA must be followed by six service characters".into(),
                    })?;
            let d = Delimiters::from_una(chars)
                .map_err(|reason| SyntaxError::ServiceStringAdvice { reason })?;
            (Some(d), skip_preamble(after.get(6..).unwrap_or_default()))
        }
        None => (None, raw),
    };
    let base = una.unwrap_or_default();
    let Some(after_tag) = rest.strip_prefix(b"UNB") else {
        return Err(SyntaxError::MissingUnb {
            found: String::from_utf8_lossy(&rest[..rest.len().min(8)]).into_owned(),
        });
    };
    let element = u8::try_from(base.element).unwrap_or(b'+');
    let component = u8::try_from(base.component).unwrap_or(b':');
    let Some(s001) = after_tag.strip_prefix(&[element]) else {
        return Err(SyntaxError::ServiceStringAdvice {
            reason: format!(
                "UNB must be followed by the element separator {:?}; a UNA must declare any other service characters",
                base.element
            ),
        });
    };
    let end = s001
        .iter()
        .position(|b| *b == element || *b == u8::try_from(base.segment).unwrap_or(b'\''))
        .unwrap_or(s001.len());
    let s001 = &s001[..end];
    let mut parts = s001.split(|b| *b == component);
    let identifier = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let version_text = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let unsupported = |component: usize| SyntaxError::UnsupportedSyntax {
        at: Location::segment("UNB", 1).element(1, Some(component)),
        identifier: identifier.clone(),
        version: version_text.clone(),
    };
    let version = match version_text.as_str() {
        "1" => 1,
        "2" => 2,
        "3" => 3,
        "4" => 4,
        _ => return Err(unsupported(2)),
    };
    let text = if ASCII_LEVELS.contains(&identifier.as_str()) {
        if let Some(i) = rest.iter().position(|b| !b.is_ascii()) {
            return Err(invalid_byte(rest, i, &base, &identifier));
        }
        String::from_utf8_lossy(rest).into_owned()
    } else if LATIN_LEVELS.contains(&identifier.as_str()) {
        rest.iter().map(|b| char::from(*b)).collect()
    } else if UTF8_LEVELS.contains(&identifier.as_str()) {
        if version < 4 {
            return Err(unsupported(1));
        }
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_string(),
            Err(e) => return Err(invalid_byte(rest, e.valid_up_to(), &base, &identifier)),
        }
    } else {
        return Err(unsupported(1));
    };
    let delimiters = match una {
        Some(d) => d.for_version(version),
        None => Delimiters::default_for_version(version),
    };
    Ok(Start {
        delimiters,
        has_una: una.is_some(),
        text,
    })
}

/// The error for a byte the character set does not allow, placed in its segment.
fn invalid_byte(rest: &[u8], index: usize, d: &Delimiters, identifier: &str) -> SyntaxError {
    let release = d.release.and_then(|r| u8::try_from(r).ok());
    let terminator = u8::try_from(d.segment).unwrap_or(b'\'');
    let mut position = 1usize;
    let mut released = false;
    for b in &rest[..index] {
        if released {
            released = false;
        } else if Some(*b) == release {
            released = true;
        } else if *b == terminator {
            position = position.saturating_add(1);
        }
    }
    SyntaxError::InvalidCharacter {
        at: Location::segment("", position),
        identifier: identifier.to_string(),
        byte: rest[index],
    }
}

/// Drops a byte order mark and whitespace that some transports put first.
fn skip_preamble(raw: &[u8]) -> &[u8] {
    let mut rest = raw;
    loop {
        if let Some(after) = rest.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            rest = after;
        } else if let Some((first, after)) = rest.split_first()
            && first.is_ascii_whitespace()
        {
            rest = after;
        } else {
            return rest;
        }
    }
}

/// Reads the UNB. Fails when what a CONTRL must copy (sender, recipient, control reference)
/// is missing; other problems are returned to be recorded on the interchange.
pub(super) fn header(unb: &Segment) -> Result<(InterchangeHeader, Vec<SyntaxError>), SyntaxError> {
    let at = |element: usize, component: Option<usize>| {
        Location::segment("UNB", unb.position).element(element, component)
    };
    let required = |element: usize, component: usize, what: &str| {
        let value = unb.component(element, component);
        if value.is_empty() {
            Err(SyntaxError::missing(
                at(element, Some(component)),
                what.to_string(),
            ))
        } else {
            Ok(value.to_string())
        }
    };
    let identifier = required(1, 1, "0001 syntax identifier")?;
    let version: u8 = unb.component(1, 2).parse().unwrap_or(0);
    let sender = PartyId {
        id: required(2, 1, "0004 sender identification")?,
        qualifier: unb.component(2, 2).to_string(),
        routing: unb.component(2, 3).to_string(),
    };
    let recipient = PartyId {
        id: required(3, 1, "0010 recipient identification")?,
        qualifier: unb.component(3, 2).to_string(),
        routing: unb.component(3, 3).to_string(),
    };
    let control_reference = required(5, 1, "0020 interchange control reference")?;
    let mut errors = Vec::new();
    let date = unb.component(4, 1).to_string();
    let time = unb.component(4, 2).to_string();
    let date_len = if version >= 4 { 8 } else { 6 };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(&date, date_len) {
        errors.push(SyntaxError::invalid(
            at(4, Some(1)),
            format!("0017 date must be {date_len} digits"),
            &date,
        ));
    }
    if !digits(&time, 4) {
        errors.push(SyntaxError::invalid(
            at(4, Some(2)),
            "0019 time must be 4 digits (HHMM)",
            &time,
        ));
    }
    if control_reference.chars().count() > 14 {
        errors.push(SyntaxError::invalid(
            at(5, None),
            "0020 must be at most 14 characters",
            &control_reference,
        ));
    }
    Ok((
        InterchangeHeader {
            syntax: Syntax {
                identifier,
                version,
            },
            sender,
            recipient,
            date,
            time,
            control_reference,
            recipient_reference: unb.component(6, 1).to_string(),
            application_reference: unb.element(7).to_string(),
            ack_requested: unb.element(9) == "1",
            test: unb.element(11) == "1",
        },
        errors,
    ))
}
