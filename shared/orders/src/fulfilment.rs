//! What the ERP did with an accepted order — shipments and invoices — applied to its record.
//!
//! The status follows from the facts, never from the order they arrive in: shipped quantities
//! against ordered ones give PARTIALLY_SHIPPED or SHIPPED, invoiced quantities on top give
//! INVOICED, and the status only moves forward. Each fact carries its ERP record's version; a fact
//! no newer than the one applied for the same record changes nothing, so a redelivered or
//! reordered event is harmless.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use switchyard_model::fulfilment_events::{
    InvoiceKind, InvoicePosted, OrderInvoiced, OrderShipped, ShipmentDispatched,
};
use switchyard_model::{OrderStatus, Sku};

use crate::OrderRecord;

/// What applying a fact did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The record changed (and an event is in its outbox).
    Changed,
    /// The record already held this state of the ERP record, or a newer one.
    AlreadyKnown,
}

/// Why a fact cannot be applied now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FulfilmentError {
    /// The ERP shipped or invoiced an order whose record does not say it is accepted yet: the
    /// processor has not saved the acceptance. Retry later.
    #[error("order {0} is not accepted yet")]
    NotAcceptedYet(String),
}

impl OrderRecord {
    /// Applies a shipment the ERP dispatched; records `OrderShipped` when it is new or changed.
    /// `channel_kind` is carried into the event so that each kind's pusher gets its own.
    pub fn record_shipment(
        &mut self,
        fact: &ShipmentDispatched,
        channel_kind: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied, FulfilmentError> {
        self.check_accepted()?;
        let key = format!("shipment:{}", fact.shipment.shipment_id);
        if !self.newer(&key, fact.erp_version) {
            return Ok(Applied::AlreadyKnown);
        }
        match self
            .shipments
            .iter_mut()
            .find(|s| s.shipment_id == fact.shipment.shipment_id)
        {
            Some(known) => *known = fact.shipment.clone(),
            None => self.shipments.push(fact.shipment.clone()),
        }
        self.erp_versions.insert(key, fact.erp_version);
        self.follow_facts(now);
        let fully_shipped = self.fully_shipped();
        self.record_event(OrderShipped {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            channel_kind: channel_kind.to_string(),
            external_id: self.order.external_id.clone(),
            erp_reference: self.erp_reference.clone().unwrap_or_default(),
            shipment: fact.shipment.clone(),
            status: self.status,
            fully_shipped,
        });
        Ok(Applied::Changed)
    }

    /// Applies an invoice the ERP posted; records `OrderInvoiced` when it is new or changed.
    pub fn record_invoice(
        &mut self,
        fact: &InvoicePosted,
        channel_kind: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied, FulfilmentError> {
        self.check_accepted()?;
        let key = format!("invoice:{}", fact.invoice.invoice_id);
        if !self.newer(&key, fact.erp_version) {
            return Ok(Applied::AlreadyKnown);
        }
        match self
            .invoices
            .iter_mut()
            .find(|i| i.invoice_id == fact.invoice.invoice_id)
        {
            Some(known) => *known = fact.invoice.clone(),
            None => self.invoices.push(fact.invoice.clone()),
        }
        self.erp_versions.insert(key, fact.erp_version);
        if let Some(return_id) = &fact.return_id {
            self.credit_return(return_id, &fact.invoice.invoice_id, now);
        }
        self.follow_facts(now);
        self.record_event(OrderInvoiced {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            channel_kind: channel_kind.to_string(),
            external_id: self.order.external_id.clone(),
            erp_reference: self.erp_reference.clone().unwrap_or_default(),
            invoice: fact.invoice.clone(),
            status: self.status,
        });
        Ok(Applied::Changed)
    }

    /// How much of each SKU left the warehouse.
    pub fn shipped_quantities(&self) -> BTreeMap<Sku, Decimal> {
        let mut shipped = BTreeMap::new();
        for line in self.shipments.iter().flat_map(|s| &s.lines) {
            *shipped.entry(line.sku.clone()).or_insert(Decimal::ZERO) += line.quantity;
        }
        shipped
    }

    /// True when every ordered line left the warehouse in full.
    pub fn fully_shipped(&self) -> bool {
        covers(&self.shipped_quantities(), &self.ordered_quantities())
    }

    fn ordered_quantities(&self) -> BTreeMap<Sku, Decimal> {
        let mut ordered = BTreeMap::new();
        for line in &self.order.lines {
            *ordered.entry(line.sku.clone()).or_insert(Decimal::ZERO) += line.quantity.value();
        }
        ordered
    }

    fn invoiced_quantities(&self) -> BTreeMap<Sku, Decimal> {
        let mut invoiced = BTreeMap::new();
        let lines = self
            .invoices
            .iter()
            .filter(|i| i.kind == InvoiceKind::Invoice)
            .flat_map(|i| &i.lines);
        for line in lines {
            if let Some(sku) = &line.sku {
                *invoiced.entry(sku.clone()).or_insert(Decimal::ZERO) += line.quantity;
            }
        }
        invoiced
    }

    fn check_accepted(&self) -> Result<(), FulfilmentError> {
        if self.status == OrderStatus::Received {
            return Err(FulfilmentError::NotAcceptedYet(self.order.id.to_string()));
        }
        Ok(())
    }

    fn newer(&self, key: &str, version: i64) -> bool {
        self.erp_versions
            .get(key)
            .is_none_or(|seen| version > *seen)
    }

    /// Moves the status to what the facts say, if that is further along.
    fn follow_facts(&mut self, now: DateTime<Utc>) {
        let ordered = self.ordered_quantities();
        let shipped = self.shipped_quantities();
        let target = if covers(&shipped, &ordered) {
            if covers(&self.invoiced_quantities(), &ordered) {
                OrderStatus::Invoiced
            } else {
                OrderStatus::Shipped
            }
        } else if shipped.values().any(|q| *q > Decimal::ZERO) {
            OrderStatus::PartiallyShipped
        } else {
            return;
        };
        // A cancelled or rejected order keeps its status: the facts stay on it for operators.
        if self.status.can_become(target) {
            let _ = self.enter(target, now);
        }
    }
}

fn covers(have: &BTreeMap<Sku, Decimal>, need: &BTreeMap<Sku, Decimal>) -> bool {
    need.iter()
        .all(|(sku, n)| have.get(sku).copied().unwrap_or(Decimal::ZERO) >= *n)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use switchyard_model::contract::v1::{CaptureContext, parse_order};
    use switchyard_model::fulfilment_events::{Invoice, InvoicedLine, Shipment, ShippedLine};
    use switchyard_model::{ChannelName, Currency, OrderId};

    use super::*;

    /// An accepted order of 2 × WIDGET-S and 3 × WIDGET-M.
    fn accepted() -> OrderRecord {
        let body = serde_json::json!({"external_id": "PO-1", "currency": "USD",
            "customer": {"name": "Acme"},
            "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
            "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"},
                      {"sku": "WIDGET-M", "quantity": 3, "unit_price": "5"}]});
        let ctx = CaptureContext {
            order_id: OrderId::generate(),
            channel: ChannelName::try_from("shop").unwrap(),
            default_customer: Some("DEMO-SHOP".into()),
        };
        let mut r = OrderRecord::received(parse_order(&body, &ctx).unwrap(), "key", Utc::now());
        r.accept("SO1", Utc::now()).unwrap();
        r.outbox.clear();
        r
    }

