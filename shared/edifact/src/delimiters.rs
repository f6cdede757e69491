//! The service characters that structure an interchange, from UNA or the defaults.

use serde::{Deserialize, Serialize};

/// The service characters of one interchange.
///
/// Without a UNA service string advice the defaults of ISO 9735 apply: `:` component, `+`
/// element, `.` decimal mark, `?` release, `'` segment terminator, and from syntax version 4
/// `*` as the repetition separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delimiters {
    /// Separates the components of a composite (UNA1).
    pub component: char,
    /// Separates data elements (UNA2).
    pub element: char,
    /// The decimal mark, `.` or `,` (UNA3).
    pub decimal: char,
    /// Makes the next character data (UNA4); `None` when UNA4 is a space.
    pub release: Option<char>,
    /// Separates repetitions of a data element (UNA5, syntax version 4 only).
    pub repetition: Option<char>,
    /// Ends a segment (UNA6).
    pub segment: char,
}

impl Default for Delimiters {
    /// The ISO 9735 defaults for syntax versions 1 to 3: `:+.? '`, no repetition separator.
    fn default() -> Self {
        Delimiters {
            component: ':',
            element: '+',
            decimal: '.',
            release: Some('?'),
            repetition: None,
            segment: '\'',
        }
    }
}

impl Delimiters {
    /// The defaults for syntax `version` (0002) when there is no UNA: version 4 adds `*`.
    pub fn default_for_version(version: u8) -> Self {
        Delimiters {
            repetition: (version >= 4).then_some('*'),
            ..Delimiters::default()
        }
    }

    /// Reads the six characters after `UNA`. The repetition separator (UNA5) counts only from
    /// syntax version 4, which the caller applies with [`Delimiters::for_version`].
    pub fn from_una(chars: [u8; 6]) -> Result<Self, String> {
        let [component, element, decimal, release, repetition, segment] = chars.map(char::from);
        if !chars
            .iter()
            .all(|b| b.is_ascii() && !b.is_ascii_alphanumeric())
        {
            return Err(format!(
                "service characters must be ASCII punctuation, found {:?}",
                String::from_utf8_lossy(&chars)
            ));
        }
        if decimal != '.' && decimal != ',' {
            return Err(format!(
                "the decimal mark must be '.' or ',', found {decimal:?}"
            ));
        }
        let release = (release != ' ').then_some(release);
        let repetition = (repetition != ' ').then_some(repetition);
        let mut used = vec![component, element, segment];
        used.extend(release);
        used.extend(repetition);
        let mut sorted = used.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != used.len() || [component, element, segment].contains(&' ') {
            return Err("the component, element, release, repetition and segment characters must be distinct and not spaces".into());
        }
        if used.contains(&decimal) {
            return Err(format!("the decimal mark {decimal:?} is also a separator"));
        }
        Ok(Delimiters {
            component,
            element,
            decimal,
            release,
            repetition,
            segment,
        })
    }

    /// These delimiters for syntax `version`: before version 4 there is no repetition
    /// separator (UNA5 is reserved and read as data).
    pub fn for_version(self, version: u8) -> Self {
        if version >= 4 {
            self
        } else {
            Delimiters {
                repetition: None,
                ..self
            }
        }
    }

    /// The UNA segment announcing these delimiters, terminator included.
    pub fn una(&self) -> String {
        [
            'U',
            'N',
            'A',
            self.component,
            self.element,
            self.decimal,
            self.release.unwrap_or(' '),
            self.repetition.unwrap_or(' '),
            self.segment,
        ]
        .iter()
        .collect()
    }

    /// True when `c` is a separator, terminator or the release character, so data holding it
    /// must be released.
    pub fn is_service(&self, c: char) -> bool {
        c == self.component
            || c == self.element
            || c == self.segment
            || self.release == Some(c)
            || self.repetition == Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_colon_plus_dot_question_apostrophe() {
        let d = Delimiters::default();
        assert_eq!(d.una(), "UNA:+.? '");
        assert_eq!(Delimiters::default_for_version(4).una(), "UNA:+.?*'");
        assert_eq!(Delimiters::default_for_version(3).repetition, None);
    }

    #[test]
    fn una_declares_other_characters() {
        let d = Delimiters::from_una(*b"|^,# ~").unwrap();
        assert_eq!((d.component, d.element, d.decimal), ('|', '^', ','));
        assert_eq!((d.release, d.repetition, d.segment), (Some('#'), None, '~'));
        let v4 = Delimiters::from_una(*b":+.?*'").unwrap();
        assert_eq!(v4.repetition, Some('*'));
        assert_eq!(v4.for_version(3).repetition, None);
    }

    #[test]
    fn unusable_unas_are_refused() {
        for bad in [
            b":+.? :", b"::.? '", b":+;? '", b":+A? '", b":+.?+'", b"+:.:?'",
        ] {
            assert!(
                Delimiters::from_una(*bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
