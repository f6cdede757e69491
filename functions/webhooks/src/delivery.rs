//! What a verified delivery asks for: capture an order, cancel one, or nothing.

use switchyard_channels::{Channel, ChannelKind};
use switchyard_intake::HttpRequest;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::{ExternalId, Order, OrderId};
use switchyard_webhooks::shopify::{self, ShopifyTopic};
use switchyard_webhooks::signature::WEBHOOK_ID_HEADER;
use switchyard_webhooks::woocommerce::{self, WooStatus, WooTopic};
use switchyard_webhooks::{MapContext, MappingError};

/// What the delivery asks Switchyard to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Capture this order (a repeat of a known order matches it).
    Capture(Box<Order>),
    /// Cancel the order the channel sent as `external_id`.
    Cancel {
        /// The channel's order id.
        external_id: ExternalId,
        /// The channel's reason.
        reason: Option<String>,
    },
    /// Nothing to do; acknowledged so that the sender does not retry.
    Ignore(String),
}

/// The sender's id for this delivery, the key repeats are recognised by: Shopify's event id
/// (the same for every retry of one event; the older webhook id as fallback), WooCommerce's
/// delivery id, Standard Webhooks' `webhook-id`.
pub fn delivery_id(kind: ChannelKind, request: &HttpRequest) -> Option<&str> {
    let id = match kind {
        ChannelKind::Shopify => request
            .header("x-shopify-event-id")
            .or_else(|| request.header(shopify::WEBHOOK_ID_HEADER)),
        ChannelKind::Woocommerce => request.header(woocommerce::DELIVERY_ID_HEADER),
        ChannelKind::StandardWebhooks => request.header(WEBHOOK_ID_HEADER),
        _ => None,
    };
    id.map(str::trim).filter(|id| !id.is_empty())
}

/// A short name of the delivery's source for logs and the quarantine (`shopify:orders/create`).
pub fn source(kind: ChannelKind, request: &HttpRequest) -> String {
    match kind {
        ChannelKind::Shopify => format!(
            "shopify:{}",
            request.header(shopify::TOPIC_HEADER).unwrap_or("?")
        ),
        ChannelKind::Woocommerce => format!(
            "woocommerce:{}",
            request.header(woocommerce::TOPIC_HEADER).unwrap_or("?")
        ),
        _ => "standard-webhooks:order".to_string(),
    }
}

/// Reads what a verified delivery asks for. `order_id` is the id a new order gets.
pub fn read(
    channel: &Channel,
    request: &HttpRequest,
    order_id: OrderId,
) -> Result<Intent, MappingError> {
    let ctx = MapContext {
        order_id,
        channel: channel.name.clone(),
        default_customer: channel.default_customer.clone(),
        custom_item_sku: channel.mapping.custom_item_sku.clone(),
    };
    let body = &request.body;
    match channel.kind {
        ChannelKind::Shopify => {
            let topic = ShopifyTopic::from(request.header(shopify::TOPIC_HEADER).unwrap_or(""));
            match topic {
                ShopifyTopic::OrdersCreate => capture(shopify::read_order(body, &ctx)),
                ShopifyTopic::OrdersUpdated | ShopifyTopic::OrdersCancelled => {
                    let reference = shopify::order_reference(body)?;
                    if topic == ShopifyTopic::OrdersCancelled || reference.cancelled_at.is_some() {
                        Ok(Intent::Cancel {
                            external_id: reference.external_id,
                            reason: reference.cancel_reason,
                        })
                    } else {
                        // An update of an order not seen yet captures it (Shopify does not
                        // guarantee order); of a known one, matches it. Edits after capture
                        // are not applied to the ERP sale.
                        capture(shopify::read_order(body, &ctx))
                    }
                }
                ShopifyTopic::Other(topic) => Ok(Intent::Ignore(format!(
                    "topic {topic:?} is not an order topic Switchyard handles"
                ))),
            }
        }
        ChannelKind::Woocommerce => {
            let topic = WooTopic::from(request.header(woocommerce::TOPIC_HEADER).unwrap_or(""));
            match topic {
                WooTopic::OrderCreated | WooTopic::OrderUpdated | WooTopic::OrderRestored => {
                    let (external_id, status) = woocommerce::order_status(body)?;
                    match status {
                        WooStatus::Processing | WooStatus::Completed => {
                            capture(woocommerce::read_order(body, &ctx))
                        }
                        WooStatus::Cancelled | WooStatus::Refunded => Ok(Intent::Cancel {
                            external_id,
                            reason: Some(status.as_str().to_string()),
                        }),
                        other => Ok(Intent::Ignore(format!(
                            "order status {:?} is not paid yet; it is captured once WooCommerce reports it processing",
                            other.as_str()
                        ))),
                    }
                }
                WooTopic::OrderDeleted => Ok(Intent::Cancel {
                    external_id: woocommerce::order_id(body)?,
                    reason: Some("deleted".into()),
                }),
                WooTopic::Other(topic) => Ok(Intent::Ignore(format!(
                    "topic {topic:?} is not an order topic Switchyard handles"
                ))),
            }
        }
        _ => {
            // Standard Webhooks partners send the v1 order contract of `POST /v1/orders`.
            let value = switchyard_model::json::from_slice(body)
                .map_err(|e| MappingError::Unparseable(e.to_string()))?;
            let ctx = CaptureContext {
                order_id,
                channel: channel.name.clone(),
                default_customer: channel.default_customer.clone(),
            };
            capture(parse_order(&value, &ctx).map_err(MappingError::Invalid))
        }
    }
}

fn capture(order: Result<Order, MappingError>) -> Result<Intent, MappingError> {
    order.map(|o| Intent::Capture(Box::new(o)))
}
