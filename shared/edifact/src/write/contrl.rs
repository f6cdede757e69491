//! The CONTRL syntax and service report: what was received, and what was wrong with it.
//!
//! [`ContrlReport::from_interchange`] starts from what the parser recorded;
//! [`MessageReport::reject`] adds what the readers and the mapping found; [`contrl`] writes it.
//! The same types are what [`crate::documents::contrl`] reads back.

use serde::{Deserialize, Serialize};

use super::envelope::OutboundEnvelope;
use super::render::{MessageOut, Out, identifier, interchange, party};
use crate::canonical::OrderProblem;
use crate::error::{SyntaxError, SyntaxErrorCode};
use crate::interchange::{Interchange, InterchangeHeader, Message, MessageIdentifier, PartyId};

/// 0083, the action taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// 4: this level and all lower levels rejected.
    Rejected,
    /// 7: this level acknowledged, and the next lower level unless explicitly rejected.
    Acknowledged,
    /// 8: interchange received (receipt only; nothing checked beyond UNB).
    Received,
}

impl Action {
    /// The 0083 code.
    pub fn code(self) -> &'static str {
        match self {
            Action::Rejected => "4",
            Action::Acknowledged => "7",
            Action::Received => "8",
        }
    }

    /// The action written as `code`.
    pub fn from_code(code: &str) -> Option<Action> {
        [Action::Rejected, Action::Acknowledged, Action::Received]
            .into_iter()
            .find(|a| a.code() == code)
    }
}

/// An error in a service segment (UNB/UNZ in UCI, UNG/UNE in UCF, UNH/UNT in UCM): 0085,
/// 0013 and S011.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceError {
    /// 0085.
    pub code: SyntaxErrorCode,
    /// 0013, the service segment tag, when one is at fault.
    pub segment: Option<String>,
    /// S011 0098, the element position.
    pub element: Option<usize>,
    /// S011 0104, the component position.
    pub component: Option<usize>,
}

/// A UCD: an element in error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementReport {
    /// 0085.
    pub code: SyntaxErrorCode,
    /// S011 0098.
    pub element: usize,
    /// S011 0104.
    pub component: Option<usize>,
}

/// A UCS (and its UCDs): a segment in error or missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentReport {
    /// 0096, the segment's position in the message (UNH is 1).
    pub position: usize,
    /// 0085 for an error of the whole segment (a missing segment: 13).
    pub code: Option<SyntaxErrorCode>,
    /// The elements in error.
    pub elements: Vec<ElementReport>,
}

/// A UCM (and its UCS/UCD groups): one message's acknowledgement or rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReport {
    /// 0062 of the subject message.
    pub reference: String,
    /// S009 of the subject message.
    pub identifier: MessageIdentifier,
    /// 0083.
    pub action: Action,
    /// An error of the UNH or UNT (or of the message as a whole).
    pub error: Option<ServiceError>,
    /// Segments in error.
    pub segments: Vec<SegmentReport>,
}

/// What to report, taken from a [`SyntaxError`] or an [`OrderProblem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPoint {
    /// 0085.
    pub code: SyntaxErrorCode,
    /// The segment tag, when known.
    pub tag: Option<String>,
    /// The segment position (message level: UNH is 1).
    pub position: Option<usize>,
    /// The element position.
    pub element: Option<usize>,
    /// The component position.
    pub component: Option<usize>,
}

impl From<&SyntaxError> for ErrorPoint {
    fn from(e: &SyntaxError) -> Self {
        let at = e.location();
        ErrorPoint {
            code: e.code(),
            tag: at.map(|l| l.tag.clone()).filter(|t| !t.is_empty()),
            position: at.map(|l| l.position),
            element: at.and_then(|l| l.element),
            component: at.and_then(|l| l.component),
        }
    }
}

impl From<&OrderProblem> for ErrorPoint {
    fn from(p: &OrderProblem) -> Self {
        let at = p.at.as_ref();
        ErrorPoint {
            code: p.code,
            tag: at.map(|l| l.tag.clone()),
            position: at.map(|l| l.position),
            element: at.and_then(|l| l.element),
            component: at.and_then(|l| l.component),
        }
    }
}

const MESSAGE_SERVICE_TAGS: [&str; 2] = ["UNH", "UNT"];

impl MessageReport {
    /// An acknowledged message.
    pub fn acknowledged(message: &Message) -> Self {
        MessageReport {
            reference: message.reference.clone(),
            identifier: message.identifier.clone(),
            action: Action::Acknowledged,
            error: None,
            segments: Vec::new(),
        }
    }

