//! The processor's behaviour with in-memory ports.

use std::sync::Arc;

use std::time::{Duration, SystemTime};
use switchyard_failures::{FailureClass, FailureKey, FailureStore, InMemoryFailureStore};

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use chrono::Utc;
use order_processor::batch::MessageOutcome;
use order_processor::{BatchProcessor, Ports, RetryPolicy};
use switchyard_erp::{ErpError, ErpSale, InMemoryErp, SaleRequest, SalesOrders};
use switchyard_events::InMemoryPublisher;
use switchyard_model::contract::v1::CancellationState;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::{ChannelName, Order, OrderId, OrderStatus};
use switchyard_orders::InMemoryQueue;
use switchyard_orders::{InMemoryOrderStore, OrderRecord, OrderStore};

struct World {
    processor: BatchProcessor,
    erp: Arc<InMemoryErp>,
    orders: Arc<InMemoryOrderStore>,
    events: Arc<InMemoryPublisher>,
    queue: Arc<InMemoryQueue>,
    failures: Arc<InMemoryFailureStore>,
}

const POLICY: RetryPolicy = RetryPolicy {
    base: Duration::from_secs(2),
    max: Duration::from_secs(60),
    max_receive_count: 4,
};

fn world() -> World {
    let erp = Arc::new(InMemoryErp::new());
    world_over(erp.clone(), erp)
}

/// A world whose processor talks to `port`, which fronts the in-memory `erp`.
fn world_over(port: Arc<dyn switchyard_erp::Erp>, erp: Arc<InMemoryErp>) -> World {
    let orders = Arc::new(InMemoryOrderStore::new());
    let events = Arc::new(InMemoryPublisher::new());
    let queue = Arc::new(InMemoryQueue::new());
    let failures = Arc::new(InMemoryFailureStore::new());
    let ports = Ports {
        orders: orders.clone(),
        erp: port,
        events: events.clone(),
        retries: queue.clone(),
        failures: failures.clone(),
    };
    World {
        processor: BatchProcessor::new(ports, POLICY),
        erp,
        orders,
        events,
        queue,
        failures,
    }
}

fn order(external_id: &str, sku: &str) -> Order {
    let body = serde_json::json!({"external_id": external_id, "currency": "USD",
        "customer": {"account": "ACME-001", "name": "Acme"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": sku, "quantity": 3, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("demo-shop").unwrap(),
        default_customer: None,
    };
    parse_order(&body, &ctx).unwrap()
}

async fn submitted(w: &World, order: &Order) -> String {
    w.orders
        .create(&OrderRecord::received(order.clone(), "k", Utc::now()))
        .await
        .unwrap();
    let envelope = Envelope::new(
        "demo-shop",
        order.id.to_string(),
        OrderSubmitted {
            order: order.clone(),
        },
    );
    serde_json::to_string(&envelope).unwrap()
}

/// Message `id` as a batch holds it: delivered by the queue twin, which gives its receipt handle.
fn message(w: &World, id: &str, body: &str, receive_count: u32) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.into());
    m.receipt_handle = Some(w.queue.deliver(body).receipt_handle);
    m.body = Some(body.into());
    m.attributes
        .insert("ApproximateReceiveCount".into(), receive_count.to_string());
    m
}

fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut e = SqsEvent::default();
    e.records = messages;
    e
}

fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(30)
}

async fn status(w: &World, order: &Order) -> OrderRecord {
    w.orders.get(order.id).await.unwrap().unwrap().value
}

fn failed_ids(r: &aws_lambda_events::sqs::SqsBatchResponse) -> Vec<String> {
    r.batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test]