    fn shipped(
        r: &OrderRecord,
        id: &str,
        lines: &[(&str, i64)],
        version: i64,
    ) -> ShipmentDispatched {
        ShipmentDispatched {
            order_id: r.order.id,
            erp_reference: "SO1".into(),
            shipment: Shipment {
                shipment_id: id.into(),
                lines: lines
                    .iter()
                    .map(|(sku, q)| ShippedLine {
                        sku: Sku::try_from(*sku).unwrap(),
                        quantity: Decimal::from(*q),
                    })
                    .collect(),
                carrier: Some("UPS".into()),
                service: None,
                tracking_numbers: vec![format!("1Z{id}")],
                shipped_at: Utc::now(),
            },
            erp_version: version,
            observed_at: Utc::now(),
        }
    }

    fn invoiced(r: &OrderRecord, id: &str, lines: &[(&str, i64)], version: i64) -> InvoicePosted {
        InvoicePosted {
            order_id: r.order.id,
            erp_reference: "SO1".into(),
            return_id: None,
            invoice: Invoice {
                invoice_id: id.into(),
                kind: InvoiceKind::Invoice,
                invoice_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                due_date: None,
                currency: Currency::from_code("USD").unwrap(),
                lines: lines
                    .iter()
                    .map(|(sku, q)| InvoicedLine {
                        sku: Some(Sku::try_from(*sku).unwrap()),
                        description: sku.to_string(),
                        quantity: Decimal::from(*q),
                        unit_price: Decimal::ONE,
                        amount: Decimal::from(*q),
                    })
                    .collect(),
                taxes: vec![],
                untaxed_amount: Decimal::from(5),
                tax_amount: Decimal::ZERO,
                total_amount: Decimal::from(5),
            },
            erp_version: version,
            observed_at: Utc::now(),
        }
    }

    fn kinds(r: &OrderRecord) -> Vec<&str> {
        r.outbox.iter().map(|e| e.kind.as_str()).collect()
    }

