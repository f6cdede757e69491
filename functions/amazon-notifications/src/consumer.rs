//! One batch of notifications: each message is handled alone and fails alone.

use std::sync::Arc;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use switchyard_amazon::{
    MapContext, NotificationError, OrderAction, SpApiError, action_for_status, parse_notification,
    to_order,
};
use switchyard_channels::{ChannelDirectory, amazon_alias};
use switchyard_failures::{FailureClass, FailureRecorder, Received, item_failure};
use switchyard_intake::Intake;
use switchyard_model::{ExternalId, OrderId};
use switchyard_orders::{POISON_REDELIVERY, RetryPolicy, RetryScheduler};
use tracing::Instrument;

use crate::sellers::{SellerApis, SellerError};

/// What the consumer needs from the world.
#[derive(Clone)]
pub struct Ports {
    /// Channel records (found by seller id).
    pub channels: Arc<dyn ChannelDirectory>,
    /// SP-API clients per channel.
    pub sellers: Arc<dyn SellerApis>,
    /// The order intake.
    pub intake: Intake,
    /// Reschedules a failed notification on its own queue.
    pub retries: Arc<dyn RetryScheduler>,
    /// Failure records, keyed by the Amazon order a notification is about.
    pub failures: FailureRecorder,
}

/// The flow this consumer's failure records are filed under (its queue's name).
pub const FLOW: &str = "amazon-notifications";

/// How one notification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The order was captured (or matched an earlier capture).
    Captured(OrderId),
    /// The order's cancellation was queued.
    CancellationRequested(OrderId),
    /// Nothing to do (not yet payable, not an order notification, an unknown order cancelled).
    Skipped(String),
    /// Worth retrying later: it comes back after a growing delay, so an outage of SSM, DynamoDB
    /// or SP-API outlasts the queue's receive count.
    Retry(String),
    /// Can never succeed as it is (an unknown seller, an unmappable order): it comes back at once
    /// and so reaches the dead-letter queue within seconds, where an operator sees why and
    /// redrives after fixing the cause.
    Poison(String),
}

/// Consumes `ORDER_CHANGE` notifications.
#[derive(Clone)]
pub struct Consumer {
    ports: Ports,
    policy: RetryPolicy,
}

impl Consumer {
    /// A consumer over `ports`, spacing retries by `policy`.
    pub fn new(ports: Ports, policy: RetryPolicy) -> Self {
        Consumer { ports, policy }
    }

    /// Handles a batch; the response lists the messages to keep on the queue. Each failure is
    /// recorded under the Amazon order it is about; a capture, a cancellation or a skip settles
    /// that order's open record.
    pub async fn process(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in &event.records {
            let Some(received) = Received::of(message, FLOW) else {
                continue;
            };
            let span = received.span();
            if let Some(failure) = self.process_one(&received).instrument(span).await {
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    async fn process_one(&self, received: &Received<'_>) -> Option<BatchItemFailure> {
        let handled = self.handle(received.body).await;
        let failures = &self.ports.failures;
        let (class, why, delay) = match &handled {
            Handled::Captured(order) => {
                tracing::info!(order_id = %order, "Amazon order captured");
                failures.succeeded_on(received, "captured").await;
                return None;
            }
            Handled::CancellationRequested(order) => {
                tracing::info!(order_id = %order, "Amazon cancellation queued");
                failures.succeeded_on(received, "cancellation queued").await;
                return None;
            }
            Handled::Skipped(why) => {
                tracing::info!(why, "skipped");
                failures
                    .succeeded_on(received, &format!("skipped: {why}"))
                    .await;
                return None;
            }
            Handled::Retry(why) => {
                tracing::warn!(why, "will retry");
                (
                    FailureClass::Transient,
                    why,
                    self.policy.delay(received.receive_count),
                )
            }
            Handled::Poison(why) => {
                tracing::error!(why, "cannot succeed; on its way to the DLQ");
                (FailureClass::Poison, why, POISON_REDELIVERY)
            }
        };
        failures.failed_message(received, class, why).await;
        if let Some(handle) = received.receipt_handle
            && let Err(e) = self.ports.retries.retry_after(handle, delay).await
        {
            // It still comes back, after the queue's visibility timeout.
            tracing::warn!(error = %e, "could not reschedule the message");
        }
        Some(item_failure(received.message_id))
    }

    /// Handles one notification body.
    pub async fn handle(&self, body: &str) -> Handled {
        let notification = match parse_notification(body) {
            Ok(n) => n,
            Err(NotificationError::UnexpectedType(kind)) => {
                return Handled::Skipped(format!("notification type {kind} is not handled"));
            }
            Err(e) => return Handled::Poison(e.to_string()),
        };
        let Some(seller_id) = notification.seller_id.as_deref() else {
            return Handled::Poison("the notification names no SellerId".into());
        };
        let channel = match self.ports.channels.by_alias(&amazon_alias(seller_id)).await {
            Ok(Some(channel)) => channel,
            Ok(None) => {
                return Handled::Poison(format!(
                    "no amazon-sp-api channel for seller {seller_id}; add one and redrive"
                ));
            }
            Err(e) => return Handled::Retry(e.to_string()),
        };
        let order_id = &notification.amazon_order_id;
        let status = notification.order_status.as_deref().unwrap_or("");
        match action_for_status(status) {
            OrderAction::CreateSale => {}
            OrderAction::Cancel => {
                let Ok(external_id) = ExternalId::try_from(order_id.as_str()) else {
                    return Handled::Poison(format!("unusable AmazonOrderId {order_id:?}"));
                };
                return match self
                    .ports
                    .intake
                    .request_cancellation(&channel.name, &external_id, Some("Canceled".into()))
                    .await
                {
                    Ok(Some(id)) => Handled::CancellationRequested(id),
                    Ok(None) => Handled::Skipped(format!("{order_id} was never captured")),
                    Err(problem) => Handled::Retry(problem.detail),
                };
            }
            OrderAction::Wait | OrderAction::Ignore => {
                return Handled::Skipped(format!("{order_id} is {status}; nothing to post yet"));
            }
        }
        let api = match self.ports.sellers.for_channel(&channel).await {
            Ok(api) => api,
            Err(SellerError::Unavailable(e)) => return Handled::Retry(e.to_string()),
            Err(e @ SellerError::Misconfigured(_)) => return Handled::Poison(e.to_string()),
        };
        let fetched = async {
            let order = api.get_order(order_id).await?;
            let items = api.get_order_items(order_id).await?;
            Ok::<_, SpApiError>((order, items))
        };
        let (order, items) = match fetched.await {
            Ok(both) => both,
            Err(e) if e.is_transient() => return Handled::Retry(e.to_string()),
            // Amazon is eventually consistent: an order just announced may not be readable yet.
            Err(SpApiError::NotFound) => {
                return Handled::Retry(format!("{order_id} not found yet"));
            }
            Err(e) => return Handled::Poison(e.to_string()),
        };
        let ctx = MapContext {
            order_id: OrderId::generate(),
            channel: channel.name.clone(),
            default_customer: channel.default_customer.clone(),
        };
        let order = match to_order(&order, &items, &ctx) {
            Ok(order) => order,
            Err(errors) => {
                return Handled::Poison(format!("{order_id} cannot be mapped: {errors}"));
            }
        };
        match self
            .ports
            .intake
            .capture(
                order,
                &format!("amazon:{}", notification.notification_id),
                channel.kind,
            )
            .await
        {
            Ok(captured) => Handled::Captured(captured.order_id()),
            Err(problem) => Handled::Retry(problem.detail),
        }
    }
}
