//! The order events: what was submitted, and what the ERP made of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::Message;
use crate::order::{ChannelName, ExternalId, Order, OrderId};

/// EventBridge `source` of every order event.
pub const ORDER_EVENTS_SOURCE: &str = "switchyard.orders";

/// A channel submitted an order; it waits on the orders queue for the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSubmitted {
    /// The order as accepted by the API.
    pub order: Order,
}

impl Message for OrderSubmitted {
    const TYPE: &'static str = "OrderSubmitted";
    const VERSION: u32 = 1;
}

/// The ERP holds the order as a confirmed sales order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAccepted {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The submitting channel.
    pub channel: ChannelName,
    /// The channel's id.
    pub external_id: ExternalId,
    /// The ERP's document number (e.g. the Tryton sale number).
    pub erp_reference: String,
    /// When Switchyard recorded the acceptance.
    pub accepted_at: DateTime<Utc>,
    /// The submitting channel's kind (`x12`, `shopify`, …) when the record knows it, for
    /// EventBridge rules to route on (the EDI acknowledger's takes only EDI orders); absent on
    /// orders captured before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_kind: Option<String>,
}

impl Message for OrderAccepted {
    const TYPE: &'static str = "OrderAccepted";
    const VERSION: u32 = 1;
}

/// The ERP refused the order for a business reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRejected {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The submitting channel.
    pub channel: ChannelName,
    /// The channel's id.
    pub external_id: ExternalId,
    /// Why, as a stable machine code (`unknown_sku`).
    pub code: String,
    /// Why, for people.
    pub message: String,
    /// When Switchyard recorded the rejection.
    pub rejected_at: DateTime<Utc>,
    /// The submitting channel's kind (`x12`, `shopify`, …) when the record knows it, for
    /// EventBridge rules to route on (the EDI acknowledger's takes only EDI orders); absent on
    /// orders captured before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_kind: Option<String>,
}

impl Message for OrderRejected {
    const TYPE: &'static str = "OrderRejected";
    const VERSION: u32 = 1;
}

/// A channel cancelled an order; it waits on the orders queue for the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancellationRequested {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The channel's reason, when it gave one (`customer`, `fraud`).
    pub reason: Option<String>,
    /// When the channel asked.
    pub requested_at: DateTime<Utc>,
}

impl Message for OrderCancellationRequested {
    const TYPE: &'static str = "OrderCancellationRequested";
    const VERSION: u32 = 1;
}

/// The order is cancelled, and so is its ERP sale if it had one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelled {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The submitting channel.
    pub channel: ChannelName,
    /// The channel's id.
    pub external_id: ExternalId,
    /// The ERP sale that was cancelled, if the order had reached the ERP.
    pub erp_reference: Option<String>,
    /// When Switchyard recorded the cancellation.
    pub cancelled_at: DateTime<Utc>,
}

impl Message for OrderCancelled {
    const TYPE: &'static str = "OrderCancelled";
    const VERSION: u32 = 1;
}

/// The channel cancelled an order the ERP can no longer cancel by itself (its sale is already
/// being fulfilled): an operator has to act in the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancellationFailed {
    /// Switchyard's id.
    pub order_id: OrderId,
    /// The submitting channel.
    pub channel: ChannelName,
    /// The channel's id.
    pub external_id: ExternalId,
    /// The ERP sale that is still live.
    pub erp_reference: String,
    /// Why it could not be cancelled, for people.
    pub message: String,
    /// When Switchyard gave up.
    pub failed_at: DateTime<Utc>,
}

impl Message for OrderCancellationFailed {
    const TYPE: &'static str = "OrderCancellationFailed";
    const VERSION: u32 = 1;
}