    /// Rejects the message for `error`: a UNH/UNT error (or one without a place) becomes the
    /// UCM's own error, any other a UCS (with a UCD when an element is named).
    pub fn reject(&mut self, error: impl Into<ErrorPoint>) {
        let p: ErrorPoint = error.into();
        self.action = Action::Rejected;
        let service = p
            .tag
            .as_deref()
            .is_some_and(|t| MESSAGE_SERVICE_TAGS.contains(&t));
        match p.position {
            Some(position) if !service => {
                let index = match self.segments.iter().position(|s| s.position == position) {
                    Some(i) => i,
                    None => {
                        self.segments.push(SegmentReport {
                            position,
                            code: None,
                            elements: Vec::new(),
                        });
                        self.segments.sort_by_key(|s| s.position);
                        self.segments
                            .iter()
                            .position(|s| s.position == position)
                            .unwrap_or_default()
                    }
                };
                let segment = &mut self.segments[index];
                match p.element {
                    Some(element) => segment.elements.push(ElementReport {
                        code: p.code,
                        element,
                        component: p.component,
                    }),
                    None => segment.code = segment.code.or(Some(p.code)),
                }
            }
            _ => {
                if self.error.is_none() {
                    self.error = Some(ServiceError {
                        code: p.code,
                        segment: p.tag.filter(|_| service),
                        element: p.element.filter(|_| service),
                        component: p.component.filter(|_| service),
                    });
                }
            }
        }
    }
}

/// A UCF (and its messages): one group's acknowledgement or rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupReport {
    /// 0048 of the subject group.
    pub reference: String,
    /// S006 of the subject group.
    pub sender: PartyId,
    /// S007 of the subject group.
    pub recipient: PartyId,
    /// 0083.
    pub action: Action,
    /// An error of the UNG or UNE.
    pub error: Option<ServiceError>,
    /// The group's messages.
    pub messages: Vec<MessageReport>,
}

/// The content of a CONTRL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContrlReport {
    /// UCI 0020: the subject interchange's control reference.
    pub interchange_reference: String,
    /// UCI S002: the subject interchange's sender (the partner).
    pub sender: PartyId,
    /// UCI S003: the subject interchange's recipient (us).
    pub recipient: PartyId,
    /// UCI 0083.
    pub action: Action,
    /// An error of the UNA, UNB or UNZ (or of the interchange as a whole).
    pub error: Option<ServiceError>,
    /// UCF groups, for an interchange with groups.
    pub groups: Vec<GroupReport>,
    /// UCM groups, for an interchange without groups.
    pub messages: Vec<MessageReport>,
    /// UNH 0057 of the CONTRL: `EAN002` for EANCOM partners, empty otherwise.
    pub association: String,
}

/// The error as a service segment error: 0013 and S011 only when the segment at fault is one
/// of `tags` (an element position of some other segment would mislead).
fn service_error(e: &SyntaxError, tags: &[&str]) -> ServiceError {
    let p = ErrorPoint::from(e);
    let segment = p.tag.filter(|t| tags.contains(&t.as_str()));
    let named = segment.is_some();
    ServiceError {
        code: p.code,
        segment,
        element: p.element.filter(|_| named),
        component: p.component.filter(|_| named),
    }
}

impl ContrlReport {
    /// An acknowledgement of an interchange with no message listed.
    fn empty(header: &InterchangeHeader, action: Action) -> Self {
        ContrlReport {
            interchange_reference: header.control_reference.clone(),
            sender: header.sender.clone(),
            recipient: header.recipient.clone(),
            action,
            error: None,
            groups: Vec::new(),
            messages: Vec::new(),
            association: String::new(),
        }
    }

    /// A receipt (action 8) for an interchange that will be checked later.
    pub fn received(header: &InterchangeHeader) -> Self {
        Self::empty(header, Action::Received)
    }

    /// A rejection (action 4) of an interchange that could not be parsed, addressed from its
    /// header ([`crate::parse::read_header`]).
    pub fn rejecting(header: &InterchangeHeader, error: &SyntaxError) -> Self {
        let mut report = Self::empty(header, Action::Rejected);
        report.error = Some(service_error(error, &["UNA", "UNB", "UNZ"]));
        report
    }

    /// The report of what the parser recorded: the interchange rejected (and nothing below it
    /// listed) when UNB/UNZ are in error; otherwise acknowledged, with every group and message
    /// listed and those with recorded errors rejected. Readers and the mapping add their
    /// findings with [`ContrlReport::message_mut`] and [`MessageReport::reject`].
    pub fn from_interchange(ic: &Interchange) -> Self {
        let mut report = Self::empty(&ic.header, Action::Acknowledged);
        if ic
            .all_messages()
            .any(|m| m.identifier.association.starts_with("EAN"))
        {
            report.association = "EAN002".into();
        }
        if let Some(first) = ic.errors.first() {
            report.action = Action::Rejected;
            report.error = Some(service_error(first, &["UNA", "UNB", "UNZ"]));
            return report;
        }
        let message_report = |m: &Message| {
            let mut r = MessageReport::acknowledged(m);
            for e in &m.errors {
                r.reject(e);
            }
            r
        };
        report.messages = ic.messages.iter().map(message_report).collect();
        report.groups = ic
            .groups
            .iter()
            .map(|g| {
                let mut messages: Vec<MessageReport> =
                    g.messages.iter().map(message_report).collect();
                let error = g.errors.first().map(|e| service_error(e, &["UNG", "UNE"]));
                if error.is_some() {
                    // The group is rejected with all its messages.
                    messages
                        .iter_mut()
                        .for_each(|m| m.action = Action::Rejected);
                }
                GroupReport {
                    reference: g.reference.clone(),
                    sender: g.sender.clone(),
                    recipient: g.recipient.clone(),
                    action: if error.is_some() {
                        Action::Rejected
                    } else {
                        Action::Acknowledged
                    },
                    error,
                    messages,
                }
            })
            .collect();
        report
    }