async fn an_order_becomes_a_confirmed_sale_and_an_accepted_event() {
    let w = world();
    let o = order("PO-1", "WIDGET-S");
    let body = submitted(&w, &o).await;
    let r = w
        .processor
        .process(batch(vec![message(&w, "m1", &body, 1)]), deadline())
        .await;
    assert!(r.batch_item_failures.is_empty());
    let record = status(&w, &o).await;
    assert_eq!(record.status, OrderStatus::Accepted);
    let sales = w.erp.sales_with_reference("demo-shop:PO-1");
    assert_eq!(sales.len(), 1);
    assert!(sales[0].state.is_confirmed());
    assert_eq!(record.erp_reference, sales[0].number);
    assert!(
        record.outbox.is_empty(),
        "published events leave the outbox"
    );
    let published = w.events.published.lock().unwrap().clone();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].0, "switchyard.orders");
    assert_eq!(published[0].1.kind, "OrderAccepted");

    // Redelivery of the same message changes nothing.
    let again = w
        .processor
        .process(batch(vec![message(&w, "m1b", &body, 2)]), deadline())
        .await;
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(w.erp.sales_with_reference("demo-shop:PO-1").len(), 1);
    assert_eq!(w.events.published.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unknown_sku_is_rejected_once_and_never_retried() {
    let w = world();
    let o = order("PO-2", "NO-SUCH-SKU");
    let body = submitted(&w, &o).await;
    let r = w
        .processor
        .process(batch(vec![message(&w, "m2", &body, 1)]), deadline())
        .await;
    assert!(
        r.batch_item_failures.is_empty(),
        "a business rejection is not a failure"
    );
    let record = status(&w, &o).await;
    assert_eq!(record.status, OrderStatus::Rejected);
    let rejection = record.rejection.unwrap();
    assert_eq!(rejection.code, "unknown_sku");
    assert!(
        rejection.message.contains("NO-SUCH-SKU"),
        "{}",
        rejection.message
    );
    assert!(w.erp.sales_with_reference("demo-shop:PO-2").is_empty());
    assert_eq!(
        w.events.published.lock().unwrap()[0].1.kind,
        "OrderRejected"
    );
}

#[tokio::test]
async fn an_erp_outage_retries_with_growing_backoff_and_notes_the_failure() {
    let w = world();
    let o = order("PO-3", "WIDGET-M");
    let body = submitted(&w, &o).await;
    w.erp.set_unavailable(true);
    for receive_count in 1..=3 {
        let r = w
            .processor
            .process(
                batch(vec![message(&w, "m3", &body, receive_count)]),
                deadline(),
            )
            .await;
        assert_eq!(failed_ids(&r), ["m3"]);
    }
    let delays: Vec<u64> = w
        .queue
        .retries
        .lock()
        .unwrap()
        .iter()
        .map(|(_, d)| d.as_secs())
        .collect();
    assert_eq!(delays, [2, 4, 8]);
    let record = status(&w, &o).await;
    assert_eq!(record.status, OrderStatus::Received);
    assert!(record.last_error.unwrap().contains("delivery 3 of 4"));

    w.erp.set_unavailable(false);
    let r = w
        .processor
        .process(batch(vec![message(&w, "m3", &body, 4)]), deadline())
        .await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(status(&w, &o).await.status, OrderStatus::Accepted);
    assert_eq!(w.erp.sales_with_reference("demo-shop:PO-3").len(), 1);
}

#[tokio::test]
async fn a_lost_create_response_does_not_make_a_second_sale() {
    let w = world();
    let o = order("PO-4", "WIDGET-L");
    let body = submitted(&w, &o).await;
    w.erp.lose_create_responses(1);
    let first = w
        .processor
        .process(batch(vec![message(&w, "m4", &body, 1)]), deadline())
        .await;
    assert_eq!(failed_ids(&first), ["m4"]);
    let second = w
        .processor
        .process(batch(vec![message(&w, "m4", &body, 2)]), deadline())
        .await;
    assert!(second.batch_item_failures.is_empty());
    assert_eq!(w.erp.sales_with_reference("demo-shop:PO-4").len(), 1);
    assert_eq!(w.erp.create_calls(), 1);
    assert_eq!(status(&w, &o).await.status, OrderStatus::Accepted);
}

#[tokio::test]
async fn one_bad_body_fails_only_its_own_item() {
    let w = world();
    let good = order("PO-5", "WIDGET-S");
    let good_body = submitted(&w, &good).await;
    let (bad_json, wrong_type) = (
        message(&w, "bad-json", "{not json", 1),
        message(
            &w,
            "wrong-type",
            r#"{"id":"01J00000000000000000000000","type":"Other","version":1,"occurred_at":"2026-01-01T00:00:00Z","correlation_id":"x","channel":"c","payload":{}}"#,
            1,
        ),
    );
    let r = w
        .processor
        .process(
            batch(vec![
                bad_json.clone(),
                message(&w, "good", &good_body, 1),
                wrong_type.clone(),
            ]),
            deadline(),
        )
        .await;
    assert_eq!(failed_ids(&r), ["bad-json", "wrong-type"]);
    assert_eq!(status(&w, &good).await.status, OrderStatus::Accepted);
    let delays: Vec<(String, u64)> = w
        .queue
        .retries
        .lock()
        .unwrap()
        .iter()
        .map(|(h, d)| (h.clone(), d.as_secs()))
        .collect();
    assert_eq!(
        delays,
        [
            (bad_json.receipt_handle.unwrap(), 1),
            (wrong_type.receipt_handle.unwrap(), 1)
        ],
        "poison is redelivered at once, on its way to the DLQ"
    );
}

/// The in-memory ERP, except that `create_sale` waits at a gate until the test opens it.
struct GatedErp {
    inner: Arc<InMemoryErp>,
    entered: tokio::sync::Notify,
    open: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl SalesOrders for GatedErp {
    async fn find_sale(&self, reference: &str) -> Result<Option<ErpSale>, ErpError> {
        self.inner.find_sale(reference).await
    }
    async fn create_sale(&self, request: &SaleRequest) -> Result<ErpSale, ErpError> {
        self.entered.notify_one();
        self.open.notified().await;
        self.inner.create_sale(request).await
    }
    async fn confirm_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        self.inner.confirm_sale(sale_id).await
    }
    async fn cancel_sale(&self, sale_id: i64) -> Result<ErpSale, ErpError> {
        self.inner.cancel_sale(sale_id).await
    }
}

#[async_trait::async_trait]
impl switchyard_erp::SaleReturns for GatedErp {
    async fn find_return(
        &self,
        reference: &str,
    ) -> Result<Option<switchyard_erp::ErpReturn>, ErpError> {
        self.inner.find_return(reference).await
    }
    async fn create_return(
        &self,
        request: &switchyard_erp::ReturnRequest,
    ) -> Result<switchyard_erp::ErpReturn, ErpError> {
        self.inner.create_return(request).await
    }
    async fn confirm_return(&self, id: i64) -> Result<switchyard_erp::ErpReturn, ErpError> {
        self.inner.confirm_return(id).await
    }
}

#[tokio::test]
async fn a_second_delivery_waits_while_the_first_holds_the_order() {
    let erp = Arc::new(InMemoryErp::new());
    let gate = Arc::new(GatedErp {
        inner: erp.clone(),
        entered: tokio::sync::Notify::new(),
        open: tokio::sync::Notify::new(),
    });
    let w = world_over(gate.clone(), erp);
    let o = order("PO-6", "WIDGET-S");
    let body = submitted(&w, &o).await;

    let (processor, first_delivery) = (w.processor.clone(), message(&w, "m6", &body, 1));
    let first =
        tokio::spawn(async move { processor.process_message(&first_delivery, deadline()).await });
    gate.entered.notified().await;

    // A duplicate delivery while the first is inside the ERP call must not touch the ERP.
    let second = tokio::time::timeout(
        Duration::from_secs(5),
        w.processor
            .process_message(&message(&w, "m6-dup", &body, 1), deadline()),
    )
    .await
    .expect("the duplicate answers at once instead of queueing behind the ERP call");
    match second {
        MessageOutcome::Retry { delay, .. } => assert!(
            delay >= Duration::from_secs(25),
            "waits for the lease: {delay:?}"
        ),
        other => panic!("the duplicate must wait, got {other:?}"),
    }
    assert_eq!(w.erp.create_calls(), 0);

    gate.open.notify_one();
    assert!(matches!(
        first.await.unwrap(),
        MessageOutcome::Done(Some(_))
    ));
    assert_eq!(w.erp.sales_with_reference("demo-shop:PO-6").len(), 1);
}

fn cancellation(order: &Order) -> String {
    serde_json::to_string(&Envelope::new(
        "demo-shop",
        order.id.to_string(),
        OrderCancellationRequested {
            order_id: order.id,
            reason: Some("customer".into()),
            requested_at: Utc::now(),
        },
    ))
    .unwrap()
}

fn published_kinds(w: &World) -> Vec<String> {
    w.events
        .published
        .lock()
        .unwrap()
        .iter()
        .map(|(_, e)| e.kind.clone())
        .collect()
}

#[tokio::test]
async fn an_order_cancelled_before_posting_never_reaches_the_erp() {
    let w = world();
    let o = order("PO-C1", "WIDGET-S");
    let submit = submitted(&w, &o).await;
    let cancel = cancellation(&o);

    let r = w
        .processor
        .process(batch(vec![message(&w, "c1", &cancel, 1)]), deadline())
        .await;
    assert!(failed_ids(&r).is_empty());
    let record = status(&w, &o).await;
    assert_eq!(record.status, OrderStatus::Cancelled);
    assert_eq!(
        record.cancellation.unwrap().reason.as_deref(),
        Some("customer")
    );

    let r = w
        .processor
        .process(batch(vec![message(&w, "s1", &submit, 1)]), deadline())
        .await;
    assert!(
        failed_ids(&r).is_empty(),
        "the late submission is done, not retried"
    );
    assert_eq!(w.erp.create_calls(), 0, "no sale for a cancelled order");
    assert_eq!(published_kinds(&w), ["OrderCancelled"]);
}

#[tokio::test]
async fn a_sale_being_fulfilled_is_left_to_an_operator_and_said_so_once() {
    let w = world();
    let o = order("PO-C2", "WIDGET-S");
    let submit = submitted(&w, &o).await;
    w.processor
        .process(batch(vec![message(&w, "s2", &submit, 1)]), deadline())
        .await;
    let cancel = cancellation(&o);
    for id in ["c2", "c2-again"] {
        let r = w
            .processor
            .process(batch(vec![message(&w, id, &cancel, 1)]), deadline())
            .await;
        assert!(failed_ids(&r).is_empty());
    }
    let record = status(&w, &o).await;
    assert_eq!(
        record.status,
        OrderStatus::Accepted,
        "the sale is still live"
    );
    let c = record.cancellation.unwrap();
    assert_eq!(c.state, CancellationState::NeedsAttention);
    assert!(c.detail.unwrap().contains("processing"));
    assert_eq!(
        published_kinds(&w),
        ["OrderAccepted", "OrderCancellationFailed"],
        "one alert, not one per redelivery"
    );
}

#[tokio::test]
async fn an_unconfirmed_sale_is_cancelled_in_the_erp() {
    let w = world();
    let o = order("PO-C3", "WIDGET-S");
    submitted(&w, &o).await;
    // As if a crash left the sale created but not confirmed.
    let sale = w
        .erp
        .create_sale(&order_processor::posting::sale_request(&o))
        .await
        .unwrap();
    w.processor
        .process(
            batch(vec![message(&w, "c3", &cancellation(&o), 1)]),
            deadline(),
        )
        .await;
    assert_eq!(status(&w, &o).await.status, OrderStatus::Cancelled);
    assert_eq!(
        w.erp.sales_with_reference(&o.erp_reference())[0].state,
        switchyard_erp::SaleState::Cancelled
    );
    assert_eq!(sale.id, w.erp.sales()[0].id);
}

/// An order accepted by the twin ERP and shipped in full (3 × `sku`), its record following.
async fn shipped(w: &World, external_id: &str, sku: &str) -> Order {
    use switchyard_model::fulfilment_events::{Shipment, ShipmentDispatched, ShippedLine};
    let o = order(external_id, sku);
    let body = submitted(w, &o).await;
    w.processor
        .process(batch(vec![message(w, "accept", &body, 1)]), deadline())
        .await;
    let read = w.orders.get(o.id).await.unwrap().unwrap();
    let mut record = read.value;
    let sale = record.erp_reference.clone().unwrap();
    let shipment = w.erp.ship(&sale, None, "UPS", "1Z1").unwrap();
    let fact = ShipmentDispatched {
        order_id: o.id,
        erp_reference: sale,
        shipment: Shipment {
            shipment_id: shipment,
            lines: vec![ShippedLine {
                sku: sku.try_into().unwrap(),
                quantity: 3.into(),
            }],
            carrier: Some("UPS".into()),
            service: None,
            tracking_numbers: vec!["1Z1".into()],
            shipped_at: Utc::now(),
        },
        erp_version: 1,
        observed_at: Utc::now(),
    };
    record.record_shipment(&fact, "api", Utc::now()).unwrap();
    record.outbox.clear();
    w.orders.save(&record, read.version).await.unwrap();
    o
}

fn return_message(w: &World, order: &Order, return_id: &str, id: &str) -> SqsMessage {
    let envelope = Envelope::new(
        "demo-shop",
        order.id.to_string(),
        switchyard_model::returns::ReturnRequested {
            return_id: return_id.into(),
            order_id: order.id,
        },
    );
    message(w, id, &serde_json::to_string(&envelope).unwrap(), 1)
}

async fn request_return(w: &World, o: &Order, sku: &str, quantity: i64) -> String {
    let read = w.orders.get(o.id).await.unwrap().unwrap();
    let mut record = read.value;
    let line = switchyard_model::returns::ReturnLine {
        sku: sku.try_into().unwrap(),
        quantity: quantity.into(),
        reason: "damaged".into(),
    };
    let id = record
        .request_return(vec![line], &format!("rk-{}", ulid::Ulid::new()), Utc::now())
        .unwrap()
        .id;
    w.orders.save(&record, read.version).await.unwrap();
    id
}

#[tokio::test]
async fn a_return_is_posted_once_as_a_confirmed_return_sale_and_authorized() {
    use switchyard_model::returns::ReturnStatus;
    let w = world();
    let o = shipped(&w, "PO-R1", "WIDGET-S").await;
    let return_id = request_return(&w, &o, "WIDGET-S", 2).await;
    for n in 0..2 {
        let r = w
            .processor
            .process(
                batch(vec![return_message(&w, &o, &return_id, &format!("r{n}"))]),
                deadline(),
            )
            .await;
        assert!(r.batch_item_failures.is_empty(), "{r:?}");
    }
    let record = status(&w, &o).await;
    let the_return = record.return_of(&return_id).unwrap();
    assert_eq!(the_return.status, ReturnStatus::Authorized);
    let returns = w.erp.returns_with_reference(&format!("return:{return_id}"));
    assert_eq!(returns.len(), 1, "one return sale, however often delivered");
    assert_eq!(the_return.erp_reference, returns[0].number);
    let announced: Vec<_> = w
        .events
        .published
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, e)| e.kind == "ReturnStatusChanged")
        .map(|(_, e)| e.payload["return"]["status"].clone())
        .collect();
    assert_eq!(announced, [serde_json::json!("AUTHORIZED")]);
}

