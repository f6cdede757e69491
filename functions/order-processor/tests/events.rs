//! Every sample event in `events/order-processor/` parses, round-trips, and its message bodies are
//! what the processor expects (or, for the poison sample, deliberately not).

use aws_lambda_events::sqs::SqsEvent;
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;

#[test]
fn sample_batches_round_trip_and_carry_order_envelopes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/order-processor");
    let (mut envelopes, mut poison) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let event: SqsEvent =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again: SqsEvent =
            serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again, event, "{}", path.display());
        for record in &event.records {
            match Envelope::<OrderSubmitted>::parse(record.body.as_deref().unwrap()) {
                Ok(envelope) => {
                    assert_eq!(
                        envelope.payload.order.id.to_string(),
                        envelope.correlation_id
                    );
                    envelopes += 1;
                }
                Err(_) => poison += 1,
            }
        }
    }
    assert!(envelopes >= 2, "the samples carry order envelopes");
    assert_eq!(poison, 1, "exactly one deliberate poison message");
}
