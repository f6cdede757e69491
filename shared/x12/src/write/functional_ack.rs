//! The 997 functional acknowledgment (and the 999 implementation acknowledgment) of a received
//! interchange.
//!
//! Layout: one GS*FA group per received functional group, each holding one 997 (999) that
//! acknowledges it. X12 defines a 997 as the answer to one functional group, and giving each its
//! own group keeps the GS sender/receiver and version exactly mirrored even when the received
//! groups differ. Group control numbers count up from [`ControlNumbers::group`].

use chrono::NaiveDateTime;
use serde::Serialize;

use super::envelope::{ControlNumbers, PartnerId};
use super::render::{GroupOut, IsaOut, Out, SetOut, interchange, seg};
use crate::error::{SetError, set_codes};
use crate::interchange::{FunctionalGroup, Interchange, TransactionSet};

/// Most codes AK5 (AK502–AK506) and AK9 (AK905–AK909) can carry.
const MAX_CODES: usize = 5;

/// What the receiver decided about one set (AK501).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SetStatus {
    /// `A`: accepted.
    Accepted,
    /// `E`: accepted, but errors were noted.
    AcceptedWithErrors,
    /// `R`: rejected.
    Rejected,
}

impl SetStatus {
    /// The AK501 code.
    pub fn code(self) -> &'static str {
        match self {
            SetStatus::Accepted => "A",
            SetStatus::AcceptedWithErrors => "E",
            SetStatus::Rejected => "R",
        }
    }
}

/// The outcome for one received transaction set, identified by its place in the interchange.
///
/// Start from [`SetResult::from_parser`], then add business rejections (an unknown SKU
/// qualifier, a document the reader refused) with [`SetResult::reject`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetResult {
    /// Index of the group in [`Interchange::groups`].
    pub group_index: usize,
    /// Index of the set in [`FunctionalGroup::transaction_sets`].
    pub set_index: usize,
    /// The decision.
    pub status: SetStatus,
    /// Why, reported as AK3/AK4 notes and AK5 codes.
    pub errors: Vec<SetError>,
}

impl SetResult {
    /// One result per received set, derived from the parser's findings: rejected when the set
    /// has errors, accepted otherwise.
    pub fn from_parser(received: &Interchange) -> Vec<SetResult> {
        received
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| {
                // A group the 997 rejects (AK9 R) takes its sets with it: a partner told the
                // group was refused resends it whole, so nothing in it may have become an order.
                let group_refused = !group.errors.is_empty();
                group
                    .transaction_sets
                    .iter()
                    .enumerate()
                    .map(move |(s, set)| {
                        let mut result = SetResult::for_set(g, s, set);
                        if group_refused {
                            result.status = SetStatus::Rejected;
                        }
                        result
                    })
            })
            .collect()
    }

    /// The parser's verdict on one set.
    pub fn for_set(group_index: usize, set_index: usize, set: &TransactionSet) -> SetResult {
        SetResult {
            group_index,
            set_index,
            status: if set.errors.is_empty() {
                SetStatus::Accepted
            } else {
                SetStatus::Rejected
            },
            errors: set.errors.clone(),
        }
    }

    /// Rejects the set for `error` (in addition to any earlier reasons).
    pub fn reject(&mut self, error: SetError) {
        self.status = SetStatus::Rejected;
        self.errors.push(error);
    }
}

/// Which acknowledgment a partner gets for its functional groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum AckKind {
    /// The 997 functional acknowledgment, in each received group's own version.
    #[default]
    FunctionalAck,
    /// The 999 implementation acknowledgment (005010X231A1), always in version 005010.
    ImplementationAck,
}

impl AckKind {
    /// The transaction set id written: `997` or `999`.
    pub fn set_id(self) -> &'static str {
        match self {
            AckKind::FunctionalAck => "997",
            AckKind::ImplementationAck => "999",
        }
    }
}

/// GS08 and ST03 of a 999: the X12 implementation guide 005010X231 with its errata A1, the
/// version trading partners (HIPAA among them) exchange.
pub const IMPLEMENTATION_ACK_VERSION: &str = "005010X231A1";

/// Writes the 997 interchange acknowledging `received`, or `None` when nothing in it may be
/// acknowledged.
///
/// Sender and receiver are swapped relative to the received ISA (we answer as `ours`), the
/// received delimiters and ISA12 are reused, each group's 997 is written in that group's
/// version (GS08, and the element rules that go with it: AK103 only from 005010, GS04 of six
/// digits before 004010), and ISA15 mirrors the received usage so a test interchange gets a
/// test answer. Sets without an entry in `set_results` are judged by the parser's findings
/// alone. Groups of acknowledgments (997, 999: see [`FunctionalGroup::is_acknowledgment`]) are
/// never acknowledged, as X12 requires; an interchange holding nothing else gets no 997.
pub fn functional_acknowledgment(
    received: &Interchange,
    ours: &PartnerId,
    control: ControlNumbers,
    now: NaiveDateTime,
    set_results: &[SetResult],
) -> Option<String> {
    acknowledgment(
        AckKind::FunctionalAck,
        received,
        ours,
        control,
        now,
        set_results,
    )
}

/// Writes the 999 interchange acknowledging `received` (see [`functional_acknowledgment`] for
/// what is mirrored): ISA12 00501, GS08 and ST03 [`IMPLEMENTATION_ACK_VERSION`], AK103 naming
/// each received group's version, IK3/IK4/IK5 in place of AK3/AK4/AK5.
pub fn implementation_acknowledgment(
    received: &Interchange,
    ours: &PartnerId,
    control: ControlNumbers,
    now: NaiveDateTime,
    set_results: &[SetResult],
) -> Option<String> {
    acknowledgment(
        AckKind::ImplementationAck,
        received,
        ours,
        control,
        now,
        set_results,
    )
}