#[tokio::test]
async fn a_return_the_erp_refuses_is_rejected_with_its_reason() {
    use switchyard_model::returns::ReturnStatus;
    let w = world();
    let o = shipped(&w, "PO-R2", "WIDGET-S").await;
    let return_id = request_return(&w, &o, "WIDGET-S", 1).await;
    // The warehouse's view and the order's disagree: the record says 3 shipped, but the
    // line names a SKU the sale never had.
    let read = w.orders.get(o.id).await.unwrap().unwrap();
    let mut record = read.value;
    record.returns[0].lines[0].sku = "WIDGET-M".try_into().unwrap();
    w.orders.save(&record, read.version).await.unwrap();
    let r = w
        .processor
        .process(
            batch(vec![return_message(&w, &o, &return_id, "r")]),
            deadline(),
        )
        .await;
    assert!(r.batch_item_failures.is_empty(), "{r:?}");
    let record = status(&w, &o).await;
    let the_return = record.return_of(&return_id).unwrap();
    assert_eq!(the_return.status, ReturnStatus::Rejected);
    assert!(the_return.rejection.is_some());
}

#[tokio::test]
async fn a_failed_order_is_recorded_by_its_id_and_resolved_once_it_posts() {
    let erp = Arc::new(InMemoryErp::new());
    let w = world_over(erp.clone(), erp.clone());
    let o = order("PO-F1", "WIDGET-S");
    let body = submitted(&w, &o).await;
    let key = FailureKey::new("orders", o.id.to_string());

    erp.set_unavailable(true);
    for (n, count) in [(1, 1), (2, POLICY.max_receive_count)] {
        w.processor
            .process(
                batch(vec![message(&w, &format!("m{n}"), &body, count)]),
                deadline(),
            )
            .await;
    }
    let open = w
        .failures
        .get(&key)
        .await
        .unwrap()
        .expect("recorded under the order id");
    assert_eq!(
        open.attempts, 2,
        "one record, two attempts, whatever the message ids"
    );
    assert_eq!(open.class, FailureClass::Transient);
    assert_eq!(open.channel.as_deref(), Some("demo-shop"));
    assert!(
        open.dead_lettered_at.is_some(),
        "the last attempt goes to the DLQ"
    );
    assert!(open.is_open());

    erp.set_unavailable(false);
    let r = w
        .processor
        .process(batch(vec![message(&w, "redriven", &body, 1)]), deadline())
        .await;
    assert!(r.batch_item_failures.is_empty());
    let resolved = w.failures.get(&key).await.unwrap().unwrap();
    let how = resolved.resolution.expect("resolved by the success").how;
    assert!(how.contains("Accepted"), "{how}");

    let poison = message(&w, "poison", "{not an envelope", 1);
    w.processor.process(batch(vec![poison]), deadline()).await;
    let listed = w
        .failures
        .list(&switchyard_failures::FailureFilter {
            open: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].class, FailureClass::Poison);
    assert!(listed[0].key.subject.starts_with("body:"));
}

