//! Properties of the v1 reader over generated input: it never panics, and what it accepts
//! survives a JSON round trip unchanged.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::{ChannelName, Order, OrderId};

fn ctx() -> CaptureContext {
    CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("demo-shop").unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
    }
}

/// Any JSON value, biased towards the field names of the contract so that deep paths are reached.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("external_id".to_string()),
        Just("customer".to_string()),
        Just("currency".to_string()),
        Just("ship_to".to_string()),
        Just("lines".to_string()),
        Just("sku".to_string()),
        Just("quantity".to_string()),
        Just("unit_price".to_string()),
        Just("country".to_string()),
        "[a-z_]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?(e-?[0-9]{1,3})?".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics_the_reader(body in json_value()) {
        if let Ok(order) = parse_order(&body, &ctx()) {
            let _ = order.total();
        }
    }

    #[test]
    fn any_accepted_prices_and_quantities_total_without_overflow(
        qty in "[1-9][0-9]{0,6}", price in "[0-9]{1,28}(\\.[0-9]{1,4})?", n in 1usize..500,
    ) {
        let lines: Vec<Value> = (0..n).map(|_| json!({"sku": "A", "quantity": qty, "unit_price": price})).collect();
        let body = json!({"external_id": "PO-1", "currency": "USD", "customer": {"name": "A"},
            "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"}, "lines": lines});
        if let Ok(order) = parse_order(&body, &ctx()) {
            let _ = order.total();
        }
    }

    #[test]
    fn accepted_orders_round_trip(
        qty in 1u32..100_000, cents in 0u64..10_000_000, places in 0u32..5, sku in "[A-Z0-9-]{1,20}", n in 1usize..5,
    ) {
        let price = rust_decimal::Decimal::new(cents as i64, places).to_string();
        let lines: Vec<Value> = (0..n).map(|_| json!({"sku": sku, "quantity": qty, "unit_price": price})).collect();
        let body = json!({"external_id": "PO-1", "currency": "USD", "customer": {"name": "A"},
            "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"}, "lines": lines});
        let order = parse_order(&body, &ctx()).unwrap();
        let back: Order = serde_json::from_str(&serde_json::to_string(&order).unwrap()).unwrap();
        prop_assert_eq!(&back, &order);
        prop_assert_eq!(order.total().amount, rust_decimal::Decimal::new(cents as i64, places) * rust_decimal::Decimal::from(qty) * rust_decimal::Decimal::from(n as u32));
    }
}
