//! What every storefront mapper shares: the context it maps in and the ways a payload can fail
//! to become an order.

use serde_json::{Map, Value};
use switchyard_model::{ChannelName, FieldErrors, OrderId, Sku};

/// What the webhook handler knows besides the body when it maps an order.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// The id the new order gets.
    pub order_id: OrderId,
    /// The channel the webhook was addressed to.
    pub channel: ChannelName,
    /// The ERP customer every order of this channel is sold to. Storefront shoppers are not ERP
    /// accounts, so a storefront channel needs one; without it every order is refused.
    pub default_customer: Option<String>,
    /// The SKU booked for lines that carry none (Shopify custom items, WooCommerce products
    /// without a SKU), from the channel's mapping options. Unset, such lines are refused,
    /// because an ERP order line needs an item and guessing one would ship the wrong thing.
    pub custom_item_sku: Option<Sku>,
}

/// Why a webhook body did not become an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The body is not JSON, or its top level is not an object. Carries the parser's message,
    /// which names a position but never repeats the body.
    #[error("the body is not a JSON object: {0}")]
    Unparseable(String),
    /// The body is a JSON object but not an acceptable order; every invalid field is listed.
    #[error("the body is not a valid order: {0}")]
    Invalid(FieldErrors),
}

impl From<FieldErrors> for MappingError {
    fn from(errors: FieldErrors) -> Self {
        MappingError::Invalid(errors)
    }
}

/// Parses a body whose top level must be an object.
pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, MappingError> {
    match switchyard_model::json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(MappingError::Unparseable(
            "the top level must be an object".into(),
        )),
        Err(e) => Err(MappingError::Unparseable(e.to_string())),
    }
}

/// Never an empty error list: an invalid result always names at least one field.
pub(crate) fn invalid(mut errors: FieldErrors) -> FieldErrors {
    if errors.is_empty() {
        errors.push("body", "is not a valid order");
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_objects_parse() {
        assert!(parse_object(b"{}").is_ok());
        for body in [&b"[]"[..], b"1", b"", b"{", b"\xff"] {
            assert!(matches!(
                parse_object(body),
                Err(MappingError::Unparseable(_))
            ));
        }
    }
}
