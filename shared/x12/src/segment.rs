//! Segments and elements, already split by the interchange's delimiters.

use serde::Serialize;

/// One element: its repetitions, each a list of components. A simple element is one repetition
/// of one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element(pub Vec<Vec<String>>);

impl Element {
    /// A simple element holding `value`.
    pub fn simple(value: impl Into<String>) -> Self {
        Element(vec![vec![value.into()]])
    }

    /// The first component of the first repetition: the whole value of a simple element.
    pub fn value(&self) -> &str {
        self.component(1)
    }

    /// Component `n` (1-based) of the first repetition, `""` when absent.
    pub fn component(&self, n: usize) -> &str {
        self.0
            .first()
            .and_then(|rep| rep.get(n.checked_sub(1)?))
            .map_or("", String::as_str)
    }

    /// Every repetition, each a list of components.
    pub fn repetitions(&self) -> &[Vec<String>] {
        &self.0
    }
}

/// One segment: its id (`PO1`) and its elements, `elements[0]` being X12's `PO101`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The segment id, such as `BEG` or `PO1`.
    pub id: String,
    /// The elements after the id.
    pub elements: Vec<Element>,
}

impl Segment {
    /// A segment of simple elements; handy for tests and writers.
    pub fn simple(id: &str, elements: &[&str]) -> Self {
        Segment {
            id: id.to_string(),
            elements: elements.iter().map(|e| Element::simple(*e)).collect(),
        }
    }

    /// Element `n`, 1-based like X12 references (`element(3)` of a BEG is BEG03); the first
    /// component of a composite; `""` when the segment is shorter.
    pub fn element(&self, n: usize) -> &str {
        self.get(n).map_or("", Element::value)
    }

    /// Component `m` of element `n`, both 1-based; `""` when absent.
    pub fn component(&self, n: usize, m: usize) -> &str {
        self.get(n).map_or("", |e| e.component(m))
    }

    /// Element `n` (1-based) itself, with its repetitions and components.
    pub fn get(&self, n: usize) -> Option<&Element> {
        self.elements.get(n.checked_sub(1)?)
    }

    /// Element `n` trimmed of padding, `""` when absent.
    pub fn trimmed(&self, n: usize) -> &str {
        self.element(n).trim()
    }
}

/// Splits one segment's text into its id and elements.
pub(crate) fn split_segment(
    text: &str,
    element: char,
    component: char,
    repetition: Option<char>,
) -> Segment {
    let mut parts = text.split(element);
    let id = parts.next().unwrap_or_default().trim().to_string();
    let elements = parts
        .map(|raw| {
            let reps: Vec<&str> = match repetition {
                Some(r) => raw.split(r).collect(),
                None => vec![raw],
            };
            Element(
                reps.into_iter()
                    .map(|rep| rep.split(component).map(str::to_string).collect())
                    .collect(),
            )
        })
        .collect();
    Segment { id, elements }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_one_based_and_empty_when_absent() {
        let seg = split_segment("BEG*00*SA*PO-1**20240105", '*', '>', Some('^'));
        assert_eq!(seg.id, "BEG");
        assert_eq!(seg.element(1), "00");
        assert_eq!(seg.element(3), "PO-1");
        assert_eq!(seg.element(4), "");
        assert_eq!(seg.element(5), "20240105");
        assert_eq!(seg.element(6), "");
        assert_eq!(seg.element(0), "");
    }

    #[test]
    fn composites_and_repetitions_are_split() {
        let seg = split_segment("HI*ABK>I10^ABF>E11", '*', '>', Some('^'));
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
        let seg = split_segment("N1*ST*A^B", '*', '>', None);
        assert_eq!(seg.element(2), "A^B");
    }
}
