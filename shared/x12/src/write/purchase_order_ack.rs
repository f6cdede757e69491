//! The 855 purchase order acknowledgment, built from what was stored when the 850 was captured.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::envelope::OutboundEnvelope;
use super::render::{GroupOut, IsaOut, Out, SetOut, interchange, seg};
use crate::documents::line_item::ProductId;

/// BAK02, the acknowledgment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckType {
    /// `AD`: acknowledge with detail, no change.
    AcceptedNoChange,
    /// `AC`: acknowledge with detail and change (some lines rejected, changed or backordered).
    AcceptedWithChanges,
    /// `RD`: reject with detail.
    RejectedWithDetail,
    /// `RJ`: rejected, no detail.
    Rejected,
}

impl AckType {
    /// The BAK02 code.
    pub fn code(self) -> &'static str {
        match self {
            AckType::AcceptedNoChange => "AD",
            AckType::AcceptedWithChanges => "AC",
            AckType::RejectedWithDetail => "RD",
            AckType::Rejected => "RJ",
        }
    }

    /// The type the line statuses imply: every line accepted as ordered → `AD`; every line
    /// rejected (or none) → `RD`; anything else → `AC`.
    pub fn from_lines(lines: &[PoAckLine]) -> AckType {
        let unchanged = |l: &PoAckLine| {
            l.status == LineStatus::Accepted && l.ack_quantity.is_none_or(|q| q == l.quantity)
        };
        if !lines.is_empty() && lines.iter().all(unchanged) {
            AckType::AcceptedNoChange
        } else if lines.iter().all(|l| l.status == LineStatus::Rejected) {
            AckType::RejectedWithDetail
        } else {
            AckType::AcceptedWithChanges
        }
    }
}

/// ACK01, what happened to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineStatus {
    /// `IA`: item accepted.
    Accepted,
    /// `IR`: item rejected.
    Rejected,
    /// `IB`: item backordered.
    Backordered,
    /// `IC`: item accepted, changes made.
    AcceptedWithChanges,
}

impl LineStatus {
    /// The ACK01 code.
    pub fn code(self) -> &'static str {
        match self {
            LineStatus::Accepted => "IA",
            LineStatus::Rejected => "IR",
            LineStatus::Backordered => "IB",
            LineStatus::AcceptedWithChanges => "IC",
        }
    }
}

/// One acknowledged line: the PO1 as received, and the seller's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoAckLine {
    /// PO101 as the partner sent it.
    pub line_number: String,
    /// PO102 as ordered.
    pub quantity: Decimal,
    /// PO103.
    pub uom: String,
    /// PO104.
    pub unit_price: Option<Decimal>,
    /// The PO1 product ids, echoed so the partner can match the line.
    pub product_ids: Vec<ProductId>,
    /// ACK01.
    pub status: LineStatus,
    /// ACK02 when it differs from the ordered quantity; the ordered quantity otherwise.
    pub ack_quantity: Option<Decimal>,
    /// ACK04 `068` / ACK05: the current scheduled ship date.
    pub scheduled_ship: Option<NaiveDate>,
}

/// The content of an 855.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoAck {
    /// BAK03, the PO number (BEG03 of the 850).
    pub po_number: String,
    /// BAK04, the PO date (BEG05 of the 850).
    pub po_date: NaiveDate,
    /// BAK02.
    pub ack_type: AckType,
    /// BAK08, our order number (the ERP sale number).
    pub seller_order_number: Option<String>,
    /// The lines.
    pub lines: Vec<PoAckLine>,
}

/// Writes an 855 interchange (one GS*PR group, one set).
pub fn purchase_order_acknowledgment(envelope: &OutboundEnvelope, ack: &PoAck) -> String {
    let mut body = vec![seg!(
        "BAK",
        "00",
        ack.ack_type.code(),
        ack.po_number,
        ack.po_date.format("%Y%m%d"),
        "",
        "",
        "",
        ack.seller_order_number.as_deref().unwrap_or("")
    )];
    for line in &ack.lines {
        let mut po1 = seg!(
            "PO1",
            line.line_number,
            number(line.quantity),
            line.uom,
            line.unit_price.map(number).unwrap_or_default(),
            ""
        );
        for id in &line.product_ids {
            po1.elements.push(id.qualifier.clone());
            po1.elements.push(id.value.clone());
        }
        body.push(po1);
        let quantity = number(line.ack_quantity.unwrap_or(line.quantity));
        body.push(match line.scheduled_ship {
            Some(date) => seg!(
                "ACK",
                line.status.code(),
                quantity,
                line.uom,
                "068",
                date.format("%Y%m%d")
            ),
            None => seg!("ACK", line.status.code(), quantity, line.uom),
        });
    }
    body.push(totals(&ack.lines));
    let d = envelope
        .delimiters
        .for_version(&envelope.interchange_version);
    interchange(
        &d,
        &IsaOut {
            sender: &envelope.ours,
            receiver: &envelope.partner,
            version: &envelope.interchange_version,
            control: envelope.control.interchange,
            usage: if envelope.test { "T" } else { "P" },
            now: envelope.now,
        },
        &[GroupOut {
            functional_id: "PR",
            application_sender: envelope.application_sender.clone(),
            application_receiver: envelope.application_receiver.clone(),
            control: envelope.control.group,
            version: envelope.group_version.clone(),
            sets: vec![SetOut {
                id: "855",
                convention: "",
                body,
            }],
        }],
    )
}

/// CTT01 line count and CTT02 hash total of the ordered quantities (left out if it overflows).
fn totals(lines: &[PoAckLine]) -> Out {
    let hash = lines
        .iter()
        .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.quantity));
    seg!("CTT", lines.len(), hash.map(number).unwrap_or_default())
}

/// A decimal as the X12 `R` type writes it: no exponent, no trailing zeros.
fn number(d: Decimal) -> String {
    d.normalize().to_string()
}
