//! The order's EDI context, kept from the 850: what the 855 needs once the ERP has decided, and
//! what the 856 ship notices and 810 invoices of the order need later (the partner's ids, its PO
//! number and date, its parties and each PO1 line with the partner's product ids). It is never
//! deleted once the 855 is written: every later document of the order is built from it.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use switchyard_x12::documents::{Party, PurchaseOrder};
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
    /// The 850's parties (ship to, bill to …), named again in the 856 and 810. Empty in a
    /// context kept before parties were recorded.
    #[serde(default)]
    pub parties: Vec<Party>,
    /// Our SKU for each line of `ack.lines` (same order), found with the channel's SKU
    /// qualifiers when the 850 was mapped, so a shipment's SKUs find the partner's lines. Empty
    /// in a context kept before SKUs were recorded; [`PendingAck::line_sku`] falls back then.
    #[serde(default)]
    pub line_skus: Vec<Option<String>>,
}

impl PendingAck {
    /// The pending acknowledgement of `po`, received from `partner` addressed to `ours`; each
    /// line's SKU is the first of its product ids with one of `sku_qualifiers`, as the 850
    /// mapping chose it.
    pub fn for_order(
        po: &PurchaseOrder,
        ours: PartnerId,
        partner: PartnerId,
        test: bool,
        sku_qualifiers: &[String],
    ) -> Self {
        let line_skus = po
            .lines
            .iter()
            .map(|l| {
                sku_qualifiers
                    .iter()
                    .find_map(|q| l.product_id(q))
                    .map(str::to_string)
            })
            .collect();
        let lines = po
            .lines
            .iter()
            .map(|l| PoAckLine {
                line_number: l.line_number().to_string(),
                quantity: l.quantity,
                uom: l.uom().to_string(),
                unit_price: l.unit_price,
                product_ids: l.product_ids(),
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
            parties: po.parties.clone(),
            line_skus,
        }
    }

    /// Our SKU on line `index`: as recorded, or else (a context kept before SKUs were) the
    /// product id with one of the default SKU qualifiers (`VN`, `VP`).
    pub fn line_sku(&self, index: usize) -> Option<&str> {
        match self.line_skus.get(index) {
            Some(sku) => sku.as_deref(),
            None => self.ack.lines.get(index).and_then(|l| {
                crate::interchange::DEFAULT_SKU_QUALIFIERS
                    .iter()
                    .find_map(|q| {
                        l.product_ids
                            .iter()
                            .find(|p| p.qualifier == *q)
                            .map(|p| p.value.as_str())
                    })
            }),
        }
    }

    /// The envelope of a document we start for this order: to the partner, from us as the
    /// partner addressed us, test or production as the 850 was.
    pub fn envelope(&self, control: ControlNumbers, now: NaiveDateTime) -> OutboundEnvelope {
        let mut envelope =
            OutboundEnvelope::new(self.ours.clone(), self.partner.clone(), control, now);
        envelope.test = self.test;
        envelope
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
        purchase_order_acknowledgment(&self.envelope(control, now), &ack)
    }
}
