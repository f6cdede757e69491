//! What can be wrong with an interchange, at each level.
//!
//! Only an [`InterchangeError`] stops the parse: the bytes cannot be read as an interchange at
//! all. Everything else is recorded where it happened ([`EnvelopeError`] on the interchange or a
//! group, [`SetError`] on a transaction set) with the code the 997 reports it with, so the
//! partner learns what to fix.

use serde::Serialize;

/// The input cannot be read as an X12 interchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterchangeError {
    /// Nothing but whitespace.
    #[error("the interchange is empty")]
    Empty,
    /// The first segment is not ISA.
    #[error("an interchange must start with ISA, but it starts with {found:?}")]
    NotIsa {
        /// The first few characters found instead.
        found: String,
    },
    /// Fewer than the 106 bytes of the fixed-length ISA segment.
    #[error("the ISA segment is fixed at 106 bytes, but only {len} bytes were received")]
    TooShort {
        /// Bytes received after any leading whitespace.
        len: usize,
    },
    /// The ISA segment is not laid out at its fixed width.
    #[error(
        "the ISA segment is not fixed-length: expected the element separator {separator:?} at byte {position} (ISA{element:02} has a fixed width)"
    )]
    IsaLayout {
        /// The element separator (byte 3).
        separator: char,
        /// The byte offset where it was expected.
        position: usize,
        /// The ISA element that should end there.
        element: usize,
    },
    /// The delimiters declared by the ISA cannot be used.
    #[error("invalid delimiters in ISA: {reason}")]
    Delimiters {
        /// Which rule they break.
        reason: String,
        /// The TA1 note code of the delimiter at fault (see [`ta1_codes`]).
        note: &'static str,
    },
    /// An ISA element has an invalid value.
    #[error("ISA{element:02} {reason} (found {found:?})")]
    IsaField {
        /// The ISA element number (13 for ISA13).
        element: usize,
        /// The rule broken, such as "must be 9 digits".
        reason: &'static str,
        /// The value found.
        found: String,
    },
    /// The interchange ends without an IEA trailer: it was probably truncated.
    #[error("the interchange has no IEA trailer; it may have been truncated in transmission")]
    MissingIea,
    /// The last segment is not closed by the segment terminator: it was probably truncated.
    #[error(
        "the last segment ({tag}) is not ended by the segment terminator {terminator:?}; it may have been truncated"
    )]
    Unterminated {
        /// The unterminated segment's tag.
        tag: String,
        /// The terminator the ISA declared.
        terminator: char,
    },
    /// Beyond what any X12 document needs ([`crate::parse::limits`]): refused before it is
    /// read further, so that no interchange costs more than its size.
    #[error("segment {position} ({tag}) {what}, more than the {limit} any X12 document needs")]
    TooLarge {
        /// Which bound ("has 100001 elements").
        what: String,
        /// The bound.
        limit: usize,
        /// The segment's tag.
        tag: String,
        /// 1-based segment position after the ISA.
        position: usize,
    },
    /// A control character (other than the declared delimiters) inside the data: X12's
    /// character sets have none, and the ERP or a label printer would take it as something else.
    #[error(
        "segment {position} ({tag}) holds the control character {byte:#04x}, which no X12 character set allows"
    )]
    ControlCharacter {
        /// The byte.
        byte: u8,
        /// The segment's tag.
        tag: String,
        /// 1-based segment position after the ISA.
        position: usize,
    },
}

impl InterchangeError {
    /// The TA1 interchange note code (TA105, data element I18) that reports this error.
    pub fn note_code(&self) -> &'static str {
        match self {
            // Nothing or too little arrived: the transmission ended early.
            InterchangeError::Empty
            | InterchangeError::TooShort { .. }
            | InterchangeError::MissingIea
            | InterchangeError::Unterminated { .. } => ta1_codes::PREMATURE_END,
            InterchangeError::TooLarge { .. } | InterchangeError::ControlCharacter { .. } => {
                ta1_codes::INVALID_CONTENT
            }
            InterchangeError::NotIsa { .. } => ta1_codes::INVALID_CONTROL_STRUCTURE,
            // The separator is missing where ISA`element` should end: that field has the
            // wrong width. Element 0 is the separator right after `ISA` itself.
            InterchangeError::IsaLayout { element: 0, .. } => ta1_codes::INVALID_ELEMENT_SEPARATOR,
            InterchangeError::IsaLayout { element, .. } => ta1_codes::for_isa_element(*element),
            InterchangeError::Delimiters { note, .. } => note,
            InterchangeError::IsaField { element, .. } => ta1_codes::for_isa_element(*element),
        }
    }
}

