//! Segments and elements: views into the interchange's text, split on demand by its delimiters.
//!
//! A parsed interchange keeps its text once, in one shared buffer; each [`Segment`] is a range
//! of it and finds its elements when asked (see decision 0025). Nothing is allocated per
//! element, so parsing costs about what reading the bytes costs.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

/// One element: its repetitions, each a list of components. A simple element is one repetition
/// of one component. Borrowed from its [`Segment`].
#[derive(Clone, Copy)]
pub struct Element<'a> {
    text: &'a str,
    component: u8,
    repetition: Option<u8>,
}

impl<'a> Element<'a> {
    /// The first component of the first repetition: the whole value of a simple element.
    pub fn value(&self) -> &'a str {
        self.component(1)
    }

    /// Component `n` (1-based) of the first repetition, `""` when absent.
    pub fn component(&self, n: usize) -> &'a str {
        let Some(skip) = n.checked_sub(1) else {
            return "";
        };
        let first = match self.repetition {
            Some(r) => split(self.text, r).next().unwrap_or_default(),
            None => self.text,
        };
        // Components are almost always asked for from a simple element: skip the split.
        if skip == 0 && !first.as_bytes().contains(&self.component) {
            return first;
        }
        split(first, self.component).nth(skip).unwrap_or_default()
    }

    /// Every repetition, each a list of components.
    pub fn repetitions(&self) -> Vec<Vec<&'a str>> {
        let components = |rep: &'a str| split(rep, self.component).collect::<Vec<_>>();
        match self.repetition {
            Some(r) => split(self.text, r).map(components).collect(),
            None => vec![components(self.text)],
        }
    }

    /// The element as it came, separators included.
    pub fn as_str(&self) -> &'a str {
        self.text
    }
}

impl PartialEq for Element<'_> {
    fn eq(&self, other: &Self) -> bool {
        let same_separators =
            self.component == other.component && self.repetition == other.repetition;
        (same_separators && self.text == other.text) || self.repetitions() == other.repetitions()
    }
}

impl Eq for Element<'_> {}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Element").field(&self.repetitions()).finish()
    }
}

impl Serialize for Element<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.repetitions().serialize(serializer)
    }
}

/// The separators a segment's text is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Separators {
    pub element: u8,
    pub component: u8,
    pub repetition: Option<u8>,
}

/// One segment: its id (`PO1`) and its elements, element 1 being X12's `PO101`.
///
/// Cloning is cheap: the text is shared with the interchange it came from. A segment is 24
/// bytes: offsets are `u32`, since no interchange comes near 4 GiB (the parser refuses one that
/// does, see [`crate::parse::limits::INTERCHANGE_BYTES`]), and where its id ends is found once.
#[derive(Clone)]
pub struct Segment {
    text: Arc<String>,
    start: u32,
    end: u32,
    separators: Separators,
    /// Bytes before the first element separator (the untrimmed id); at most 8 KiB by limit,
    /// saturated beyond, where [`Segment::id`] and [`Segment::body`] look again.
    id_len: u16,
}

impl Segment {
    /// The segment `text[start..end]`, split by `separators`. The caller keeps `end` within
    /// `u32` (the parser refuses larger interchanges).
    pub(crate) fn new(text: Arc<String>, start: usize, end: usize, separators: Separators) -> Self {
        debug_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        let segment = text.as_bytes().get(start..end).unwrap_or_default();
        let id_len = position(separators.element, segment).unwrap_or(segment.len());
        Segment {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
            text,
            separators,
            id_len: u16::try_from(id_len).unwrap_or(u16::MAX),
        }
    }

    /// Where the id ends: at the first element separator, or the end of the segment.
    fn id_end(&self, text: &str) -> usize {
        match usize::from(self.id_len) {
            // Only reachable for a segment longer than the parser accepts (made by hand).
            long if long == usize::from(u16::MAX) => {
                position(self.separators.element, text.as_bytes()).unwrap_or(text.len())
            }
            len => len,
        }
    }

