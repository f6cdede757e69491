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
    /// Events recorded with a status change and not yet published. Publishing happens after the
    /// change is saved; a crash in between leaves them here for the next delivery to publish, with
    /// the same envelope id, so consumers can de-duplicate.
    pub outbox: Vec<Envelope<serde_json::Value>>,
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
            outbox: vec![],
        }
    }

    fn enter(&mut self, to: OrderStatus, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.status = self.status.transition(to)?;
        self.history.push(StatusChange {
            status: to,
            at: now,
        });
        Ok(())
    }

    fn record_event<T: Message>(&mut self, payload: T) {
        let envelope = Envelope::new(
            self.order.channel.to_string(),
            self.order.id.to_string(),
            payload,
        );
        self.outbox.push(Envelope {
            id: envelope.id,
            kind: envelope.kind,
            version: envelope.version,
            occurred_at: envelope.occurred_at,
            correlation_id: envelope.correlation_id,
            channel: envelope.channel,
            payload: serde_json::to_value(envelope.payload).expect("events serialise"),
        });
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
            order: OrderBodyV1::from(&self.order),
        }
    }
}
