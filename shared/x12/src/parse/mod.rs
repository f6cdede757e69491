//! Reading an interchange: the ISA header gives the delimiters, the rest is split into segments
//! and assembled into groups and sets while the envelopes are checked.

mod isa;
mod structure;
mod tokenize;

use std::sync::Arc;

use crate::error::InterchangeError;
use crate::interchange::{Interchange, InterchangeHeader};

pub use isa::ISA_LEN;
pub use tokenize::limits;

/// Parses one interchange.
///
/// Leading whitespace and a UTF-8 byte order mark are skipped; line breaks after segment
/// terminators are ignored, and a line feed may itself be the terminator. Only an interchange
/// that cannot be read at all is an error; envelope problems (control numbers and counts that
/// do not match, missing trailers) are recorded on the interchange, groups and sets.
pub fn parse_interchange(raw: &[u8]) -> Result<Interchange, InterchangeError> {
    parse(raw, None)
}

/// Parses one interchange that the caller hands over, as [`parse_interchange`] does, without
/// copying it: the segments are ranges of `raw` itself (when it is UTF-8, as X12 is; otherwise
/// it is read as [`parse_interchange`] reads it). For a caller that has the body in a `Vec` and
/// needs it no more, this halves the memory the parse holds.
pub fn parse_interchange_owned(raw: Vec<u8>) -> Result<Interchange, InterchangeError> {
    match String::from_utf8(raw) {
        Ok(text) => {
            let text = Arc::new(text);
            parse(text.as_bytes(), Some(&text))
        }
        Err(not_utf8) => parse(not_utf8.as_bytes(), None),
    }
}

/// `raw` is the text of `shared` when that is given.
fn parse(raw: &[u8], shared: Option<&Arc<String>>) -> Result<Interchange, InterchangeError> {
    let raw = skip_preamble(raw);
    let (delimiters, header) = isa::read_isa(raw)?;
    let body = raw.get(ISA_LEN..).unwrap_or_default();
    // Segments are checked and assembled as they are split, so only one copy of them exists.
    let segments = tokenize::segments(body, &delimiters, shared)?;
    let (groups, errors, interchange_acks) = structure::assemble(segments, &header)?;
    Ok(Interchange {
        delimiters,
        header,
        interchange_acks,
        groups,
        errors,
    })
}

/// What can still be read of the ISA header of an interchange that [`parse_interchange`]
/// refused, so that a TA1 can be addressed to its sender: the ISA is split at its element
/// separator (byte 3) without insisting on the fixed widths. `None` when there is no ISA to
/// speak of, or it names no sender and receiver: then nobody can be answered in X12.
///
/// The fields are as received (trimmed), so they may be invalid; `ack_requested` is true only
/// for an ISA14 of `1`.
pub fn salvage_header(raw: &[u8]) -> Option<InterchangeHeader> {
    let raw = skip_preamble(raw);
    let isa = raw.strip_prefix(b"ISA")?;
    let separator = *isa.first()?;
    if separator.is_ascii_alphanumeric() || separator.is_ascii_whitespace() {
        return None;
    }
    // ISA01 … ISA16 are at most 106 bytes in all; a little slack covers over-long fields.
    let head = isa.get(1..isa.len().min(160)).unwrap_or_default();
    let fields: Vec<String> = head
        .split(|b| *b == separator)
        .take(16)
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let field = |n: usize| fields.get(n - 1).cloned().unwrap_or_default();
    if fields.len() < 15 || field(6).is_empty() || field(8).is_empty() {
        return None;
    }
    Some(InterchangeHeader {
        sender_qualifier: field(5),
        sender_id: field(6),
        receiver_qualifier: field(7),
        receiver_id: field(8),
        date: field(9),
        time: field(10),
        control_number: field(13),
        version: field(12),
        ack_requested: field(14) == "1",
        usage_indicator: field(15),
    })
}

/// Drops a byte order mark and whitespace that some transports put before the ISA.
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

#[cfg(test)]
mod tests;
