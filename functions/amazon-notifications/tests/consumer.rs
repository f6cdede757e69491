//! The consumer over in-memory ports and a recorded SP-API (the files in `local/sp-api`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use amazon_notifications::{Consumer, Handled, Ports, SellerApis};
use chrono::Utc;
use switchyard_amazon::orders::{GetOrderItemsResponse, GetOrderResponse};
use switchyard_amazon::{AmazonOrder, AmazonOrderItem, AmazonOrders, SpApiError};
use switchyard_channels::{
    AmazonSeller, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory,
};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::Intake;
use switchyard_model::ChannelName;
use switchyard_orders::InMemoryOrderStore;
use switchyard_orders::InMemoryQueue;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../local/sp-api");

/// SP-API answering from the recorded files, or failing like an outage.
struct Recorded {
    down: AtomicBool,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(format!("{DATA}/{path}")).ok()
}

#[async_trait::async_trait]
impl AmazonOrders for Recorded {
    async fn get_order(&self, id: &str) -> Result<AmazonOrder, SpApiError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(SpApiError::Unavailable("503".into()));
        }
        let text = read(&format!("orders/{id}.json")).ok_or(SpApiError::NotFound)?;
        Ok(serde_json::from_str::<GetOrderResponse>(&text)
            .unwrap()
            .payload)
    }
    async fn get_order_items(&self, id: &str) -> Result<Vec<AmazonOrderItem>, SpApiError> {
        let text = read(&format!("orders/{id}.items.json")).ok_or(SpApiError::NotFound)?;
        Ok(serde_json::from_str::<GetOrderItemsResponse>(&text)
            .unwrap()
            .payload
            .order_items)
    }
}

struct Sellers(Arc<Recorded>);

#[async_trait::async_trait]
impl SellerApis for Sellers {
    async fn for_channel(&self, _: &Channel) -> Result<Arc<dyn AmazonOrders>, String> {
        Ok(self.0.clone())
    }
}

struct World {
    consumer: Consumer,
    queue: Arc<InMemoryQueue>,
    api: Arc<Recorded>,
}

async fn world() -> World {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    channels
        .put(&Channel {
            default_customer: Some("DEMO-SHOP".into()),
            amazon: Some(AmazonSeller {
                seller_id: "A2SWITCHYARD01".into(),
                marketplace_id: "ATVPDKIKX0DER".into(),
                endpoint: "http://127.0.0.1:1".into(),
                token_url: "http://127.0.0.1:1/auth/o2/token".into(),
                client_id: "client".into(),
                client_secret: "/p/secret".into(),
                refresh_token: "/p/refresh".into(),
            }),
            ..Channel::new(
                ChannelName::try_from("amazon-us").unwrap(),
                ChannelKind::AmazonSpApi,
                Utc::now(),
            )
        })
        .await
        .unwrap();
    let queue = Arc::new(InMemoryQueue::new());
    let api = Arc::new(Recorded {
        down: AtomicBool::new(false),
    });
    let ports = Ports {
        channels,
        sellers: Arc::new(Sellers(api.clone())),
        intake: Intake::new(
            Arc::new(InMemoryOrderStore::new()),
            Arc::new(InMemoryIdempotencyStore::new()),
            queue.clone(),
        ),
    };
    World {
        consumer: Consumer::new(ports),
        queue,
        api,
    }
}

fn notification(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let text = read("notifications/order-change-111-0000001-0000001.json").unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut value);
    value.to_string()
}

#[tokio::test]
async fn an_order_change_becomes_one_order_with_unit_prices_from_line_totals() {
    let w = world().await;
    let body = notification(|_| {});
    let Handled::Captured(first) = w.consumer.handle(&body).await else {
        panic!("not captured");
    };
    assert_eq!(w.consumer.handle(&body).await, Handled::Captured(first));
    let queued = w.queue.submitted.lock().unwrap().clone();
    // A redelivery of a notification whose order is still RECEIVED re-queues the same order
    // (it may be the retry of a capture that crashed before queueing); the processor posts an
    // order id once.
    assert!(
        queued.iter().all(|e| e.payload.order.id == first),
        "one order"
    );
    let another = notification(|n| n["NotificationMetadata"]["NotificationId"] = "other".into());
    assert_eq!(w.consumer.handle(&another).await, Handled::Captured(first));
    assert_eq!(
        w.queue.submitted.lock().unwrap().len(),
        queued.len(),
        "another notification about a captured order queues nothing"
    );
    let order = &queued[0].payload.order;
    assert_eq!(order.external_id.as_str(), "111-0000001-0000001");
    let lines: Vec<(String, String, String)> = order
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.to_string(),
                l.quantity.value().to_string(),
                l.unit_price.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("WIDGET-S".into(), "2".into(), "9.99".into()),
            ("WIDGET-M".into(), "1".into(), "24.50".into())
        ]
    );
}

#[tokio::test]
async fn pending_orders_wait_and_cancellations_follow_the_captured_order() {
    let w = world().await;
    let pending = notification(|n| {
        n["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Pending".into()
    });
    assert!(matches!(
        w.consumer.handle(&pending).await,
        Handled::Skipped(_)
    ));
    assert!(w.queue.submitted.lock().unwrap().is_empty());

    let Handled::Captured(id) = w.consumer.handle(&notification(|_| {})).await else {
        panic!("not captured");
    };
    let cancelled = notification(|n| {
        n["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Canceled".into()
    });
    assert_eq!(
        w.consumer.handle(&cancelled).await,
        Handled::CancellationRequested(id)
    );
    assert_eq!(w.queue.cancellations.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn outages_retry_and_unknown_sellers_go_to_the_dead_letter_queue() {
    let w = world().await;
    w.api.down.store(true, Ordering::SeqCst);
    assert!(matches!(
        w.consumer.handle(&notification(|_| {})).await,
        Handled::Retry(_)
    ));
    w.api.down.store(false, Ordering::SeqCst);

    let stranger =
        notification(|n| n["Payload"]["OrderChangeNotification"]["SellerId"] = "A0UNKNOWN".into());
    let Handled::Poison(why) = w.consumer.handle(&stranger).await else {
        panic!("an unknown seller must not be dropped");
    };
    assert!(why.contains("A0UNKNOWN"), "{why}");
    assert!(matches!(
        w.consumer.handle("not json").await,
        Handled::Poison(_)
    ));
    let other_type = notification(|n| n["NotificationType"] = "FEED_PROCESSING_FINISHED".into());
    assert!(matches!(
        w.consumer.handle(&other_type).await,
        Handled::Skipped(_)
    ));
    assert!(w.queue.submitted.lock().unwrap().is_empty());
}
