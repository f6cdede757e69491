//! Reading an interchange: UNA (or the defaults) gives the service characters, UNB the syntax
//! and the parties; the rest is split into segments, bounded by [`Limits`], and assembled into
//! groups and messages while the envelopes are checked.

mod structure;
mod tokenize;
mod unb;

use serde::{Deserialize, Serialize};

use crate::delimiters::Delimiters;
use crate::error::SyntaxError;
use crate::interchange::{Interchange, InterchangeHeader};

/// Bounds on what one interchange may contain, so hostile input (an element count or
/// repetition bomb) is refused with a typed error instead of being allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Bytes in the whole interchange.
    pub max_bytes: usize,
    /// Segments in the whole interchange.
    pub max_segments: usize,
    /// Data elements in one segment (the largest directory segments have fewer than 30).
    pub max_elements: usize,
    /// Components in one composite (the largest composites have fewer than 25).
    pub max_components: usize,
    /// Repetitions of one data element (syntax version 4).
    pub max_repetitions: usize,
    /// Characters in one value (the longest EDIFACT data elements are an..512).
    pub max_value_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 8 * 1024 * 1024,
            max_segments: 100_000,
            max_elements: 99,
            max_components: 99,
            max_repetitions: 99,
            max_value_len: 512,
        }
    }
}

/// Parses one interchange with the default [`Limits`].
///
/// A UTF-8 byte order mark and leading whitespace are skipped, and line breaks between
/// segments are ignored. Only an interchange that cannot be read at all is an error; envelope
/// problems (control references and counts that do not match, missing trailers, segments
/// outside messages) are recorded on the interchange, groups and messages.
pub fn parse_interchange(raw: &[u8]) -> Result<Interchange, SyntaxError> {
    parse_interchange_with(raw, &Limits::default())
}

/// Parses one interchange within `limits`.
pub fn parse_interchange_with(raw: &[u8], limits: &Limits) -> Result<Interchange, SyntaxError> {
    if raw.len() > limits.max_bytes {
        return Err(SyntaxError::TooLarge {
            len: raw.len(),
            limit: limits.max_bytes,
        });
    }
    let start = unb::start(raw)?;
    let segments = tokenize::segments(&start.text, &start.delimiters, limits, None)?;
    let mut segments = segments.into_iter();
    let Some(unb) = segments.next() else {
        return Err(SyntaxError::Empty);
    };
    let (header, mut errors) = unb::header(&unb)?;
    let assembled = structure::assemble(segments, &header)?;
    errors.extend(assembled.errors);
    Ok(Interchange {
        delimiters: start.delimiters,
        has_una: start.has_una,
        header,
        groups: assembled.groups,
        messages: assembled.messages,
        declared_count: assembled.declared_count,
        errors,
    })
}

/// Reads only the UNA and UNB of an interchange: enough to address a CONTRL that rejects an
/// interchange [`parse_interchange`] refused (an unterminated trailer, a repetition bomb). Fails
/// when even the UNB cannot be read, and then no CONTRL can be addressed.
pub fn read_header(raw: &[u8]) -> Result<(Delimiters, InterchangeHeader), SyntaxError> {
    let start = unb::start(raw)?;
    let segments = tokenize::segments(&start.text, &start.delimiters, &Limits::default(), Some(1))?;
    let unb = segments.into_iter().next().ok_or(SyntaxError::Empty)?;
    let (header, _) = unb::header(&unb)?;
    Ok((start.delimiters, header))
}

#[cfg(test)]
mod tests;
