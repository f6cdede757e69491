//! The 856 ship notice and the 810 invoice of an X12 order, written by `edi-acknowledger` when
//! `OrderShipped` / `OrderInvoiced` reach its queue.
//!
//! Both are built from the order's EDI context kept from the 850 ([`PendingAck`]): the partner
//! gets its own PO number, PO line numbers, units and product ids back, with the quantities the
//! ERP shipped or invoiced mapped onto its lines by SKU. Each goes into the partner's outbox
//! under a fixed id (`856-<shipment id>`, `810-<invoice id>`), so a redelivered event writes
//! nothing new.

use std::collections::BTreeMap;

use chrono::Utc;
use rust_decimal::Decimal;
use switchyard_edi_outbox::OutboxDocument;
use switchyard_model::envelope::Envelope;
use switchyard_model::fulfilment_events::{InvoiceKind, OrderInvoiced, OrderShipped};
use switchyard_model::{ChannelName, OrderId};
use switchyard_x12::documents::{Party, ProductId};
use switchyard_x12::write::{
    Carrier, ControlNumbers, InvoiceLine, Lading, OutboundInvoice, OutboundShipNotice, ShippedItem,
    invoice, ship_notice,
};

use crate::acknowledger::{AckError, Acknowledged, Acknowledger};
use crate::pending::PendingAck;

/// `channel_kind` of the orders that came by X12.
pub const X12_KIND: &str = "x12";

impl Acknowledger {
    /// An 856 for the shipment of an X12 order; other orders are skipped.
    pub(crate) async fn ship_notice(&self, detail: &str) -> Result<Acknowledged, AckError> {
        let event = Envelope::<OrderShipped>::parse(detail)
            .map_err(|e| AckError::Unreadable(e.to_string()))?
            .payload;
        if event.channel_kind != X12_KIND {
            return Ok(Acknowledged::Skipped);
        }
        let Some(pending) = self.context(event.order_id).await? else {
            return Ok(Acknowledged::Skipped);
        };
        let notice = shipment_notice(&pending, &event);
        self.put_once(
            &event.channel,
            event.order_id,
            "856",
            &event.shipment.shipment_id,
            |control, now| ship_notice(&pending.envelope(control, now), &notice),
        )
        .await
    }

    /// An 810 for the invoice (or credit note) of an X12 order; other orders are skipped.
    pub(crate) async fn invoice(&self, detail: &str) -> Result<Acknowledged, AckError> {
        let event = Envelope::<OrderInvoiced>::parse(detail)
            .map_err(|e| AckError::Unreadable(e.to_string()))?
            .payload;
        if event.channel_kind != X12_KIND {
            return Ok(Acknowledged::Skipped);
        }
        let Some(pending) = self.context(event.order_id).await? else {
            return Ok(Acknowledged::Skipped);
        };
        let content = invoice_document(&pending, &event);
        self.put_once(
            &event.channel,
            event.order_id,
            "810",
            &event.invoice.invoice_id,
            |control, now| invoice(&pending.envelope(control, now), &content),
        )
        .await
    }

    /// The order's EDI context, if it came by EDI.
    async fn context(&self, order_id: OrderId) -> Result<Option<PendingAck>, AckError> {
        let Some(pending) = self.edi.pending_ack(order_id).await? else {
            tracing::warn!(order_id = %order_id, "X12 order without its EDI context; nothing sent");
            return Ok(None);
        };
        let pending = match crate::edifact::EdiContext::from_value(pending)
            .map_err(|e| AckError::Unreadable(format!("EDI context of the order: {e}")))?
        {
            crate::edifact::EdiContext::X12(value) => value,
            // EDIFACT partners get no DESADV/INVOIC yet: nothing to send, not a failure.
            crate::edifact::EdiContext::Edifact(_) => return Ok(None),
        };
        serde_json::from_value(pending)
            .map(Some)
            .map_err(|e| AckError::Unreadable(format!("EDI context of the order: {e}")))
    }

    /// Puts the document `<kind>-<number>` into the channel's outbox unless it is there.
    ///
    /// An ERP shipment or invoice can cover several orders of one customer, and so of one
    /// partner. The first order's document takes the plain id; another order's gets
    /// `<kind>-<number>-<order id>`, so neither hides the other and each is still written once.
    async fn put_once(
        &self,
        channel: &ChannelName,
        order_id: OrderId,
        kind: &str,
        number: &str,
        render: impl FnOnce(ControlNumbers, chrono::NaiveDateTime) -> String,
    ) -> Result<Acknowledged, AckError> {
        let order = order_id.to_string();
        let number = path_safe(number);
        let mut id = format!("{kind}-{number}");
        if let Some(existing) = self.edi.document(channel, &id).await? {
            if existing.order_ids.contains(&order) {
                return Ok(Acknowledged::Written(id));
            }
            id = format!("{kind}-{number}-{order}");
            if self.edi.document(channel, &id).await?.is_some() {
                return Ok(Acknowledged::Written(id));
            }
        }
        let control = self.edi.next_control_number(channel).await?;
        let now = Utc::now();
        let content = render(
            ControlNumbers {
                interchange: control,
                group: control,
            },
            now.naive_utc(),
        );
        self.edi
            .put_document(&OutboxDocument {
                id: id.clone(),
                channel: channel.clone(),
                kind: kind.to_string(),
                created_at: now,
                order_ids: vec![order],
                content,
            })
            .await?;
        Ok(Acknowledged::Written(id))
    }
}

