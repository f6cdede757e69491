//! The parsed envelopes: interchange, functional groups and transaction sets.

use serde::Serialize;

use crate::delimiters::Delimiters;
use crate::error::{EnvelopeError, SetError};
use crate::segment::Segment;

/// A parsed interchange (ISA … IEA).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interchange {
    /// The delimiters declared by the ISA header.
    pub delimiters: Delimiters,
    /// The ISA header.
    pub header: InterchangeHeader,
    /// TA1 interchange acknowledgments the interchange carries (between the ISA and the first
    /// GS): the partner acknowledging an interchange we sent.
    pub interchange_acks: Vec<Segment>,
    /// The functional groups, in order.
    pub groups: Vec<FunctionalGroup>,
    /// Interchange-level envelope problems (IEA mismatches, stray segments).
    pub errors: Vec<EnvelopeError>,
}

impl Interchange {
    /// True when the interchange only acknowledges: it carries TA1s or groups of 997/999
    /// functional acknowledgments (GS01 `FA`) and nothing else. X12 forbids acknowledging an
    /// acknowledgment, so no 997 answers such an interchange.
    pub fn is_acknowledgment_only(&self) -> bool {
        (!self.interchange_acks.is_empty() || !self.groups.is_empty())
            && self.groups.iter().all(FunctionalGroup::is_acknowledgment)
    }

    /// True when no envelope or set error was recorded anywhere in the interchange.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
            && self.groups.iter().all(|g| {
                g.errors.is_empty() && g.transaction_sets.iter().all(|s| s.errors.is_empty())
            })
    }
}

/// The ISA header's fields that matter to a receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterchangeHeader {
    /// ISA05, the sender id qualifier (`ZZ`, `01`, `12` …).
    pub sender_qualifier: String,
    /// ISA06 without its padding.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08 without its padding.
    pub receiver_id: String,
    /// ISA09, `YYMMDD`.
    pub date: String,
    /// ISA10, `HHMM`.
    pub time: String,
    /// ISA13, nine digits, leading zeros kept.
    pub control_number: String,
    /// ISA12, such as `00401` or `00501`.
    pub version: String,
    /// ISA14: the sender asks for a TA1 interchange acknowledgment.
    pub ack_requested: bool,
    /// ISA15: `P` production, `T` test, `I` information.
    pub usage_indicator: String,
}

/// One functional group (GS … GE).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionalGroup {
    /// GS01, such as `PO` for 850s.
    pub functional_id: String,
    /// GS02.
    pub application_sender: String,
    /// GS03.
    pub application_receiver: String,
    /// GS04, `CCYYMMDD`.
    pub date: String,
    /// GS05, `HHMM[SS]`.
    pub time: String,
    /// GS06.
    pub control_number: String,
    /// GS08, such as `004010`.
    pub version: String,
    /// The transaction sets, in order.
    pub transaction_sets: Vec<TransactionSet>,
    /// GE01 as the sender declared it, when the GE was present and numeric; a 997 reports it.
    pub declared_set_count: Option<u64>,
    /// Group-level envelope problems.
    pub errors: Vec<EnvelopeError>,
}

impl FunctionalGroup {
    /// True when the group holds acknowledgments (GS01 `FA`: 997s and 999s), or only sets whose
    /// id is 997 or 999: such a group is read, never acknowledged.
    pub fn is_acknowledgment(&self) -> bool {
        self.functional_id == "FA"
            || (!self.transaction_sets.is_empty()
                && self
                    .transaction_sets
                    .iter()
                    .all(|s| matches!(s.id.as_str(), "997" | "999")))
    }
}

/// One transaction set (ST … SE).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionSet {
    /// ST01, such as `850`.
    pub id: String,
    /// ST02.
    pub control_number: String,
    /// GS08 of the group the set came in (such as `003040` or `004010`): element rules, such as
    /// how many digits a date has, follow it.
    pub version: String,
    /// The segments strictly between ST and SE. The envelope segments are left out because
    /// every reader skips them; a segment's position in the set (as a 997 counts it, ST being 1)
    /// is its index here plus 2.
    pub segments: Vec<Segment>,
    /// Problems found in the set: envelope problems from the parser; readers add their own.
    pub errors: Vec<SetError>,
}

impl TransactionSet {
    /// True when the set's group version predates 004010, where dates are six digits
    /// (`YYMMDD`) rather than eight (`CCYYMMDD`).
    pub fn has_short_dates(&self) -> bool {
        crate::version::short_dates(&self.version)
    }

    /// The position of `segments[index]` within the set as X12 counts it (ST is 1).
    pub fn position_of(index: usize) -> usize {
        index.saturating_add(2)
    }
}
