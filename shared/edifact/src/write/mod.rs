//! Writing EDIFACT: the CONTRL syntax and service report and the ORDRSP order response.
//!
//! Data never breaks the structure: every service character inside a value is released (or,
//! with no release character, replaced by a space), line breaks become spaces, and trailing
//! empty elements are left out, so whatever is written parses back cleanly.

pub mod contrl;
mod envelope;
pub mod ordrsp;
mod render;

pub use contrl::{
    Action, ContrlReport, ElementReport, ErrorPoint, GroupReport, MessageReport, SegmentReport,
    ServiceError, contrl, contrl_identifier,
};
pub use envelope::OutboundEnvelope;
pub use ordrsp::{LineStatus, OrderResponse, ResponseLine, ResponseType, order_response};

#[cfg(test)]
mod tests;
