//! `POST /v1/orders`: the strict JSON reader, then the v1 contract reader. What is read must be a
//! canonical order, and the order as `GET /v1/orders/{id}` writes it must read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_model::contract::v1::{CaptureContext, OrderBodyV1, parse_order};
use switchyard_model::json::{self, StrictJsonError};

fuzz_target!(|data: &[u8]| {
    let value = match json::from_slice(data) {
        Ok(value) => value,
        Err(e) => {
            // A refusal always names where: a field path, or `body` for the body as a whole.
            assert!(!e.field().is_empty());
            // The reader streams, so a duplicate key may be reported before a later syntax
            // error: either refusal is a 400. A syntax refusal, though, is never a body
            // serde_json itself reads.
            if let StrictJsonError::Syntax(_) = e {
                assert!(
                    serde_json::from_slice::<serde_json::Value>(data).is_err(),
                    "{e}"
                );
            }
            return;
        }
    };
    // Strictness only ever refuses: what it accepts means what serde_json reads.
    let loose: serde_json::Value =
        serde_json::from_slice(data).expect("strict accepted, serde_json refused");
    assert_eq!(loose, value, "the strict reader changed the body's meaning");
    // Written out and read again, the value is the same (and still strict). Found by fuzzing:
    // not for floats far outside any field's range (`1141e114` reads back one ULP off, since
    // serde_json's default float parser is not correctly rounded there); quantities (at most
    // 1000000, 4 decimals) are parsed exactly and prices must be strings, so no field is hit.
    let text = serde_json::to_vec(&value).unwrap();
    if exact_numbers(&value) {
        assert_eq!(
            json::from_slice(&text).as_ref(),
            Ok(&value),
            "write → read changed the value"
        );
    } else {
        assert!(json::from_slice(&text).is_ok());
    }

    let ctx = CaptureContext {
        order_id: switchyard_fuzz::order_id(),
        channel: switchyard_fuzz::channel(),
        default_customer: Some(switchyard_fuzz::DEFAULT_CUSTOMER.into()),
    };
    let order = match parse_order(&value, &ctx) {
        Ok(order) => order,
        Err(errors) => {
            assert!(
                !errors.is_empty(),
                "a refused body names at least one field"
            );
            return;
        }
    };
    switchyard_fuzz::assert_canonical(&order);
    // parse → write (the v1 body GET returns) → parse: the same order.
    let written = serde_json::to_value(OrderBodyV1::from(&order)).unwrap();
    let again = parse_order(&written, &ctx)
        .unwrap_or_else(|e| panic!("the written order does not read back: {e}\n{written}"));
    assert_eq!(
        again, order,
        "parse → write → parse changed the order\n{written}"
    );
});

/// True when every number in `v` is an integer or a float below 1e11 with at most 4 decimals,
/// the numbers a contract field can hold (and which serde_json parses exactly).
fn exact_numbers(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            n.is_i64()
                || n.is_u64()
                || n.as_f64()
                    .is_some_and(|f| f.abs() < 1e11 && (f * 1e4).fract() == 0.0)
        }
        Value::Array(items) => items.iter().all(exact_numbers),
        Value::Object(m) => m.values().all(exact_numbers),
        _ => true,
    }
}
