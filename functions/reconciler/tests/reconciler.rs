//! The reconciler over the twins: stuck orders, accepted orders without a sale, inventory
//! drift.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use reconciler::{Ports, Reconciler, Settings};
use rust_decimal::Decimal;
use switchyard_erp::{InMemoryErp, SaleLine, SaleRequest, SalesOrders};
use switchyard_erp_feed::{CursorStore, Poller};
use switchyard_events::InMemoryPublisher;
use switchyard_failures::{Failure, FailureClass, FailureKey, FailureStore, InMemoryFailureStore};
use switchyard_model::OrderId;
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue, OrderRecord, OrderStore};
use switchyard_projections::InMemoryProjectionStore;

struct World {
    reconciler: Reconciler,
    orders: Arc<InMemoryOrderStore>,
    queue: Arc<InMemoryQueue>,
    failures: Arc<InMemoryFailureStore>,
    erp: Arc<InMemoryErp>,
    events: Arc<InMemoryPublisher>,
    projections: Arc<InMemoryProjectionStore>,
}

fn world() -> World {
    world_with(Settings::default())
}

fn world_with(settings: Settings) -> World {
    let orders = Arc::new(InMemoryOrderStore::new());
    let queue = Arc::new(InMemoryQueue::new());
    let failures = Arc::new(InMemoryFailureStore::new());
    let erp = Arc::new(InMemoryErp::new());
    let events = Arc::new(InMemoryPublisher::new());
    let projections = Arc::new(InMemoryProjectionStore::new());
    let ports = Ports {
        orders: orders.clone(),
        queue: queue.clone(),
        failures: failures.clone(),
        erp: erp.clone(),
        projections: projections.clone(),
        feed: Poller::new(
            erp.clone(),
            events.clone(),
            CursorStore::new(projections.clone()),
            "twin",
        ),
    };
    World {
        reconciler: Reconciler::new(ports, settings),
        orders,
        queue,
        failures,
        erp,
        events,
        projections,
    }
}

fn minutes_ago(n: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::minutes(n)
}

/// An order of `demo-shop` received `received` ago.
async fn received(w: &World, external_id: &str, received: DateTime<Utc>) -> OrderRecord {
    let order = switchyard_orders::contract::order("demo-shop", external_id);
    let record = OrderRecord::received(order, format!("key-{external_id}"), received);
    w.orders.create(&record).await.unwrap();
    record
}

/// The ERP sale an accepted `record` should have.
fn sale_for(record: &OrderRecord) -> SaleRequest {
    SaleRequest {
        reference: record.order.erp_reference(),
        order_id: record.order.id.to_string(),
        customer_account: "ACME-001".into(),
        currency: "USD".into(),
        ship_to: None,
        bill_to: None,
        lines: vec![SaleLine {
            sku: "WIDGET-S".into(),
            quantity: Decimal::ONE,
            unit_price: Decimal::new(925, 2),
            uom: "EA".into(),
        }],
        requested_ship_date: None,
        notes: None,
    }
}

fn processor_failure(id: OrderId, at: DateTime<Utc>, dead_lettered: bool) -> Failure {
    Failure {
        key: FailureKey::new("orders", id.to_string()),
        class: FailureClass::Transient,
        error: "ERP unavailable".into(),
        function: "order-processor".into(),
        queue: "orders".into(),
        correlation_id: Some(id.to_string()),
        channel: Some("demo-shop".into()),
        message_id: None,
        dead_lettered,
        at,
    }
}

#[tokio::test]
async fn an_order_stuck_received_with_nothing_in_flight_is_queued_again_and_the_others_are_left() {
    let w = world();
    let lost = received(&w, "PO-LOST", minutes_ago(40)).await;
    let retrying = received(&w, "PO-RETRYING", minutes_ago(40)).await;
    let dead = received(&w, "PO-DLQ", minutes_ago(40)).await;
    let fresh = received(&w, "PO-FRESH", minutes_ago(2)).await;
    w.failures
        .record(&processor_failure(retrying.order.id, minutes_ago(3), false))
        .await
        .unwrap();
    w.failures
        .record(&processor_failure(dead.order.id, minutes_ago(20), true))
        .await
        .unwrap();

    let report = w.reconciler.run(Utc::now()).await.unwrap();
    assert_eq!(report.requeued, [lost.order.id.to_string()]);
    assert_eq!(report.retrying, [retrying.order.id.to_string()]);
    assert_eq!(report.dead_lettered, [dead.order.id.to_string()]);
    let submitted = w.queue.submitted.lock().unwrap().clone();
    assert_eq!(submitted.len(), 1, "only the lost order is queued again");
    assert_eq!(
        submitted[0].payload.order, lost.order,
        "the order as received"
    );
    assert_eq!(submitted[0].correlation_id, lost.order.id.to_string());
    assert!(
        w.queue.receive_visible().iter().all(|d| d.resent),
        "queued again marked as resent, so the processor resolves a failure left open"
    );
    assert!(
        !report.requeued.contains(&fresh.order.id.to_string()),
        "a fresh order is the processor's"
    );
}