    /// A segment of simple elements; handy for tests and writers. Separators are chosen that
    /// occur in no value, so every value reads back whole.
    pub fn simple(id: &str, elements: &[&str]) -> Self {
        let elements: Vec<Vec<&str>> = elements.iter().map(|e| vec![*e]).collect();
        Segment::composite(id, &elements)
    }

    /// A segment of composite elements, each given as its components (one repetition each).
    /// Separators are chosen that occur in no value, so every component reads back whole.
    pub fn composite(id: &str, elements: &[Vec<&str>]) -> Self {
        let values = || std::iter::once(id).chain(elements.iter().flatten().copied());
        let used = |b: u8| values().any(|v| v.as_bytes().contains(&b));
        // Printable separators first, so the text reads like X12; then the ASCII controls.
        let mut free = b"*>^|~!"
            .iter()
            .copied()
            .chain((1u8..0x20).rev())
            .filter(|b| !used(*b));
        let element = free.next().unwrap_or(b'*');
        let component = free.next().unwrap_or(b'>');
        let mut text = String::with_capacity(values().map(|v| v.len() + 1).sum());
        text.push_str(id);
        for components in elements {
            text.push(char::from(element));
            for (i, c) in components.iter().enumerate() {
                if i > 0 {
                    text.push(char::from(component));
                }
                text.push_str(c);
            }
        }
        let end = text.len();
        Segment::new(
            Arc::new(text),
            0,
            end,
            Separators {
                element,
                component,
                repetition: None,
            },
        )
    }

    /// The segment as it came, without its terminator.
    pub fn as_str(&self) -> &str {
        let (start, end) = (self.start as usize, self.end as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    /// The segment id, such as `BEG` or `PO1`.
    pub fn id(&self) -> &str {
        let text = self.as_str();
        trim(text.get(..self.id_end(text)).unwrap_or_default())
    }

    /// The text after the id: the elements, each preceded by the element separator.
    fn body(&self) -> &str {
        let text = self.as_str();
        text.get(self.id_end(text)..).unwrap_or_default()
    }

    /// How many elements follow the id.
    pub fn len(&self) -> usize {
        let e = self.separators.element;
        self.body().bytes().filter(|b| *b == e).count()
    }

    /// True when the segment is only an id.
    pub fn is_empty(&self) -> bool {
        self.body().is_empty()
    }

    /// The elements after the id, in order.
    pub fn elements(&self) -> impl Iterator<Item = Element<'_>> + '_ {
        let body = self.body();
        let s = self.separators;
        body.get(1..)
            .into_iter()
            .flat_map(move |rest| split(rest, s.element))
            .map(move |text| Element {
                text,
                component: s.component,
                repetition: s.repetition,
            })
    }

    /// Element `n`, 1-based like X12 references (`element(3)` of a BEG is BEG03); the first
    /// component of a composite; `""` when the segment is shorter.
    pub fn element(&self, n: usize) -> &str {
        self.get(n).map_or("", |e| e.value())
    }

    /// Component `m` of element `n`, both 1-based; `""` when absent.
    pub fn component(&self, n: usize, m: usize) -> &str {
        self.get(n).map_or("", |e| e.component(m))
    }

    /// Element `n` (1-based) itself, with its repetitions and components.
    pub fn get(&self, n: usize) -> Option<Element<'_>> {
        let skip = n.checked_sub(1)?;
        let body = self.body();
        let e = self.separators.element;
        // Element n follows the n-th separator and runs to the next one.
        let mut rest = body;
        for _ in 0..=skip {
            let at = position(e, rest.as_bytes())?;
            rest = rest.get(at + 1..).unwrap_or_default();
        }
        let end = position(e, rest.as_bytes()).unwrap_or(rest.len());
        Some(Element {
            text: rest.get(..end).unwrap_or_default(),
            component: self.separators.component,
            repetition: self.separators.repetition,
        })
    }

    /// Element `n` trimmed of padding, `""` when absent.
    pub fn trimmed(&self, n: usize) -> &str {
        trim(self.element(n))
    }

    /// Where each element is in [`Segment::as_str`], in order: for readers that keep a few
    /// elements of a segment and look them up again ([`Segment::value_at`]).
    pub(crate) fn spans(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let text = self.as_str();
        let separator = self.separators.element;
        let id_end = self.id_end(text);
        // Element 1 starts after the separator that ends the id, if there is one.
        let mut next = (id_end < text.len()).then_some(id_end + 1);
        std::iter::from_fn(move || {
            let start = next?;
            let rest = text.as_bytes().get(start..).unwrap_or_default();
            let end = match position(separator, rest) {
                Some(at) => {
                    next = Some(start + at + 1);
                    start + at
                }
                None => {
                    next = None;
                    text.len()
                }
            };
            Some(start..end)
        })
    }

    /// The value (first component, trimmed) of the element at `span` of [`Segment::as_str`],
    /// as [`Segment::trimmed`] reads it; `""` for an empty or foreign span.
    pub(crate) fn value_at(&self, span: Range<usize>) -> &str {
        trim(self.element_at(span).value())
    }

    /// The element at `span` of [`Segment::as_str`].
    pub(crate) fn element_at(&self, span: Range<usize>) -> Element<'_> {
        Element {
            text: self.as_str().get(span).unwrap_or_default(),
            component: self.separators.component,
            repetition: self.separators.repetition,
        }
    }

