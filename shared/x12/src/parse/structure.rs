//! Assembling segments into groups and sets, checking every envelope on the way.

use crate::error::{EnvelopeError, InterchangeError, SetError, envelope_codes, set_codes};
use crate::interchange::{FunctionalGroup, InterchangeHeader, TransactionSet};
use crate::segment::Segment;

/// Groups, interchange-level errors and the TA1 segments that precede the first group.
type Assembled = (Vec<FunctionalGroup>, Vec<EnvelopeError>, Vec<Segment>);

/// Where the parser is: which envelopes are open.
#[derive(Default)]
struct State {
    groups: Vec<FunctionalGroup>,
    errors: Vec<EnvelopeError>,
    /// TA1 interchange acknowledgments: X12 puts them after the ISA, before any group.
    interchange_acks: Vec<Segment>,
    group: Option<FunctionalGroup>,
    set: Option<TransactionSet>,
    /// A stray segment was already reported since the last valid envelope segment; one report
    /// per run of strays is enough for a person to find them.
    stray_reported: bool,
    /// Segments in the last set closed: sets of one interchange tend to be alike, so the next
    /// set starts with room for as many (capped) instead of growing to it a doubling at a time.
    last_set_len: usize,
}

/// The most segments a set is given room for before it has any: about a 500-line 850.
const SET_CAPACITY_HINT: usize = 2048;

/// Builds the groups from the segments after the ISA, as the tokenizer gives them. Fails when
/// a segment is refused (anywhere, even after the IEA) or when there is no IEA.
pub(super) fn assemble(
    segments: impl Iterator<Item = Result<Segment, InterchangeError>>,
    header: &InterchangeHeader,
) -> Result<Assembled, InterchangeError> {
    let mut state = State::default();
    let mut segments = segments.into_iter();
    let mut iea = None;
    for segment in segments.by_ref() {
        let segment = segment?;
        match segment.id() {
            "TA1" if state.group.is_none() && state.groups.is_empty() => {
                state.interchange_acks.push(segment);
            }
            "GS" => state.open_group(&segment),
            "ST" => state.open_set(segment),
            "SE" => state.close_set(&segment),
            "GE" => state.close_group(&segment),
            "IEA" => {
                iea = Some(segment);
                break;
            }
            _ => state.body_segment(segment),
        }
    }
    let Some(iea) = iea else {
        return Err(InterchangeError::MissingIea);
    };
    state.finish_open_envelopes("IEA");
    // Every segment is checked, those after the IEA too, before the interchange is accepted.
    let mut after_iea = false;
    for segment in segments {
        segment?;
        after_iea = true;
    }
    if after_iea {
        state.errors.push(EnvelopeError::new(
            envelope_codes::INVALID_CONTROL_STRUCTURE,
            "segments after the IEA trailer were ignored",
        ));
    }
    let declared = iea.trimmed(1);
    if declared.parse::<usize>().ok() != Some(state.groups.len()) {
        state.errors.push(EnvelopeError::new(
            envelope_codes::INTERCHANGE_COUNT_MISMATCH,
            format!(
                "IEA01 says {declared:?} functional groups but the interchange has {}",
                state.groups.len()
            ),
        ));
    }
    if iea.trimmed(2) != header.control_number {
        state.errors.push(EnvelopeError::new(
            envelope_codes::INTERCHANGE_CONTROL_MISMATCH,
            format!(
                "IEA02 control number {:?} does not match ISA13 {:?}",
                iea.trimmed(2),
                header.control_number
            ),
        ));
    }
    Ok((state.groups, state.errors, state.interchange_acks))
}

impl State {
    fn open_group(&mut self, gs: &Segment) {
        self.finish_open_envelopes("GS");
        self.stray_reported = false;
        let control_number = gs.trimmed(6).to_string();
        let mut errors = Vec::new();
        // Without a well-formed GS06 the group cannot be told apart from another (a 997's AK102
        // names it), so the group is refused rather than read as if it were numbered.
        let digits = control_number.bytes().all(|b| b.is_ascii_digit());
        if !(1..=9).contains(&control_number.len()) || !digits {
            errors.push(EnvelopeError::new(
                envelope_codes::GROUP_CONTROL_SYNTAX,
                format!("GS06 must be a control number of 1 to 9 digits, found {control_number:?}"),
            ));
        }
        self.group = Some(FunctionalGroup {
            functional_id: gs.trimmed(1).to_string(),
            application_sender: gs.trimmed(2).to_string(),
            application_receiver: gs.trimmed(3).to_string(),
            date: gs.trimmed(4).to_string(),
            time: gs.trimmed(5).to_string(),
            control_number,
            version: gs.trimmed(8).to_string(),
            transaction_sets: Vec::new(),
            declared_set_count: None,
            errors,
        });
    }