#[tokio::test]
async fn an_accepted_order_the_erp_has_no_sale_for_gets_a_failure_record_until_the_sale_is_back() {
    let w = world();
    let mut record = received(&w, "PO-GONE", minutes_ago(10)).await;
    record.accept("SO-404", minutes_ago(5)).unwrap();
    w.orders.save(&record, 1).await.unwrap();

    let report = w.reconciler.run(Utc::now()).await.unwrap();
    assert_eq!(report.accepted_checked, 1);
    assert_eq!(report.missing_sales, [record.order.id.to_string()]);
    let key = FailureKey::new("reconciliation", record.order.id.to_string());
    let open = w.failures.get(&key).await.unwrap().expect("recorded");
    assert!(open.is_open());
    assert!(open.error.contains("SO-404"), "{}", open.error);
    assert_eq!(open.channel.as_deref(), Some("demo-shop"));

    w.erp.create_sale(&sale_for(&record)).await.unwrap();
    let report = w.reconciler.run(Utc::now()).await.unwrap();
    assert!(report.missing_sales.is_empty(), "{report:?}");
    assert!(!w.failures.get(&key).await.unwrap().unwrap().is_open());
}

#[tokio::test]
async fn inventory_that_drifted_from_the_erp_is_reported_and_republished_until_it_matches() {
    // The twin's levels all changed just now: judge them at once.
    let w = world_with(Settings {
        drift_grace: std::time::Duration::ZERO,
        ..Settings::default()
    });
    // Nothing projected yet: every SKU drifted.
    let report = w.reconciler.run(Utc::now()).await.unwrap();
    assert_eq!(report.skus_checked, 3);
    assert_eq!(report.drift.len(), 3, "{report:?}");
    assert!(report.drift.iter().all(|d| d.projected.is_none()));
    assert_eq!(report.republished, 3);

    // Project what was republished, as the catalog projector does, then move one level in the
    // ERP behind the feed's back: only that SKU drifts.
    let published = w.events.published.lock().unwrap().clone();
    for (_, envelope) in &published {
        if envelope.kind == "InventoryChanged" {
            let level = serde_json::from_value(envelope.payload.clone()).unwrap();
            switchyard_inventory::stock::project_stock(w.projections.as_ref(), &level)
                .await
                .unwrap();
        }
    }
    w.erp.move_stock("WIDGET-M", "WH", Decimal::from(-7));
    let report = w.reconciler.run(Utc::now()).await.unwrap();
    let drifted: Vec<&str> = report.drift.iter().map(|d| d.sku.as_str()).collect();
    assert_eq!(drifted, ["WIDGET-M"]);
    assert!(report.drift[0].projected.is_some());
    assert_eq!(report.republished, 1);
}

#[tokio::test]
async fn orders_that_were_posted_are_neither_queued_again_nor_flagged() {
    let w = world();
    let mut record = received(&w, "PO-OK", minutes_ago(60)).await;
    let sale = w.erp.create_sale(&sale_for(&record)).await.unwrap();
    record
        .accept(sale.number.as_deref().unwrap_or("SO"), minutes_ago(1))
        .unwrap();
    w.orders.save(&record, 1).await.unwrap();
    let report = w.reconciler.run(Utc::now()).await.unwrap();
    assert!(report.requeued.is_empty() && report.missing_sales.is_empty());
    assert!(w.queue.submitted.lock().unwrap().is_empty());
    assert!(
        w.failures
            .list(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_level_that_changed_within_the_grace_is_not_called_drift_yet() {
    let w = world();
    let report = w.reconciler.run(Utc::now()).await.unwrap();
    assert_eq!(report.skus_checked, 0, "the twin's levels changed just now");
    assert!(report.drift.is_empty());
    assert!(w.events.published.lock().unwrap().is_empty());
}
