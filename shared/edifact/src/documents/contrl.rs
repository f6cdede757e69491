//! Reading a CONTRL back into a [`ContrlReport`]: what a partner says about our interchange,
//! and the round trip of what we write.

use super::values::{At, keep};
use crate::error::{Location, SyntaxError, SyntaxErrorCode};
use crate::interchange::{Message, MessageIdentifier, PartyId};
use crate::write::contrl::{
    Action, ContrlReport, ElementReport, GroupReport, MessageReport, SegmentReport, ServiceError,
};

fn party(at: &At<'_>, e: usize) -> PartyId {
    PartyId {
        id: at.string(e, 1),
        qualifier: at.string(e, 2),
        routing: at.string(e, 3),
    }
}

fn action(at: &At<'_>, e: usize) -> Result<Action, SyntaxError> {
    let code = at.text(e, 1);
    Action::from_code(code)
        .ok_or_else(|| SyntaxError::invalid(at.loc(e, Some(1)), "0083 must be 4, 7 or 8", code))
}

fn code(at: &At<'_>, e: usize, c: usize) -> Result<Option<SyntaxErrorCode>, SyntaxError> {
    let text = at.text(e, c);
    if text.is_empty() {
        return Ok(None);
    }
    SyntaxErrorCode::from_code(text)
        .map(Some)
        .ok_or_else(|| SyntaxError::NotSupported {
            at: at.loc(e, Some(c)),
            value: text.to_string(),
            rule: "a 0085 syntax error code Switchyard knows".into(),
        })
}

fn position(at: &At<'_>, e: usize, c: usize) -> Result<Option<usize>, SyntaxError> {
    let text = at.text(e, c);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| SyntaxError::invalid(at.loc(e, Some(c)), "must be a position number", text))
}

/// The 0085 / 0013 / S011 elements starting at element `e`.
fn service_error(at: &At<'_>, e: usize) -> Result<Option<ServiceError>, SyntaxError> {
    let Some(code) = code(at, e, 1)? else {
        return Ok(None);
    };
    Ok(Some(ServiceError {
        code,
        segment: Some(at.string(e + 1, 1)).filter(|s| !s.is_empty()),
        element: position(at, e + 2, 1)?,
        component: position(at, e + 2, 2)?,
    }))
}

/// Reads a CONTRL message.
pub fn read(message: &Message) -> Result<ContrlReport, Vec<SyntaxError>> {
    let mut errors = Vec::new();
    let mut report: Option<ContrlReport> = None;
    for (index, segment) in message.segments.iter().enumerate() {
        let at = At {
            segment,
            index,
            decimal: '.',
        };
        let Some(r) = report.as_mut() else {
            if segment.tag == "UCI" {
                report = Some(ContrlReport {
                    interchange_reference: at.string(1, 1),
                    sender: party(&at, 2),
                    recipient: party(&at, 3),
                    action: keep(action(&at, 4), &mut errors).unwrap_or(Action::Rejected),
                    error: keep(service_error(&at, 5), &mut errors).flatten(),
                    groups: Vec::new(),
                    messages: Vec::new(),
                    association: message.identifier.association.clone(),
                });
            }
            continue;
        };
        let messages = match r.groups.last_mut() {
            Some(g) => &mut g.messages,
            None => &mut r.messages,
        };
        match segment.tag.as_str() {
            "UCF" => r.groups.push(GroupReport {
                reference: at.string(1, 1),
                sender: party(&at, 2),
                recipient: party(&at, 3),
                action: keep(action(&at, 4), &mut errors).unwrap_or(Action::Rejected),
                error: keep(service_error(&at, 5), &mut errors).flatten(),
                messages: Vec::new(),
            }),
            "UCM" => messages.push(MessageReport {
                reference: at.string(1, 1),
                identifier: MessageIdentifier {
                    message_type: at.string(2, 1),
                    version: at.string(2, 2),
                    release: at.string(2, 3),
                    agency: at.string(2, 4),
                    association: at.string(2, 5),
                },
                action: keep(action(&at, 3), &mut errors).unwrap_or(Action::Rejected),
                error: keep(service_error(&at, 4), &mut errors).flatten(),
                segments: Vec::new(),
            }),
            "UCS" => match (
                messages.last_mut(),
                keep(position(&at, 1, 1), &mut errors).flatten(),
            ) {
                (Some(m), Some(p)) => m.segments.push(SegmentReport {
                    position: p,
                    code: keep(code(&at, 2, 1), &mut errors).flatten(),
                    elements: Vec::new(),
                }),
                _ => errors.push(SyntaxError::missing(
                    at.loc(1, None),
                    "UCM before UCS, and 0096",
                )),
            },
            "UCD" => {
                let segment = messages.last_mut().and_then(|m| m.segments.last_mut());
                let c = keep(code(&at, 1, 1), &mut errors).flatten();
                let e = keep(position(&at, 2, 1), &mut errors).flatten();
                match (segment, c, e) {
                    (Some(s), Some(code), Some(element)) => s.elements.push(ElementReport {
                        code,
                        element,
                        component: keep(position(&at, 2, 2), &mut errors).flatten(),
                    }),
                    _ => errors.push(SyntaxError::missing(
                        at.loc(1, None),
                        "UCS before UCD, with 0085 and 0098",
                    )),
                }
            }
            _ => {}
        }
    }
    match report {
        Some(r) if errors.is_empty() => Ok(r),
        Some(_) => Err(errors),
        None => {
            errors.push(SyntaxError::missing(
                Location::segment("UNH", 1),
                "UCI interchange response",
            ));
            Err(errors)
        }
    }
}
