//! The tracker over in-memory twins (each held to its port's contract): ERP facts as the bus
//! delivers them move the order record forward and announce it once.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use order_tracker::{TrackError, Tracked, Tracker};
use rust_decimal::Decimal;
use switchyard_channels::{Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory};
use switchyard_events::InMemoryPublisher;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_model::fulfilment_events::{
    FULFILMENT_EVENTS_SOURCE, Invoice, InvoiceKind, InvoicePosted, InvoicedLine, Shipment,
    ShipmentDispatched, ShippedLine,
};
use switchyard_model::{ChannelName, Currency, OrderId, OrderStatus, Sku};
use switchyard_orders::{InMemoryOrderStore, OrderRecord, OrderStore};

struct World {
    failures: Arc<switchyard_failures::InMemoryFailureStore>,
    orders: Arc<InMemoryOrderStore>,
    events: Arc<InMemoryPublisher>,
    tracker: Tracker,
}

async fn world() -> World {
    let orders = Arc::new(InMemoryOrderStore::new());
    let channels = Arc::new(InMemoryChannelDirectory::new());
    channels
        .put(&Channel::new(
            ChannelName::try_from("shop").unwrap(),
            ChannelKind::Shopify,
            Utc::now(),
        ))
        .await
        .unwrap();
    let events = Arc::new(InMemoryPublisher::new());
    let failures = Arc::new(switchyard_failures::InMemoryFailureStore::new());
    let tracker = Tracker::new(
        orders.clone(),
        channels,
        events.clone(),
        switchyard_failures::FailureRecorder::new(
            failures.clone(),
            "fulfilment-events",
            "order-tracker",
            5,
        ),
    );
    World {
        failures,
        orders,
        events,
        tracker,
    }
}