    #[test]
    fn a_full_shipment_ships_the_order_once() {
        let mut r = accepted();
        let fact = shipped(&r, "CS1", &[("WIDGET-S", 2), ("WIDGET-M", 3)], 10);
        assert_eq!(
            r.record_shipment(&fact, "shopify", Utc::now()),
            Ok(Applied::Changed)
        );
        assert_eq!(r.status, OrderStatus::Shipped);
        assert_eq!(kinds(&r), ["OrderShipped"]);
        assert_eq!(r.outbox[0].payload["fully_shipped"], true);
        assert_eq!(r.outbox[0].payload["channel_kind"], "shopify");
        for _ in 0..2 {
            assert_eq!(
                r.record_shipment(&fact, "shopify", Utc::now()),
                Ok(Applied::AlreadyKnown)
            );
        }
        assert_eq!(kinds(&r), ["OrderShipped"], "a repeat records nothing");
        assert_eq!(r.shipments.len(), 1);
        assert_eq!(r.view().shipments[0].tracking_numbers, ["1ZCS1"]);
    }

    #[test]
    fn a_partial_shipment_then_the_rest() {
        let mut r = accepted();
        r.record_shipment(
            &shipped(&r, "CS1", &[("WIDGET-M", 1)], 10),
            "x12",
            Utc::now(),
        )
        .unwrap();
        assert_eq!(r.status, OrderStatus::PartiallyShipped);
        assert_eq!(r.outbox[0].payload["fully_shipped"], false);
        r.record_shipment(
            &shipped(&r, "CS2", &[("WIDGET-M", 2), ("WIDGET-S", 2)], 11),
            "x12",
            Utc::now(),
        )
        .unwrap();
        assert_eq!(r.status, OrderStatus::Shipped);
        let statuses: Vec<_> = r.history.iter().map(|h| h.status).collect();
        assert_eq!(
            statuses,
            [
                OrderStatus::Received,
                OrderStatus::Accepted,
                OrderStatus::PartiallyShipped,
                OrderStatus::Shipped
            ]
        );
        assert_eq!(r.outbox[1].payload["fully_shipped"], true);
    }

    #[test]
    fn an_invoice_before_the_shipment_ends_invoiced() {
        let mut r = accepted();
        let all = [("WIDGET-S", 2), ("WIDGET-M", 3)];
        r.record_invoice(&invoiced(&r, "INV1", &all, 5), "x12", Utc::now())
            .unwrap();
        assert_eq!(r.status, OrderStatus::Accepted, "nothing has shipped yet");
        assert_eq!(kinds(&r), ["OrderInvoiced"]);
        r.record_shipment(&shipped(&r, "CS1", &all, 4), "x12", Utc::now())
            .unwrap();
        assert_eq!(r.status, OrderStatus::Invoiced);
        assert_eq!(r.view().invoices[0].number, "INV1");
    }

    #[test]
    fn an_older_state_of_a_shipment_changes_nothing_and_nothing_moves_back() {
        let mut r = accepted();
        let all = [("WIDGET-S", 2), ("WIDGET-M", 3)];
        r.record_shipment(&shipped(&r, "CS1", &all, 20), "api", Utc::now())
            .unwrap();
        r.record_invoice(&invoiced(&r, "INV1", &all, 21), "api", Utc::now())
            .unwrap();
        assert_eq!(r.status, OrderStatus::Invoiced);
        let before = r.clone();
        let stale = shipped(&r, "CS1", &[("WIDGET-S", 1)], 19);
        assert_eq!(
            r.record_shipment(&stale, "api", Utc::now()),
            Ok(Applied::AlreadyKnown)
        );
        assert_eq!(r, before);
        // A newer state with fewer lines is kept, but the order does not move back.
        let newer = shipped(&r, "CS1", &[("WIDGET-S", 1)], 22);
        r.record_shipment(&newer, "api", Utc::now()).unwrap();
        assert_eq!(r.status, OrderStatus::Invoiced);
    }

    #[test]
    fn a_credit_note_does_not_invoice_the_order() {
        let mut r = accepted();
        let all = [("WIDGET-S", 2), ("WIDGET-M", 3)];
        r.record_shipment(&shipped(&r, "CS1", &all, 1), "api", Utc::now())
            .unwrap();
        let mut credit = invoiced(&r, "CN1", &all, 2);
        credit.invoice.kind = InvoiceKind::CreditNote;
        r.record_invoice(&credit, "api", Utc::now()).unwrap();
        assert_eq!(r.status, OrderStatus::Shipped);
    }

    #[test]
    fn facts_wait_for_the_acceptance_and_stay_on_a_cancelled_order() {
        let body = accepted();
        let mut received = OrderRecord::received(body.order.clone(), "key", Utc::now());
        let fact = shipped(&received, "CS1", &[("WIDGET-S", 2)], 1);
        assert!(matches!(
            received.record_shipment(&fact, "api", Utc::now()),
            Err(FulfilmentError::NotAcceptedYet(_))
        ));
        assert!(received.shipments.is_empty());
        let mut cancelled = accepted();
        cancelled.cancel(Utc::now()).unwrap();
        cancelled.record_shipment(&fact, "api", Utc::now()).unwrap();
        assert_eq!(cancelled.status, OrderStatus::Cancelled);
        assert_eq!(cancelled.shipments.len(), 1, "kept for an operator to see");
    }
}
