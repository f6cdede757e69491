//! [`FulfilmentPusher`]: each `OrderShipped` of one channel kind becomes exactly one fulfilment
//! on the order's channel.
//!
//! Twice safe: the pusher records each pushed shipment (`fulfilment#<channel>` /
//! `shipment#<id>` in the catalog table) and skips it when the event comes again; and each
//! channel client recognises a fulfilment it made before, for the crash between the channel's
//! answer and that record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Utc;
use rust_decimal::Decimal;
use switchyard_channels::{Channel, ChannelDirectory, ChannelKind};
use switchyard_events::BusEvent;
use switchyard_failures::{Classify, FailureClass, FailureRecorder, each_message};
use switchyard_fulfilment::{ChannelFulfilment, ChannelShipment, FulfilledLine, PushError};
use switchyard_model::envelope::Message;
use switchyard_model::fulfilment_events::OrderShipped;
use switchyard_platform::ServiceError;
use switchyard_projections::{Key, ProjectionStore, Version};
use switchyard_secrets::SecretStore;

use crate::connect::Connector;

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// The channel now records the shipment under this id (new, or found from before).
    Fulfilled(String),
    /// This shipment was pushed before.
    AlreadyPushed,
    /// The order's channel is of another kind: another pusher's.
    OtherKind,
    /// The channel has no API connection configured; nothing can be pushed (logged).
    NotConnected(String),
}

/// Why a push must be tried again (each ends in the DLQ after the queue's receive count).
#[derive(Debug, thiserror::Error)]
pub enum FulfilmentPushError {
    /// Not an `OrderShipped` event: it will never succeed.
    #[error("unreadable event: {0}")]
    Unreadable(String),
    /// The channel or a store failed; retry.
    #[error("{0}")]
    Transient(String),
    /// The channel refused the fulfilment (an unknown order, more than is unfulfilled): an
    /// operator must look; kept on the queue until it dead-letters.
    #[error("refused by the channel: {0}")]
    Refused(String),
}

impl Classify for FulfilmentPushError {
    fn class(&self) -> FailureClass {
        match self {
            FulfilmentPushError::Unreadable(_) => FailureClass::Poison,
            FulfilmentPushError::Transient(_) => FailureClass::Transient,
            FulfilmentPushError::Refused(_) => FailureClass::Business,
        }
    }
}

impl From<ServiceError> for FulfilmentPushError {
    fn from(e: ServiceError) -> Self {
        FulfilmentPushError::Transient(e.to_string())
    }
}

/// The state key of a pushed shipment.
pub fn pushed_key(channel: &str, shipment_id: &str) -> Key {
    Key::new(
        format!("fulfilment#{channel}"),
        format!("shipment#{shipment_id}"),
    )
}

/// A channel's fulfilment client with the record it was built from.
type Client = (Channel, Arc<dyn ChannelFulfilment>);

/// Pushes shipments to the channels of one kind.
pub struct FulfilmentPusher {
    kind: ChannelKind,
    channels: Arc<dyn ChannelDirectory>,
    secrets: Arc<dyn SecretStore>,
    connector: Box<dyn Connector>,
    state: Arc<dyn ProjectionStore>,
    failures: FailureRecorder,
    // Clients live while their channel's record is unchanged, so what they cache survives.
    clients: Mutex<HashMap<String, Client>>,
}

