//! Splitting the bytes after the ISA into segments, within bounds.
//!
//! One pass: `memchr` finds each terminator and one loop over the segment's bytes checks it
//! (control characters, element and part counts). The segments are ranges of one shared copy of
//! the text (see decision 0025), so nothing is allocated per element.

use std::sync::Arc;

use memchr::{memchr, memrchr};

use crate::delimiters::Delimiters;
use crate::error::InterchangeError;
use crate::segment::{Segment, Separators};

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
    /// Bytes after the ISA: segments keep 32-bit offsets (decision 0025). Nobody comes near:
    /// interchanges arrive through API Gateway, whose payloads stop at 10 MB.
    pub const INTERCHANGE_BYTES: usize = u32::MAX as usize;
}

/// The segments of `body`, in order, each checked as it is reached. Line breaks around
/// terminators (CRLF-formatted files) and blank pieces (trailing padding) are dropped. Text is
/// decoded leniently: X12 data is ASCII, and a stray non-UTF-8 byte should show up as a bad
/// value, not stop the parse. Refused: a last segment left unterminated (before any segment is
/// given), control characters in the data, and anything past [`limits`].
///
/// `shared` is the whole interchange already held as text, `body` being its tail: segments are
/// then ranges of it and nothing is copied. Without it the body is copied once.
pub(super) fn segments<'a>(
    body: &'a [u8],
    d: &Delimiters,
    shared: Option<&Arc<String>>,
) -> Result<Segments<'a>, InterchangeError> {
    let too_long = |len: usize| InterchangeError::TooLarge {
        what: format!("starts {len} bytes of segments"),
        limit: limits::INTERCHANGE_BYTES,
        tag: "ISA".into(),
        position: 0,
    };
    if body.len() > limits::INTERCHANGE_BYTES {
        return Err(too_long(body.len()));
    }
    let tail_start = memrchr(d.segment, body).map_or(0, |at| at + 1);
    let tail = body.get(tail_start..).unwrap_or_default();
    if !tail.iter().all(u8::is_ascii_whitespace) {
        return Err(InterchangeError::Unterminated {
            tag: tag_of(trim_line_breaks(tail).0, d.element),
            terminator: char::from(d.segment),
        });
    }
    let scanned = body.get(..tail_start).unwrap_or_default();
    // Valid UTF-8 (the rule for X12, which is ASCII) is kept byte for byte, so a segment's
    // range is the same in the bytes and in the text. Otherwise each invalid sequence becomes
    // U+FFFD, which moves the text's offsets: they are then tracked separately.
    let (text, base, lossy) = match shared {
        // The body is the tail of the shared text, so it starts this far into it.
        Some(shared) => (Arc::clone(shared), shared.len() - body.len(), false),
        None => match std::str::from_utf8(scanned) {
            Ok(text) => (Arc::new(text.to_owned()), 0, false),
            Err(_) => (
                Arc::new(String::from_utf8_lossy(scanned).into_owned()),
                0,
                true,
            ),
        },
    };
    // Replacement characters are longer than the bytes they replace.
    if text.len() > limits::INTERCHANGE_BYTES {
        return Err(too_long(text.len()));
    }
    Ok(Segments {
        raw: scanned,
        raw_at: 0,
        text,
        base,
        text_at: base,
        lossy,
        delimiters: *d,
        count: 0,
    })
}

/// The segments of an interchange body, each checked against [`limits`] as it is reached.
pub(super) struct Segments<'a> {
    /// The body up to and including its last terminator.
    raw: &'a [u8],
    raw_at: usize,
    /// `raw` as text, shared by every segment: a copy of it, or the whole interchange.
    text: Arc<String>,
    /// Where `raw` starts in `text`.
    base: usize,
    text_at: usize,
    /// `text` differs from `raw` (invalid UTF-8 was replaced), so its offsets are its own.
    lossy: bool,
    delimiters: Delimiters,
    /// Segments given so far.
    count: usize,
}

impl Iterator for Segments<'_> {
    type Item = Result<Segment, InterchangeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let d = self.delimiters;
        loop {
            let rest = self.raw.get(self.raw_at..)?;
            if rest.is_empty() {
                return None;
            }
            // Leading whitespace (line breaks after the previous terminator) is not part of
            // the segment; the terminator itself may be a line feed, so stop at it.
            let lead = rest
                .iter()
                .position(|&b| b == d.segment || !b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            // The body ends with a terminator, so there is one.
            let len = lead + memchr(d.segment, rest.get(lead..)?)?;
            self.raw_at += len + 1;
            let text_start = self.text_at;
            self.text_at = if self.lossy {
                let text = self.text.as_bytes().get(text_start..).unwrap_or_default();
                text_start + memchr(d.segment, text).unwrap_or(text.len()) + 1
            } else {
                self.base + self.raw_at
            };
            let piece = rest.get(lead..len).unwrap_or_default();
            let trail = piece
                .iter()
                .rev()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
            let piece = piece.get(..piece.len() - trail).unwrap_or_default();
            if piece.is_empty() {
                // Blank: only whitespace between two terminators.
                continue;
            }
            self.count += 1;
            if let Err(e) = check(piece, &d, self.count) {
                // Nothing more is given after an error: the parse stops there.
                self.raw_at = self.raw.len();
                return Some(Err(e));
            }
            // Leading and trailing line breaks are ASCII, the same bytes in the raw and the
            // text pieces, so the trimmed range moves by the same amounts.
            let start = text_start + lead;
            let end = if self.lossy {
                self.text_at - 1 - trail
            } else {
                start + piece.len()
            };
            return Some(Ok(Segment::new(
                Arc::clone(&self.text),
                start,
                end,
                Separators {
                    element: d.element,
                    component: d.component,
                    repetition: d.repetition,
                },
            )));
        }
    }
}

