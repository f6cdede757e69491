//! Assembling segments into groups and messages, checking every envelope on the way.

use std::collections::HashSet;

use crate::error::{Location, SyntaxError};
use crate::interchange::{Group, InterchangeHeader, Message, MessageIdentifier, PartyId};
use crate::segment::Segment;

/// What the segments after UNB make.
pub(super) struct Assembled {
    pub groups: Vec<Group>,
    pub messages: Vec<Message>,
    pub declared_count: Option<u64>,
    pub errors: Vec<SyntaxError>,
}

/// Where the parser is: which envelopes are open.
#[derive(Default)]
struct State {
    groups: Vec<Group>,
    messages: Vec<Message>,
    errors: Vec<SyntaxError>,
    group: Option<Group>,
    message: Option<Message>,
    /// Message references seen in the interchange: each must be unique (26).
    message_refs: HashSet<String>,
    /// Group references seen in the interchange.
    group_refs: HashSet<String>,
    /// Mixing was reported already; once is enough.
    mixed_reported: bool,
    /// A stray segment was reported since the last envelope segment; one a run is enough.
    stray_reported: bool,
}

/// Builds groups and messages from the segments after UNB. Fails only when there is no UNZ.
pub(super) fn assemble(
    segments: impl Iterator<Item = Segment>,
    header: &InterchangeHeader,
) -> Result<Assembled, SyntaxError> {
    let mut state = State::default();
    let mut segments = segments.peekable();
    let mut unz = None;
    for segment in segments.by_ref() {
        match segment.tag.as_str() {
            "UNG" => state.open_group(&segment),
            "UNH" => state.open_message(&segment),
            "UNT" => state.close_message(&segment),
            "UNE" => state.close_group(&segment),
            "UNZ" => {
                unz = Some(segment);
                break;
            }
            _ => state.body_segment(segment),
        }
    }
    let Some(unz) = unz else {
        return Err(SyntaxError::MissingUnz);
    };
    state.close_open_envelopes("UNZ", unz.position);
    if let Some(after) = segments.next() {
        state.errors.push(SyntaxError::OutsideMessage {
            at: Location::segment(&after.tag, after.position),
        });
    }
    let (what, actual) = if state.groups.is_empty() {
        ("messages", state.messages.len())
    } else {
        ("groups", state.groups.len())
    };
    let declared = unz.element(1);
    let declared_count = declared.parse::<u64>().ok();
    if declared_count != u64::try_from(actual).ok() {
        state.errors.push(SyntaxError::CountMismatch {
            at: Location::segment("UNZ", unz.position).element(1, None),
            what,
            declared: declared.to_string(),
            actual,
        });
    }
    if unz.element(2) != header.control_reference {
        state.errors.push(SyntaxError::ReferenceMismatch {
            at: Location::segment("UNZ", unz.position).element(2, None),
            header: header.control_reference.clone(),
            trailer: unz.element(2).to_string(),
        });
    }
    if actual == 0 {
        state.errors.push(SyntaxError::LowerLevelEmpty {
            at: Location::segment("UNB", 1),
        });
    }
    Ok(Assembled {
        groups: state.groups,
        messages: state.messages,
        declared_count,
        errors: state.errors,
    })
}

fn party(segment: &Segment, element: usize) -> PartyId {
    PartyId {
        id: segment.component(element, 1).to_string(),
        qualifier: segment.component(element, 2).to_string(),
        routing: String::new(),
    }
}

impl State {
    fn open_group(&mut self, ung: &Segment) {
        self.close_open_envelopes("UNG", ung.position);
        self.stray_reported = false;
        if !self.messages.is_empty() {
            self.mixed(ung);
        }
        let reference = ung.element(5).to_string();
        let mut errors = Vec::new();
        let at = |e: usize| Location::segment("UNG", ung.position).element(e, None);
        if reference.is_empty() {
            errors.push(SyntaxError::missing(at(5), "0048 group reference number"));
        } else if !self.group_refs.insert(reference.clone()) {
            errors.push(SyntaxError::Duplicate {
                at: at(5),
                reference: reference.clone(),
            });
        }
        self.group = Some(Group {
            group_id: ung.element(1).to_string(),
            sender: party(ung, 2),
            recipient: party(ung, 3),
            reference,
            position: ung.position,
            messages: Vec::new(),
            declared_count: None,
            errors,
        });
    }

