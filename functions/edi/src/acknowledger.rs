//! `edi-acknowledger`: the documents an X12 partner gets as its order moves on.
//!
//! It reads order events from its queue (EventBridge rules deliver them) and skips orders that
//! did not come by EDI (no EDI context kept from the 850):
//! * `OrderAccepted` / `OrderRejected` → the 855, under the fixed id `855-<order id>`, or for
//!   an order that came as an EDIFACT ORDERS the ORDRSP (`ORDRSP-<order id>`);
//! * `OrderShipped` → an 856 per shipment (`856-<shipment id>`), and `OrderInvoiced` → an 810
//!   per posted invoice (`810-<invoice id>`); see [`crate::fulfilment`].
//!
//! Fixed ids mean a redelivered event cannot put a second copy into the partner's outbox.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Utc;
use switchyard_channels::ChannelKind;
use switchyard_edi_outbox::{EdiStore, OutboxDocument};
use switchyard_events::BusEvent;
use switchyard_failures::{Classify, FailureClass, FailureRecorder, each_message};
use switchyard_model::ChannelName;
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderAccepted, OrderRejected};
use switchyard_platform::ServiceError;
use switchyard_x12::write::ControlNumbers;

use crate::edifact::{EdiContext, ORDRSP_KIND, PendingOrdrsp};
use crate::pending::{Decision, PendingAck};

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acknowledged {
    /// The document (855, 856 or 810) is in the partner's outbox under this id.
    Written(String),
    /// Not an EDI order, or not an event that makes a document: nothing to do.
    Skipped,
}

/// Why an event could not be handled now.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// Not an event this function understands; it will never succeed.
    #[error("unreadable event: {0}")]
    Unreadable(String),
    /// The store failed; retry.
    #[error(transparent)]
    Store(#[from] ServiceError),
    /// An order from an EDI channel whose context is not written yet: the intake writes it
    /// with the interchange's 997 just after queueing the order; retry.
    #[error("order {0} came by EDI and its EDI context is not written yet")]
    ContextNotYetWritten(switchyard_model::OrderId),
}

impl Classify for AckError {
    fn class(&self) -> FailureClass {
        match self {
            AckError::Unreadable(_) => FailureClass::Poison,
            AckError::Store(_) | AckError::ContextNotYetWritten(_) => FailureClass::Transient,
        }
    }
}

/// Writes 855s, 856s and 810s.
#[derive(Clone)]
pub struct Acknowledger {
    pub(crate) edi: Arc<dyn EdiStore>,
    failures: FailureRecorder,
}

/// The flow this consumer's failure records are filed under (its queue's name).
pub const FLOW: &str = "edi-acknowledgements";

impl Acknowledger {
    /// An acknowledger over the EDI store, recording failures with `failures`.
    pub fn new(edi: Arc<dyn EdiStore>, failures: FailureRecorder) -> Self {
        Acknowledger { edi, failures }
    }

    /// Handles a batch; failed messages stay on the queue (and reach its DLQ in the end), each
    /// recorded under its order; a written document resolves the order's open failure.
    pub async fn process(&self, event: SqsEvent) -> SqsBatchResponse {
        each_message(event, &self.failures, |body| async move {
            let outcome = self.acknowledge(&body).await;
            if let Ok(Acknowledged::Written(document)) = &outcome {
                tracing::info!(%document, "document written");
            }
            outcome
        })
        .await
    }

    /// Handles one queue message body.
    pub async fn acknowledge(&self, body: &str) -> Result<Acknowledged, AckError> {
        let event = BusEvent::from_body(body).map_err(|e| AckError::Unreadable(e.to_string()))?;
        let detail = event.detail.to_string();
        let (order_id, channel, channel_kind, decision) = match event.detail_type.as_str() {
            "OrderAccepted" => {
                let e = Envelope::<OrderAccepted>::parse(&detail)
                    .map_err(|e| AckError::Unreadable(e.to_string()))?;
                let p = e.payload;
                (
                    p.order_id,
                    p.channel,
                    p.channel_kind,
                    Decision::Accepted {
                        erp_reference: p.erp_reference,
                    },
                )
            }
            "OrderRejected" => {
                let e = Envelope::<OrderRejected>::parse(&detail)
                    .map_err(|e| AckError::Unreadable(e.to_string()))?;
                let p = e.payload;
                (p.order_id, p.channel, p.channel_kind, Decision::Rejected)
            }
            "OrderShipped" => return self.ship_notice(&detail).await,
            "OrderInvoiced" => return self.invoice(&detail).await,
            _ => return Ok(Acknowledged::Skipped),
        };
        let Some(pending) = self.edi.pending_ack(order_id).await? else {
            // An EDI channel's order always has a context: it is on its way. Any other order
            // (or one recorded before events named the channel's kind) has nothing to answer.
            return match channel_kind.as_deref().map(str::parse::<ChannelKind>) {
                Some(Ok(ChannelKind::X12 | ChannelKind::Edifact)) => {
                    Err(AckError::ContextNotYetWritten(order_id))
                }
                _ => Ok(Acknowledged::Skipped),
            };
        };
        let pending = match EdiContext::from_value(pending)
            .map_err(|e| AckError::Unreadable(format!("pending ORDRSP: {e}")))?
        {
            EdiContext::X12(value) => value,
            EdiContext::Edifact(pending) => {
                return self
                    .order_response(&channel, order_id, &pending, &decision)
                    .await;
            }
        };
        let pending: PendingAck = serde_json::from_value(pending)
            .map_err(|e| AckError::Unreadable(format!("pending acknowledgement: {e}")))?;
        // No read for an 855 already written: the put keeps the first under the fixed id, and a
        // redelivered event only spends a control number (decision 0026).
        let id = format!("855-{order_id}");
        self.write(&channel, &id, order_id.to_string(), &pending, &decision)
            .await?;
        Ok(Acknowledged::Written(id))
    }

    /// The ORDRSP of an EDIFACT order, under the fixed id `ORDRSP-<order id>`.
    async fn order_response(
        &self,
        channel: &ChannelName,
        order_id: switchyard_model::OrderId,
        pending: &PendingOrdrsp,
        decision: &Decision,
    ) -> Result<Acknowledged, AckError> {
        let id = format!("{ORDRSP_KIND}-{order_id}");
        let number = self.edi.next_control_number(channel).await?;
        let now = Utc::now();
        let bytes = pending.render(decision, &number.to_string(), now.naive_utc());
        self.edi
            .put_document(&OutboxDocument {
                id: id.clone(),
                channel: channel.clone(),
                kind: ORDRSP_KIND.into(),
                created_at: now,
                order_ids: vec![order_id.to_string()],
                content: crate::edifact::outbox_text(bytes),
            })
            .await?;
        Ok(Acknowledged::Written(id))
    }

    async fn write(
        &self,
        channel: &ChannelName,
        id: &str,
        order_id: String,
        pending: &PendingAck,
        decision: &Decision,
    ) -> Result<(), ServiceError> {
        let number = self.edi.next_control_number(channel).await?;
        let now = Utc::now();
        let content = pending.render(
            decision,
            ControlNumbers {
                interchange: number,
                group: number,
            },
            now.naive_utc(),
        );
        self.edi
            .put_document(&OutboxDocument {
                id: id.to_string(),
                channel: channel.clone(),
                kind: "855".into(),
                created_at: now,
                order_ids: vec![order_id],
                content,
            })
            .await
    }
}
