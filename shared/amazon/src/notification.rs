//! `ORDER_CHANGE` notifications (SP-API Notifications API v1).
//!
//! Amazon publishes one to the seller's SQS destination whenever an order's status or buyer
//! requested changes move; the SQS message body is the notification JSON itself. It names the
//! order and summarises it, but it carries no prices and no address, so it is a trigger to read
//! the order from the Orders API, never the order itself.
//!
//! Only the fields Switchyard acts on are read; everything else (and any field Amazon adds later)
//! is ignored, so a new `PayloadVersion` with extra fields keeps working.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use switchyard_model::order::check_identifier;

/// The only notification type this module parses.
pub const ORDER_CHANGE: &str = "ORDER_CHANGE";

/// Why a notification body was not turned into an [`OrderChangeNotification`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// A well-formed notification of another type (a subscription or routing mistake). The
    /// consumer can drop it knowingly instead of sending it to a dead-letter queue.
    #[error("notification type {0:?} is not {ORDER_CHANGE}")]
    UnexpectedType(String),
    /// The body is not JSON, or not the documented `ORDER_CHANGE` shape.
    #[error("malformed ORDER_CHANGE notification: {0}")]
    Malformed(String),
    /// The shape is right but a value is unusable (an empty order id, say).
    #[error("invalid ORDER_CHANGE notification: {field} {rule}")]
    Invalid {
        /// The offending field, as a path in the notification (`Payload.…AmazonOrderId`).
        field: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
}

/// One line of the notification's order summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationItem {
    /// Amazon's id for the line.
    pub order_item_id: Option<String>,
    /// The seller's SKU.
    pub seller_sku: Option<String>,
    /// Units ordered.
    pub quantity: Option<u64>,
}

/// A parsed `ORDER_CHANGE` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderChangeNotification {
    /// Amazon's unique id for this notification; the key for de-duplicating redeliveries.
    pub notification_id: String,
    /// When the change happened.
    pub event_time: DateTime<Utc>,
    /// When Amazon published the notification.
    pub publish_time: Option<DateTime<Utc>>,
    /// The subscription that delivered it.
    pub subscription_id: Option<String>,
    /// The SP-API application it was delivered to.
    pub application_id: Option<String>,
    /// The seller (merchant token) the order belongs to.
    pub seller_id: Option<String>,
    /// The order that changed, e.g. `113-2646919-3481020`.
    pub amazon_order_id: String,
    /// What changed: `OrderStatusChange` or `BuyerRequestedChange`.
    pub change_type: String,
    /// The order status after the change (`Unshipped`, `Canceled`, …), when summarised.
    pub order_status: Option<String>,
    /// The marketplace the order was placed on (`ATVPDKIKX0DER`).
    pub marketplace_id: Option<String>,
    /// `MFN` (the seller ships) or `AFN` (Amazon ships).
    pub fulfillment_type: Option<String>,
    /// When the buyer placed the order.
    pub purchase_date: Option<DateTime<Utc>>,
    /// The order's lines as summarised; prices are not included.
    pub items: Vec<NotificationItem>,
}

/// Parses an SQS message body holding an SP-API notification.
///
/// Returns [`NotificationError::UnexpectedType`] for a well-formed notification of another type.
pub fn parse_notification(body: &str) -> Result<OrderChangeNotification, NotificationError> {
    // Look at the type first: another type has another payload, and that is not "malformed".
    let head: wire::Head =
        serde_json::from_str(body).map_err(|e| NotificationError::Malformed(e.to_string()))?;
    if head.notification_type != ORDER_CHANGE {
        return Err(NotificationError::UnexpectedType(head.notification_type));
    }
    let n: wire::Notification =
        serde_json::from_str(body).map_err(|e| NotificationError::Malformed(e.to_string()))?;
    let change = n.payload.order_change_notification;
    if check_identifier(&change.amazon_order_id).is_err() {
        return Err(NotificationError::Invalid {
            field: "Payload.OrderChangeNotification.AmazonOrderId",
            rule: "must be 1 to 64 printable ASCII characters without spaces",
        });
    }
    if n.notification_metadata.notification_id.trim().is_empty() {
        return Err(NotificationError::Invalid {
            field: "NotificationMetadata.NotificationId",
            rule: "must not be empty",
        });
    }
    let summary = change.summary.unwrap_or_default();
    Ok(OrderChangeNotification {
        notification_id: n.notification_metadata.notification_id,
        event_time: n.event_time,
        publish_time: n.notification_metadata.publish_time,
        subscription_id: n.notification_metadata.subscription_id,
        application_id: n.notification_metadata.application_id,
        seller_id: change.seller_id,
        amazon_order_id: change.amazon_order_id,
        change_type: change.order_change_type,
        order_status: summary.order_status,
        marketplace_id: summary.marketplace_id,
        fulfillment_type: summary.fulfillment_type,
        purchase_date: summary.purchase_date,
        items: summary
            .order_items
            .unwrap_or_default()
            .into_iter()
            .map(|i| NotificationItem {
                order_item_id: i.order_item_id,
                seller_sku: i.seller_sku,
                quantity: i.quantity,
            })
            .collect(),
    })
}

/// The documented wire shapes; private so the public type can stay stable if Amazon's change.
mod wire {
    use super::*;

    #[derive(Deserialize)]
    pub struct Head {
        #[serde(rename = "NotificationType")]
        pub notification_type: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Notification {
        pub event_time: DateTime<Utc>,
        pub payload: Payload,
        pub notification_metadata: Metadata,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Payload {
        pub order_change_notification: OrderChange,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct OrderChange {
        pub seller_id: Option<String>,
        pub amazon_order_id: String,
        pub order_change_type: String,
        pub summary: Option<Summary>,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase")]
    pub struct Summary {
        pub marketplace_id: Option<String>,
        pub order_status: Option<String>,
        pub purchase_date: Option<DateTime<Utc>>,
        pub fulfillment_type: Option<String>,
        pub order_items: Option<Vec<Item>>,
    }

    #[derive(Deserialize)]
    pub struct Item {
        #[serde(rename = "OrderItemId")]
        pub order_item_id: Option<String>,
        #[serde(rename = "SellerSKU")]
        pub seller_sku: Option<String>,
        #[serde(rename = "Quantity")]
        pub quantity: Option<u64>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Metadata {
        pub notification_id: String,
        pub publish_time: Option<DateTime<Utc>>,
        pub subscription_id: Option<String>,
        pub application_id: Option<String>,
    }
}