    fn open_message(&mut self, unh: &Segment) {
        self.close_message_without_trailer("UNH");
        self.stray_reported = false;
        if self.group.is_none() && !self.groups.is_empty() {
            self.mixed(unh);
        }
        let mut errors = Vec::new();
        // Message-level locations count UNH as 1.
        let at = |e: usize, c: Option<usize>| Location::segment("UNH", 1).element(e, c);
        let reference = unh.element(1).to_string();
        if reference.is_empty() {
            errors.push(SyntaxError::missing(
                at(1, None),
                "0062 message reference number",
            ));
        } else if !self.message_refs.insert(reference.clone()) {
            errors.push(SyntaxError::Duplicate {
                at: at(1, None),
                reference: reference.clone(),
            });
        }
        let names = [
            "0065 message type",
            "0052 message version number",
            "0054 message release number",
            "0051 controlling agency",
        ];
        for (i, what) in names.iter().enumerate() {
            if unh.component(2, i + 1).is_empty() {
                errors.push(SyntaxError::missing(at(2, Some(i + 1)), *what));
            }
        }
        self.message = Some(Message {
            reference,
            identifier: MessageIdentifier {
                message_type: unh.component(2, 1).to_string(),
                version: unh.component(2, 2).to_string(),
                release: unh.component(2, 3).to_string(),
                agency: unh.component(2, 4).to_string(),
                association: unh.component(2, 5).to_string(),
            },
            header_position: unh.position,
            segments: Vec::new(),
            errors,
        });
    }

    fn close_message(&mut self, unt: &Segment) {
        let Some(mut message) = self.message.take() else {
            self.stray(unt);
            return;
        };
        // The count includes UNH and UNT, which are not kept in `segments`.
        let actual = message.segments.len().saturating_add(2);
        let at = |e: usize| Location::segment("UNT", actual).element(e, None);
        let declared = unt.element(1);
        if declared.parse::<usize>().ok() != Some(actual) {
            message.errors.push(SyntaxError::CountMismatch {
                at: at(1),
                what: "segments (counting UNH and UNT)",
                declared: declared.to_string(),
                actual,
            });
        }
        if unt.element(2) != message.reference {
            message.errors.push(SyntaxError::ReferenceMismatch {
                at: at(2),
                header: message.reference.clone(),
                trailer: unt.element(2).to_string(),
            });
        }
        self.push_message(message);
    }

    fn close_group(&mut self, une: &Segment) {
        if self.group.is_none() {
            self.stray(une);
            return;
        }
        self.close_message_without_trailer("UNE");
        let Some(mut group) = self.group.take() else {
            return;
        };
        let at = |e: usize| Location::segment("UNE", une.position).element(e, None);
        let actual = group.messages.len();
        let declared = une.element(1);
        group.declared_count = declared.parse().ok();
        if declared.parse::<usize>().ok() != Some(actual) {
            group.errors.push(SyntaxError::CountMismatch {
                at: at(1),
                what: "messages",
                declared: declared.to_string(),
                actual,
            });
        }
        if une.element(2) != group.reference {
            group.errors.push(SyntaxError::ReferenceMismatch {
                at: at(2),
                header: group.reference.clone(),
                trailer: une.element(2).to_string(),
            });
        }
        if actual == 0 {
            group.errors.push(SyntaxError::LowerLevelEmpty {
                at: Location::segment("UNG", group.position),
            });
        }
        self.groups.push(group);
    }

    fn body_segment(&mut self, segment: Segment) {
        match self.message.as_mut() {
            Some(message) => message.segments.push(segment),
            None => self.stray(&segment),
        }
    }

    /// Closes a message and a group still open when `next` (UNG or UNZ) arrives.
    fn close_open_envelopes(&mut self, next: &str, position: usize) {
        self.close_message_without_trailer(next);
        if let Some(mut group) = self.group.take() {
            group.errors.push(SyntaxError::missing(
                Location::segment(next, position),
                format!("UNE group trailer for group {:?}", group.reference),
            ));
            if group.messages.is_empty() {
                group.errors.push(SyntaxError::LowerLevelEmpty {
                    at: Location::segment("UNG", group.position),
                });
            }
            self.groups.push(group);
        }
    }

    fn close_message_without_trailer(&mut self, next: &str) {
        if let Some(mut message) = self.message.take() {
            // A missing segment is reported at the last segment before it (UCS 0096).
            let last = message.segments.len().saturating_add(1);
            let tag = message
                .segments
                .last()
                .map_or("UNH".to_string(), |s| s.tag.clone());
            message.errors.push(SyntaxError::missing(
                Location::segment(&tag, last),
                format!("UNT message trailer before {next}"),
            ));
            self.push_message(message);
        }
    }

    fn push_message(&mut self, message: Message) {
        match self.group.as_mut() {
            Some(group) => group.messages.push(message),
            None => self.messages.push(message),
        }
    }

    fn mixed(&mut self, segment: &Segment) {
        if !self.mixed_reported {
            self.mixed_reported = true;
            self.errors.push(SyntaxError::GroupsAndMessagesMixed {
                at: Location::segment(&segment.tag, segment.position),
            });
        }
    }

    fn stray(&mut self, segment: &Segment) {
        if self.stray_reported {
            return;
        }
        self.stray_reported = true;
        self.errors.push(SyntaxError::OutsideMessage {
            at: Location::segment(&segment.tag, segment.position),
        });
    }
}
