//! What acknowledging a purchase order needs, kept from the 850 until the ERP has decided.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::write::{
    AckType, ControlNumbers, LineStatus, OutboundEnvelope, PartnerId, PoAck, PoAckLine,
    purchase_order_acknowledgment,
};

/// The ERP's decision on a purchase order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Accepted as this ERP sale.
    Accepted {
        /// The ERP's document number (BAK08).
        erp_reference: String,
    },
    /// Refused.
    Rejected,
}

/// An 855 waiting for the ERP's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAck {
    /// Us, as the partner addressed us (ISA07/ISA08 of the 850).
    pub ours: PartnerId,
    /// The partner (ISA05/ISA06 of the 850).
    pub partner: PartnerId,
    /// Whether the 850 was a test interchange (ISA15 `T`); the 855 says the same.
    pub test: bool,
    /// The acknowledgement, every line as ordered; the decision fills in the statuses.
    pub ack: PoAck,
}

impl PendingAck {
    /// The pending acknowledgement of `po`, received from `partner` addressed to `ours`.
    pub fn for_order(po: &PurchaseOrder, ours: PartnerId, partner: PartnerId, test: bool) -> Self {
        let lines = po
            .lines
            .iter()
            .map(|l| PoAckLine {
                line_number: l.line_number.clone(),
                quantity: l.quantity,
                uom: l.uom.clone(),
                unit_price: l.unit_price,
                product_ids: l.product_ids.clone(),
                status: LineStatus::Accepted,
                ack_quantity: None,
                scheduled_ship: None,
            })
            .collect();
        PendingAck {
            ours,
            partner,
            test,
            ack: PoAck {
                po_number: po.number.clone(),
                po_date: po.date,
                ack_type: AckType::AcceptedNoChange,
                seller_order_number: None,
                lines,
            },
        }
    }

    /// The 855 interchange for `decision`. The ERP takes or refuses an order whole, so every
    /// line gets the same status.
    pub fn render(
        &self,
        decision: &Decision,
        control: ControlNumbers,
        now: NaiveDateTime,
    ) -> String {
        let mut ack = self.ack.clone();
        let status = match decision {
            Decision::Accepted { erp_reference } => {
                ack.seller_order_number = Some(erp_reference.clone());
                LineStatus::Accepted
            }
            Decision::Rejected => LineStatus::Rejected,
        };
        for line in &mut ack.lines {
            line.status = status;
        }
        ack.ack_type = AckType::from_lines(&ack.lines);
        let mut envelope =
            OutboundEnvelope::new(self.ours.clone(), self.partner.clone(), control, now);
        envelope.test = self.test;
        purchase_order_acknowledgment(&envelope, &ack)
    }
}