    /// The values (first components, trimmed) of the elements from byte `from` of
    /// [`Segment::as_str`] (the start of an element, as [`Segment::spans`] gives it) to the end;
    /// none when `from` is at the end.
    pub(crate) fn values_from(&self, from: usize) -> impl Iterator<Item = &str> + '_ {
        let s = self.separators;
        self.as_str()
            .get(from..)
            .filter(|rest| !rest.is_empty())
            .into_iter()
            .flat_map(move |rest| split(rest, s.element))
            .map(move |text| {
                let element = Element {
                    text,
                    component: s.component,
                    repetition: s.repetition,
                };
                trim(element.value())
            })
    }
}

/// `text` without leading and trailing white space, exactly as [`str::trim`] gives it. Values are
/// almost never padded, so the ends are looked at first: a value that starts and ends with a
/// byte that is ASCII and not white space (no Unicode white space is ASCII except these) is
/// given back as it is, without `trim`'s walk over chars.
fn trim(text: &str) -> &str {
    let padded = |b: &u8| !b.is_ascii() || matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if !padded(first) && !padded(last) => text,
        _ => text.trim(),
    }
}

/// `text` split at every `separator`, as [`str::split`] splits it. Separators are ASCII (the ISA
/// reader refuses others), so every split is at a char boundary; a byte scan finds them faster
/// than `str::split`'s searcher does in values a few bytes long.
fn split(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    debug_assert!(separator.is_ascii());
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match position(separator, current.as_bytes()) {
            Some(at) => {
                rest = current.get(at + 1..);
                current.get(..at)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Where `byte` first is in `haystack`. Segments are tens of bytes long, where a plain scan is
/// faster than `memchr`'s vector setup; `memchr` is used for the long scans (the terminators).
fn position(byte: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|b| *b == byte)
}

impl PartialEq for Segment {
    fn eq(&self, other: &Self) -> bool {
        if self.separators == other.separators {
            return self.id() == other.id() && self.body() == other.body();
        }
        self.id() == other.id() && self.elements().eq(other.elements())
    }
}

impl Eq for Segment {}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.id())
            .field("elements", &Elements(self))
            .finish()
    }
}

/// The elements of a segment, for `Debug` and `Serialize`.
struct Elements<'a>(&'a Segment);

impl fmt::Debug for Elements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.elements()).finish()
    }
}

impl Serialize for Elements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for e in self.0.elements() {
            seq.serialize_element(&e)?;
        }
        seq.end()
    }
}