    /// Rejects the whole interchange for `error` (for example 23 unknown interchange sender,
    /// or 26 duplicate detected for a control reference already received with another body):
    /// action 4, and nothing below it listed, since this level and all lower levels are
    /// rejected.
    pub fn reject_interchange(&mut self, error: ServiceError) {
        self.action = Action::Rejected;
        self.error = Some(error);
        self.groups.clear();
        self.messages.clear();
    }

    /// The report of the message with UNH 0062 `reference`, wherever it is.
    pub fn message_mut(&mut self, reference: &str) -> Option<&mut MessageReport> {
        self.messages
            .iter_mut()
            .chain(self.groups.iter_mut().flat_map(|g| g.messages.iter_mut()))
            .find(|m| m.reference == reference)
    }

    /// Every message report, ungrouped first.
    pub fn all_messages(&self) -> impl Iterator<Item = &MessageReport> {
        self.messages
            .iter()
            .chain(self.groups.iter().flat_map(|g| g.messages.iter()))
    }

    /// True when the interchange and every message in it are acknowledged.
    pub fn accepts_everything(&self) -> bool {
        self.action != Action::Rejected
            && self.groups.iter().all(|g| g.action != Action::Rejected)
            && self.all_messages().all(|m| m.action != Action::Rejected)
    }
}

/// The S011 composite of an error.
fn s011(element: Option<usize>, component: Option<usize>) -> Vec<String> {
    vec![
        element.map(|e| e.to_string()).unwrap_or_default(),
        component.map(|c| c.to_string()).unwrap_or_default(),
    ]
}

fn with_error(mut out: Out, error: Option<&ServiceError>) -> Out {
    if let Some(e) = error {
        out = out
            .s(e.code.code())
            .s(e.segment.clone().unwrap_or_default())
            .el(s011(e.element, e.component));
    }
    out
}

fn message_segments(m: &MessageReport, body: &mut Vec<Out>) {
    body.push(with_error(
        Out::new("UCM")
            .s(m.reference.clone())
            .el(identifier(&m.identifier))
            .s(m.action.code()),
        m.error.as_ref(),
    ));
    for s in &m.segments {
        let mut ucs = Out::new("UCS").s(s.position.to_string());
        if let Some(code) = s.code {
            ucs = ucs.s(code.code());
        }
        body.push(ucs);
        for e in &s.elements {
            body.push(
                Out::new("UCD")
                    .s(e.code.code())
                    .el(s011(Some(e.element), e.component)),
            );
        }
    }
}

/// The CONTRL message identifier for syntax `version`: `CONTRL:D:3:UN` up to version 3,
/// `CONTRL:4:1:UN` for version 4.
pub fn contrl_identifier(version: u8, association: &str) -> MessageIdentifier {
    let (v, r) = if version >= 4 { ("4", "1") } else { ("D", "3") };
    MessageIdentifier {
        association: association.to_string(),
        ..MessageIdentifier::un("CONTRL", v, r)
    }
}

/// Writes a CONTRL interchange (one message) answering `report`'s subject interchange, as the
/// bytes to send (encoded in the envelope's character set).
pub fn contrl(envelope: &OutboundEnvelope, report: &ContrlReport) -> Vec<u8> {
    let mut body = vec![with_error(
        Out::new("UCI")
            .s(report.interchange_reference.clone())
            .el(party(&report.sender))
            .el(party(&report.recipient))
            .s(report.action.code()),
        report.error.as_ref(),
    )];
    for m in &report.messages {
        message_segments(m, &mut body);
    }
    for g in &report.groups {
        body.push(with_error(
            Out::new("UCF")
                .s(g.reference.clone())
                .el(party(&g.sender))
                .el(party(&g.recipient))
                .s(g.action.code()),
            g.error.as_ref(),
        ));
        for m in &g.messages {
            message_segments(m, &mut body);
        }
    }
    interchange(
        envelope,
        &[MessageOut {
            reference: "1".into(),
            identifier: contrl_identifier(envelope.syntax.version, &report.association),
            body,
        }],
    )
}
