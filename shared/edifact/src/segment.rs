//! Segments and data elements, already split by the interchange's service characters (and with
//! released characters restored).

use serde::{Deserialize, Serialize};

/// One data element: its repetitions, each a list of components. A simple element is one
/// repetition of one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element(pub Vec<Vec<String>>);

impl Element {
    /// A simple element holding `value`.
    pub fn simple(value: impl Into<String>) -> Self {
        Element(vec![vec![value.into()]])
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

/// One segment: its tag, its data elements (`elements[0]` is the first after the tag) and its
/// position in the interchange (UNB is 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The segment tag, such as `BGM` or `LIN`.
    pub tag: String,
    /// The data elements after the tag.
    pub elements: Vec<Element>,
    /// Position in the interchange, UNB being 1.
    pub position: usize,
}

impl Segment {
    /// A segment of simple elements at `position`; handy for tests.
    pub fn simple(tag: &str, elements: &[&str], position: usize) -> Self {
        Segment {
            tag: tag.to_string(),
            elements: elements.iter().map(|e| Element::simple(*e)).collect(),
            position,
        }
    }

    /// Data element `n` (1-based) itself.
    pub fn get(&self, n: usize) -> Option<&Element> {
        self.elements.get(n.checked_sub(1)?)
    }

    /// The first component of data element `n` (1-based): the value of a simple element; `""`
    /// when absent.
    pub fn element(&self, n: usize) -> &str {
        self.component(n, 1)
    }

    /// Component `m` of data element `n`, both 1-based; `""` when absent.
    pub fn component(&self, n: usize, m: usize) -> &str {
        self.get(n).map_or("", |e| e.component(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_and_components_are_one_based_and_empty_when_absent() {
        let seg = Segment {
            tag: "QTY".into(),
            elements: vec![Element(vec![vec!["21".into(), "10".into(), "PCE".into()]])],
            position: 4,
        };
        assert_eq!(seg.element(1), "21");
        assert_eq!(seg.component(1, 2), "10");
        assert_eq!(seg.component(1, 3), "PCE");
        assert_eq!(seg.component(1, 4), "");
        assert_eq!(seg.component(1, 0), "");
        assert_eq!(seg.element(2), "");
        assert_eq!(seg.element(0), "");
    }
}