#[tokio::test]
async fn a_redriven_order_resolves_its_failure_even_when_its_record_names_no_error() {
    // A failure can be open while the order record names none: an outage that outlasted the
    // note on the record, or an order dead-lettered before it was read. The redrive's mark is
    // what tells the processor to look.
    let erp = Arc::new(InMemoryErp::new());
    let w = world_over(erp.clone(), erp);
    let o = order("PO-R1", "WIDGET-S");
    let body = submitted(&w, &o).await;
    let key = FailureKey::new("orders", o.id.to_string());
    w.failures
        .record(&switchyard_failures::Failure {
            key: key.clone(),
            class: FailureClass::Transient,
            error: "ERP unavailable".into(),
            function: "order-processor".into(),
            queue: "orders".into(),
            correlation_id: Some(o.id.to_string()),
            channel: Some("demo-shop".into()),
            message_id: None,
            dead_lettered: true,
            at: Utc::now(),
        })
        .await
        .unwrap();
    assert_eq!(status(&w, &o).await.last_error, None);

    let mut redriven = message(&w, "redriven", &body, 1);
    let mut mark = aws_lambda_events::sqs::SqsMessageAttribute::default();
    mark.string_value = Some("redrive".into());
    mark.data_type = Some("String".into());
    redriven
        .message_attributes
        .insert(switchyard_model::envelope::RESENT_ATTRIBUTE.into(), mark);
    let r = w.processor.process(batch(vec![redriven]), deadline()).await;
    assert!(r.batch_item_failures.is_empty(), "{r:?}");
    let resolved = w.failures.get(&key).await.unwrap().unwrap();
    assert!(!resolved.is_open(), "the redrive's success resolves it");
}
