//! `POST /v1/orders/{id}/returns`: the strict JSON reader, then the return-lines reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use switchyard_model::json;
use switchyard_model::order::check_identifier;
use switchyard_model::returns::{RETURN_REASONS, ReturnLine, parse_return_lines};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = json::from_slice(data) else {
        return;
    };
    let lines = match parse_return_lines(&value) {
        Ok(lines) => lines,
        Err(errors) => {
            assert!(
                !errors.is_empty(),
                "a refused body names at least one field"
            );
            return;
        }
    };
    let sent = value["lines"]
        .as_array()
        .expect("accepted lines come from an array");
    assert_eq!(lines.len(), sent.len(), "every line sent is a line read");
    assert!((1..=500).contains(&lines.len()));
    for line in &lines {
        assert!(
            check_identifier(line.sku.as_str()).is_ok(),
            "sku {:?}",
            line.sku
        );
        assert!(
            line.quantity > Decimal::ZERO && line.quantity.scale() <= 4,
            "quantity {}",
            line.quantity
        );
        assert!(
            RETURN_REASONS.contains(&line.reason.as_str()),
            "reason {:?}",
            line.reason
        );
    }
    // The lines as the return record stores them read back the same.
    let stored = serde_json::to_string(&lines).unwrap();
    let back: Vec<ReturnLine> = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, lines);
    // …and as a request body they are accepted again, unchanged.
    let body = serde_json::json!({ "lines": serde_json::to_value(&lines).unwrap() });
    assert_eq!(
        parse_return_lines(&body).as_ref().ok(),
        Some(&lines),
        "{body}"
    );
});
