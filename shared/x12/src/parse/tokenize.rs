//! Splitting the bytes after the ISA into segments, within bounds.

use crate::delimiters::Delimiters;
use crate::error::InterchangeError;
use crate::segment::{Segment, split_segment};

/// Bounds no real X12 document comes near, so that an interchange costs what its size says and
/// a bomb (100 000 elements in one segment, 100 000 repetitions of one element) is refused
/// before it is split and allocated.
pub mod limits {
    /// Segments in one interchange: 2 000 850s of 20 lines are about 70 000.
    pub const SEGMENTS: usize = 1_000_000;
    /// Elements in one segment: the widest standard segments have about 30.
    pub const ELEMENTS: usize = 99;
    /// Repetitions or components of one element.
    pub const PARTS: usize = 99;
    /// Bytes in one segment: the longest standard elements are a few hundred characters.
    pub const SEGMENT_BYTES: usize = 8 * 1024;
}

/// Splits `body` at each segment terminator. Line breaks around terminators (CRLF-formatted
/// files) and blank pieces (trailing padding) are dropped. Text is decoded leniently: X12 data is
/// ASCII, and a stray non-UTF-8 byte should show up as a bad value, not stop the parse. Refused:
/// a last segment left unterminated, control characters in the data, and anything past
/// [`limits`].
pub(super) fn segments(body: &[u8], d: &Delimiters) -> Result<Vec<Segment>, InterchangeError> {
    let element = char::from(d.element);
    let component = char::from(d.component);
    let repetition = d.repetition.map(char::from);
    let mut pieces: Vec<&[u8]> = body.split(|b| *b == d.segment).collect();
    let tail = pieces.pop().unwrap_or_default();
    if !tail.iter().all(u8::is_ascii_whitespace) {
        return Err(InterchangeError::Unterminated {
            tag: tag_of(trim_line_breaks(tail), d.element),
            terminator: char::from(d.segment),
        });
    }
    let mut segments = Vec::new();
    for piece in pieces {
        let piece = trim_line_breaks(piece);
        if piece.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let position = segments.len() + 1;
        let too_large = |what: String, limit: usize| InterchangeError::TooLarge {
            what,
            limit,
            tag: tag_of(piece, d.element),
            position,
        };
        if position > limits::SEGMENTS {
            return Err(too_large(
                format!("is one of more than {} segments", limits::SEGMENTS),
                limits::SEGMENTS,
            ));
        }
        if piece.len() > limits::SEGMENT_BYTES {
            return Err(too_large(
                format!("is {} bytes long", piece.len()),
                limits::SEGMENT_BYTES,
            ));
        }
        if let Some(&byte) = piece
            .iter()
            .find(|&&b| (b < 0x20 || b == 0x7f) && !d.is_delimiter(b))
        {
            return Err(InterchangeError::ControlCharacter {
                byte,
                tag: tag_of(piece, d.element),
                position,
            });
        }
        let elements = piece.iter().filter(|&&b| b == d.element).count();
        if elements > limits::ELEMENTS {
            return Err(too_large(
                format!("has {elements} elements"),
                limits::ELEMENTS,
            ));
        }
        let widest = piece
            .split(|&b| b == d.element)
            .map(|e| {
                let count = |sep: u8| e.iter().filter(|&&b| b == sep).count() + 1;
                count(d.component).max(d.repetition.map_or(1, count))
            })
            .max()
            .unwrap_or(1);
        if widest > limits::PARTS {
            return Err(too_large(
                format!("has an element of {widest} repetitions or components"),
                limits::PARTS,
            ));
        }
        let text = String::from_utf8_lossy(piece);
        let segment = split_segment(&text, element, component, repetition);
        segments.push(segment);
    }
    Ok(segments)
}

fn tag_of(piece: &[u8], element: u8) -> String {
    let end = piece
        .iter()
        .position(|&b| b == element)
        .unwrap_or(piece.len())
        .min(3);
    String::from_utf8_lossy(&piece[..end]).into_owned()
}

fn trim_line_breaks(mut piece: &[u8]) -> &[u8] {
    while let Some((first, rest)) = piece.split_first()
        && first.is_ascii_whitespace()
    {
        piece = rest;
    }
    while let Some((last, rest)) = piece.split_last()
        && (*last == b'\r' || *last == b'\n')
    {
        piece = rest;
    }
    piece
}
