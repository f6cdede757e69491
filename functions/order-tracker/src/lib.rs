//! `order-tracker`: the ERP's fulfilment onto the order record.
//!
//! An EventBridge rule delivers the ERP's fulfilment facts (`ShipmentDispatched`,
//! `InvoicePosted`, `ReturnReceived`, source `switchyard.fulfilment`) to its queue. Each is applied to the order it
//! names ([`OrderRecord::record_shipment`], [`OrderRecord::record_invoice`]): the status moves
//! forward only, a fact is applied once per ERP version, and the order's outbox announces
//! `OrderShipped` / `OrderInvoiced` (with the channel's kind) to the pushers. The record is saved
//! with optimistic concurrency and the outbox flushed after, as the processor does.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Utc;
use switchyard_channels::ChannelDirectory;
use switchyard_events::{BusEvent, EventPublisher};
use switchyard_failures::{Classify, FailureClass, FailureRecorder, each_message};
use switchyard_model::OrderId;
use switchyard_model::envelope::Message;
use switchyard_model::fulfilment_events::{InvoicePosted, ReturnReceived, ShipmentDispatched};
use switchyard_orders::{
    Applied, FlushError, FulfilmentError, OrderRecord, OrderStore, OrderStoreError, flush_outbox,
};
use switchyard_platform::ServiceError;

/// Saves attempted when another writer keeps saving the same order first.
const SAVE_ATTEMPTS: usize = 5;

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracked {
    /// The order record changed and its channels were told.
    Applied,
    /// The record already held this state (a repeated or older event).
    AlreadyKnown,
    /// No order record has this id: not an order Switchyard posted.
    UnknownOrder,
    /// Not an event this function handles.
    Ignored,
}

/// Why an event could not be applied now.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// Not a readable event; it will never succeed (it ends in the DLQ as evidence).
    #[error("unreadable event: {0}")]
    Unreadable(String),
    /// The order's acceptance is not saved yet; retry.
    #[error(transparent)]
    NotYet(#[from] FulfilmentError),
    /// A store or the bus failed, or the record kept changing; retry.
    #[error("{0}")]
    Transient(String),
}

impl Classify for TrackError {
    fn class(&self) -> FailureClass {
        match self {
            TrackError::Unreadable(_) => FailureClass::Poison,
            TrackError::NotYet(_) | TrackError::Transient(_) => FailureClass::Transient,
        }
    }
}

impl From<OrderStoreError> for TrackError {
    fn from(e: OrderStoreError) -> Self {
        TrackError::Transient(e.to_string())
    }
}

impl From<ServiceError> for TrackError {
    fn from(e: ServiceError) -> Self {
        TrackError::Transient(e.to_string())
    }
}

impl From<FlushError> for TrackError {
    fn from(e: FlushError) -> Self {
        TrackError::Transient(e.to_string())
    }
}

/// A fact about one order.
enum Fact {
    Shipment(ShipmentDispatched),
    Invoice(InvoicePosted),
    Return(ReturnReceived),
}

impl Fact {
    fn order_id(&self) -> OrderId {
        match self {
            Fact::Shipment(s) => s.order_id,
            Fact::Invoice(i) => i.order_id,
            Fact::Return(r) => r.order_id,
        }
    }

    fn apply(&self, record: &mut OrderRecord, kind: &str) -> Result<Applied, FulfilmentError> {
        match self {
            Fact::Shipment(s) => record.record_shipment(s, kind, Utc::now()),
            Fact::Invoice(i) => record.record_invoice(i, kind, Utc::now()),
            Fact::Return(r) => Ok(record.receive_return(r, Utc::now())),
        }
    }
}

/// Applies fulfilment facts to order records.
#[derive(Clone)]
pub struct Tracker {
    orders: Arc<dyn OrderStore>,
    channels: Arc<dyn ChannelDirectory>,
    events: Arc<dyn EventPublisher>,
    failures: FailureRecorder,
}

/// The flow this consumer's failure records are filed under.
pub const FLOW: &str = "fulfilment-events";

impl Tracker {
    /// A tracker over the order store, the channel directory (for the channel's kind), the bus,
    /// and the failure records.
    pub fn new(
        orders: Arc<dyn OrderStore>,
        channels: Arc<dyn ChannelDirectory>,
        events: Arc<dyn EventPublisher>,
        failures: FailureRecorder,
    ) -> Self {
        Self {
            orders,
            channels,
            events,
            failures,
        }
    }

    /// Handles a batch; failed messages stay on the queue (and reach its DLQ in the end).
    pub async fn process(&self, event: SqsEvent) -> SqsBatchResponse {
        each_message(event, &self.failures, |body| async move {
            self.track(&body).await
        })
        .await
    }

    /// Handles one queue message body.
    pub async fn track(&self, body: &str) -> Result<Tracked, TrackError> {
        let event = BusEvent::from_body(body).map_err(|e| TrackError::Unreadable(e.to_string()))?;
        let unreadable =
            |e: switchyard_model::envelope::EnvelopeError| TrackError::Unreadable(e.to_string());
        let fact = match event.detail_type.as_str() {
            ShipmentDispatched::TYPE => Fact::Shipment(event.payload().map_err(unreadable)?),
            InvoicePosted::TYPE => Fact::Invoice(event.payload().map_err(unreadable)?),
            ReturnReceived::TYPE => Fact::Return(event.payload().map_err(unreadable)?),
            _ => return Ok(Tracked::Ignored),
        };
        self.apply(&fact).await
    }

    async fn apply(&self, fact: &Fact) -> Result<Tracked, TrackError> {
        for _ in 0..SAVE_ATTEMPTS {
            let Some(read) = self.orders.get(fact.order_id()).await? else {
                tracing::warn!(order_id = %fact.order_id(), "no order record; not an order Switchyard posted");
                return Ok(Tracked::UnknownOrder);
            };
            let mut record = read.value;
            let kind = self.channel_kind(&record).await?;
            if fact.apply(&mut record, &kind)? == Applied::AlreadyKnown {
                // A crash after the save may have left the outbox unpublished.
                flush_outbox(
                    self.orders.as_ref(),
                    self.events.as_ref(),
                    record,
                    read.version,
                )
                .await?;
                return Ok(Tracked::AlreadyKnown);
            }
            match self.orders.save(&record, read.version).await {
                Ok(()) => {
                    tracing::info!(order_id = %record.order.id, status = record.status.as_str(), "order record follows the ERP");
                    flush_outbox(
                        self.orders.as_ref(),
                        self.events.as_ref(),
                        record,
                        read.version + 1,
                    )
                    .await?;
                    return Ok(Tracked::Applied);
                }
                Err(OrderStoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(TrackError::Transient(
            "the order record kept changing".into(),
        ))
    }

    /// The channel's kind in the wire form its pushers filter on (`shopify`, `x12`, …).
    async fn channel_kind(&self, record: &OrderRecord) -> Result<String, TrackError> {
        // Recorded at capture on every record since decision 0026: no read needed.
        if let Some(kind) = &record.channel_kind {
            return Ok(kind.clone());
        }
        let channel = self.channels.get(&record.order.channel).await?;
        Ok(channel
            .map(|c| {
                serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            })
            .unwrap_or_else(|| "unknown".into()))
    }
}
