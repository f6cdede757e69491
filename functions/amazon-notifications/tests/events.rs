//! The sample batches in `events/amazon-notifications/` round-trip and carry ORDER_CHANGE
//! notifications.

use aws_lambda_events::sqs::SqsEvent;
use switchyard_amazon::parse_notification;
use switchyard_intake::samples::sample_events;

#[test]
fn sample_batches_round_trip_and_carry_order_changes() {
    let events = sample_events::<SqsEvent>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/amazon-notifications"
    ));
    let mut notifications = 0;
    for (path, event) in &events {
        for record in &event.records {
            let n = parse_notification(record.body.as_deref().unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!n.amazon_order_id.is_empty());
            notifications += 1;
        }
    }
    assert!(notifications >= 1);
}
