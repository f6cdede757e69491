//! UN/EDIFACT for Switchyard.
//!
//! * [`parse::parse_interchange`] reads an interchange (optional UNA, UNB … UNZ, optional
//!   UNG … UNE groups, UNH … UNT messages), bounded by [`parse::Limits`], and checks the
//!   envelopes (control references and counts). Envelope problems are recorded as typed
//!   [`SyntaxError`]s on the interchange, group or message, each with the CONTRL code
//!   ([`SyntaxErrorCode`]) and position it is reported with.
//! * [`documents`] turns a message into a typed document: ORDERS (D.96A, D.96B, D.01B and
//!   their EANCOM subsets), and for round trips CONTRL and ORDRSP.
//! * [`canonical::to_order`] maps an ORDERS message into Switchyard's canonical order.
//! * [`write`](mod@write) produces the CONTRL syntax and service report and the ORDRSP order
//!   response; everything written parses back with [`parse::parse_interchange`].
//!
//! An EDI endpoint uses it as: [`parse_interchange`] → find the partner by
//! `header.sender.id` and `header.sender.qualifier` → for each message, [`read_message`] and
//! [`to_order`] → [`write::ContrlReport`] collects what was wrong → [`write::contrl`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canonical;
pub mod delimiters;
pub mod documents;
pub mod error;
pub mod interchange;
pub mod parse;
pub mod segment;
pub mod write;

pub use canonical::{OrderContext, OrderProblem, OrderProblems, to_order};
pub use delimiters::Delimiters;
pub use documents::{Document, read_message};

pub use error::{Location, SyntaxError, SyntaxErrorCode};
pub use interchange::{
    Group, Interchange, InterchangeHeader, Message, MessageIdentifier, PartyId, Syntax,
};
pub use parse::{Limits, parse_interchange, parse_interchange_with, read_header};
pub use segment::{Element, Segment};
