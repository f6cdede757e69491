//! The four characters that structure an interchange.

use serde::Serialize;

/// The delimiters of one interchange, as declared by its ISA header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Delimiters {
    /// Separates elements; the byte right after `ISA`.
    pub element: u8,
    /// Separates the components of a composite element (ISA16).
    pub component: u8,
    /// Ends a segment; the byte right after ISA16.
    pub segment: u8,
    /// Separates repetitions of an element (ISA11), only from version 00402; before that ISA11
    /// is the standards identifier `U` and elements cannot repeat.
    pub repetition: Option<u8>,
}

impl Delimiters {
    /// The delimiters Switchyard uses when it starts a conversation (not answering a received
    /// interchange): `*`, `>`, `~` and `^`, the most common choice among trading partners.
    pub fn default_outbound() -> Self {
        Delimiters {
            element: b'*',
            component: b'>',
            segment: b'~',
            repetition: Some(b'^'),
        }
    }

    /// True when `byte` is one of the delimiters, so it cannot appear inside data.
    pub fn is_delimiter(&self, byte: u8) -> bool {
        byte == self.element
            || byte == self.component
            || byte == self.segment
            || self.repetition == Some(byte)
    }

    /// The delimiters to write an interchange of `version` (ISA12) with: from 00402 ISA11 must
    /// be a repetition separator, so one is chosen when these delimiters have none.
    pub fn for_version(self, version: &str) -> Self {
        if !repetition_allowed(version) {
            return Delimiters {
                repetition: None,
                ..self
            };
        }
        if self.repetition.is_some() {
            return self;
        }
        let free = [b'^', b'!', b'|', b'{', b'}']
            .into_iter()
            .find(|b| !self.is_delimiter(*b));
        Delimiters {
            repetition: free,
            ..self
        }
    }
}

/// True when interchange control version `version` (ISA12) carries a repetition separator in
/// ISA11, which X12 introduced with version 00402.
pub fn repetition_allowed(version: &str) -> bool {
    version >= "00402"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbound_default_is_star_greater_tilde_caret() {
        let d = Delimiters::default_outbound();
        assert_eq!(
            (d.element, d.component, d.segment, d.repetition),
            (b'*', b'>', b'~', Some(b'^'))
        );
    }

    #[test]
    fn versions_before_00402_have_no_repetition_separator() {
        let d = Delimiters::default_outbound();
        assert_eq!(d.for_version("00401").repetition, None);
        assert_eq!(d.for_version("00501").repetition, Some(b'^'));
        let none = Delimiters {
            repetition: None,
            ..d
        };
        assert_eq!(none.for_version("00501").repetition, Some(b'^'));
        let caret_taken = Delimiters {
            component: b'^',
            repetition: None,
            ..d
        };
        assert_eq!(caret_taken.for_version("00501").repetition, Some(b'!'));
    }

    #[test]
    fn delimiters_are_recognised() {
        let d = Delimiters::default_outbound();
        assert!(d.is_delimiter(b'~') && d.is_delimiter(b'^') && !d.is_delimiter(b'A'));
    }
}