impl FulfilmentPusher {
    /// A pusher for `kind`'s channels, recording failures with `failures`.
    pub fn new(
        kind: ChannelKind,
        channels: Arc<dyn ChannelDirectory>,
        secrets: Arc<dyn SecretStore>,
        connector: Box<dyn Connector>,
        state: Arc<dyn ProjectionStore>,
        failures: FailureRecorder,
    ) -> Self {
        Self {
            kind,
            channels,
            secrets,
            connector,
            state,
            failures,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Handles a batch; failed messages stay on the queue, each recorded under its order; a
    /// pushed (or already pushed) shipment resolves the order's open failure.
    pub async fn process(&self, event: SqsEvent) -> SqsBatchResponse {
        each_message(event, &self.failures, |body| async move {
            self.push(&body).await
        })
        .await
    }

    /// Handles one queue message body.
    pub async fn push(&self, body: &str) -> Result<Pushed, FulfilmentPushError> {
        let event = BusEvent::from_body(body)
            .map_err(|e| FulfilmentPushError::Unreadable(e.to_string()))?;
        if event.detail_type != OrderShipped::TYPE {
            return Err(FulfilmentPushError::Unreadable(format!(
                "a {} event on the fulfilment queue",
                event.detail_type
            )));
        }
        let shipped: OrderShipped = event
            .payload()
            .map_err(|e| FulfilmentPushError::Unreadable(e.to_string()))?;
        let key = pushed_key(shipped.channel.as_str(), &shipped.shipment.shipment_id);
        if self.state.get_many(std::slice::from_ref(&key)).await?[0].is_some() {
            return Ok(Pushed::AlreadyPushed);
        }
        let Some(channel) = self.channels.get(&shipped.channel).await? else {
            return Ok(Pushed::NotConnected("the channel no longer exists".into()));
        };
        if channel.kind != self.kind {
            return Ok(Pushed::OtherKind);
        }
        let client = match self.client(&channel).await? {
            Ok(client) => client,
            Err(reason) => {
                tracing::warn!(channel = %channel.name, %reason, "shipment not pushed: the channel has no API connection");
                return Ok(Pushed::NotConnected(reason));
            }
        };
        let shipment = channel_shipment(&shipped)?;
        let outcome = client.fulfil(&shipment).await.map_err(|e| {
            switchyard_platform::metrics::push_failure(channel.name.as_str());
            match e {
                PushError::Refused(reason) => FulfilmentPushError::Refused(reason),
                transient => FulfilmentPushError::Transient(transient.to_string()),
            }
        })?;
        let id = outcome.channel_fulfilment_id().to_string();
        self.state
            .put(
                &key,
                Version::new(1),
                &serde_json::json!({
                    "order_id": shipped.order_id.to_string(),
                    "channel_fulfilment_id": id,
                    "pushed_at": Utc::now(),
                }),
            )
            .await?;
        Ok(Pushed::Fulfilled(id))
    }

    async fn client(
        &self,
        channel: &Channel,
    ) -> Result<Result<Arc<dyn ChannelFulfilment>, String>, ServiceError> {
        let name = channel.name.to_string();
        if let Some((known, client)) = self.clients.lock().unwrap().get(&name)
            && known == channel
        {
            return Ok(Ok(client.clone()));
        }
        let client = match self
            .connector
            .connect_fulfilment(channel, self.secrets.as_ref())
            .await?
        {
            Ok(client) => client,
            Err(reason) => return Ok(Err(reason)),
        };
        self.clients
            .lock()
            .unwrap()
            .insert(name, (channel.clone(), client.clone()));
        Ok(Ok(client))
    }
}

/// The shipment as a channel records it: whole units only (channels count items).
fn channel_shipment(shipped: &OrderShipped) -> Result<ChannelShipment, FulfilmentPushError> {
    let lines = shipped
        .shipment
        .lines
        .iter()
        .map(|line| {
            let whole = line.quantity.trunc() == line.quantity && line.quantity > Decimal::ZERO;
            let quantity = i64::try_from(line.quantity)
                .ok()
                .filter(|_| whole)
                .ok_or_else(|| {
                    FulfilmentPushError::Refused(format!(
                        "{} × {}: a channel fulfils whole units only",
                        line.quantity, line.sku
                    ))
                })?;
            Ok(FulfilledLine {
                sku: line.sku.to_string(),
                quantity,
            })
        })
        .collect::<Result<_, FulfilmentPushError>>()?;
    Ok(ChannelShipment {
        channel_order_id: shipped.external_id.to_string(),
        shipment_id: shipped.shipment.shipment_id.clone(),
        lines,
        carrier: shipped.shipment.carrier.clone(),
        service: shipped.shipment.service.clone(),
        tracking_numbers: shipped.shipment.tracking_numbers.clone(),
        shipped_at: shipped.shipment.shipped_at,
        completes_order: shipped.fully_shipped,
    })
}
