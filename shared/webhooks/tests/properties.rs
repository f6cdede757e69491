//! Properties over generated input: no mapper or verifier panics on anything, and whatever is
//! signed verifies while any change to it does not.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::ctx;
use proptest::prelude::*;
use serde_json::{Value, json};
use switchyard_webhooks::signature::{
    DEFAULT_TOLERANCE, SignatureError, StandardSecret, sign_shopify, sign_standard,
    sign_woocommerce, verify_shopify, verify_standard, verify_woocommerce,
};
use switchyard_webhooks::{shopify, woocommerce};

/// Any JSON value, biased towards the storefronts' field names so that deep paths are reached.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_string()),
        Just("currency".to_string()),
        Just("customer".to_string()),
        Just("shipping_address".to_string()),
        Just("billing_address".to_string()),
        Just("shipping".to_string()),
        Just("billing".to_string()),
        Just("line_items".to_string()),
        Just("sku".to_string()),
        Just("quantity".to_string()),
        Just("price".to_string()),
        Just("total_discount".to_string()),
        Just("subtotal".to_string()),
        Just("total".to_string()),
        Just("address1".to_string()),
        Just("address_1".to_string()),
        Just("city".to_string()),
        Just("country_code".to_string()),
        Just("country".to_string()),
        Just("note".to_string()),
        Just("cancelled_at".to_string()),
        Just("status".to_string()),
        "[a-z_]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?".prop_map(Value::String),
        Just(json!("USD")),
        Just(json!("US")),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..10)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An order that reads, with generated prices, quantities and discounts, for both storefronts.
fn priced_line() -> impl Strategy<Value = (u64, i64, u32, i64)> {
    (1u64..10_000, 0i64..100_000_000, 0u32..5, 0i64..1_000_000)
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_a_reader(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = shopify::read_order(&body, &ctx(Some("MISC")));
        let _ = shopify::order_reference(&body);
        let _ = woocommerce::read_order(&body, &ctx(None));
        let _ = woocommerce::order_status(&body);
        let _ = woocommerce::order_id(&body);
        let _ = woocommerce::is_ping(Some("application/x-www-form-urlencoded"), &body);
    }

    #[test]
    fn arbitrary_json_never_panics_a_reader(v in json_value(), custom in any::<bool>()) {
        let body = serde_json::to_vec(&v).unwrap();
        let context = ctx(custom.then_some("MISC"));
        for result in [shopify::read_order(&body, &context), woocommerce::read_order(&body, &context)] {
            match result {
                Ok(order) => { let _ = order.total(); }
                // An invalid order always names at least one field.
                Err(switchyard_webhooks::MappingError::Invalid(e)) => prop_assert!(!e.is_empty()),
                Err(_) => {}
            }
        }
        let _ = shopify::order_reference(&body);
        let _ = woocommerce::order_status(&body);
    }

    #[test]
    fn accepted_prices_are_exact(
        (qty, cents, places, discount_cents) in priced_line(),
    ) {
        let price = rust_decimal::Decimal::new(cents, places);
        let discount = rust_decimal::Decimal::new(discount_cents, 2);
        let body = json!({"id": 5678901234567890123u64, "currency": "USD", "email": "a@b.example",
            "shipping_address": {"address1": "1 Main St", "city": "Solon", "country_code": "US"},
            "line_items": [{"sku": "A", "quantity": qty, "price": price.to_string(),
                            "total_discount": discount.to_string()}]});
        let body = serde_json::to_vec(&body).unwrap();
        let line_amount = price * rust_decimal::Decimal::from(qty);
        match shopify::read_order(&body, &ctx(None)) {
            Ok(order) => {
                prop_assert_eq!(order.external_id.as_str(), "5678901234567890123");
                let unit = order.lines[0].unit_price.amount;
                // Either the discount was applied exactly, or the price was kept and noted.
                if unit == price {
                    prop_assert!(discount.is_zero() || order.notes.unwrap().contains("does not divide exactly"));
                } else {
                    prop_assert_eq!(order.total().amount, line_amount - discount);
                }
            }
            Err(_) => prop_assert!(discount > line_amount),
        }
    }

    #[test]
    fn verifiers_never_panic_on_arbitrary_headers(
        secret in prop::collection::vec(any::<u8>(), 0..80),
        body in prop::collection::vec(any::<u8>(), 0..128),
        header in proptest::option::of(".{0,80}"),
        id in proptest::option::of(".{0,20}"),
        ts in proptest::option::of("[0-9+-]{0,22}"),
        now in any::<i32>(),
    ) {
        prop_assert!(verify_shopify(&secret, &body, header.as_deref()).is_err());
        prop_assert!(verify_woocommerce(&secret, &body, header.as_deref()).is_err());
        let secrets = [StandardSecret::try_from("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()];
        let r = verify_standard(&secrets, id.as_deref(), ts.as_deref(), header.as_deref(), &body,
            at(i64::from(now)), DEFAULT_TOLERANCE);
        prop_assert!(r.is_err());
        let _ = StandardSecret::try_from(header.as_deref().unwrap_or_default());
    }

    #[test]
    fn shopify_and_woocommerce_signatures_round_trip(
        secret in prop::collection::vec(any::<u8>(), 1..100),
        body in prop::collection::vec(any::<u8>(), 0..512),
        flip in any::<prop::sample::Index>(),
    ) {
        let s = sign_shopify(&secret, &body);
        prop_assert_eq!(verify_shopify(&secret, &body, Some(&s)), Ok(()));
        let w = sign_woocommerce(&secret, &body);
        prop_assert_eq!(verify_woocommerce(&secret, &body, Some(&w)), Ok(()));
        if !body.is_empty() {
            let mut tampered = body.clone();
            tampered[flip.index(body.len())] ^= 1;
            prop_assert_eq!(verify_shopify(&secret, &tampered, Some(&s)), Err(SignatureError::Mismatch));
        }
    }

    #[test]
    fn standard_signatures_round_trip_within_the_tolerance(
        key in prop::collection::vec(any::<u8>(), 24..=64),
        id in "[a-zA-Z0-9_]{1,32}",
        ts in 0i64..4_000_000_000,
        skew in -600i64..600,
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        use base64::Engine;
        let text = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(&key));
        let secret = StandardSecret::try_from(text.as_str()).unwrap();
        let header = sign_standard(&secret, &id, ts, &body);
        let r = verify_standard(&[secret], Some(&id), Some(&ts.to_string()), Some(&header), &body,
            at(ts + skew), Duration::minutes(5));
        if skew.abs() <= 300 {
            prop_assert_eq!(r, Ok(()));
        } else {
            prop_assert_eq!(r, Err(SignatureError::TimestampOutOfTolerance));
        }
    }
}
