//! From the ERP's shipments, invoices and return receipts to the canonical fulfilment facts.
//!
//! Only records of sales Switchyard posted become events (their sale names the Switchyard order,
//! or the return): a sale keyed into the ERP by hand has no order to follow. Shipments that have
//! not left, unposted invoices and returns not yet received are not facts yet and are left out;
//! the feed names them again when they change.

use chrono::{DateTime, Utc};
use switchyard_erp::{
    ErpInvoice, ErpReturnReceipt, ErpShipment, InvoiceKind as ErpInvoiceKind, ShipmentLine,
    ShipmentState,
};
use switchyard_model::fulfilment_events::{
    Invoice, InvoiceKind, InvoicePosted, InvoiceTax, InvoicedLine, ReturnReceived, Shipment,
    ShipmentDispatched, ShippedLine,
};
use switchyard_model::{Currency, OrderId, Sku};

fn order_of(order_id: Option<&str>, what: &str, id: &str) -> Option<OrderId> {
    let parsed = order_id.and_then(|o| o.parse().ok());
    if parsed.is_none() {
        tracing::debug!(%what, %id, "not of a sale Switchyard posted: left out");
    }
    parsed
}

fn lines(lines: &[ShipmentLine]) -> Vec<ShippedLine> {
    lines
        .iter()
        .filter_map(|l| {
            Some(ShippedLine {
                sku: Sku::try_from(l.sku.as_str()).ok()?,
                quantity: l.quantity,
            })
        })
        .collect()
}

/// One `ShipmentDispatched` per shipment that left the warehouse.
pub fn shipment_events(
    shipments: &[ErpShipment],
    observed_at: DateTime<Utc>,
) -> Vec<ShipmentDispatched> {
    shipments
        .iter()
        .filter(|s| s.state == ShipmentState::Dispatched)
        .filter_map(|s| {
            Some(ShipmentDispatched {
                order_id: order_of(s.sale.order_id.as_deref(), "shipment", &s.id)?,
                erp_reference: s.sale.number.clone(),
                shipment: Shipment {
                    shipment_id: s.id.clone(),
                    lines: lines(&s.lines),
                    carrier: s.carrier.clone(),
                    service: s.service.clone(),
                    tracking_numbers: s.tracking_numbers.clone(),
                    shipped_at: s.shipped_at.unwrap_or(observed_at),
                },
                erp_version: s.version.0,
                observed_at,
            })
        })
        .collect()
}

/// One `InvoicePosted` per posted invoice or credit note.
pub fn invoice_events(invoices: &[ErpInvoice], observed_at: DateTime<Utc>) -> Vec<InvoicePosted> {
    invoices
        .iter()
        .filter_map(|i| {
            let Some(currency) = Currency::from_code(&i.currency) else {
                tracing::warn!(invoice = %i.id, currency = %i.currency, "invoice currency is not ISO 4217 money: left out");
                return None;
            };
            // Amounts in the currency's minor units (14.50 USD, not 14.5): what an invoice shows.
            let money = |amount: rust_decimal::Decimal| {
                let mut amount = amount.round_dp(currency.minor_unit_digits());
                amount.rescale(currency.minor_unit_digits());
                amount
            };
            Some(InvoicePosted {
                order_id: order_of(i.sale.order_id.as_deref(), "invoice", &i.id)?,
                erp_reference: i.sale.number.clone(),
                return_id: i.sale.return_id.clone(),
                invoice: Invoice {
                    invoice_id: i.id.clone(),
                    kind: match i.kind {
                        ErpInvoiceKind::Invoice => InvoiceKind::Invoice,
                        ErpInvoiceKind::CreditNote => InvoiceKind::CreditNote,
                    },
                    invoice_date: i.invoice_date,
                    due_date: i.due_date,
                    currency,
                    lines: i
                        .lines
                        .iter()
                        .map(|l| InvoicedLine {
                            sku: l.sku.as_deref().and_then(|s| Sku::try_from(s).ok()),
                            description: l.description.clone(),
                            quantity: l.quantity,
                            unit_price: l.unit_price,
                            amount: money(l.amount),
                        })
                        .collect(),
                    taxes: i
                        .taxes
                        .iter()
                        .map(|t| InvoiceTax {
                            name: t.name.clone(),
                            base: money(t.base),
                            amount: money(t.amount),
                        })
                        .collect(),
                    untaxed_amount: money(i.untaxed_amount),
                    tax_amount: money(i.tax_amount),
                    total_amount: money(i.total_amount),
                },
                erp_version: i.version.0,
                observed_at,
            })
        })
        .collect()
}

