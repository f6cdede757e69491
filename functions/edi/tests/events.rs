//! The sample events of the EDI functions round-trip and carry what each function reads.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::sqs::SqsEvent;
use edi::acknowledger::{Acknowledged, Acknowledger};
use edi::pending::PendingAck;
use std::sync::Arc;
use switchyard_edi_outbox::EdiStore;
use switchyard_edi_outbox::InMemoryEdiStore;
use switchyard_intake::apigw::request_from_event;
use switchyard_intake::samples::sample_events;
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderAccepted, OrderRejected};
use switchyard_model::fulfilment_events::{OrderInvoiced, OrderShipped};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::parse_interchange;
use switchyard_x12::write::PartnerId;

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

/// The order id every acknowledger sample is about.
const SAMPLE_ORDER: &str = "01KC0000000000000000000000";

/// A store holding the EDI context of the sample order, as `edi-api` keeps it from an 850 whose
/// lines carry the sample SKUs.
async fn store_with_the_sample_order() -> Arc<InMemoryEdiStore> {
    let x12 = "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*0900*U*00401*000000001*0*P*>~\
GS*PO*ACMEBUYER*SWITCHYARD*20261127*0900*1*X*004010~ST*850*0001~BEG*00*SA*PO-4471**20261127~\
N1*ST*Acme DC 4*92*DC4~PO1*1*10*EA*9.25**VN*WIDGET-S~PO1*2*4*CA*14.50**VP*WIDGET-M~\
SE*6*0001~GE*1*1~IEA*1*000000001~";
    let interchange = parse_interchange(x12.as_bytes()).unwrap();
    assert!(interchange.is_clean(), "{interchange:#?}");
    let po = PurchaseOrder::read(&interchange.groups[0].transaction_sets[0]).unwrap();
    let pending = PendingAck::for_order(
        &po,
        PartnerId::new("ZZ", "SWITCHYARD"),
        PartnerId::new("ZZ", "ACMEBUYER"),
        false,
        &["VN".to_string(), "VP".to_string()],
    );
    let store = Arc::new(InMemoryEdiStore::new());
    store
        .put_pending_ack(
            SAMPLE_ORDER.parse().unwrap(),
            &serde_json::to_value(&pending).unwrap(),
        )
        .await
        .unwrap();
    store
}

#[tokio::test]
async fn acknowledger_samples_round_trip_and_each_makes_its_document() {
    let events = sample_events::<SqsEvent>(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/edi-acknowledger"
    ));
    let empty = Acknowledger::new(
        Arc::new(InMemoryEdiStore::new()),
        switchyard_failures::FailureRecorder::in_memory(
            edi::acknowledger::FLOW,
            "edi-acknowledger",
        ),
    );
    let with_order = Acknowledger::new(
        store_with_the_sample_order().await,
        switchyard_failures::FailureRecorder::in_memory(
            edi::acknowledger::FLOW,
            "edi-acknowledger",
        ),
    );
    let mut written = Vec::new();
    for (path, event) in &events {
        for record in &event.records {
            let body = record.body.as_deref().unwrap();
            // An event the acknowledger acts on, not an event type it skips unread.
            let bus: serde_json::Value = serde_json::from_str(body).unwrap();
            let detail = bus["detail"].to_string();
            let order_id = match bus["detail-type"].as_str() {
                Some("OrderAccepted") => {
                    Envelope::<OrderAccepted>::parse(&detail)
                        .unwrap()
                        .payload
                        .order_id
                }
                Some("OrderRejected") => {
                    Envelope::<OrderRejected>::parse(&detail)
                        .unwrap()
                        .payload
                        .order_id
                }
                Some("OrderShipped") => {
                    Envelope::<OrderShipped>::parse(&detail)
                        .unwrap()
                        .payload
                        .order_id
                }
                Some("OrderInvoiced") => {
                    Envelope::<OrderInvoiced>::parse(&detail)
                        .unwrap()
                        .payload
                        .order_id
                }
                other => panic!("{}: not an event it acts on: {other:?}", path.display()),
            };
            assert_eq!(order_id.to_string(), SAMPLE_ORDER, "{}", path.display());
            // Skipped only because no EDI order is pending for it in this empty store …
            let done = empty.acknowledge(body).await;
            assert_eq!(done.unwrap(), Acknowledged::Skipped, "{}", path.display());
            // … and written once the order's EDI context is there.
            match with_order.acknowledge(body).await.unwrap() {
                Acknowledged::Written(id) => written.push(id),
                Acknowledged::Skipped => panic!("{}: skipped with the context", path.display()),
            }
        }
    }
    written.sort();
    assert_eq!(
        written,
        [
            "810-INV_0007".to_string(),
            format!("855-{SAMPLE_ORDER}"),
            "856-CS7".to_string()
        ]
    );
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
