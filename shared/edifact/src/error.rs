//! What can be wrong with an interchange, each problem typed with the UN/EDIFACT syntax error
//! code (data element 0085) a CONTRL reports it with, and where it is.
//!
//! A [`SyntaxError`] returned by [`parse_interchange`](crate::parse::parse_interchange) means
//! the bytes cannot be read as an interchange at all. Everything else is recorded where it
//! happened (on the interchange, a group or a message) so that a CONTRL can tell the partner
//! exactly what to fix.

use serde::{Deserialize, Serialize};

/// UN/EDIFACT data element 0085 "Syntax error, coded": the codes Switchyard reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyntaxErrorCode {
    /// 2: Syntax version or level not supported.
    SyntaxVersionNotSupported,
    /// 7: Interchange recipient not actual recipient.
    NotActualRecipient,
    /// 12: Invalid value.
    InvalidValue,
    /// 13: Missing.
    Missing,
    /// 14: Value not supported in this position.
    ValueNotSupported,
    /// 15: Not supported in this position.
    NotSupportedInPosition,
    /// 16: Too many constituents.
    TooManyConstituents,
    /// 18: Unspecified error.
    Unspecified,
    /// 19: Invalid decimal notation.
    InvalidDecimalNotation,
    /// 20: Character invalid as service character.
    InvalidServiceCharacter,
    /// 21: Invalid character(s).
    InvalidCharacters,
    /// 22: Invalid service character(s).
    InvalidServiceCharacters,
    /// 23: Unknown interchange sender.
    UnknownSender,
    /// 26: Duplicate detected.
    Duplicate,
    /// 28: References do not match.
    ReferencesDoNotMatch,
    /// 29: Control count does not match number of instances received.
    ControlCountMismatch,
    /// 30: Functional groups and messages mixed.
    GroupsAndMessagesMixed,
    /// 32: Lower level empty.
    LowerLevelEmpty,
    /// 33: Invalid occurrence outside message, package or group.
    OutsideMessage,
    /// 35: Too many segment repetitions (also used for repetitions of a data element).
    TooManyRepetitions,
    /// 39: Data element too long.
    TooLong,
}

impl SyntaxErrorCode {
    /// Every code, for lookups.
    pub const ALL: [SyntaxErrorCode; 21] = [
        SyntaxErrorCode::SyntaxVersionNotSupported,
        SyntaxErrorCode::NotActualRecipient,
        SyntaxErrorCode::InvalidValue,
        SyntaxErrorCode::Missing,
        SyntaxErrorCode::ValueNotSupported,
        SyntaxErrorCode::NotSupportedInPosition,
        SyntaxErrorCode::TooManyConstituents,
        SyntaxErrorCode::Unspecified,
        SyntaxErrorCode::InvalidDecimalNotation,
        SyntaxErrorCode::InvalidServiceCharacter,
        SyntaxErrorCode::InvalidCharacters,
        SyntaxErrorCode::InvalidServiceCharacters,
        SyntaxErrorCode::UnknownSender,
        SyntaxErrorCode::Duplicate,
        SyntaxErrorCode::ReferencesDoNotMatch,
        SyntaxErrorCode::ControlCountMismatch,
        SyntaxErrorCode::GroupsAndMessagesMixed,
        SyntaxErrorCode::LowerLevelEmpty,
        SyntaxErrorCode::OutsideMessage,
        SyntaxErrorCode::TooManyRepetitions,
        SyntaxErrorCode::TooLong,
    ];

