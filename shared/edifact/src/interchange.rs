//! The parsed envelopes: interchange (UNB … UNZ), groups (UNG … UNE) and messages (UNH … UNT).

use serde::{Deserialize, Serialize};

use crate::delimiters::Delimiters;
use crate::error::SyntaxError;
use crate::segment::Segment;

/// A party of the interchange or of a group: UNB S002/S003, UNG S006/S007.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartyId {
    /// The identification (0004, 0010, 0040, 0044), such as a GLN.
    pub id: String,
    /// The identification code qualifier (0007): `14` GS1 (EAN), `ZZZ` mutually defined …;
    /// empty when not sent.
    pub qualifier: String,
    /// Reverse routing / routing address (0008, 0014); empty when not sent.
    pub routing: String,
}

impl PartyId {
    /// A party with `id` and `qualifier`, no routing.
    pub fn new(id: &str, qualifier: &str) -> Self {
        PartyId {
            id: id.to_string(),
            qualifier: qualifier.to_string(),
            routing: String::new(),
        }
    }
}

/// UNB S001: the syntax identifier and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Syntax {
    /// 0001: `UNOA`, `UNOB`, `UNOC` …
    pub identifier: String,
    /// 0002: 1 to 4.
    pub version: u8,
}

/// The UNB header's fields that matter to a receiver. `Debug` and `Serialize` leave out the
/// recipient's reference/password (S005).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterchangeHeader {
    /// S001.
    pub syntax: Syntax,
    /// S002: who sent it. Find the trading partner by (`sender.id`, `sender.qualifier`).
    pub sender: PartyId,
    /// S003: who it is for (us).
    pub recipient: PartyId,
    /// S004 0017: `YYMMDD` (versions 1–3) or `CCYYMMDD` (version 4).
    pub date: String,
    /// S004 0019: `HHMM`.
    pub time: String,
    /// 0020: the interchange control reference.
    pub control_reference: String,
    /// S005 0022: the recipient's reference or password; never logged.
    #[serde(skip_serializing, default)]
    pub recipient_reference: String,
    /// 0026: the application reference (often the message type).
    pub application_reference: String,
    /// 0031 = `1`: the sender asks for an acknowledgement (CONTRL).
    pub ack_requested: bool,
    /// 0035 = `1`: a test interchange.
    pub test: bool,
}

impl std::fmt::Debug for InterchangeHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterchangeHeader")
            .field("syntax", &self.syntax)
            .field("sender", &self.sender)
            .field("recipient", &self.recipient)
            .field("date", &self.date)
            .field("time", &self.time)
            .field("control_reference", &self.control_reference)
            .field(
                "recipient_reference",
                &if self.recipient_reference.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field("application_reference", &self.application_reference)
            .field("ack_requested", &self.ack_requested)
            .field("test", &self.test)
            .finish()
    }
}

/// A parsed interchange.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interchange {
    /// The service characters in force.
    pub delimiters: Delimiters,
    /// True when the interchange began with a UNA service string advice.
    pub has_una: bool,
    /// The UNB header.
    pub header: InterchangeHeader,
    /// The groups (UNG … UNE), when the interchange uses them.
    pub groups: Vec<Group>,
    /// The messages outside groups, when it does not.
    pub messages: Vec<Message>,
    /// UNZ 0036 as declared, when numeric.
    pub declared_count: Option<u64>,
    /// Interchange-level problems (UNB/UNZ, segments outside messages); positions count UNB
    /// as 1.
    pub errors: Vec<SyntaxError>,
}

impl Interchange {
    /// Every message, ungrouped ones first, then those of each group in order.
    pub fn all_messages(&self) -> impl Iterator<Item = &Message> {
        self.messages
            .iter()
            .chain(self.groups.iter().flat_map(|g| g.messages.iter()))
    }

    /// True when no error was recorded anywhere in the interchange.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
            && self.groups.iter().all(|g| g.errors.is_empty())
            && self.all_messages().all(|m| m.errors.is_empty())
    }
}

/// A functional group (UNG … UNE).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// 0038: the message group identification (the message type it holds, such as `ORDERS`).
    pub group_id: String,
    /// S006: the application sender.
    pub sender: PartyId,
    /// S007: the application recipient.
    pub recipient: PartyId,
    /// 0048: the group reference number.
    pub reference: String,
    /// The UNG's position in the interchange (UNB is 1).
    pub position: usize,
    /// The messages, in order.
    pub messages: Vec<Message>,
    /// UNE 0060 as declared, when numeric.
    pub declared_count: Option<u64>,
    /// Group-level problems; positions count UNB as 1.
    pub errors: Vec<SyntaxError>,
}

/// UNH S009: what a message is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageIdentifier {
    /// 0065: `ORDERS`, `CONTRL` …
    pub message_type: String,
    /// 0052: `D` (draft directory) or a number.
    pub version: String,
    /// 0054: `96A`, `01B` …
    pub release: String,
    /// 0051: `UN`.
    pub agency: String,
    /// 0057: the association assigned code, such as `EAN008`; empty when not sent.
    pub association: String,
}

impl MessageIdentifier {
    /// A UN message identifier without association code.
    pub fn un(message_type: &str, version: &str, release: &str) -> Self {
        MessageIdentifier {
            message_type: message_type.to_string(),
            version: version.to_string(),
            release: release.to_string(),
            agency: "UN".into(),
            association: String::new(),
        }
    }
}

/// One message (UNH … UNT).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// UNH 0062: the message reference number.
    pub reference: String,
    /// UNH S009.
    pub identifier: MessageIdentifier,
    /// The UNH's position in the interchange (UNB is 1).
    pub header_position: usize,
    /// The segments strictly between UNH and UNT. A segment's position in the message, as
    /// CONTRL counts it (UNH is 1), is its index here plus 2 ([`Message::position_of`]).
    pub segments: Vec<Segment>,
    /// Problems found in the message: envelope problems from the parser; readers add theirs.
    /// Positions count UNH as 1.
    pub errors: Vec<SyntaxError>,
}

impl Message {
    /// The position of `segments[index]` within the message as CONTRL counts it (UNH is 1).
    pub fn position_of(index: usize) -> usize {
        index.saturating_add(2)
    }
}
