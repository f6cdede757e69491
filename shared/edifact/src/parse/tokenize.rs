//! Splitting the text after UNA into segments, honouring the release character and the limits.

use crate::delimiters::Delimiters;
use crate::error::{Location, SyntaxError};
use crate::parse::Limits;
use crate::segment::{Element, Segment};

/// The segment being read.
struct Open {
    tag: Option<String>,
    elements: Vec<Element>,
    repetitions: Vec<Vec<String>>,
    components: Vec<String>,
    value: String,
    /// Any non-whitespace seen since the last terminator.
    started: bool,
}

impl Open {
    fn new() -> Self {
        Open {
            tag: None,
            elements: Vec::new(),
            repetitions: Vec::new(),
            components: Vec::new(),
            value: String::new(),
            started: false,
        }
    }

    fn at(&self, position: usize) -> Location {
        let tag = self.tag.clone().unwrap_or_else(|| self.value.clone());
        Location::segment(&tag, position)
    }
}

/// Splits `text` into segments, stopping after `stop_after` segments when given. Whitespace
/// before a segment tag (line breaks between segments) is dropped; inside data it is kept.
pub(super) fn segments(
    text: &str,
    d: &Delimiters,
    limits: &Limits,
    stop_after: Option<usize>,
) -> Result<Vec<Segment>, SyntaxError> {
    let mut out: Vec<Segment> = Vec::new();
    let mut open = Open::new();
    let mut released = false;
    for c in text.chars() {
        let position = out.len().saturating_add(1);
        if !open.started {
            if c.is_whitespace() {
                continue;
            }
            open.started = true;
        }
        if released {
            released = false;
            push_char(&mut open, c, position, limits)?;
        } else if Some(c) == d.release {
            released = true;
        } else if c == d.segment {
            if out.len() >= limits.max_segments {
                return Err(SyntaxError::TooManyRepetitions {
                    at: open.at(position),
                    what: "segments",
                    limit: limits.max_segments,
                });
            }
            let segment = finish_segment(&mut open, position, limits)?;
            out.push(segment);
            if stop_after.is_some_and(|n| out.len() >= n) {
                return Ok(out);
            }
            open = Open::new();
        } else if c == d.element {
            finish_element(&mut open, position, limits)?;
        } else if c == d.component {
            finish_component(&mut open, position, limits)?;
        } else if Some(c) == d.repetition {
            finish_repetition(&mut open, position, limits)?;
        } else {
            push_char(&mut open, c, position, limits)?;
        }
    }
    let position = out.len().saturating_add(1);
    if released {
        return Err(SyntaxError::DanglingRelease {
            at: open.at(position),
        });
    }
    if open.started {
        return Err(SyntaxError::Unterminated {
            at: open.at(position),
        });
    }
    Ok(out)
}

fn push_char(
    open: &mut Open,
    c: char,
    position: usize,
    limits: &Limits,
) -> Result<(), SyntaxError> {
    if open.value.chars().count() >= limits.max_value_len {
        return Err(SyntaxError::TooLong {
            at: open.at(position),
            limit: limits.max_value_len,
        });
    }
    open.value.push(c);
    Ok(())
}

fn finish_component(open: &mut Open, position: usize, limits: &Limits) -> Result<(), SyntaxError> {
    if open.components.len().saturating_add(1) >= limits.max_components {
        return Err(SyntaxError::TooManyConstituents {
            at: open
                .at(position)
                .element(open.elements.len().saturating_add(1), None),
            what: "components",
            limit: limits.max_components,
        });
    }
    open.components.push(std::mem::take(&mut open.value));
    Ok(())
}

fn finish_repetition(open: &mut Open, position: usize, limits: &Limits) -> Result<(), SyntaxError> {
    open.components.push(std::mem::take(&mut open.value));
    if open.repetitions.len().saturating_add(1) >= limits.max_repetitions {
        return Err(SyntaxError::TooManyRepetitions {
            at: open
                .at(position)
                .element(open.elements.len().saturating_add(1), None),
            what: "repetitions",
            limit: limits.max_repetitions,
        });
    }
    open.repetitions.push(std::mem::take(&mut open.components));
    Ok(())
}

