//! X12 EDI for Switchyard.
//!
//! * [`parse::parse_interchange`] reads an interchange (ISA … IEA), taking its delimiters from the
//!   ISA header, and checks the envelopes (control numbers and counts). Envelope problems are
//!   recorded on the interchange, group or set rather than failing the parse, so that a 997 can
//!   tell the partner exactly what was wrong.
//! * [`documents`] turns a transaction set into a typed document (850, 855, 856, 810, 846, 997).
//! * [`canonical::to_order`] maps an 850 into Switchyard's canonical order.
//! * [`write`](mod@write) produces the 997 functional acknowledgment, the 855 purchase order
//!   acknowledgment, the 846 inventory advice, the 856 ship notice and the 810 invoice;
//!   everything written parses back with [`parse::parse_interchange`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canonical;
pub mod delimiters;
pub mod documents;
pub mod error;
pub mod interchange;
pub mod parse;
pub mod segment;
pub mod version;
pub mod write;

pub use canonical::{OrderContext, to_order};
pub use delimiters::Delimiters;
pub use documents::{Document, read_document};
pub use error::{ElementNote, EnvelopeError, InterchangeError, SegmentNote, SetError};
pub use interchange::{FunctionalGroup, Interchange, InterchangeHeader, TransactionSet};
pub use parse::{parse_interchange, parse_interchange_owned, salvage_header};
pub use segment::{Element, Segment};
