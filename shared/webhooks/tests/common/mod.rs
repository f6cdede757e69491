//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::Value;
use switchyard_model::{ChannelName, OrderId, Sku};
use switchyard_webhooks::{MapContext, MappingError};

/// A context for channel `demo-shop` with default customer `DEMO-SHOP`, and, when given, a
/// custom-item SKU.
pub fn ctx(custom_item_sku: Option<&str>) -> MapContext {
    MapContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("demo-shop").unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
        custom_item_sku: custom_item_sku.map(|s| Sku::try_from(s).unwrap()),
    }
}

/// The bytes of a fixture file.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture parsed as JSON, to be edited by a test.
pub fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

/// The serialised bytes of an edited fixture.
pub fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// The `(field, rule)` pairs of an `Invalid` mapping error; panics on anything else.
pub fn field_errors<T: std::fmt::Debug>(result: Result<T, MappingError>) -> Vec<(String, String)> {
    match result {
        Err(MappingError::Invalid(errors)) => {
            errors.0.into_iter().map(|e| (e.field, e.rule)).collect()
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// Just the field paths of an `Invalid` mapping error.
pub fn fields<T: std::fmt::Debug>(result: Result<T, MappingError>) -> Vec<String> {
    field_errors(result).into_iter().map(|(f, _)| f).collect()
}