fn finish_element(open: &mut Open, position: usize, limits: &Limits) -> Result<(), SyntaxError> {
    open.components.push(std::mem::take(&mut open.value));
    open.repetitions.push(std::mem::take(&mut open.components));
    let repetitions = std::mem::take(&mut open.repetitions);
    if open.tag.is_none() {
        // The tag may carry components (syntax 4 nesting); only the first names the segment.
        let tag = repetitions
            .into_iter()
            .next()
            .and_then(|c| c.into_iter().next())
            .unwrap_or_default();
        if tag.len() != 3
            || !tag
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(SyntaxError::InvalidTag {
                at: Location::segment(&tag.chars().take(8).collect::<String>(), position),
                found: tag.chars().take(16).collect(),
            });
        }
        open.tag = Some(tag);
        return Ok(());
    }
    if open.elements.len() >= limits.max_elements {
        return Err(SyntaxError::TooManyConstituents {
            at: open.at(position),
            what: "data elements",
            limit: limits.max_elements,
        });
    }
    open.elements.push(Element(repetitions));
    Ok(())
}

fn finish_segment(
    open: &mut Open,
    position: usize,
    limits: &Limits,
) -> Result<Segment, SyntaxError> {
    // For a segment of only a tag, this reads the tag.
    finish_element(open, position, limits)?;
    let mut elements = std::mem::take(&mut open.elements);
    // A trailing empty element is the same as an absent one.
    while elements
        .last()
        .is_some_and(|e| e.0.iter().all(|rep| rep.iter().all(String::is_empty)))
    {
        elements.pop();
    }
    Ok(Segment {
        tag: open.tag.take().unwrap_or_default(),
        elements,
        position,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<Vec<Segment>, SyntaxError> {
        segments(text, &Delimiters::default(), &Limits::default(), None)
    }

    #[test]
    fn splits_segments_elements_and_components() {
        let segs = split("UNH+1+ORDERS:D:96A:UN'\r\nQTY+21:10:PCE'").unwrap();
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].tag, "UNH");
        assert_eq!(segs[0].component(2, 3), "96A");
        assert_eq!((segs[1].position, segs[1].component(1, 2)), (2, "10"));
    }

    #[test]
    fn the_release_character_makes_service_characters_data() {
        let segs = split("FTX+AAI+++It?'s 5?+2?:3 ??'").unwrap();
        assert_eq!(segs[0].element(4), "It's 5+2:3 ?");
    }

    #[test]
    fn a_segment_of_only_a_tag_has_no_elements() {
        let segs = split("UNS'UNS+S++'").unwrap();
        assert!(segs[0].elements.is_empty());
        assert_eq!(
            segs[1].elements.len(),
            1,
            "trailing empty elements are dropped"
        );
    }

    #[test]
    fn truncation_and_dangling_release_are_refused() {
        assert!(matches!(
            split("UNH+1'UNT+2+1"),
            Err(SyntaxError::Unterminated { at }) if at.tag == "UNT" && at.position == 2
        ));
        assert!(matches!(
            split("UNH+1?"),
            Err(SyntaxError::DanglingRelease { .. })
        ));
        assert!(matches!(
            split("\u{0}\u{1}junk+1'"),
            Err(SyntaxError::InvalidTag { .. })
        ));
    }

    #[test]
    fn bombs_are_refused_with_typed_errors() {
        let many_elements = format!("FTX{}'", "+a".repeat(100));
        let e = split(&many_elements).unwrap_err();
        assert_eq!(e.code().code(), "16");
        let many_components = format!("FTX+{}'", "a:".repeat(100));
        assert_eq!(split(&many_components).unwrap_err().code().code(), "16");
        let v4 = Delimiters::default_for_version(4);
        let reps = format!("FTX+{}'", "a*".repeat(100));
        let e = segments(&reps, &v4, &Limits::default(), None).unwrap_err();
        assert_eq!(e.code().code(), "35");
        let long = format!("FTX+{}'", "a".repeat(600));
        assert_eq!(split(&long).unwrap_err().code().code(), "39");
        let limits = Limits {
            max_segments: 3,
            ..Limits::default()
        };
        let e = segments("UNS'UNS'UNS'UNS'", &Delimiters::default(), &limits, None).unwrap_err();
        assert!(matches!(
            e,
            SyntaxError::TooManyRepetitions {
                what: "segments",
                ..
            }
        ));
    }
}
