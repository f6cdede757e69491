//! The order record: the order as accepted, where it is, and the events its changes produce.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_model::contract::v1::{
    Cancellation, CancellationState, OrderBodyV1, OrderView, Rejection, StatusChange,
};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_model::events::{
    OrderAccepted, OrderCancellationFailed, OrderCancelled, OrderRejected,
};
use switchyard_model::fulfilment_events::{Invoice, Shipment};
use switchyard_model::{Order, OrderStatus, TransitionError};

/// Everything Switchyard knows about one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// The order as accepted by the API.
    pub order: Order,
    /// Where it is now.
    pub status: OrderStatus,
    /// Every status entered, oldest first.
    pub history: Vec<StatusChange>,
    /// The ERP's document number once accepted.
    pub erp_reference: Option<String>,
    /// Why the ERP refused it.
    pub rejection: Option<Rejection>,
    /// The `Idempotency-Key` it was submitted with; a retry under the same key resumes it.
    pub idempotency_key: String,
    /// The last transient failure while posting to the ERP, for operators.
    pub last_error: Option<String>,
    /// The channel's cancellation request and its outcome.
    #[serde(default)]
    pub cancellation: Option<Cancellation>,
    /// What left the warehouse, one entry per ERP shipment, oldest first.
    #[serde(default)]
    pub shipments: Vec<Shipment>,
    /// Posted invoices and credit notes, oldest first.
    #[serde(default)]
    pub invoices: Vec<Invoice>,
    /// Returns requested against this order, oldest first.
    #[serde(default)]
    pub returns: Vec<switchyard_model::returns::Return>,
    /// The newest ERP version applied per ERP record (`shipment:CS7`, `invoice:INV3`), so a
    /// repeated or reordered fact changes nothing.
    #[serde(default)]
    pub erp_versions: std::collections::BTreeMap<String, i64>,
    /// Events recorded with a status change and not yet published. Publishing happens after the
    /// change is saved; a crash in between leaves them here for the next delivery to publish, with
    /// the same envelope id, so consumers can de-duplicate.
    pub outbox: Vec<Envelope<serde_json::Value>>,
    /// The submitting channel's kind (`x12`, `shopify`, …), carried into the events so that
    /// rules route on it without a channel read; absent on records written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_kind: Option<String>,
}

impl OrderRecord {
    /// A freshly received order.
    pub fn received(order: Order, idempotency_key: impl Into<String>, now: DateTime<Utc>) -> Self {
        OrderRecord {
            order,
            status: OrderStatus::Received,
            history: vec![StatusChange {
                status: OrderStatus::Received,
                at: now,
            }],
            erp_reference: None,
            rejection: None,
            idempotency_key: idempotency_key.into(),
            last_error: None,
            cancellation: None,
            shipments: vec![],
            invoices: vec![],
            returns: vec![],
            erp_versions: Default::default(),
            outbox: vec![],
            channel_kind: None,
        }
    }

    /// The record notes the kind of channel the order came from.
    pub fn from_channel_kind(mut self, kind: impl Into<String>) -> Self {
        self.channel_kind = Some(kind.into());
        self
    }

    pub(crate) fn enter(
        &mut self,
        to: OrderStatus,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.status = self.status.transition(to)?;
        self.history.push(StatusChange {
            status: to,
            at: now,
        });
        Ok(())
    }

    pub(crate) fn record_event<T: Message>(&mut self, payload: T) {
        let envelope = Envelope::new(
            self.order.channel.to_string(),
            self.order.id.to_string(),
            payload,
        );
        self.outbox.push(envelope.into_json());
    }

    /// The ERP confirmed the order as `erp_reference`; records `OrderAccepted` in the outbox.
    pub fn accept(
        &mut self,
        erp_reference: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.enter(OrderStatus::Accepted, now)?;
        self.erp_reference = Some(erp_reference.to_string());
        self.last_error = None;
        self.record_event(OrderAccepted {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            erp_reference: erp_reference.to_string(),
            accepted_at: now,
            channel_kind: self.channel_kind.clone(),
        });
        Ok(())
    }

    /// The ERP refused the order; records `OrderRejected` in the outbox.
    pub fn reject(
        &mut self,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.enter(OrderStatus::Rejected, now)?;
        self.rejection = Some(Rejection {
            code: code.to_string(),
            message: message.to_string(),
        });
        self.last_error = None;
        self.record_event(OrderRejected {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            code: code.to_string(),
            message: message.to_string(),
            rejected_at: now,
            channel_kind: self.channel_kind.clone(),
        });
        Ok(())
    }

    /// Notes the channel's cancellation request, unless one is already noted.
    pub fn request_cancellation(&mut self, reason: Option<String>, at: DateTime<Utc>) {
        if self.cancellation.is_none() {
            self.cancellation = Some(Cancellation {
                requested_at: at,
                reason,
                state: CancellationState::Pending,
                detail: None,
            });
        }
    }

