//! One order as an operator sees it (`switchyard orders get|find|retry`): its status, history,
//! ERP reference and failure records, and a retry that puts its work back on the orders queue.
//!
//! A retry is only for an order the ERP has not decided yet: one that can still become
//! ACCEPTED by the state machine ([`OrderStatus::can_become`]), i.e. RECEIVED, with no
//! cancellation requested. An ACCEPTED, REJECTED, CANCELLED or shipped order is refused, so a
//! retry can never make a second ERP sale. What it enqueues is what the intake enqueues (an
//! `OrderSubmitted` envelope of the stored order): the processor claims it by order id and looks
//! the sale up before creating it (decision 0002), so even a retry racing a redelivery posts once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use switchyard_failures::{AuditEntry, FailureKey, FailureRecord};
use switchyard_model::contract::v1::{Cancellation, Rejection, StatusChange};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_model::{ChannelName, ExternalId, OrderId, OrderStatus};
use switchyard_orders::{OrderQueue, OrderRecord, OrderStore};

use crate::dlq::OpsPorts;

/// The failure flow order failures are recorded under (the orders queue's consumer).
pub const FLOW: &str = "orders";

/// Why an orders command failed.
#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    /// No such order (or the channel never sent that external id).
    #[error("{0}")]
    NotFound(String),
    /// The order is decided (or being cancelled): retrying could only duplicate work.
    #[error("{0}")]
    NotRetryable(String),
    /// The arguments are not an order id, channel or external id.
    #[error("{0}")]
    Usage(String),
    /// The order store, the queue or the ops table failed.
    #[error("{0}")]
    Service(String),
}

/// An order record as `orders get` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderReport {
    /// Switchyard's id.
    pub order_id: String,
    /// The channel that sent it.
    pub channel: String,
    /// The channel's id for it.
    pub external_id: String,
    /// Where it is now.
    pub status: OrderStatus,
    /// The ERP's document number, once accepted.
    pub erp_reference: Option<String>,
    /// Why the ERP refused it.
    pub rejection: Option<Rejection>,
    /// The last transient failure while posting.
    pub last_error: Option<String>,
    /// The channel's cancellation and its outcome.
    pub cancellation: Option<Cancellation>,
    /// Every status entered, oldest first.
    pub history: Vec<StatusChange>,
    /// Events recorded and not yet published (non-zero only after a crash mid-way).
    pub unpublished_events: usize,
    /// Whether `orders retry` would put it back on the queue.
    pub retryable: bool,
    /// Its failure records (flow `orders`, subject the order id).
    pub failures: Vec<FailureRecord>,
}

/// Whether the order's work may be enqueued again: it can still become ACCEPTED (it is
/// RECEIVED) and no cancellation is pending (a retry must not post what the channel cancelled).
pub fn retryable(record: &OrderRecord) -> Result<(), String> {
    if !record.status.can_become(OrderStatus::Accepted) {
        let detail = match (&record.erp_reference, &record.rejection) {
            (Some(reference), _) => format!(" (ERP reference {reference})"),
            (None, Some(rejection)) => format!(" ({}: {})", rejection.code, rejection.message),
            _ => String::new(),
        };
        return Err(format!(
            "order {} is {}{detail}: the ERP has decided it, so a retry is refused (it would only duplicate work)",
            record.order.id,
            record.status.as_str()
        ));
    }
    if record.cancellation.is_some() {
        return Err(format!(
            "order {} has a cancellation requested: a retry would post what the channel cancelled",
            record.order.id
        ));
    }
    Ok(())
}

fn service(e: impl std::fmt::Display) -> OrdersError {
    OrdersError::Service(e.to_string())
}

/// Parses an order id argument.
pub fn parse_id(text: &str) -> Result<OrderId, OrdersError> {
    text.parse()
        .map_err(|_| OrdersError::Usage(format!("`{text}` is not an order id")))
}

async fn report(ports: &OpsPorts, record: &OrderRecord) -> Result<OrderReport, OrdersError> {
    let key = FailureKey::new(FLOW, record.order.id.to_string());
    let failures = ports
        .failures
        .get(&key)
        .await
        .map_err(service)?
        .into_iter()
        .collect();
    Ok(OrderReport {
        order_id: record.order.id.to_string(),
        channel: record.order.channel.to_string(),
        external_id: record.order.external_id.to_string(),
        status: record.status,
        erp_reference: record.erp_reference.clone(),
        rejection: record.rejection.clone(),
        last_error: record.last_error.clone(),
        cancellation: record.cancellation.clone(),
        history: record.history.clone(),
        unpublished_events: record.outbox.len(),
        retryable: retryable(record).is_ok(),
        failures,
    })
}

async fn record(store: &dyn OrderStore, id: OrderId) -> Result<OrderRecord, OrdersError> {
    store
        .get(id)
        .await
        .map_err(service)?
        .map(|v| v.value)
        .ok_or_else(|| OrdersError::NotFound(format!("no order {id}")))
}

/// The order with this id.
pub async fn get(
    store: &dyn OrderStore,
    ports: &OpsPorts,
    id: OrderId,
) -> Result<OrderReport, OrdersError> {
    report(ports, &record(store, id).await?).await
}

/// The order a channel sent under its external id (the store's claim per external id).
pub async fn find(
    store: &dyn OrderStore,
    ports: &OpsPorts,
    channel: &str,
    external_id: &str,
) -> Result<OrderReport, OrdersError> {
    let name = ChannelName::try_from(channel)
        .map_err(|e| OrdersError::Usage(format!("channel `{channel}`: {e}")))?;
    let external = ExternalId::try_from(external_id)
        .map_err(|e| OrdersError::Usage(format!("external id `{external_id}`: {e}")))?;
    let id = store
        .find_external(&name, &external)
        .await
        .map_err(service)?
        .ok_or_else(|| {
            OrdersError::NotFound(format!("channel {channel} sent no order {external_id}"))
        })?;
    get(store, ports, id).await
}

/// What a retry did.
#[derive(Debug, Clone, Serialize)]
pub struct Retried {
    /// The order.
    pub order_id: String,
    /// Its status when it was enqueued (RECEIVED).
    pub status: OrderStatus,
    /// The envelope id of the message put on the orders queue.
    pub envelope_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The audit entry (`orders.retry`).
    pub audit_id: String,
}

/// Puts a not-yet-decided order's work back on the orders queue and audits it (`orders.retry`);
/// refuses ([`OrdersError::NotRetryable`]) an order the ERP already decided.
pub async fn retry(
    store: &dyn OrderStore,
    queue: &dyn OrderQueue,
    ports: &OpsPorts,
    actor: &str,
    id: OrderId,
) -> Result<Retried, OrdersError> {
    let record = record(store, id).await?;
    retryable(&record).map_err(OrdersError::NotRetryable)?;
    let envelope = Envelope::new(
        record.order.channel.to_string(),
        id.to_string(),
        OrderSubmitted {
            order: record.order.clone(),
        },
    );
    queue.submit(&envelope).await.map_err(service)?;
    let mut entry = AuditEntry::new(actor, "orders.retry", id.to_string());
    entry.count = 1;
    entry.outcome = "ok".into();
    entry.details = json!({
        "channel": record.order.channel.to_string(),
        "external_id": record.order.external_id.to_string(),
        "status": record.status,
        "envelope_id": envelope.id.to_string(),
        "last_error": record.last_error,
    });
    ports.audit.append(&entry).await.map_err(service)?;
    Ok(Retried {
        order_id: id.to_string(),
        status: record.status,
        envelope_id: envelope.id.to_string(),
        at: entry.at,
        audit_id: entry.id,
    })
}