/// The 856 of `event`: the shipment's quantities on the partner's lines, only the lines it
/// carries.
pub fn shipment_notice(pending: &PendingAck, event: &OrderShipped) -> OutboundShipNotice {
    let shipment = &event.shipment;
    let shipped: Vec<(&str, Decimal)> = shipment
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity))
        .collect();
    let items = allocate(pending, &shipped)
        .into_iter()
        .map(|(line, quantity)| match line {
            Line::Ordered(index) => {
                let po_line = &pending.ack.lines[index];
                ShippedItem {
                    line_number: po_line.line_number.clone(),
                    product_ids: po_line.product_ids.clone(),
                    quantity,
                    unit: po_line.uom.clone(),
                }
            }
            Line::NotOrdered(sku) => ShippedItem {
                line_number: String::new(),
                product_ids: vec![vendor_item(&sku)],
                quantity,
                unit: String::new(),
            },
        })
        .collect();
    OutboundShipNotice {
        shipment_id: shipment.shipment_id.clone(),
        shipped_at: shipment.shipped_at,
        // The ERP reports neither package count nor weight; TD1 is left out rather than guessed
        // (the tracking numbers are one per package that has one, not a package count).
        lading: Lading::default(),
        carrier: carrier(shipment.carrier.as_deref(), shipment.service.as_deref()),
        tracking_numbers: shipment.tracking_numbers.clone(),
        parties: parties(pending, &["ST", "SF"]),
        po_number: pending.ack.po_number.clone(),
        po_date: Some(pending.ack.po_date),
        seller_order_number: Some(event.erp_reference.clone()),
        items,
    }
}

/// The 810 of `event`: each invoice line on the partner's line with the same SKU.
pub fn invoice_document(pending: &PendingAck, event: &OrderInvoiced) -> OutboundInvoice {
    let inv = &event.invoice;
    let lines = inv
        .lines
        .iter()
        .map(|l| {
            let ordered = l.sku.as_ref().and_then(|sku| {
                (0..pending.ack.lines.len()).find(|i| pending.line_sku(*i) == Some(sku.as_str()))
            });
            let (line_number, unit, product_ids) = match (ordered, &l.sku) {
                (Some(i), _) => {
                    let po_line = &pending.ack.lines[i];
                    (
                        po_line.line_number.clone(),
                        po_line.uom.clone(),
                        po_line.product_ids.clone(),
                    )
                }
                (None, Some(sku)) => (
                    String::new(),
                    String::new(),
                    vec![vendor_item(sku.as_str())],
                ),
                // A line for no product (freight, a fee) is invoiced by its description alone.
                (None, None) => (String::new(), String::new(), Vec::new()),
            };
            InvoiceLine {
                line_number,
                quantity: l.quantity,
                unit,
                unit_price: l.unit_price,
                product_ids,
                description: Some(l.description.clone()).filter(|d| !d.trim().is_empty()),
            }
        })
        .collect();
    OutboundInvoice {
        number: inv.invoice_id.clone(),
        date: inv.invoice_date,
        po_number: pending.ack.po_number.clone(),
        po_date: Some(pending.ack.po_date),
        credit: inv.kind == InvoiceKind::CreditNote,
        currency: inv.currency.code().to_string(),
        seller_order_number: Some(event.erp_reference.clone()),
        parties: parties(pending, &["BT", "ST"]),
        due_date: inv.due_date,
        lines,
        tax_amount: inv.tax_amount,
        total: inv.total_amount,
    }
}

/// Where shipped quantities go.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Line {
    /// The PO1 line at this index of the context.
    Ordered(usize),
    /// A SKU the partner did not order (a substitution): it is reported under our item number.
    NotOrdered(String),
}

/// Spreads each shipped SKU's quantity over the partner's lines with that SKU, in PO order:
/// each line up to its ordered quantity, the last one taking whatever is left (an over-shipment
/// is reported, not hidden). Lines of the PO the shipment does not carry are left out.
fn allocate(pending: &PendingAck, shipped: &[(&str, Decimal)]) -> BTreeMap<Line, Decimal> {
    let mut out: BTreeMap<Line, Decimal> = BTreeMap::new();
    for (sku, quantity) in shipped {
        if *quantity <= Decimal::ZERO {
            continue;
        }
        let lines: Vec<usize> = (0..pending.ack.lines.len())
            .filter(|i| pending.line_sku(*i) == Some(*sku))
            .collect();
        let Some((last, first)) = lines.split_last() else {
            *out.entry(Line::NotOrdered(sku.to_string())).or_default() += *quantity;
            continue;
        };
        let mut left = *quantity;
        for index in first {
            let already = out.get(&Line::Ordered(*index)).copied().unwrap_or_default();
            let room = (pending.ack.lines[*index].quantity - already).max(Decimal::ZERO);
            let take = left.min(room);
            if take > Decimal::ZERO {
                *out.entry(Line::Ordered(*index)).or_default() += take;
                left -= take;
            }
        }
        if left > Decimal::ZERO {
            *out.entry(Line::Ordered(*last)).or_default() += left;
        }
    }
    out
}