    /// The code as written in a CONTRL (`"29"`).
    pub fn code(self) -> &'static str {
        match self {
            SyntaxErrorCode::SyntaxVersionNotSupported => "2",
            SyntaxErrorCode::NotActualRecipient => "7",
            SyntaxErrorCode::InvalidValue => "12",
            SyntaxErrorCode::Missing => "13",
            SyntaxErrorCode::ValueNotSupported => "14",
            SyntaxErrorCode::NotSupportedInPosition => "15",
            SyntaxErrorCode::TooManyConstituents => "16",
            SyntaxErrorCode::Unspecified => "18",
            SyntaxErrorCode::InvalidDecimalNotation => "19",
            SyntaxErrorCode::InvalidServiceCharacter => "20",
            SyntaxErrorCode::InvalidCharacters => "21",
            SyntaxErrorCode::InvalidServiceCharacters => "22",
            SyntaxErrorCode::UnknownSender => "23",
            SyntaxErrorCode::Duplicate => "26",
            SyntaxErrorCode::ReferencesDoNotMatch => "28",
            SyntaxErrorCode::ControlCountMismatch => "29",
            SyntaxErrorCode::GroupsAndMessagesMixed => "30",
            SyntaxErrorCode::LowerLevelEmpty => "32",
            SyntaxErrorCode::OutsideMessage => "33",
            SyntaxErrorCode::TooManyRepetitions => "35",
            SyntaxErrorCode::TooLong => "39",
        }
    }

    /// The code written as `code`, when it is one of ours.
    pub fn from_code(code: &str) -> Option<SyntaxErrorCode> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl std::fmt::Display for SyntaxErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a problem is: a segment, and optionally one of its data elements and components.
///
/// `position` counts segments as CONTRL does at the level the error is recorded on: within a
/// message UNH is 1 (UCS 0096); for interchange and group errors UNB is 1 (UNA is not a segment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The segment tag, such as `UNT` or `QTY`.
    pub tag: String,
    /// The segment's position (see above).
    pub position: usize,
    /// The data element's position in the segment, 1-based (S011 0098), when one is at fault.
    pub element: Option<usize>,
    /// The component's position in that element, 1-based (S011 0104).
    pub component: Option<usize>,
}

impl Location {
    /// The segment `tag` at `position`, no element.
    pub fn segment(tag: &str, position: usize) -> Self {
        Location {
            tag: tag.to_string(),
            position,
            element: None,
            component: None,
        }
    }

