//! The 997 functional acknowledgment, as received from a partner; a 999 implementation
//! acknowledgment reads the same way (its IK3/IK4/IK5 stand where the 997 has AK3/AK4/AK5).

use serde::Serialize;

use super::values::{At, missing_segment};
use crate::error::SetError;
use crate::interchange::TransactionSet;
use crate::segment::Segment;

/// An AK3 note and its AK4 element notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentErrorNote {
    /// AK301, the segment id in error.
    pub segment_id: String,
    /// AK302, its position in the set.
    pub position: String,
    /// AK304, the segment syntax error code.
    pub code: String,
    /// The AK4 segments: (AK401 position, AK403 code, AK404 bad value).
    pub elements: Vec<(String, String, String)>,
}

/// The acknowledgment of one transaction set (AK2 … AK5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAck {
    /// AK201, the acknowledged set's id.
    pub set_id: String,
    /// AK202, the acknowledged set's control number.
    pub control_number: String,
    /// AK3/AK4 notes.
    pub notes: Vec<SegmentErrorNote>,
    /// AK501: `A` accepted, `E` accepted with errors, `R` rejected.
    pub status: String,
    /// AK502–AK506, the syntax error codes.
    pub codes: Vec<String>,
}

/// A functional acknowledgment (997).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionalAck {
    /// AK101, the acknowledged group's functional id.
    pub functional_id: String,
    /// AK102, the acknowledged group's control number.
    pub group_control_number: String,
    /// The AK2 loops.
    pub sets: Vec<SetAck>,
    /// AK901: `A`, `E`, `P` partially accepted, `R`.
    pub group_status: String,
    /// AK902, AK903, AK904: sets included, received, accepted (as sent).
    pub counts: (String, String, String),
    /// AK905–AK909, the group error codes.
    pub group_codes: Vec<String>,
    /// Segments not read into fields, kept as they came.
    pub other_segments: Vec<Segment>,
}

impl FunctionalAck {
    /// Reads a 997 or a 999.
    pub fn read(set: &TransactionSet) -> Result<FunctionalAck, Vec<SetError>> {
        let mut errors = Vec::new();
        let mut ack = FunctionalAck {
            functional_id: String::new(),
            group_control_number: String::new(),
            sets: Vec::new(),
            group_status: String::new(),
            counts: Default::default(),
            group_codes: Vec::new(),
            other_segments: Vec::new(),
        };
        let mut seen_ak1 = false;
        for (index, segment) in set.segments.iter().enumerate() {
            let at = At::new(segment, index, set);
            match segment.id() {
                "AK1" if !seen_ak1 => {
                    seen_ak1 = true;
                    ack.functional_id = at.required(1, &mut errors);
                    ack.group_control_number = at.required(2, &mut errors);
                }
                "AK2" => ack.sets.push(SetAck {
                    set_id: at.string(1),
                    control_number: at.string(2),
                    notes: Vec::new(),
                    status: String::new(),
                    codes: Vec::new(),
                }),
                "AK3" | "IK3" if !ack.sets.is_empty() => {
                    if let Some(set) = ack.sets.last_mut() {
                        set.notes.push(SegmentErrorNote {
                            segment_id: at.string(1),
                            position: at.string(2),
                            code: at.string(4),
                            elements: Vec::new(),
                        });
                    }
                }
                "AK4" | "IK4" if ack.sets.last().is_some_and(|s| !s.notes.is_empty()) => {
                    if let Some(note) = ack.sets.last_mut().and_then(|s| s.notes.last_mut()) {
                        note.elements
                            .push((at.string(1), at.string(3), at.string(4)));
                    }
                }
                "AK5" | "IK5" if !ack.sets.is_empty() => {
                    if let Some(set) = ack.sets.last_mut() {
                        set.status = at.required(1, &mut errors);
                        set.codes = codes(at, 2..=6);
                    }
                }
                "AK9" => {
                    ack.group_status = at.required(1, &mut errors);
                    ack.counts = (at.string(2), at.string(3), at.string(4));
                    ack.group_codes = codes(at, 5..=9);
                }
                _ => ack.other_segments.push(segment.clone()),
            }
        }
        if !seen_ak1 {
            errors.push(missing_segment("AK1", "functional group response header"));
        }
        if errors.is_empty() {
            Ok(ack)
        } else {
            Err(errors)
        }
    }
}

fn codes(at: At<'_>, range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range
        .map(|n| at.string(n))
        .filter(|c| !c.is_empty())
        .collect()
}