/// One `ReturnReceived` per received return shipment of a Switchyard return.
pub fn return_events(
    receipts: &[ErpReturnReceipt],
    observed_at: DateTime<Utc>,
) -> Vec<ReturnReceived> {
    receipts
        .iter()
        .filter(|r| r.received)
        .filter_map(|r| {
            Some(ReturnReceived {
                return_id: r.sale.return_id.clone()?,
                order_id: order_of(r.sale.order_id.as_deref(), "return", &r.id)?,
                erp_reference: r.sale.number.clone(),
                receipt_id: r.id.clone(),
                lines: lines(&r.lines),
                received_at: r.received_at.unwrap_or(observed_at),
                erp_version: r.version.0,
                observed_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use switchyard_erp::{ErpVersion, SaleLink};

    use super::*;

    fn sale(order_id: Option<&str>) -> SaleLink {
        SaleLink {
            number: "SO3".into(),
            reference: "shop:PO-1".into(),
            order_id: order_id.map(str::to_string),
            return_id: None,
        }
    }

    fn shipment(id: &str, state: ShipmentState, order_id: Option<&str>) -> ErpShipment {
        ErpShipment {
            id: id.into(),
            sale: sale(order_id),
            state,
            lines: vec![ShipmentLine {
                sku: "WIDGET-S".into(),
                quantity: Decimal::from(2),
            }],
            carrier: Some("UPS".into()),
            service: None,
            tracking_numbers: vec!["1Z1".into()],
            shipped_at: None,
            version: ErpVersion(7),
        }
    }

    #[test]
    fn only_dispatched_shipments_of_switchyard_orders_are_facts() {
        let order = OrderId::generate().to_string();
        let now = Utc::now();
        let events = shipment_events(
            &[
                shipment("CS1", ShipmentState::Dispatched, Some(&order)),
                shipment("CS2", ShipmentState::Preparing, Some(&order)),
                shipment("CS3", ShipmentState::Dispatched, None),
                shipment("CS4", ShipmentState::Dispatched, Some("not-a-ulid")),
            ],
            now,
        );
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].shipment.shipment_id, "CS1");
        assert_eq!(events[0].order_id.to_string(), order);
        assert_eq!(events[0].erp_version, 7);
        assert_eq!(
            events[0].shipment.shipped_at, now,
            "no ERP time: when it was seen"
        );
    }

    #[test]
    fn returns_need_their_return_id_and_to_be_received() {
        let order = OrderId::generate().to_string();
        let mut link = sale(Some(&order));
        link.return_id = Some("R-1".into());
        let receipt = |received: bool, link: SaleLink| ErpReturnReceipt {
            id: "CR1".into(),
            sale: link,
            received,
            lines: vec![],
            received_at: None,
            version: ErpVersion(3),
        };
        let events = return_events(
            &[
                receipt(true, link.clone()),
                receipt(false, link),
                receipt(true, sale(Some(&order))),
            ],
            Utc::now(),
        );
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].return_id, "R-1");
    }

    #[test]
    fn invoice_amounts_are_in_the_currency_minor_units() {
        use switchyard_erp::{ErpInvoice, ErpInvoiceLine, InvoiceKind};
        let order = OrderId::generate().to_string();
        let invoice = ErpInvoice {
            id: "7".into(),
            sale: sale(Some(&order)),
            kind: InvoiceKind::Invoice,
            invoice_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            due_date: None,
            currency: "USD".into(),
            lines: vec![ErpInvoiceLine {
                sku: Some("WIDGET-M".into()),
                description: "Widget M".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::new(14_5000, 4),
                amount: Decimal::new(145, 1),
            }],
            taxes: vec![],
            untaxed_amount: Decimal::new(145, 1),
            tax_amount: Decimal::ZERO,
            total_amount: Decimal::new(145, 1),
            version: ErpVersion(1),
        };
        let events = invoice_events(&[invoice], Utc::now());
        let posted = &events[0].invoice;
        assert_eq!(posted.total_amount.to_string(), "14.50");
        assert_eq!(posted.tax_amount.to_string(), "0.00");
        assert_eq!(posted.lines[0].amount.to_string(), "14.50");
        assert_eq!(
            posted.lines[0].unit_price.to_string(),
            "14.5000",
            "prices keep their precision"
        );
    }
}