/// `number` as it can stand in the outbox URL (`/v1/edi/outbox/<id>`): ERP numbers such as
/// `INV/0007` carry characters a path segment cannot, so anything but letters, digits, `-`, `.`
/// and `_` becomes `_`. The document itself carries the number unchanged.
fn path_safe(number: &str) -> String {
    number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Our item number as a product id.
fn vendor_item(sku: &str) -> ProductId {
    ProductId {
        qualifier: "VN".into(),
        value: sku.to_string(),
    }
}

/// The 850's parties with these entity codes, in that order.
fn parties(pending: &PendingAck, entities: &[&str]) -> Vec<Party> {
    entities
        .iter()
        .filter_map(|e| pending.parties.iter().find(|p| p.entity == *e).cloned())
        .collect()
}

/// TD5 from the ERP's carrier and service. A carrier named by four capital letters is taken as
/// its SCAC (`UPSN`, `FDEG`, `USPS`); any other name (`UPS`, `DHL Express`) is written as
/// text, since a 2–3 letter brand is not its SCAC and guessing one would misroute the partner's
/// receiving.
pub fn carrier(carrier: Option<&str>, service: Option<&str>) -> Carrier {
    let carrier = carrier.map(str::trim).filter(|c| !c.is_empty());
    let is_scac = |c: &&str| c.len() == 4 && c.bytes().all(|b| b.is_ascii_uppercase());
    Carrier {
        scac: carrier.filter(is_scac).map(str::to_string),
        name: carrier.filter(|c| !is_scac(c)).map(str::to_string),
        service: service
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A context as kept before parties and SKUs were recorded: the SKU comes from VN/VP.
    fn old_context(lines: &[(&str, &str, i64)]) -> PendingAck {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(n, sku, q)| {
                json!({"line_number": n, "quantity": q.to_string(), "uom": "EA", "unit_price": null,
                    "product_ids": [{"qualifier": "VN", "value": sku}], "status": "Accepted",
                    "ack_quantity": null, "scheduled_ship": null})
            })
            .collect();
        serde_json::from_value(json!({
            "ours": {"qualifier": "ZZ", "id": "SWITCHYARD"},
            "partner": {"qualifier": "ZZ", "id": "ACMEBUYER"},
            "test": false,
            "ack": {"po_number": "PO-1", "po_date": "2026-11-27", "ack_type": "AcceptedNoChange",
                "seller_order_number": null, "lines": lines}
        }))
        .unwrap()
    }

    #[test]
    fn a_sku_on_two_lines_fills_them_in_po_order_and_the_last_takes_any_excess() {
        let pending = old_context(&[("1", "A", 5), ("2", "B", 1), ("3", "A", 2)]);
        assert!(pending.parties.is_empty());
        assert_eq!(pending.line_sku(2), Some("A"));
        let d = Decimal::from;
        let spread = allocate(
            &pending,
            &[("A", d(4)), ("A", d(4)), ("Z", d(1)), ("B", d(0))],
        );
        assert_eq!(
            spread.into_iter().collect::<Vec<_>>(),
            vec![
                (Line::Ordered(0), d(5)),
                (Line::Ordered(2), d(3)),
                (Line::NotOrdered("Z".into()), d(1)),
            ],
            "line 1 filled to 5, line 3 gets the other 3 (one more than ordered); nothing of B"
        );
    }

    #[test]
    fn erp_numbers_become_path_safe_ids() {
        assert_eq!(path_safe("INV/2026/0007"), "INV_2026_0007");
        assert_eq!(path_safe("CS-7.a_b"), "CS-7.a_b");
        assert_eq!(path_safe("Zoë 1?"), "Zo__1_");
    }

    #[test]
    fn four_capital_letters_are_a_scac_anything_else_a_name() {
        let c = carrier(Some("UPSN"), Some(" Ground "));
        assert_eq!(
            (c.scac.as_deref(), c.name, c.service.as_deref()),
            (Some("UPSN"), None, Some("Ground"))
        );
        let c = carrier(Some("UPS"), None);
        assert_eq!((c.scac, c.name.as_deref()), (None, Some("UPS")));
        let c = carrier(Some("Fedx"), Some(""));
        assert_eq!(
            (c.scac, c.name.as_deref(), c.service),
            (None, Some("Fedx"), None)
        );
        assert_eq!(carrier(None, None), Carrier::default());
    }
}
