//! Reading an interchange: the ISA header gives the delimiters, the rest is split into segments
//! and assembled into groups and sets while the envelopes are checked.

mod isa;
mod structure;
mod tokenize;

use crate::error::InterchangeError;
use crate::interchange::Interchange;

pub use isa::ISA_LEN;

/// Parses one interchange.
///
/// Leading whitespace and a UTF-8 byte order mark are skipped; line breaks after segment
/// terminators are ignored, and a line feed may itself be the terminator. Only an interchange
/// that cannot be read at all is an error; envelope problems (control numbers and counts that
/// do not match, missing trailers) are recorded on the interchange, groups and sets.
pub fn parse_interchange(raw: &[u8]) -> Result<Interchange, InterchangeError> {
    let raw = skip_preamble(raw);
    let (delimiters, header) = isa::read_isa(raw)?;
    let body = raw.get(ISA_LEN..).unwrap_or_default();
    let segments = tokenize::segments(body, &delimiters);
    let (groups, errors) = structure::assemble(segments, &header)?;
    Ok(Interchange {
        delimiters,
        header,
        groups,
        errors,
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
