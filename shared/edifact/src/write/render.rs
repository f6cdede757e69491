//! Turning segments into text: releasing service characters inside data and leaving out
//! trailing empty elements and components, as ISO 9735 asks.

use rust_decimal::Decimal;

use super::envelope::OutboundEnvelope;
use crate::delimiters::Delimiters;
use crate::interchange::{MessageIdentifier, PartyId};

/// A segment to write: its tag and its elements, each a list of components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Out {
    pub tag: &'static str,
    pub elements: Vec<Vec<String>>,
}

impl Out {
    /// A segment with no elements yet.
    pub fn new(tag: &'static str) -> Self {
        Out {
            tag,
            elements: Vec::new(),
        }
    }

    /// Adds an element of `components`.
    pub fn el<I, S>(mut self, components: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.elements
            .push(components.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a simple element.
    pub fn s(self, value: impl Into<String>) -> Self {
        self.el([value.into()])
    }

    /// Adds an empty element (a placeholder before a later one).
    pub fn empty(self) -> Self {
        self.el(Vec::<String>::new())
    }
}

/// A party's id as a composite: id, qualifier, routing.
pub(crate) fn party(p: &PartyId) -> Vec<String> {
    vec![p.id.clone(), p.qualifier.clone(), p.routing.clone()]
}

/// S009 as a composite.
pub(crate) fn identifier(id: &MessageIdentifier) -> Vec<String> {
    vec![
        id.message_type.clone(),
        id.version.clone(),
        id.release.clone(),
        id.agency.clone(),
        id.association.clone(),
    ]
}

/// A decimal as EDIFACT writes it: no exponent, no trailing zeros, the decimal mark in force.
pub(crate) fn number(d: Decimal, mark: char) -> String {
    let text = d.normalize().to_string();
    if mark == '.' {
        text
    } else {
        text.replace('.', &mark.to_string())
    }
}

/// A message to write; UNH and UNT are added around `body`.
pub(crate) struct MessageOut {
    pub reference: String,
    pub identifier: MessageIdentifier,
    pub body: Vec<Out>,
}

/// Writes a whole interchange: UNA when needed, UNB, the messages, UNZ; encoded in the
/// envelope's character set (UNOA/UNOB ASCII, UNOC–UNOK one byte a character, UNOW/UNOY
/// UTF-8). A character the set cannot carry is written as a space, never as a byte the partner
/// would misread.
pub(crate) fn interchange(envelope: &OutboundEnvelope, messages: &[MessageOut]) -> Vec<u8> {
    encode(&text(envelope, messages), &envelope.syntax.identifier)
}

/// The bytes of `text` in character set `identifier`.
pub(crate) fn encode(text: &str, identifier: &str) -> Vec<u8> {
    match identifier {
        "UNOW" | "UNOY" => text.as_bytes().to_vec(),
        "UNOA" | "UNOB" => text
            .chars()
            .map(|c| if c.is_ascii() { c as u8 } else { b' ' })
            .collect(),
        _ => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b' '))
            .collect(),
    }
}

/// The interchange as text, before encoding.
fn text(envelope: &OutboundEnvelope, messages: &[MessageOut]) -> String {
    let version = envelope.syntax.version;
    let d = envelope.delimiters.for_version(version);
    let mut text = String::new();
    // Written as is: `version` was read as 1 to 4 or set by the caller.
    if envelope.write_una || d != Delimiters::default_for_version(version) {
        text.push_str(&d.una());
    }
    let date = if version >= 4 {
        envelope.now.format("%Y%m%d").to_string()
    } else {
        envelope.now.format("%y%m%d").to_string()
    };
    let mut unb = Out::new("UNB")
        .el([
            envelope.syntax.identifier.clone(),
            envelope.syntax.version.to_string(),
        ])
        .el(party(&envelope.ours))
        .el(party(&envelope.partner))
        .el([date, envelope.now.format("%H%M").to_string()])
        .s(envelope.control_reference())
        .empty()
        .s(envelope.application_reference.clone());
    if envelope.test {
        unb = unb.empty().empty().empty().s("1");
    }
    write(&mut text, &unb, &d);
    for m in messages {
        write(
            &mut text,
            &Out::new("UNH")
                .s(m.reference.clone())
                .el(identifier(&m.identifier)),
            &d,
        );
        for segment in &m.body {
            write(&mut text, segment, &d);
        }
        write(
            &mut text,
            &Out::new("UNT")
                .s(m.body.len().saturating_add(2).to_string())
                .s(m.reference.clone()),
            &d,
        );
    }
    write(
        &mut text,
        &Out::new("UNZ")
            .s(messages.len().to_string())
            .s(envelope.control_reference()),
        &d,
    );
    text
}

/// Appends one segment.
fn write(text: &mut String, out: &Out, d: &Delimiters) {
    text.push_str(out.tag);
    let mut elements: Vec<String> = out
        .elements
        .iter()
        .map(|components| {
            let mut parts: Vec<String> = components.iter().map(|c| release(c, d)).collect();
            while parts.last().is_some_and(String::is_empty) {
                parts.pop();
            }
            parts.join(&d.component.to_string())
        })
        .collect();
    while elements.last().is_some_and(String::is_empty) {
        elements.pop();
    }
    for e in elements {
        text.push(d.element);
        text.push_str(&e);
    }
    text.push(d.segment);
}

/// `value` with every service character released; line breaks become spaces, since no
/// partner's translator reads them as data. Without a release character (UNA4 a space) a
/// service character cannot be data at all and is replaced by a space.
fn release(value: &str, d: &Delimiters) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '\r' || c == '\n' {
            out.push(' ');
        } else if d.is_service(c) {
            match d.release {
                Some(r) => {
                    out.push(r);
                    out.push(c);
                }
                None => out.push(' '),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_characters_in_data_are_released_and_trailing_empties_dropped() {
        let mut text = String::new();
        let out = Out::new("FTX")
            .s("AAI")
            .empty()
            .el(["", ""])
            .s("5+2:3 'n'?\nx")
            .el(["", ""]);
        write(&mut text, &out, &Delimiters::default());
        assert_eq!(text, "FTX+AAI+++5?+2?:3 ?'n?'?? x'");
    }

    #[test]
    fn text_is_encoded_in_the_declared_character_set() {
        assert_eq!(encode("Köln €", "UNOC"), b"K\xf6ln  ".to_vec());
        assert_eq!(encode("Köln", "UNOB"), b"K ln".to_vec());
        assert_eq!(encode("Köln €", "UNOY"), "Köln €".as_bytes().to_vec());
    }

    #[test]
    fn numbers_use_the_decimal_mark() {
        assert_eq!(number("9.250".parse().unwrap(), '.'), "9.25");
        assert_eq!(number("9.250".parse().unwrap(), ','), "9,25");
        assert_eq!(number(Decimal::from(10), ','), "10");
    }
}
