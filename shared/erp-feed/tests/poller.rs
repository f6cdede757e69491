//! The feed over the twins: the ERP twin (held to the same read-side contract as Tryton), the
//! in-memory bus and projection store. What a crash between publishing and advancing does is the
//! point: the next run publishes again, and nothing is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use rust_decimal::Decimal;
use switchyard_erp::InMemoryErp;
use switchyard_erp_feed::{CursorStore, PollError, Poller};
use switchyard_events::{EventPublisher, InMemoryPublisher};
use switchyard_model::envelope::Envelope;
use switchyard_platform::ServiceError;
use switchyard_projections::{
    Applied, InMemoryProjectionStore, Key, ProjectionStore, Stored, Version,
};

/// The bus, able to fail like EventBridge down.
#[derive(Default)]
struct Bus {
    events: InMemoryPublisher,
    down: AtomicBool,
}

#[async_trait::async_trait]
impl EventPublisher for Bus {
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ServiceError::new("eventbridge", "PutEvents: 503"));
        }
        self.events.publish(source, envelope).await
    }
}

impl Bus {
    /// (type, key) of everything published since the last call.
    fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.events.published.lock().unwrap())
            .into_iter()
            .map(|(_, e)| (e.kind, e.correlation_id))
            .collect()
    }

    /// The SKUs of the `InventoryChanged` published since the last call, sorted.
    fn inventory(&self) -> Vec<String> {
        let mut skus: Vec<String> = self
            .take()
            .into_iter()
            .filter(|(kind, _)| kind == "InventoryChanged")
            .map(|(_, key)| key)
            .collect();
        skus.sort();
        skus
    }
}

/// The cursor store, able to fail the advance (the crash after publishing).
#[derive(Default)]
struct Cursors {
    store: InMemoryProjectionStore,
    down: AtomicBool,
}

#[async_trait::async_trait]
impl ProjectionStore for Cursors {
    async fn put_if_newer(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<Applied, ServiceError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ServiceError::new("dynamodb", "PutItem: 500"));
        }
        self.store.put_if_newer(key, version, doc).await
    }
    async fn put(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        self.store.put(key, version, doc).await
    }
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Stored>>, ServiceError> {
        self.store.get_many(keys).await
    }
}

struct World {
    erp: Arc<InMemoryErp>,
    bus: Arc<Bus>,
    cursors: Arc<Cursors>,
    poller: Poller,
}

fn world() -> World {
    let erp = Arc::new(InMemoryErp::new());
    let bus = Arc::new(Bus::default());
    let cursors = Arc::new(Cursors::default());
    let poller = Poller::new(
        erp.clone(),
        bus.clone(),
        CursorStore::new(cursors.clone()),
        "twin",
    );
    World {
        erp,
        bus,
        cursors,
        poller,
    }
}

fn soon() -> SystemTime {
    SystemTime::now() + Duration::from_secs(60)
}

#[tokio::test]
async fn the_first_run_publishes_everything_and_the_next_only_what_changed() {
    let w = world();
    let report = w.poller.poll(soon()).await.unwrap();
    assert!(report.advanced);
    assert_eq!(w.bus.inventory(), ["WIDGET-L", "WIDGET-M", "WIDGET-S"]);

    let quiet = w.poller.poll(soon()).await.unwrap();
    assert_eq!(quiet.inventory_events + quiet.price_events, 0, "{quiet:?}");

    w.erp.move_stock("WIDGET-M", "EAST", Decimal::from(-4));
    w.poller.poll(soon()).await.unwrap();
    assert_eq!(w.bus.inventory(), ["WIDGET-M"]);
}

#[tokio::test]
async fn one_event_per_sku_carries_every_warehouse_and_the_totals() {
    let w = world();
    w.poller.poll(soon()).await.unwrap();
    let published = w.bus.events.published.lock().unwrap().clone();
    let (source, medium) = published
        .iter()
        .find(|(_, e)| e.kind == "InventoryChanged" && e.correlation_id == "WIDGET-M")
        .map(|(source, e)| (source.clone(), e.payload.clone()))
        .unwrap();
    assert_eq!(source, "switchyard.inventory");
    assert_eq!(medium["on_hand"], "620");
    assert_eq!(medium["warehouses"].as_array().unwrap().len(), 2);
    // The contract customer's price list and its prices went out too.
    assert!(
        published
            .iter()
            .any(|(_, e)| e.kind == "CustomerPriceListChanged"
                && e.payload["customer_account"] == "ACME-001")
    );
    assert!(
        published
            .iter()
            .any(|(_, e)| e.kind == "PriceChanged" && e.payload["price_list"] != "list_price")
    );
}

#[tokio::test]
async fn a_bus_outage_leaves_the_cursor_so_the_next_run_publishes_again() {
    let w = world();
    w.poller.poll(soon()).await.unwrap();
    w.bus.take();
    w.erp.move_stock("WIDGET-S", "WH", Decimal::from(3));
    w.bus.down.store(true, Ordering::SeqCst);
    assert!(matches!(
        w.poller.poll(soon()).await,
        Err(PollError::Service(_))
    ));
    w.bus.down.store(false, Ordering::SeqCst);
    w.poller.poll(soon()).await.unwrap();
    assert_eq!(w.bus.inventory(), ["WIDGET-S"]);
}