/// TA1 interchange note codes (TA105, X12 data element I18).
pub mod ta1_codes {
    /// 000: No error.
    pub const NO_ERROR: &str = "000";
    /// 001: The Interchange Control Number in the Header and Trailer Do Not Match. The Value
    /// From the Header is Used in the Acknowledgment.
    pub const CONTROL_NUMBER_MISMATCH: &str = "001";
    /// 004: The Segment Terminator is Invalid.
    pub const INVALID_SEGMENT_TERMINATOR: &str = "004";
    /// 005: Invalid Interchange ID Qualifier for Sender.
    pub const INVALID_SENDER_QUALIFIER: &str = "005";
    /// 006: Invalid Interchange Sender ID.
    pub const INVALID_SENDER_ID: &str = "006";
    /// 007: Invalid Interchange ID Qualifier for Receiver.
    pub const INVALID_RECEIVER_QUALIFIER: &str = "007";
    /// 008: Invalid Interchange Receiver ID.
    pub const INVALID_RECEIVER_ID: &str = "008";
    /// 010: Invalid Authorization Information Qualifier Value.
    pub const INVALID_AUTHORIZATION_QUALIFIER: &str = "010";
    /// 011: Invalid Authorization Information Value.
    pub const INVALID_AUTHORIZATION: &str = "011";
    /// 012: Invalid Security Information Qualifier Value.
    pub const INVALID_SECURITY_QUALIFIER: &str = "012";
    /// 013: Invalid Security Information Value.
    pub const INVALID_SECURITY: &str = "013";
    /// 014: Invalid Interchange Date Value.
    pub const INVALID_DATE: &str = "014";
    /// 015: Invalid Interchange Time Value.
    pub const INVALID_TIME: &str = "015";
    /// 016: Invalid Interchange Standards Identifier Value (ISA11; from 00402 the repetition
    /// separator).
    pub const INVALID_STANDARDS_IDENTIFIER: &str = "016";
    /// 017: Invalid Interchange Version ID Value.
    pub const INVALID_VERSION: &str = "017";
    /// 018: Invalid Interchange Control Number Value.
    pub const INVALID_CONTROL_NUMBER: &str = "018";
    /// 019: Invalid Acknowledgment Requested Value.
    pub const INVALID_ACK_REQUESTED: &str = "019";
    /// 020: Invalid Test Indicator Value.
    pub const INVALID_TEST_INDICATOR: &str = "020";
    /// 021: Invalid Number of Included Groups Value.
    pub const GROUP_COUNT_MISMATCH: &str = "021";
    /// 022: Invalid Control Structure.
    pub const INVALID_CONTROL_STRUCTURE: &str = "022";
    /// 023: Improper (Premature) End-of-File (Transmission).
    pub const PREMATURE_END: &str = "023";
    /// 024: Invalid Interchange Content (e.g., Invalid GS Segment).
    pub const INVALID_CONTENT: &str = "024";
    /// 025: Duplicate Interchange Control Number.
    pub const DUPLICATE_CONTROL_NUMBER: &str = "025";
    /// 026: Invalid Data Element Separator.
    pub const INVALID_ELEMENT_SEPARATOR: &str = "026";
    /// 027: Invalid Component Element Separator.
    pub const INVALID_COMPONENT_SEPARATOR: &str = "027";

    /// The code for an invalid ISA`element` (1 to 16).
    pub fn for_isa_element(element: usize) -> &'static str {
        match element {
            1 => INVALID_AUTHORIZATION_QUALIFIER,
            2 => INVALID_AUTHORIZATION,
            3 => INVALID_SECURITY_QUALIFIER,
            4 => INVALID_SECURITY,
            5 => INVALID_SENDER_QUALIFIER,
            6 => INVALID_SENDER_ID,
            7 => INVALID_RECEIVER_QUALIFIER,
            8 => INVALID_RECEIVER_ID,
            9 => INVALID_DATE,
            10 => INVALID_TIME,
            11 => INVALID_STANDARDS_IDENTIFIER,
            12 => INVALID_VERSION,
            13 => INVALID_CONTROL_NUMBER,
            14 => INVALID_ACK_REQUESTED,
            15 => INVALID_TEST_INDICATOR,
            16 => INVALID_COMPONENT_SEPARATOR,
            _ => INVALID_CONTROL_STRUCTURE,
        }
    }
}

/// Codes for [`EnvelopeError::code`]: AK905 for groups, TA1 (I18) for the interchange.
pub mod envelope_codes {
    /// AK905 3: Functional Group Trailer Missing.
    pub const GROUP_TRAILER_MISSING: &str = "3";
    /// AK905 4: Group Control Number in the Functional Group Header and Trailer Do Not Agree.
    pub const GROUP_CONTROL_MISMATCH: &str = "4";
    /// AK905 5: Number of Included Transaction Sets Does Not Match Actual Count.
    pub const GROUP_COUNT_MISMATCH: &str = "5";
    /// AK905 6: Group Control Number Violates Syntax (GS06 must be 1 to 9 digits).
    pub const GROUP_CONTROL_SYNTAX: &str = "6";
    /// TA1 001: The Interchange Control Number in the Header and Trailer Do Not Match.
    pub const INTERCHANGE_CONTROL_MISMATCH: &str = super::ta1_codes::CONTROL_NUMBER_MISMATCH;
    /// TA1 021: Invalid Number of Included Groups Value.
    pub const INTERCHANGE_COUNT_MISMATCH: &str = super::ta1_codes::GROUP_COUNT_MISMATCH;
    /// TA1 022: Invalid Control Structure (segments outside the envelopes they belong in).
    pub const INVALID_CONTROL_STRUCTURE: &str = super::ta1_codes::INVALID_CONTROL_STRUCTURE;
}