/// Serialised as it always was: `{"id": "PO1", "elements": [[["1"]], …]}`.
impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Segment", 2)?;
        s.serialize_field("id", self.id())?;
        s.serialize_field("elements", &Elements(self))?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_segment(text: &str, element: u8, component: u8, repetition: Option<u8>) -> Segment {
        Segment::new(
            Arc::new(text.to_string()),
            0,
            text.len(),
            Separators {
                element,
                component,
                repetition,
            },
        )
    }

    #[test]
    fn spans_locate_the_elements_get_reads() {
        for text in ["PO1*1**EA*>9.5*PE*VN*W", "SE", "SE*", "N1*ST*Acme>1^x"] {
            let seg = split_segment(text, b'*', b'>', Some(b'^'));
            let values: Vec<&str> = seg.spans().map(|r| seg.value_at(r)).collect();
            let expected: Vec<&str> = (1..=seg.len()).map(|n| seg.trimmed(n)).collect();
            assert_eq!(values, expected, "{text:?}");
        }
    }

    #[test]
    fn splitting_matches_str_split() {
        for text in ["", "*", "a", "a*", "*a", "a**b", "é*ü*", "**"] {
            let ours: Vec<&str> = split(text, b'*').collect();
            let std: Vec<&str> = text.split('*').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn trimming_matches_str_trim() {
        for text in [
            "",
            " ",
            "a",
            " a ",
            "\ta\r\n",
            "\x0Ba\x0C",
            "a b",
            "\u{A0}a\u{2003}",
            "\u{85}",
            "é",
            "aé",
            "\u{1F600}",
            "\x1Fa\x7F",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn elements_are_one_based_and_empty_when_absent() {
        let seg = split_segment("BEG*00*SA*PO-1**20240105", b'*', b'>', Some(b'^'));
        assert_eq!(seg.id(), "BEG");
        assert_eq!(seg.element(1), "00");
        assert_eq!(seg.element(3), "PO-1");
        assert_eq!(seg.element(4), "");
        assert_eq!(seg.element(5), "20240105");
        assert_eq!(seg.element(6), "");
        assert_eq!(seg.element(0), "");
        assert_eq!(seg.len(), 5);
    }

    #[test]
    fn composites_and_repetitions_are_split() {
        let seg = split_segment("HI*ABK>I10^ABF>E11", b'*', b'>', Some(b'^'));
        assert_eq!(seg.element(1), "ABK");
        assert_eq!(seg.component(1, 2), "I10");
        assert_eq!(seg.component(1, 3), "");
        assert_eq!(seg.component(1, 0), "");
        let reps = seg.get(1).unwrap().repetitions();
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[1], vec!["ABF".to_string(), "E11".to_string()]);
    }

    #[test]
    fn without_a_repetition_separator_the_caret_is_data() {
        let seg = split_segment("N1*ST*A^B", b'*', b'>', None);
        assert_eq!(seg.element(2), "A^B");
    }

    #[test]
    fn a_segment_without_elements_has_none_and_a_trailing_separator_one_empty() {
        let bare = split_segment("SE", b'*', b'>', None);
        assert_eq!((bare.id(), bare.len(), bare.is_empty()), ("SE", 0, true));
        assert!(bare.get(1).is_none());
        let trailing = split_segment("SE*", b'*', b'>', None);
        assert_eq!(trailing.len(), 1);
        assert_eq!(trailing.get(1).map(|e| e.value()), Some(""));
    }

    #[test]
    fn simple_segments_keep_values_that_look_like_separators() {
        let seg = Segment::simple("N1", &["ST", "A*B>C", "~"]);
        assert_eq!(seg.id(), "N1");
        let values: Vec<&str> = seg.elements().map(|e| e.value()).collect();
        assert_eq!(values, vec!["ST", "A*B>C", "~"]);
    }

    #[test]
    fn equality_and_json_follow_the_content_not_the_separators() {
        let star = split_segment("N1*ST*Acme>1", b'*', b'>', None);
        let pipe = split_segment("N1|ST|Acme:1", b'|', b':', Some(b'^'));
        assert_eq!(star, pipe);
        assert_ne!(star, Segment::simple("N1", &["ST", "Acme"]));
        assert_eq!(
            serde_json::to_value(&star).unwrap(),
            serde_json::json!({"id": "N1", "elements": [[["ST"]], [["Acme", "1"]]]})
        );
    }
}