#[tokio::test]
async fn a_crash_after_publishing_republishes_and_the_repeat_is_harmless() {
    let w = world();
    w.poller.poll(soon()).await.unwrap();
    w.bus.take();
    w.erp.move_stock("WIDGET-L", "EAST", Decimal::from(1));
    // Published, then the cursor could not be advanced: the run fails.
    w.cursors.down.store(true, Ordering::SeqCst);
    assert!(w.poller.poll(soon()).await.is_err());
    assert_eq!(w.bus.inventory(), ["WIDGET-L"]);
    // The next run publishes the same level again (a later observed_at), then advances.
    w.cursors.down.store(false, Ordering::SeqCst);
    let report = w.poller.poll(soon()).await.unwrap();
    assert!(report.advanced);
    assert_eq!(w.bus.inventory(), ["WIDGET-L"]);
    assert_eq!(w.poller.poll(soon()).await.unwrap().inventory_events, 0);
}

#[tokio::test]
async fn a_small_batch_limit_pages_through_every_change_in_one_run() {
    let w = world();
    let poller = w.poller.clone().with_batch_limit(1);
    poller.poll(soon()).await.unwrap();
    w.bus.take();
    for sku in ["WIDGET-S", "WIDGET-M", "WIDGET-L"] {
        w.erp.move_stock(sku, "WH", Decimal::from(2));
    }
    let report = poller.poll(soon()).await.unwrap();
    assert!(report.batches >= 3, "{report:?}");
    assert_eq!(w.bus.inventory(), ["WIDGET-L", "WIDGET-M", "WIDGET-S"]);
}

#[tokio::test]
async fn a_resync_republishes_without_moving_the_cursor() {
    let w = world();
    w.poller.poll(soon()).await.unwrap();
    w.bus.take();
    let report = w
        .poller
        .resync(Some(vec!["WIDGET-S".into()]))
        .await
        .unwrap();
    assert!(!report.advanced);
    assert_eq!(w.bus.inventory(), ["WIDGET-S"]);
    let everything = w.poller.resync(None).await.unwrap();
    assert_eq!(everything.inventory_events, 3);
    assert_eq!(w.poller.poll(soon()).await.unwrap().inventory_events, 0);
}

/// A confirmed twin sale of 2 × WIDGET-S for a Switchyard order; returns (order id, sale number).
async fn confirmed_sale(erp: &InMemoryErp) -> (String, String) {
    use switchyard_erp::{SaleLine, SaleRequest, SalesOrders};
    let order_id = ulid::Ulid::new().to_string();
    let sale = erp
        .create_sale(&SaleRequest {
            reference: format!("shop:PO-{order_id}"),
            order_id: order_id.clone(),
            customer_account: "DEMO-SHOP".into(),
            currency: "USD".into(),
            ship_to: None,
            bill_to: None,
            lines: vec![SaleLine {
                sku: "WIDGET-S".into(),
                quantity: Decimal::from(2),
                unit_price: Decimal::new(925, 2),
                uom: "EA".into(),
            }],
            requested_ship_date: None,
            notes: None,
        })
        .await
        .unwrap();
    let sale = erp.confirm_sale(sale.id).await.unwrap();
    (order_id, sale.number.unwrap())
}

#[tokio::test]
async fn a_shipment_and_an_invoice_are_published_once_for_their_order() {
    let w = world();
    w.poller.poll(soon()).await.unwrap();
    w.bus.take();
    let (order_id, sale) = confirmed_sale(&w.erp).await;
    w.poller.poll(soon()).await.unwrap();
    w.bus.take();

    w.erp.ship(&sale, None, "UPS", "1Z999").unwrap();
    w.erp.post_invoices(&sale).unwrap();
    let report = w.poller.poll(soon()).await.unwrap();
    assert_eq!(report.fulfilment_events, 2, "{report:?}");
    let published = w.bus.events.published.lock().unwrap().clone();
    let facts: Vec<_> = published
        .iter()
        .filter(|(source, _)| source == "switchyard.fulfilment")
        .collect();
    let kinds: Vec<_> = facts.iter().map(|(_, e)| e.kind.as_str()).collect();
    assert_eq!(kinds, ["ShipmentDispatched", "InvoicePosted"]);
    assert!(facts.iter().all(|(_, e)| e.correlation_id == order_id));
    let shipment = &facts[0].1.payload["shipment"];
    assert_eq!(shipment["tracking_numbers"][0], "1Z999");
    assert_eq!(shipment["lines"][0]["sku"], "WIDGET-S");
    w.bus.take();
    let again = w.poller.poll(soon()).await.unwrap();
    assert_eq!(again.fulfilment_events, 0, "nothing changed since");
}
