//! EDIFACT from a trading partner: parse the interchange, read every message as its document,
//! map every ORDERS to a canonical order, and answer with a CONTRL that must itself parse back
//! clean and read as a CONTRL.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use switchyard_edifact::write::{ContrlReport, OutboundEnvelope, contrl};
use switchyard_edifact::{Document, OrderContext, parse_interchange, read_message, to_order};
use switchyard_model::Currency;

fuzz_target!(|data: &[u8]| {
    let Ok(interchange) = parse_interchange(data) else {
        return;
    };
    let ctx = OrderContext::new(
        switchyard_fuzz::order_id(),
        switchyard_fuzz::channel(),
        Currency::from_code("EUR").expect("EUR"),
    );
    for message in interchange.all_messages() {
        match read_message(message, &interchange.delimiters) {
            Ok(Document::Orders(orders)) => {
                if let Ok(order) = to_order(&orders, &ctx) {
                    switchyard_fuzz::assert_canonical(&order);
                }
            }
            Ok(_) => {}
            Err(errors) => assert!(!errors.is_empty(), "a refused message names an error"),
        }
    }

    // The CONTRL we would send back must be an interchange we can read ourselves.
    let report = ContrlReport::from_interchange(&interchange);
    let now = NaiveDate::from_ymd_opt(2026, 1, 2)
        .unwrap()
        .and_hms_opt(3, 4, 0)
        .unwrap();
    let envelope =
        OutboundEnvelope::answering(&interchange.header, &interchange.delimiters, "7", now);
    let answer = contrl(&envelope, &report);
    let back = parse_interchange(&answer).expect("our CONTRL parses");
    assert!(back.is_clean(), "our CONTRL is clean: {back:?}");
    for message in back.all_messages() {
        assert!(
            matches!(
                read_message(message, &back.delimiters),
                Ok(Document::Contrl(_))
            ),
            "our CONTRL reads as a CONTRL"
        );
    }
});