/// Checks segment number `position` (its bytes, trimmed) against the limits, in the order they
/// have always been reported: count, length, control characters, elements, parts. One
/// branch-free pass ([`tally`]) serves the last three; the exact position or width is looked for
/// only when a rule may be broken.
fn check(piece: &[u8], d: &Delimiters, position: usize) -> Result<(), InterchangeError> {
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
    let tally = tally(piece, d);
    if tally.control
        && let Some(&byte) = piece.iter().find(|&&b| is_control(b, d))
    {
        return Err(InterchangeError::ControlCharacter {
            byte,
            tag: tag_of(piece, d.element),
            position,
        });
    }
    let elements = tally.elements;
    if elements > limits::ELEMENTS {
        return Err(too_large(
            format!("has {elements} elements"),
            limits::ELEMENTS,
        ));
    }
    // No element can have more parts than the segment has separators of parts, plus one.
    let parts = tally.parts;
    if parts >= limits::PARTS {
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
    }
    Ok(())
}

/// A control character that is not one of the delimiters (which may be controls themselves).
fn is_control(b: u8, d: &Delimiters) -> bool {
    let repetition = d.repetition.unwrap_or(d.element);
    (b < 0x20 || b == 0x7f) & (b != d.element) & (b != d.component) & (b != repetition)
}

/// What one pass over a segment's bytes finds.
struct Tally {
    /// Some byte is a control character that is not a delimiter.
    control: bool,
    /// Element separators.
    elements: usize,
    /// Component and repetition separators.
    parts: usize,
}

/// Counts a segment's separators and looks for control characters in one pass. The counters
/// are bytes over chunks of at most 255 bytes (so they cannot overflow), which the compiler
/// turns into 16 bytes per step; counting into `usize` lanes managed 4.
fn tally(piece: &[u8], d: &Delimiters) -> Tally {
    let repetition = d.repetition.unwrap_or(d.component);
    let mut tally = Tally {
        control: false,
        elements: 0,
        parts: 0,
    };
    for chunk in piece.chunks(255) {
        let (mut control, mut elements, mut parts) = (0u8, 0u8, 0u8);
        for &b in chunk {
            control |= u8::from(is_control(b, d));
            elements = elements.wrapping_add(u8::from(b == d.element));
            parts = parts.wrapping_add(u8::from((b == d.component) | (b == repetition)));
        }
        tally.control |= control != 0;
        tally.elements += usize::from(elements);
        tally.parts += usize::from(parts);
    }
    tally
}

fn tag_of(piece: &[u8], element: u8) -> String {
    let end = piece
        .iter()
        .position(|&b| b == element)
        .unwrap_or(piece.len())
        .min(3);
    String::from_utf8_lossy(&piece[..end]).into_owned()
}

/// `piece` without leading whitespace and trailing line breaks, and how many bytes were dropped
/// from its front.
fn trim_line_breaks(mut piece: &[u8]) -> (&[u8], usize) {
    let mut lead = 0;
    while let Some((first, rest)) = piece.split_first()
        && first.is_ascii_whitespace()
    {
        piece = rest;
        lead += 1;
    }
    while let Some((last, rest)) = piece.split_last()
        && (*last == b'\r' || *last == b'\n')
    {
        piece = rest;
    }
    (piece, lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_and_values(body: &[u8]) -> Vec<(String, String)> {
        let d = Delimiters::default_outbound();
        segments(body, &d, None)
            .unwrap()
            .map(|s| {
                let s = s.unwrap();
                (s.id().to_string(), s.element(1).to_string())
            })
            .collect()
    }

    #[test]
    fn invalid_utf8_reads_as_replacement_and_later_segments_keep_their_place() {
        // An invalid byte in N102 grows by two bytes as U+FFFD; the N3 after it must still be
        // read from its own bytes, line breaks dropped as with valid text.
        let body = b"N1*Caf\xE9 Ltd\r\n~\r\n  N3*1 Main St~N4*Solon~";
        assert_eq!(
            ids_and_values(body),
            vec![
                ("N1".into(), "Caf\u{FFFD} Ltd".into()),
                ("N3".into(), "1 Main St".into()),
                ("N4".into(), "Solon".into()),
            ]
        );
    }

    #[test]
    fn valid_text_with_line_breaks_and_blank_pieces() {
        let body = b"\r\nBEG*00~\n~  REF*DP\r\n~\n";
        assert_eq!(
            ids_and_values(body),
            vec![("BEG".into(), "00".into()), ("REF".into(), "DP".into())]
        );
    }
}