/// An order of 2 × WIDGET-S and 1 × WIDGET-M, accepted as SO7 (or only received).
async fn order(w: &World, accepted: bool) -> OrderId {
    let body = serde_json::json!({"external_id": format!("PO-{}", ulid::Ulid::new()),
        "currency": "USD", "customer": {"name": "Acme"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"},
                  {"sku": "WIDGET-M", "quantity": 1, "unit_price": "12"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("shop").unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
    };
    let mut record = OrderRecord::received(parse_order(&body, &ctx).unwrap(), "k", Utc::now());
    if accepted {
        record.accept("SO7", Utc::now()).unwrap();
        record.outbox.clear();
    }
    w.orders.create(&record).await.unwrap();
    record.order.id
}

fn bus<T: Message>(payload: T) -> String {
    let envelope = Envelope::new("erp", "k", payload).into_json();
    serde_json::json!({"detail-type": envelope.kind, "source": FULFILMENT_EVENTS_SOURCE,
        "detail": envelope})
    .to_string()
}

fn shipment(order_id: OrderId, id: &str, lines: &[(&str, i64)], version: i64) -> String {
    bus(ShipmentDispatched {
        order_id,
        erp_reference: "SO7".into(),
        shipment: Shipment {
            shipment_id: id.into(),
            lines: lines
                .iter()
                .map(|(sku, q)| ShippedLine {
                    sku: Sku::try_from(*sku).unwrap(),
                    quantity: Decimal::from(*q),
                })
                .collect(),
            carrier: Some("UPS".into()),
            service: Some("Ground".into()),
            tracking_numbers: vec![format!("1Z-{id}")],
            shipped_at: Utc::now(),
        },
        erp_version: version,
        observed_at: Utc::now(),
    })
}

fn invoice(order_id: OrderId, version: i64) -> String {
    let line = |sku: &str, q: i64, price: Decimal| InvoicedLine {
        sku: Some(Sku::try_from(sku).unwrap()),
        description: sku.into(),
        quantity: Decimal::from(q),
        unit_price: price,
        amount: price * Decimal::from(q),
    };
    bus(InvoicePosted {
        order_id,
        erp_reference: "SO7".into(),
        return_id: None,
        invoice: Invoice {
            invoice_id: "INV-1".into(),
            kind: InvoiceKind::Invoice,
            invoice_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 12, 31),
            currency: Currency::from_code("USD").unwrap(),
            lines: vec![
                line("WIDGET-S", 2, Decimal::new(925, 2)),
                line("WIDGET-M", 1, Decimal::from(12)),
            ],
            taxes: vec![],
            untaxed_amount: Decimal::new(3050, 2),
            tax_amount: Decimal::ZERO,
            total_amount: Decimal::new(3050, 2),
        },
        erp_version: version,
        observed_at: Utc::now(),
    })
}

fn published(w: &World, kind: &str) -> Vec<serde_json::Value> {
    w.events
        .published
        .lock()
        .unwrap()
        .iter()
        .filter(|(source, e)| source == "switchyard.orders" && e.kind == kind)
        .map(|(_, e)| e.payload.clone())
        .collect()
}

async fn status(w: &World, id: OrderId) -> OrderStatus {
    w.orders.get(id).await.unwrap().unwrap().value.status
}

#[tokio::test]
async fn a_shipment_delivered_three_times_ships_the_order_and_is_announced_once() {
    let w = world().await;
    let id = order(&w, true).await;
    let body = shipment(id, "CS1", &[("WIDGET-S", 2), ("WIDGET-M", 1)], 10);
    assert_eq!(w.tracker.track(&body).await.unwrap(), Tracked::Applied);
    for _ in 0..2 {
        assert_eq!(w.tracker.track(&body).await.unwrap(), Tracked::AlreadyKnown);
    }
    assert_eq!(status(&w, id).await, OrderStatus::Shipped);
    let shipped = published(&w, "OrderShipped");
    assert_eq!(shipped.len(), 1, "{shipped:?}");
    assert_eq!(shipped[0]["channel_kind"], "shopify");
    assert_eq!(shipped[0]["fully_shipped"], true);
    assert_eq!(shipped[0]["shipment"]["tracking_numbers"][0], "1Z-CS1");
    let record = w.orders.get(id).await.unwrap().unwrap().value;
    assert!(record.outbox.is_empty(), "published, then cleared");
    assert_eq!(record.view().shipments.len(), 1);
}

#[tokio::test]
async fn a_partial_shipment_then_the_rest() {
    let w = world().await;
    let id = order(&w, true).await;
    w.tracker
        .track(&shipment(id, "CS1", &[("WIDGET-S", 1)], 10))
        .await
        .unwrap();
    assert_eq!(status(&w, id).await, OrderStatus::PartiallyShipped);
    w.tracker
        .track(&shipment(
            id,
            "CS2",
            &[("WIDGET-S", 1), ("WIDGET-M", 1)],
            11,
        ))
        .await
        .unwrap();
    assert_eq!(status(&w, id).await, OrderStatus::Shipped);
    let flags: Vec<_> = published(&w, "OrderShipped")
        .iter()
        .map(|p| p["fully_shipped"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [false, true]);
}

#[tokio::test]
async fn an_invoice_before_its_shipment_and_a_shipment_twice_end_invoiced() {
    let w = world().await;
    let id = order(&w, true).await;
    let ship = shipment(id, "CS1", &[("WIDGET-S", 2), ("WIDGET-M", 1)], 10);
    w.tracker.track(&invoice(id, 12)).await.unwrap();
    assert_eq!(status(&w, id).await, OrderStatus::Accepted);
    w.tracker.track(&ship).await.unwrap();
    w.tracker.track(&ship).await.unwrap();
    assert_eq!(status(&w, id).await, OrderStatus::Invoiced);
    assert_eq!(published(&w, "OrderShipped").len(), 1);
    let invoiced = published(&w, "OrderInvoiced");
    assert_eq!(invoiced.len(), 1);
    assert_eq!(invoiced[0]["invoice"]["total_amount"], "30.50");
}

#[tokio::test]
async fn a_fact_before_the_acceptance_is_retried_and_an_unknown_order_is_dropped() {
    let w = world().await;
    let id = order(&w, false).await;
    let body = shipment(id, "CS1", &[("WIDGET-S", 2)], 10);
    assert!(matches!(
        w.tracker.track(&body).await,
        Err(TrackError::NotYet(_))
    ));
    assert_eq!(status(&w, id).await, OrderStatus::Received);
    let unknown = shipment(OrderId::generate(), "CS9", &[("WIDGET-S", 1)], 1);
    assert_eq!(
        w.tracker.track(&unknown).await.unwrap(),
        Tracked::UnknownOrder
    );
    assert!(matches!(
        w.tracker.track("{not json").await,
        Err(TrackError::Unreadable(_))
    ));
    assert!(w.events.published.lock().unwrap().is_empty());
}

/// The SQS batch of `events/order-tracker/`: a partial shipment, the invoice, the rest, and the
/// first shipment again.
fn fixture() -> aws_lambda_events::sqs::SqsEvent {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/order-tracker/fulfilment-events-batch.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_fixture_round_trips() {
    let event = fixture();
    let json = serde_json::to_value(&event).unwrap();
    let again: aws_lambda_events::sqs::SqsEvent = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(json, serde_json::to_value(&again).unwrap());
}

#[tokio::test]
async fn the_fixture_batch_ends_invoiced_with_two_shipments() {
    let w = world().await;
    let body = serde_json::json!({"external_id": "PO-FIXTURE", "currency": "USD",
        "customer": {"name": "Acme"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"},
                  {"sku": "WIDGET-M", "quantity": 1, "unit_price": "12"}]});
    let ctx = CaptureContext {
        order_id: "01KD0000000000000000000ABC".parse().unwrap(),
        channel: ChannelName::try_from("shop").unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
    };
    let mut record = OrderRecord::received(parse_order(&body, &ctx).unwrap(), "k", Utc::now());
    record.accept("SO7", Utc::now()).unwrap();
    record.outbox.clear();
    w.orders.create(&record).await.unwrap();
    let response = w.tracker.process(fixture()).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let record = w.orders.get(ctx.order_id).await.unwrap().unwrap().value;
    assert_eq!(record.status, OrderStatus::Invoiced);
    assert_eq!(record.shipments.len(), 2);
    assert_eq!(published(&w, "OrderShipped").len(), 2);
}

#[tokio::test]
async fn a_fact_that_fails_is_recorded_by_its_order_and_resolved_when_it_applies() {
    use switchyard_failures::{FailureKey, FailureStore};
    let w = world().await;
    let id = order(&w, false).await;
    let body = shipment(id, "CS1", &[("WIDGET-S", 2), ("WIDGET-M", 1)], 10);
    let mut message = aws_lambda_events::sqs::SqsMessage::default();
    message.message_id = Some("m1".into());
    message.body = Some(body.clone());
    message
        .attributes
        .insert("ApproximateReceiveCount".into(), "1".into());
    let mut batch = aws_lambda_events::sqs::SqsEvent::default();
    batch.records = vec![message];
    let response = w.tracker.process(batch.clone()).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    let key = FailureKey::new("fulfilment-events", id.to_string());
    let open = w.failures.get(&key).await.unwrap().expect("recorded");
    assert!(
        open.is_open() && open.error.contains("not accepted yet"),
        "{open:?}"
    );

    let read = w.orders.get(id).await.unwrap().unwrap();
    let mut record = read.value;
    record.accept("SO7", Utc::now()).unwrap();
    record.outbox.clear();
    w.orders.save(&record, read.version).await.unwrap();
    // SQS delivers it again, counting the receive.
    batch.records[0]
        .attributes
        .insert("ApproximateReceiveCount".into(), "2".into());
    assert!(
        w.tracker
            .process(batch)
            .await
            .batch_item_failures
            .is_empty()
    );
    assert!(!w.failures.get(&key).await.unwrap().unwrap().is_open());
}