    /// Element `element` (and component `component`, when given) of the segment.
    pub fn element(mut self, element: usize, component: Option<usize>) -> Self {
        self.element = Some(element);
        self.component = component;
        self
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (segment {})", self.tag, self.position)?;
        if let Some(e) = self.element {
            write!(f, " element {e}")?;
            if let Some(c) = self.component {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// A syntax error, with the CONTRL code it is reported with ([`SyntaxError::code`]) and where
/// it is ([`SyntaxError::location`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum SyntaxError {
    /// Nothing but whitespace.
    #[error("the interchange is empty")]
    Empty,
    /// The input is larger than the reader accepts.
    #[error("the interchange is {len} bytes, more than the {limit} accepted")]
    TooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The first segment (after any UNA) is not UNB.
    #[error("an interchange must start with UNA or UNB, but it starts with {found:?}")]
    MissingUnb {
        /// The first few characters found instead.
        found: String,
    },
    /// The UNA service string advice cannot be used.
    #[error("UNA service string advice: {reason}")]
    ServiceStringAdvice {
        /// Which rule it breaks.
        reason: String,
    },
    /// The syntax identifier (UNB S001 0001) or version (0002) is not supported.
    #[error(
        "{at}: syntax {identifier}:{version} is not supported (versions 1 to 4 of UNOA to UNOK, and UNOW or UNOY with version 4, are)"
    )]
    UnsupportedSyntax {
        /// Where: component 1 (the identifier) or 2 (the version) of S001.
        at: Location,
        /// 0001 as received.
        identifier: String,
        /// 0002 as received.
        version: String,
    },
    /// A byte that the declared character set (UNOA, UNOB, UNOW/UNOY) does not allow.
    #[error("{at}: byte {byte:#04x} is not allowed in syntax {identifier}")]
    InvalidCharacter {
        /// The segment it is in.
        at: Location,
        /// The syntax identifier.
        identifier: String,
        /// The offending byte.
        byte: u8,
    },
    /// A release character with nothing after it.
    #[error("{at}: the interchange ends with a release character")]
    DanglingRelease {
        /// The unfinished segment.
        at: Location,
    },
    /// A segment tag that is not three letters or digits: the data is not EDIFACT, or a
    /// delimiter is wrong.
    #[error("{at}: {found:?} is not a segment tag")]
    InvalidTag {
        /// Where.
        at: Location,
        /// The text found.
        found: String,
    },
    /// The last segment has no segment terminator: the interchange was probably truncated.
    #[error("{at}: the segment is not terminated; the interchange may have been truncated")]
    Unterminated {
        /// The unterminated segment.
        at: Location,
    },
    /// Too many data elements in a segment, or components in an element.
    #[error("{at}: more than {limit} {what}")]
    TooManyConstituents {
        /// Where.
        at: Location,
        /// `"data elements"` or `"components"`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// Too many repetitions of a data element, or too many segments.
    #[error("{at}: more than {limit} {what}")]
    TooManyRepetitions {
        /// Where.
        at: Location,
        /// `"repetitions"` or `"segments"`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A value longer than any EDIFACT data element.
    #[error("{at}: a value is longer than {limit} characters")]
    TooLong {
        /// Where.
        at: Location,
        /// The limit.
        limit: usize,
    },
    /// The interchange ends without a UNZ trailer: it was probably truncated.
    #[error("the interchange has no UNZ trailer; it may have been truncated in transmission")]
    MissingUnz,
    /// A required segment, element or component is missing.
    #[error("{at}: {what} is required")]
    Missing {
        /// Where it should be (for a missing segment: the last segment before it).
        at: Location,
        /// What is missing, such as `"UNT message trailer"` or `"0062 message reference"`.
        what: String,
    },
    /// A value that breaks its rule.
    #[error("{at}: {rule} (found {value:?})")]
    InvalidValue {
        /// Where.
        at: Location,
        /// The rule broken, such as `"must be a number"`.
        rule: String,
        /// The value found.
        value: String,
    },
    /// A number written with the wrong decimal mark.
    #[error("{at}: {value:?} uses a decimal mark other than {decimal_mark:?}")]
    InvalidDecimal {
        /// Where.
        at: Location,
        /// The value found.
        value: String,
        /// The decimal mark in force.
        decimal_mark: char,
    },
    /// A value that is valid EDIFACT but not supported here (a message version, a code).
    #[error("{at}: {value:?} is not supported here ({rule})")]
    NotSupported {
        /// Where.
        at: Location,
        /// The value.
        value: String,
        /// What is supported.
        rule: String,
    },
    /// A trailer's reference that differs from its header's.
    #[error("{at}: {trailer:?} does not match the header's {header:?}")]
    ReferenceMismatch {
        /// The trailer element.
        at: Location,
        /// The header's reference.
        header: String,
        /// The trailer's reference.
        trailer: String,
    },
    /// A trailer's count that differs from what was received.
    #[error("{at}: says {declared:?} {what} but {actual} were received")]
    CountMismatch {
        /// The trailer element.
        at: Location,
        /// What is counted.
        what: &'static str,
        /// The count declared.
        declared: String,
        /// The count received.
        actual: usize,
    },
    /// A reference used twice where it must be unique.
    #[error("{at}: {reference:?} was already used in this interchange")]
    Duplicate {
        /// Where.
        at: Location,
        /// The reference.
        reference: String,
    },
    /// Both groups (UNG) and messages outside groups.
    #[error("{at}: functional groups and messages outside groups are mixed")]
    GroupsAndMessagesMixed {
        /// The first segment that mixes them.
        at: Location,
    },
    /// An interchange or group with no message.
    #[error("{at}: contains no message")]
    LowerLevelEmpty {
        /// The interchange or group header.
        at: Location,
    },
    /// A segment outside any message (or after UNZ).
    #[error("{at}: occurs outside a message and was ignored")]
    OutsideMessage {
        /// The segment.
        at: Location,
    },
}

impl SyntaxError {
    /// The CONTRL code (0085) this error is reported with.
    pub fn code(&self) -> SyntaxErrorCode {
        use SyntaxErrorCode as C;
        match self {
            SyntaxError::Empty | SyntaxError::MissingUnb { .. } | SyntaxError::MissingUnz => {
                C::Missing
            }
            SyntaxError::Missing { .. } | SyntaxError::Unterminated { .. } => C::Missing,
            SyntaxError::TooLarge { .. } => C::Unspecified,
            SyntaxError::ServiceStringAdvice { .. } => C::InvalidServiceCharacter,
            SyntaxError::UnsupportedSyntax { .. } => C::SyntaxVersionNotSupported,
            SyntaxError::InvalidCharacter { .. } => C::InvalidCharacters,
            SyntaxError::DanglingRelease { .. } => C::InvalidServiceCharacters,
            SyntaxError::InvalidTag { .. } | SyntaxError::InvalidValue { .. } => C::InvalidValue,
            SyntaxError::TooManyConstituents { .. } => C::TooManyConstituents,
            SyntaxError::TooManyRepetitions { .. } => C::TooManyRepetitions,
            SyntaxError::TooLong { .. } => C::TooLong,
            SyntaxError::InvalidDecimal { .. } => C::InvalidDecimalNotation,
            SyntaxError::NotSupported { .. } => C::ValueNotSupported,
            SyntaxError::ReferenceMismatch { .. } => C::ReferencesDoNotMatch,
            SyntaxError::CountMismatch { .. } => C::ControlCountMismatch,
            SyntaxError::Duplicate { .. } => C::Duplicate,
            SyntaxError::GroupsAndMessagesMixed { .. } => C::GroupsAndMessagesMixed,
            SyntaxError::LowerLevelEmpty { .. } => C::LowerLevelEmpty,
            SyntaxError::OutsideMessage { .. } => C::OutsideMessage,
        }
    }

    /// Where the error is, when it is tied to a segment.
    pub fn location(&self) -> Option<&Location> {
        match self {
            SyntaxError::Empty
            | SyntaxError::TooLarge { .. }
            | SyntaxError::MissingUnb { .. }
            | SyntaxError::ServiceStringAdvice { .. }
            | SyntaxError::MissingUnz => None,
            SyntaxError::UnsupportedSyntax { at, .. }
            | SyntaxError::InvalidCharacter { at, .. }
            | SyntaxError::DanglingRelease { at }
            | SyntaxError::InvalidTag { at, .. }
            | SyntaxError::Unterminated { at }
            | SyntaxError::TooManyConstituents { at, .. }
            | SyntaxError::TooManyRepetitions { at, .. }
            | SyntaxError::TooLong { at, .. }
            | SyntaxError::Missing { at, .. }
            | SyntaxError::InvalidValue { at, .. }
            | SyntaxError::InvalidDecimal { at, .. }
            | SyntaxError::NotSupported { at, .. }
            | SyntaxError::ReferenceMismatch { at, .. }
            | SyntaxError::CountMismatch { at, .. }
            | SyntaxError::Duplicate { at, .. }
            | SyntaxError::GroupsAndMessagesMixed { at }
            | SyntaxError::LowerLevelEmpty { at }
            | SyntaxError::OutsideMessage { at } => Some(at),
        }
    }

    /// A missing element (or component) of a segment.
    pub(crate) fn missing(at: Location, what: impl Into<String>) -> Self {
        SyntaxError::Missing {
            at,
            what: what.into(),
        }
    }

    /// A value that breaks `rule`.
    pub(crate) fn invalid(at: Location, rule: impl Into<String>, value: &str) -> Self {
        SyntaxError::InvalidValue {
            at,
            rule: rule.into(),
            value: value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_0085_numbers_and_read_back() {
        assert_eq!(SyntaxErrorCode::ControlCountMismatch.code(), "29");
        assert_eq!(SyntaxErrorCode::TooManyConstituents.code(), "16");
        assert_eq!(SyntaxErrorCode::TooManyRepetitions.code(), "35");
        assert_eq!(SyntaxErrorCode::SyntaxVersionNotSupported.code(), "2");
        for code in SyntaxErrorCode::ALL {
            assert_eq!(SyntaxErrorCode::from_code(code.code()), Some(code));
        }
        assert_eq!(SyntaxErrorCode::from_code("99"), None);
    }

    #[test]
    fn errors_name_their_place_and_code() {
        let e = SyntaxError::CountMismatch {
            at: Location::segment("UNT", 9).element(1, None),
            what: "segments",
            declared: "8".into(),
            actual: 9,
        };
        assert_eq!(
            e.to_string(),
            "UNT (segment 9) element 1: says \"8\" segments but 9 were received"
        );
        assert_eq!(e.code().code(), "29");
        assert_eq!(e.location().unwrap().position, 9);
        assert_eq!(SyntaxError::MissingUnz.code(), SyntaxErrorCode::Missing);
        let at = Location::segment("QTY", 4).element(1, Some(2));
        assert_eq!(at.to_string(), "QTY (segment 4) element 1:2");
    }
}