    fn open_set(&mut self, st: Segment) {
        if self.group.is_none() {
            self.stray(&st);
            return;
        }
        self.close_set_without_trailer("ST");
        self.stray_reported = false;
        let id = st.trimmed(1).to_string();
        let control_number = st.trimmed(2).to_string();
        let mut errors = Vec::new();
        if id.len() != 3 || !id.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(SetError::new(
                set_codes::INVALID_SET_ID,
                format!("ST01 must be a 3-digit transaction set id, found {id:?}"),
            ));
        }
        if !(4..=9).contains(&control_number.len()) {
            errors.push(SetError::new(
                set_codes::INVALID_CONTROL_NUMBER,
                format!(
                    "ST02 must be a control number of 4 to 9 characters, found {control_number:?}"
                ),
            ));
        }
        let version = self
            .group
            .as_ref()
            .map(|g| g.version.clone())
            .unwrap_or_default();
        self.set = Some(TransactionSet {
            id,
            control_number,
            version,
            segments: Vec::with_capacity(self.last_set_len.min(SET_CAPACITY_HINT)),
            errors,
        });
    }

    fn close_set(&mut self, se: &Segment) {
        let Some(mut set) = self.set.take() else {
            self.stray(se);
            return;
        };
        // The count includes ST and SE, which are not kept in `segments`.
        let actual = set.segments.len().saturating_add(2);
        let declared = se.trimmed(1);
        if declared.parse::<usize>().ok() != Some(actual) {
            set.errors.push(SetError::new(
                set_codes::SEGMENT_COUNT_MISMATCH,
                format!(
                    "SE01 says {declared:?} segments but set {} has {actual} (counting ST and SE)",
                    set.control_number
                ),
            ));
        }
        if se.trimmed(2) != set.control_number {
            set.errors.push(SetError::new(
                set_codes::CONTROL_MISMATCH,
                format!(
                    "SE02 control number {:?} does not match ST02 {:?}",
                    se.trimmed(2),
                    set.control_number
                ),
            ));
        }
        self.push_set(set);
    }

    fn close_group(&mut self, ge: &Segment) {
        if self.group.is_none() {
            self.stray(ge);
            return;
        }
        self.close_set_without_trailer("GE");
        let Some(mut group) = self.group.take() else {
            return;
        };
        let actual = group.transaction_sets.len();
        let declared = ge.trimmed(1);
        group.declared_set_count = declared.parse().ok();
        if declared.parse::<usize>().ok() != Some(actual) {
            group.errors.push(EnvelopeError::new(
                envelope_codes::GROUP_COUNT_MISMATCH,
                format!(
                    "GE01 says {declared:?} transaction sets but group {} has {actual}",
                    group.control_number
                ),
            ));
        }
        if ge.trimmed(2) != group.control_number {
            group.errors.push(EnvelopeError::new(
                envelope_codes::GROUP_CONTROL_MISMATCH,
                format!(
                    "GE02 control number {:?} does not match GS06 {:?}",
                    ge.trimmed(2),
                    group.control_number
                ),
            ));
        }
        self.groups.push(group);
    }

    fn body_segment(&mut self, segment: Segment) {
        match self.set.as_mut() {
            Some(set) => set.segments.push(segment),
            None => self.stray(&segment),
        }
    }

    /// Closes a set and a group still open when `next` (GS or IEA) arrives.
    fn finish_open_envelopes(&mut self, next: &str) {
        self.close_set_without_trailer(next);
        if let Some(mut group) = self.group.take() {
            group.errors.push(EnvelopeError::new(
                envelope_codes::GROUP_TRAILER_MISSING,
                format!(
                    "functional group {} has no GE trailer before {next}",
                    group.control_number
                ),
            ));
            self.groups.push(group);
        }
    }

    fn close_set_without_trailer(&mut self, next: &str) {
        if let Some(mut set) = self.set.take() {
            set.errors.push(SetError::new(
                set_codes::TRAILER_MISSING,
                format!(
                    "transaction set {} has no SE trailer before {next}",
                    set.control_number
                ),
            ));
            self.push_set(set);
        }
    }

    fn push_set(&mut self, mut set: TransactionSet) {
        // A set's segments are kept as long as the interchange: give back the spare capacity
        // that growing the vector left (up to half of it).
        self.last_set_len = set.segments.len();
        set.segments.shrink_to_fit();
        if let Some(group) = self.group.as_mut() {
            group.transaction_sets.push(set);
        }
    }

    fn stray(&mut self, segment: &Segment) {
        if self.stray_reported {
            return;
        }
        self.stray_reported = true;
        let place = if self.group.is_some() {
            "between transaction sets"
        } else {
            "outside a functional group"
        };
        self.errors.push(EnvelopeError::new(
            envelope_codes::INVALID_CONTROL_STRUCTURE,
            format!("segment {} {place} was ignored", segment.id()),
        ));
    }
}
