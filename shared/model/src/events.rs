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
}

impl Message for OrderRejected {
    const TYPE: &'static str = "OrderRejected";
    const VERSION: u32 = 1;
}