/// Codes for [`SetError::code`]: the AK502 (IK502) transaction set syntax error codes.
pub mod set_codes {
    /// 1: Transaction Set Not Supported.
    pub const NOT_SUPPORTED: &str = "1";
    /// 2: Transaction Set Trailer Missing.
    pub const TRAILER_MISSING: &str = "2";
    /// 3: Transaction Set Control Number in Header and Trailer Do Not Match.
    pub const CONTROL_MISMATCH: &str = "3";
    /// 4: Number of Included Segments Does Not Match Actual Count.
    pub const SEGMENT_COUNT_MISMATCH: &str = "4";
    /// 5: One or More Segments in Error.
    pub const SEGMENTS_IN_ERROR: &str = "5";
    /// 6: Missing or Invalid Transaction Set Identifier.
    pub const INVALID_SET_ID: &str = "6";
    /// 7: Missing or Invalid Transaction Set Control Number.
    pub const INVALID_CONTROL_NUMBER: &str = "7";
}

/// Codes for [`SegmentNote::code`] (AK304) and [`ElementNote::code`] (AK403).
pub mod note_codes {
    /// AK304 3: Mandatory Segment Missing.
    pub const MANDATORY_SEGMENT_MISSING: &str = "3";
    /// AK304 8: Segment Has Data Element Errors.
    pub const SEGMENT_HAS_ELEMENT_ERRORS: &str = "8";
    /// AK403 1: Mandatory Data Element Missing.
    pub const MANDATORY_ELEMENT_MISSING: &str = "1";
    /// AK403 6: Invalid Character in Data Element.
    pub const INVALID_CHARACTER: &str = "6";
    /// AK403 7: Invalid Code Value (also used for a value that contradicts the document).
    pub const INVALID_VALUE: &str = "7";
    /// AK403 8: Invalid Date.
    pub const INVALID_DATE: &str = "8";
}

/// A problem with the interchange or group envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvelopeError {
    /// AK905 code for a group error, TA1 code for an interchange error (see [`envelope_codes`]).
    pub code: String,
    /// What is wrong, for a person.
    pub reason: String,
}

impl EnvelopeError {
    /// An envelope error with `code` and `reason`.
    pub fn new(code: &str, reason: impl Into<String>) -> Self {
        EnvelopeError {
            code: code.to_string(),
            reason: reason.into(),
        }
    }
}

/// Where in a transaction set a problem is, for the 997's AK3 segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentNote {
    /// The segment id (AK301).
    pub segment_id: String,
    /// The segment's position in the set, ST being 1 (AK302).
    pub position: usize,
    /// The segment syntax error code (AK304, see [`note_codes`]).
    pub code: String,
    /// The element in error, when one is (AK4).
    pub element: Option<ElementNote>,
}

/// Which element of a segment is wrong, for the 997's AK4 segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementNote {
    /// The element's position in the segment, 1-based (AK401).
    pub position: usize,
    /// The element syntax error code (AK403, see [`note_codes`]).
    pub code: String,
    /// A copy of the bad value (AK404), when there was one.
    pub value: Option<String>,
}

/// A problem with one transaction set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetError {
    /// The AK502 code (see [`set_codes`]).
    pub code: String,
    /// What is wrong, for a person (for example "PO102 must be a number").
    pub reason: String,
    /// The segment (and element) at fault, when there is one. Boxed to keep `Result`s that
    /// carry a `SetError` small.
    pub segment: Option<Box<SegmentNote>>,
}

impl SetError {
    /// A set error with `code` and `reason`, not tied to a segment.
    pub fn new(code: &str, reason: impl Into<String>) -> Self {
        SetError {
            code: code.to_string(),
            reason: reason.into(),
            segment: None,
        }
    }

    /// Ties the error to a segment.
    pub fn at(mut self, note: SegmentNote) -> Self {
        self.segment = Some(Box::new(note));
        self
    }
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.reason, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_errors_read_as_sentences() {
        let e = InterchangeError::IsaField {
            element: 13,
            reason: "must be 9 digits",
            found: "12A".into(),
        };
        assert_eq!(e.to_string(), "ISA13 must be 9 digits (found \"12A\")");
        assert!(InterchangeError::MissingIea.to_string().contains("IEA"));
    }

    #[test]
    fn set_errors_show_reason_and_code() {
        let e = SetError::new(set_codes::SEGMENTS_IN_ERROR, "PO102 must be a number");
        assert_eq!(e.to_string(), "PO102 must be a number (code 5)");
    }
}