    /// The order is cancelled, with its ERP sale if it had one; records `OrderCancelled`.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.enter(OrderStatus::Cancelled, now)?;
        self.request_cancellation(None, now);
        if let Some(c) = &mut self.cancellation {
            c.state = CancellationState::Cancelled;
            c.detail = None;
        }
        self.last_error = None;
        self.record_event(OrderCancelled {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            erp_reference: self.erp_reference.clone(),
            cancelled_at: now,
        });
        Ok(())
    }

    /// The ERP could not cancel the live sale: an operator must; records
    /// `OrderCancellationFailed` so that alerting can pick it up.
    pub fn cancellation_needs_attention(&mut self, message: &str, now: DateTime<Utc>) {
        self.request_cancellation(None, now);
        if let Some(c) = &mut self.cancellation {
            if c.state == CancellationState::NeedsAttention {
                return;
            }
            c.state = CancellationState::NeedsAttention;
            c.detail = Some(message.to_string());
        }
        self.record_event(OrderCancellationFailed {
            order_id: self.order.id,
            channel: self.order.channel.clone(),
            external_id: self.order.external_id.clone(),
            erp_reference: self.erp_reference.clone().unwrap_or_default(),
            message: message.to_string(),
            failed_at: now,
        });
    }

    /// The v1 view of this record.
    pub fn view(&self) -> OrderView {
        OrderView {
            id: self.order.id.to_string(),
            channel: self.order.channel.to_string(),
            status: self.status,
            history: self.history.clone(),
            erp_reference: self.erp_reference.clone(),
            rejection: self.rejection.clone(),
            cancellation: self.cancellation.clone(),
            shipments: self.shipments.clone(),
            invoices: self.invoices.iter().map(Into::into).collect(),
            order: OrderBodyV1::from(&self.order),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Every transition the record's operations can attempt: the allowed ones move the status,
    //! record history and exactly one event; the refused ones change nothing at all.
    use super::*;
    use switchyard_model::contract::v1::{CaptureContext, parse_order};
    use switchyard_model::{ChannelName, OrderId};

    fn record() -> OrderRecord {
        let body = serde_json::json!({"external_id": "PO-1", "currency": "USD",
            "customer": {"name": "Acme"},
            "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
            "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"}]});
        let ctx = CaptureContext {
            order_id: OrderId::generate(),
            channel: ChannelName::try_from("shop").unwrap(),
            default_customer: Some("DEMO-SHOP".into()),
        };
        OrderRecord::received(parse_order(&body, &ctx).unwrap(), "key", Utc::now())
    }

    /// The operations that move a record, by the status they enter.
    #[derive(Debug, Clone, Copy)]
    enum Op {
        Accept,
        Reject,
        Cancel,
    }

    fn apply(r: &mut OrderRecord, op: Op) -> Result<(), TransitionError> {
        match op {
            Op::Accept => r.accept("SO1", Utc::now()),
            Op::Reject => r.reject("unknown-sku", "no such SKU", Utc::now()),
            Op::Cancel => r.cancel(Utc::now()),
        }
    }

    fn in_status(path: &[Op]) -> OrderRecord {
        let mut r = record();
        for op in path {
            apply(&mut r, *op).unwrap();
        }
        r
    }

    #[test]
    fn allowed_transitions_move_the_status_and_record_one_event_each() {
        let cases: &[(&[Op], Op, OrderStatus, &str)] = &[
            (&[], Op::Accept, OrderStatus::Accepted, "OrderAccepted"),
            (&[], Op::Reject, OrderStatus::Rejected, "OrderRejected"),
            (&[], Op::Cancel, OrderStatus::Cancelled, "OrderCancelled"),
            (
                &[Op::Accept],
                Op::Cancel,
                OrderStatus::Cancelled,
                "OrderCancelled",
            ),
        ];
        for (path, op, to, event) in cases {
            let mut r = in_status(path);
            let (history, outbox) = (r.history.len(), r.outbox.len());
            apply(&mut r, *op).unwrap_or_else(|e| panic!("{path:?} then {op:?}: {e}"));
            assert_eq!(r.status, *to, "{path:?} then {op:?}");
            assert_eq!(r.history.len(), history + 1);
            assert_eq!(r.history.last().unwrap().status, *to);
            assert_eq!(r.outbox.len(), outbox + 1);
            assert_eq!(r.outbox.last().unwrap().kind, *event);
        }
    }

    #[test]
    fn refused_transitions_change_nothing() {
        let cases: &[(&[Op], Op)] = &[
            (&[Op::Accept], Op::Accept),
            (&[Op::Accept], Op::Reject),
            (&[Op::Reject], Op::Accept),
            (&[Op::Reject], Op::Reject),
            (&[Op::Reject], Op::Cancel),
            (&[Op::Cancel], Op::Accept),
            (&[Op::Cancel], Op::Reject),
            (&[Op::Cancel], Op::Cancel),
            (&[Op::Accept, Op::Cancel], Op::Accept),
            (&[Op::Accept, Op::Cancel], Op::Cancel),
        ];
        for (path, op) in cases {
            let before = in_status(path);
            let mut after = before.clone();
            let refused = apply(&mut after, *op).expect_err("must be refused");
            assert_eq!(refused.from, before.status, "{path:?} then {op:?}");
            assert_eq!(after, before, "{path:?} then {op:?} must change nothing");
        }
    }

    #[test]
    fn accepting_keeps_the_erp_reference_and_clears_the_last_error() {
        let mut r = record();
        r.last_error = Some("ERP down".into());
        r.accept("SO42", Utc::now()).unwrap();
        assert_eq!(r.erp_reference.as_deref(), Some("SO42"));
        assert_eq!(r.last_error, None);
        assert_eq!(r.view().status, OrderStatus::Accepted);
    }

    #[test]
    fn a_cancellation_that_needs_a_person_is_announced_once() {
        let mut r = in_status(&[Op::Accept]);
        r.cancellation_needs_attention("already shipping", Utc::now());
        r.cancellation_needs_attention("already shipping", Utc::now());
        let failed: Vec<_> = r
            .outbox
            .iter()
            .filter(|e| e.kind == "OrderCancellationFailed")
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(
            r.status,
            OrderStatus::Accepted,
            "the order itself stays accepted"
        );
        let c = r.cancellation.unwrap();
        assert_eq!(c.state, CancellationState::NeedsAttention);
        assert_eq!(c.detail.as_deref(), Some("already shipping"));
    }
}