/// Writes the `kind` acknowledgment of `received`; `None` when no group needs one.
pub fn acknowledgment(
    kind: AckKind,
    received: &Interchange,
    ours: &PartnerId,
    control: ControlNumbers,
    now: NaiveDateTime,
    set_results: &[SetResult],
) -> Option<String> {
    let header = &received.header;
    let partner = PartnerId::new(&header.sender_qualifier, &header.sender_id);
    let groups = received
        .groups
        .iter()
        .enumerate()
        .filter(|(_, group)| !group.is_acknowledgment())
        .enumerate()
        .map(|(written, (g, group))| {
            let results: Vec<SetResult> = group
                .transaction_sets
                .iter()
                .enumerate()
                .map(|(s, set)| {
                    set_results
                        .iter()
                        .find(|r| r.group_index == g && r.set_index == s)
                        .cloned()
                        .unwrap_or_else(|| SetResult::for_set(g, s, set))
                })
                .collect();
            let received_version = if group.version.is_empty() {
                "004010".to_string()
            } else {
                group.version.clone()
            };
            let (version, convention) = match kind {
                AckKind::FunctionalAck => (received_version.clone(), ""),
                AckKind::ImplementationAck => (
                    IMPLEMENTATION_ACK_VERSION.to_string(),
                    IMPLEMENTATION_ACK_VERSION,
                ),
            };
            GroupOut {
                functional_id: "FA",
                application_sender: group.application_receiver.clone(),
                application_receiver: group.application_sender.clone(),
                control: control
                    .group
                    .wrapping_add(u32::try_from(written).unwrap_or(u32::MAX)),
                version,
                sets: vec![SetOut {
                    id: kind.set_id(),
                    convention,
                    body: acknowledge_group(kind, group, &received_version, &results),
                }],
            }
        })
        .collect::<Vec<_>>();
    if groups.is_empty() {
        return None;
    }
    let version = match kind {
        AckKind::FunctionalAck => header.version.as_str(),
        // A 999 exists only in 005010, whose envelope is 00501.
        AckKind::ImplementationAck => "00501",
    };
    let d = received.delimiters.for_version(version);
    Some(interchange(
        &d,
        &IsaOut {
            sender: ours,
            receiver: &partner,
            version,
            control: control.interchange,
            usage: &header.usage_indicator,
            now,
        },
        &groups,
    ))
}

/// AK1, an AK2 loop per set, AK9; the 999 names its notes IK3/IK4/IK5.
fn acknowledge_group(
    kind: AckKind,
    group: &FunctionalGroup,
    received_version: &str,
    results: &[SetResult],
) -> Vec<Out> {
    let with_ak103 =
        kind == AckKind::ImplementationAck || crate::version::with_ak103(received_version);
    let (segment_note, element_note, set_response) = match kind {
        AckKind::FunctionalAck => ("AK3", "AK4", "AK5"),
        AckKind::ImplementationAck => ("IK3", "IK4", "IK5"),
    };
    let mut body = vec![if with_ak103 {
        seg!(
            "AK1",
            group.functional_id,
            group.control_number,
            received_version
        )
    } else {
        seg!("AK1", group.functional_id, group.control_number)
    }];
    for (set, result) in group.transaction_sets.iter().zip(results) {
        body.push(seg!("AK2", set.id, set.control_number));
        for error in &result.errors {
            let Some(note) = &error.segment else { continue };
            let mut ak3 = seg!("AK3", note.segment_id, note.position, "", note.code);
            ak3.id = segment_note;
            body.push(ak3);
            if let Some(element) = &note.element {
                let value: String = element
                    .value
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(99)
                    .collect();
                let mut ak4 = seg!("AK4", element.position, "", element.code, value);
                ak4.id = element_note;
                body.push(ak4);
            }
        }
        let mut codes = distinct(result.errors.iter().map(|e| e.code.as_str()));
        if result.status == SetStatus::Rejected && codes.is_empty() {
            codes.push(set_codes::SEGMENTS_IN_ERROR.to_string());
        }
        if result.status == SetStatus::Accepted {
            codes.clear();
        }
        let mut ak5 = seg!("AK5", result.status.code());
        ak5.id = set_response;
        ak5.elements.extend(codes);
        body.push(ak5);
    }
    let received = results.len();
    let accepted = results
        .iter()
        .filter(|r| r.status != SetStatus::Rejected)
        .count();
    let with_errors = results
        .iter()
        .any(|r| r.status == SetStatus::AcceptedWithErrors);
    // An envelope error puts the whole group in doubt, so the group is rejected.
    let status = if !group.errors.is_empty() || (received > 0 && accepted == 0) {
        "R"
    } else if accepted < received {
        "P"
    } else if with_errors {
        "E"
    } else {
        "A"
    };
    let included = group
        .declared_set_count
        .map_or_else(|| received.to_string(), |n| n.to_string());
    let mut ak9 = seg!("AK9", status, included, received, accepted);
    ak9.elements
        .extend(distinct(group.errors.iter().map(|e| e.code.as_str())));
    body.push(ak9);
    body
}

/// The first five distinct non-empty codes, in order.
fn distinct<'a>(codes: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        if !code.is_empty() && !out.iter().any(|c| c == code) && out.len() < MAX_CODES {
            out.push(code.to_string());
        }
    }
    out
}
