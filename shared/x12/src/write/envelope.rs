//! Who an outbound interchange is from and to, and its control numbers.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::delimiters::Delimiters;

/// An interchange party: ISA05/ISA06 or ISA07/ISA08.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerId {
    /// The id qualifier (`ZZ` mutually defined, `01` DUNS, `12` phone …).
    pub qualifier: String,
    /// The id, at most 15 characters.
    pub id: String,
}

impl PartnerId {
    /// A party with `qualifier` and `id`.
    pub fn new(qualifier: &str, id: &str) -> Self {
        PartnerId {
            qualifier: qualifier.to_string(),
            id: id.to_string(),
        }
    }
}

/// The control numbers of an outbound interchange, from the caller's per-partner counters.
///
/// X12 control numbers have at most nine digits; larger values wrap (taken modulo 10⁹), which is
/// what translators do when a counter rolls over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlNumbers {
    /// ISA13/IEA02.
    pub interchange: u32,
    /// GS06/GE02 of the first group; further groups count up from it.
    pub group: u32,
}

/// The envelope of an interchange Switchyard starts (not one answering a received interchange).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundEnvelope {
    /// Us (ISA05/ISA06).
    pub ours: PartnerId,
    /// The trading partner (ISA07/ISA08).
    pub partner: PartnerId,
    /// GS02; usually our ISA id.
    pub application_sender: String,
    /// GS03; usually the partner's ISA id.
    pub application_receiver: String,
    /// The delimiters to write with.
    pub delimiters: Delimiters,
    /// ISA12, such as `00401`.
    pub interchange_version: String,
    /// GS08, such as `004010`.
    pub group_version: String,
    /// ISA15 `T` instead of `P`.
    pub test: bool,
    /// ISA13 and GS06.
    pub control: ControlNumbers,
    /// When the interchange is created (ISA09/10, GS04/05).
    pub now: NaiveDateTime,
}

impl OutboundEnvelope {
    /// A production 004010 envelope with the default delimiters and the ISA ids as GS ids.
    pub fn new(
        ours: PartnerId,
        partner: PartnerId,
        control: ControlNumbers,
        now: NaiveDateTime,
    ) -> Self {
        OutboundEnvelope {
            application_sender: ours.id.clone(),
            application_receiver: partner.id.clone(),
            ours,
            partner,
            delimiters: Delimiters::default_outbound(),
            interchange_version: "00401".into(),
            group_version: "004010".into(),
            test: false,
            control,
            now,
        }
    }
}
