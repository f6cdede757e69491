//! Who an outbound interchange is from and to, its syntax and its control reference.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::delimiters::Delimiters;
use crate::interchange::{InterchangeHeader, PartyId, Syntax};

/// The envelope of an interchange Switchyard writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundEnvelope {
    /// Us (UNB S002).
    pub ours: PartyId,
    /// The trading partner (UNB S003).
    pub partner: PartyId,
    /// UNB S001, such as `UNOC:3`.
    pub syntax: Syntax,
    /// The service characters to write with (a UNA is written when they are not the defaults).
    pub delimiters: Delimiters,
    /// Write a UNA even when the delimiters are the defaults (many partners expect one).
    pub write_una: bool,
    /// UNB 0020 / UNZ 0020, from the caller's per-partner counter; at most 14 characters are
    /// written.
    pub control_reference: String,
    /// UNB 0026, such as `ORDRSP`; empty for none.
    pub application_reference: String,
    /// UNB 0035 = 1: a test interchange.
    pub test: bool,
    /// When the interchange is created (UNB S004).
    pub now: NaiveDateTime,
}

impl OutboundEnvelope {
    /// A production `UNOC:3` envelope with the default delimiters and a UNA.
    pub fn new(
        ours: PartyId,
        partner: PartyId,
        control_reference: &str,
        now: NaiveDateTime,
    ) -> Self {
        OutboundEnvelope {
            ours,
            partner,
            syntax: Syntax {
                identifier: "UNOC".into(),
                version: 3,
            },
            delimiters: Delimiters::default(),
            write_una: true,
            control_reference: control_reference.to_string(),
            application_reference: String::new(),
            test: false,
            now,
        }
    }

    /// The envelope of an answer to the interchange with `header`: sender and recipient
    /// swapped, the same syntax identifier, version, delimiters (so the same decimal mark) and
    /// test indicator.
    pub fn answering(
        header: &InterchangeHeader,
        delimiters: &Delimiters,
        control_reference: &str,
        now: NaiveDateTime,
    ) -> Self {
        OutboundEnvelope {
            ours: header.recipient.clone(),
            partner: header.sender.clone(),
            syntax: header.syntax.clone(),
            delimiters: *delimiters,
            write_una: true,
            control_reference: control_reference.to_string(),
            application_reference: String::new(),
            test: header.test,
            now,
        }
    }

    /// The control reference as written: at most 14 characters (0020 is an..14).
    pub fn control_reference(&self) -> String {
        self.control_reference.chars().take(14).collect()
    }
}
