//! Splitting the bytes after the ISA into segments.

use crate::delimiters::Delimiters;
use crate::segment::{Segment, split_segment};

/// Splits `body` at each segment terminator. Line breaks around terminators (CRLF-formatted
/// files) and blank pieces (trailing padding) are dropped. Text is decoded leniently: X12 data is
/// ASCII, and a stray non-UTF-8 byte should show up as a bad value, not stop the parse.
pub(super) fn segments(body: &[u8], d: &Delimiters) -> Vec<Segment> {
    let element = char::from(d.element);
    let component = char::from(d.component);
    let repetition = d.repetition.map(char::from);
    body.split(|b| *b == d.segment)
        .filter_map(|piece| {
            let piece = trim_line_breaks(piece);
            if piece.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
            let text = String::from_utf8_lossy(piece);
            Some(split_segment(&text, element, component, repetition))
        })
        .collect()
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
