//! The sample events of both EDI functions round-trip and carry what each function reads.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::sqs::SqsEvent;
use edi::acknowledger::{Acknowledged, Acknowledger};
use std::sync::Arc;
use switchyard_edi_outbox::InMemoryEdiStore;
use switchyard_intake::apigw::request_from_event;
use switchyard_intake::samples::sample_events;
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderAccepted, OrderRejected};
use switchyard_x12::parse_interchange;

#[test]
fn edi_api_samples_round_trip_and_the_850_is_a_clean_interchange() {
    let events = sample_events::<ApiGatewayV2httpRequest>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/edi-api"
    ));
    let mut interchanges = 0;
    for (path, event) in &events {
        let request = request_from_event(event);
        assert!(request.path.starts_with("/v1/edi/"), "{}", path.display());
        if request.method == "POST" {
            let interchange = parse_interchange(&request.body).unwrap();
            assert!(interchange.is_clean(), "{}", path.display());
            interchanges += 1;
        }
    }
    assert_eq!(interchanges, 1);
}

#[tokio::test]
async fn acknowledger_samples_round_trip_and_read_as_decisions() {
    let events = sample_events::<SqsEvent>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/edi-acknowledger"
    ));
    let acknowledger = Acknowledger::new(Arc::new(InMemoryEdiStore::new()));
    for (path, event) in &events {
        for record in &event.records {
            let body = record.body.as_deref().unwrap();
            // A decision the acknowledger acts on, not an event type it skips unread.
            let bus: serde_json::Value = serde_json::from_str(body).unwrap();
            let detail = bus["detail"].to_string();
            match bus["detail-type"].as_str() {
                Some("OrderAccepted") => drop(Envelope::<OrderAccepted>::parse(&detail).unwrap()),
                Some("OrderRejected") => drop(Envelope::<OrderRejected>::parse(&detail).unwrap()),
                other => panic!("{}: not a decision: {other:?}", path.display()),
            }
            // Skipped only because no EDI order is pending for it in this empty store.
            let done = acknowledger.acknowledge(body).await;
            assert_eq!(done.unwrap(), Acknowledged::Skipped, "{}", path.display());
        }
    }
    assert!(!events.is_empty());
}

#[tokio::test]
async fn inventory_advice_samples_are_scheduled_events_and_run_the_adviser() {
    use aws_lambda_events::eventbridge::EventBridgeEvent;
    use edi::inventory_advice::{InventoryAdviser, handle};
    use switchyard_channels::InMemoryChannelDirectory;
    use switchyard_projections::InMemoryProjectionStore;

    let events = sample_events::<EventBridgeEvent>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/edi-inventory-advice"
    ));
    assert!(!events.is_empty());
    let adviser = InventoryAdviser::new(
        Arc::new(InMemoryChannelDirectory::new()),
        Arc::new(InMemoryEdiStore::new()),
        Arc::new(InMemoryProjectionStore::new()),
    );
    for (path, event) in &events {
        assert_eq!(event.detail_type, "Scheduled Event", "{}", path.display());
        assert_eq!(event.source, "aws.events", "{}", path.display());
        let time = event.time.expect("a scheduled event carries its time");
        // No channel subscribes in an empty directory: the run succeeds and writes nothing.
        let summary = handle(&adviser, event, time).await.unwrap();
        assert_eq!(
            summary,
            serde_json::json!({"written": []}),
            "{}",
            path.display()
        );
    }
}
