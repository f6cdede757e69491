//! The TA1 interchange acknowledgment: the answer to an interchange's envelope (ISA/IEA).
//!
//! A TA1 is sent when the interchange envelope is in error (its note code says which rule was
//! broken) and when the sender asked for one in ISA14, then with TA104 `A` and note code 000.
//! It travels alone in an interchange of its own: ISA, TA1, IEA with IEA01 = 0 groups. Sending
//! it apart from the 997 lets an interchange that carries only acknowledgments (which must not
//! be acknowledged with a 997) still be answered at the envelope level.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::envelope::PartnerId;
use super::render::{IsaOut, interchange_with, seg};
use crate::delimiters::Delimiters;
use crate::error::ta1_codes;
use crate::interchange::{Interchange, InterchangeHeader};
use crate::segment::Segment;

/// TA104: what the receiver made of the interchange envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ta1Status {
    /// `A`: the envelope is accepted without errors.
    Accepted,
    /// `E`: accepted, with errors noted; the groups were still processed (their 997s tell how).
    AcceptedWithErrors,
    /// `R`: rejected; nothing in the interchange was processed.
    Rejected,
}

impl Ta1Status {
    /// The TA104 code.
    pub fn code(self) -> &'static str {
        match self {
            Ta1Status::Accepted => "A",
            Ta1Status::AcceptedWithErrors => "E",
            Ta1Status::Rejected => "R",
        }
    }
}

/// The content of one TA1 segment, about the received interchange it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterchangeAck {
    /// TA101: the received ISA13.
    pub control_number: String,
    /// TA102: the received ISA09 (`YYMMDD`).
    pub date: String,
    /// TA103: the received ISA10 (`HHMM`).
    pub time: String,
    /// TA104.
    pub status: Ta1Status,
    /// TA105, an I18 note code (see [`ta1_codes`]).
    pub note_code: String,
}

impl InterchangeAck {
    /// The TA1 a parsed interchange calls for: `E` with the first envelope error's code when
    /// the envelope has errors (the groups are still read and acknowledged), `A`/000 when it is
    /// clean but ISA14 asked for one, `None` otherwise.
    pub fn for_interchange(received: &Interchange) -> Option<InterchangeAck> {
        match received.errors.first() {
            Some(error) => Some(Self::about(
                &received.header,
                Ta1Status::AcceptedWithErrors,
                &error.code,
            )),
            None if received.header.ack_requested => Some(Self::about(
                &received.header,
                Ta1Status::Accepted,
                ta1_codes::NO_ERROR,
            )),
            None => None,
        }
    }

    /// A rejection of the interchange with `header` for `note_code`, e.g. a duplicate control
    /// number (025) or an envelope that could not be read (see
    /// [`InterchangeError::note_code`](crate::InterchangeError::note_code)).
    pub fn rejecting(header: &InterchangeHeader, note_code: &str) -> InterchangeAck {
        Self::about(header, Ta1Status::Rejected, note_code)
    }

    /// Reads a received TA1 segment; `None` when it lacks TA101 or TA104, or TA104 is not
    /// A, E or R.
    pub fn read(segment: &Segment) -> Option<InterchangeAck> {
        let status = match segment.trimmed(4) {
            "A" => Ta1Status::Accepted,
            "E" => Ta1Status::AcceptedWithErrors,
            "R" => Ta1Status::Rejected,
            _ => return None,
        };
        let control_number = segment.trimmed(1);
        if segment.id() != "TA1" || control_number.is_empty() {
            return None;
        }
        Some(InterchangeAck {
            control_number: control_number.to_string(),
            date: segment.trimmed(2).to_string(),
            time: segment.trimmed(3).to_string(),
            status,
            note_code: segment.trimmed(5).to_string(),
        })
    }

    fn about(header: &InterchangeHeader, status: Ta1Status, note_code: &str) -> InterchangeAck {
        InterchangeAck {
            control_number: header.control_number.clone(),
            date: header.date.clone(),
            time: header.time.clone(),
            status,
            note_code: note_code.to_string(),
        }
    }
}

/// Who the TA1 interchange is from and to, and how it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ta1Envelope {
    /// Us (ISA05/ISA06): the receiver of the acknowledged interchange.
    pub ours: PartnerId,
    /// The partner (ISA07/ISA08): the sender of the acknowledged interchange.
    pub partner: PartnerId,
    /// ISA12, the received interchange's version when it was valid.
    pub version: String,
    /// ISA15, mirroring the received one so a test interchange gets a test answer.
    pub usage: String,
    /// The delimiters (the received ones when they could be read).
    pub delimiters: Delimiters,
    /// ISA13 of the TA1 interchange, from the partner's counter.
    pub control: u32,
    /// When it is written.
    pub now: NaiveDateTime,
}

impl Ta1Envelope {
    /// The envelope answering `header`, reusing its delimiters when they are known. Values
    /// that were themselves the error (an ISA12 that is not a version, an ISA15 that is not
    /// P/T/I) are replaced by 00401 and P, so the answer is valid X12.
    pub fn answering(
        header: &InterchangeHeader,
        delimiters: Option<Delimiters>,
        control: u32,
        now: NaiveDateTime,
    ) -> Ta1Envelope {
        let valid_version =
            header.version.len() == 5 && header.version.bytes().all(|b| b.is_ascii_digit());
        let version = if valid_version {
            header.version.clone()
        } else {
            "00401".to_string()
        };
        let usage = if matches!(header.usage_indicator.as_str(), "P" | "T" | "I") {
            header.usage_indicator.clone()
        } else {
            "P".to_string()
        };
        Ta1Envelope {
            ours: PartnerId::new(&header.receiver_qualifier, &header.receiver_id),
            partner: PartnerId::new(&header.sender_qualifier, &header.sender_id),
            delimiters: delimiters
                .unwrap_or_else(Delimiters::default_outbound)
                .for_version(&version),
            version,
            usage,
            control,
            now,
        }
    }
}

/// Writes the TA1 interchange: ISA, one TA1, IEA*0.
///
/// TA101–TA103 must be the nine-digit control number, six-digit date and four-digit time; when
/// the received values are not (they may be what was wrong), the control number is written as
/// nine zeros and the date and time as `now`, so the TA1 itself always parses.
pub fn interchange_acknowledgment(ack: &InterchangeAck, envelope: &Ta1Envelope) -> String {
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let control_number = if !ack.control_number.is_empty()
        && ack.control_number.len() <= 9
        && ack.control_number.bytes().all(|b| b.is_ascii_digit())
    {
        format!("{:0>9}", ack.control_number)
    } else {
        "000000000".to_string()
    };
    let date = if digits(&ack.date, 6) {
        ack.date.clone()
    } else {
        envelope.now.format("%y%m%d").to_string()
    };
    let time = if digits(&ack.time, 4) {
        ack.time.clone()
    } else {
        envelope.now.format("%H%M").to_string()
    };
    let ta1 = seg!(
        "TA1",
        control_number,
        date,
        time,
        ack.status.code(),
        ack.note_code
    );
    interchange_with(
        &envelope.delimiters,
        &IsaOut {
            sender: &envelope.ours,
            receiver: &envelope.partner,
            version: &envelope.version,
            control: envelope.control,
            usage: &envelope.usage,
            now: envelope.now,
        },
        &[ta1],
        &[],
    )
}
