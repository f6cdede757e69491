//! What a webhook sender is answered when its delivery was taken.

use serde::Serialize;
use switchyard_model::OrderStatus;

/// The body of a `200` answer: which order the delivery created or matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebhookReceipt {
    /// `created`, `matched`, `cancellation-requested` or `ignored`.
    pub result: &'static str,
    /// The Switchyard order the delivery created or matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Its status when created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Where the channel follows the order (with its API key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
    /// Why nothing was done, when nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
