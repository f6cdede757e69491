//! The consumer over in-memory ports and the SP-API twin loaded with the recorded orders
//! (`local/sp-api`).

use std::sync::Arc;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use switchyard_failures::{
    FailureClass, FailureKey, FailureRecorder, FailureStore, InMemoryFailureStore,
};

use amazon_notifications::{Consumer, Handled, Ports, SellerApis, SellerError, SpApiSellers};
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use chrono::Utc;
use switchyard_amazon::{AmazonOrders, Fault, InMemoryAmazonOrders};
use switchyard_channels::{
    AmazonSeller, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, PutChannelError,
};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::Intake;
use switchyard_model::ChannelName;
use switchyard_orders::InMemoryOrderStore;
use switchyard_orders::{InMemoryQueue, RetryPolicy};
use switchyard_platform::ServiceError;
use switchyard_secrets::{InMemorySecretStore, SecretStore};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../local/sp-api");

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(format!("{DATA}/{path}")).ok()
}

/// Every channel gets the SP-API twin, loaded with the recorded orders.
struct Sellers(Arc<InMemoryAmazonOrders>);

#[async_trait::async_trait]
impl SellerApis for Sellers {
    async fn for_channel(&self, _: &Channel) -> Result<Arc<dyn AmazonOrders>, SellerError> {
        Ok(self.0.clone())
    }
}

/// A port that can be switched into an outage, to see how the consumer classifies it.
struct Outage<T> {
    inner: T,
    down: AtomicBool,
}

impl<T> Outage<T> {
    fn new(inner: T) -> Self {
        Outage {
            inner,
            down: AtomicBool::new(false),
        }
    }
    fn check(&self, service: &'static str) -> Result<(), ServiceError> {
        if self.down.load(Ordering::SeqCst) {
            Err(ServiceError::new(
                service,
                "ThrottlingException: rate exceeded",
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl SecretStore for Outage<InMemorySecretStore> {
    async fn get(&self, name: &str) -> Result<Option<String>, ServiceError> {
        self.check("ssm")?;
        self.inner.get(name).await
    }
    async fn put(&self, name: &str, value: &str) -> Result<(), ServiceError> {
        self.check("ssm")?;
        self.inner.put(name, value).await
    }
}

#[async_trait::async_trait]
impl ChannelDirectory for Outage<InMemoryChannelDirectory> {
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError> {
        self.check("dynamodb")?;
        self.inner.by_api_key(secret).await
    }
    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        self.check("dynamodb")?;
        self.inner.get(name).await
    }
    async fn put(&self, channel: &Channel) -> Result<(), PutChannelError> {
        self.check("dynamodb")?;
        self.inner.put(channel).await
    }
    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError> {
        self.check("dynamodb")?;
        self.inner.add_api_key(name, hash).await
    }
    async fn list(&self) -> Result<Vec<Channel>, ServiceError> {
        self.check("dynamodb")?;
        self.inner.list().await
    }
    async fn check_api_key(
        &self,
        secret: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<switchyard_channels::KeyCheck, ServiceError> {
        self.check("dynamodb")?;
        self.inner.check_api_key(secret, now).await
    }
    async fn put_api_key(&self, key: &switchyard_channels::ApiKey) -> Result<(), ServiceError> {
        self.check("dynamodb")?;
        self.inner.put_api_key(key).await
    }
    async fn api_keys(
        &self,
        name: &ChannelName,
    ) -> Result<Vec<switchyard_channels::ApiKey>, ServiceError> {
        self.check("dynamodb")?;
        self.inner.api_keys(name).await
    }
    async fn revoke_api_key(
        &self,
        hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, ServiceError> {
        self.check("dynamodb")?;
        self.inner.revoke_api_key(hash, at).await
    }
    async fn by_alias(&self, alias: &str) -> Result<Option<Channel>, ServiceError> {
        self.check("dynamodb")?;
        self.inner.by_alias(alias).await
    }
}

const POLICY: RetryPolicy = RetryPolicy {
    base: Duration::from_secs(10),
    max: Duration::from_secs(900),
    max_receive_count: 10,
};

struct World {
    consumer: Consumer,
    /// The orders queue the intake feeds.
    queue: Arc<InMemoryQueue>,
    /// The notifications queue the consumer reads (and reschedules failures on).
    notifications: Arc<InMemoryQueue>,
    api: Arc<InMemoryAmazonOrders>,
    channels: Arc<Outage<InMemoryChannelDirectory>>,
    failures: Arc<InMemoryFailureStore>,
}

async fn world() -> World {
    let api = Arc::new(InMemoryAmazonOrders::from_dir(DATA).unwrap());
    world_with(Arc::new(Sellers(api.clone())), api).await
}

async fn world_with(sellers: Arc<dyn SellerApis>, api: Arc<InMemoryAmazonOrders>) -> World {
    let channels = Arc::new(Outage::new(InMemoryChannelDirectory::new()));
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
    let notifications = Arc::new(InMemoryQueue::new());
    let failures = Arc::new(InMemoryFailureStore::new());
    let ports = Ports {
        retries: notifications.clone(),
        channels: channels.clone(),
        sellers,
        intake: Intake::new(
            Arc::new(InMemoryOrderStore::new()),
            Arc::new(InMemoryIdempotencyStore::new()),
            queue.clone(),
        ),
        failures: FailureRecorder::new(
            failures.clone(),
            amazon_notifications::consumer::FLOW,
            "amazon-notifications",
            POLICY.max_receive_count,
        ),
    };
    World {
        consumer: Consumer::new(ports, POLICY),
        queue,
        notifications,
        api,
        channels,
        failures,
    }
}

/// A batch of `bodies` as the event source mapping delivers it from the notifications queue,
/// each on its `receive_count`th delivery.
fn batch(w: &World, bodies: &[(&str, u32)]) -> SqsEvent {
    let mut event = SqsEvent::default();
    for (n, (body, receive_count)) in bodies.iter().enumerate() {
        let delivery = w.notifications.deliver(*body);
        let mut m = SqsMessage::default();
        m.message_id = Some(format!("m{n}"));
        m.receipt_handle = Some(delivery.receipt_handle);
        m.body = Some(delivery.body);
        m.attributes
            .insert("ApproximateReceiveCount".into(), receive_count.to_string());
        event.records.push(m);
    }
    event
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
    w.api.fail_with(Fault::Unavailable);
    assert!(matches!(
        w.consumer.handle(&notification(|_| {})).await,
        Handled::Retry(_)
    ));
    w.api.recover();

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

#[tokio::test]
async fn a_transient_secret_store_failure_retries_and_a_missing_secret_dead_letters() {
    let secrets = Arc::new(Outage::new(InMemorySecretStore::new()));
    let api = Arc::new(InMemoryAmazonOrders::from_dir(DATA).unwrap());
    let w = world_with(Arc::new(SpApiSellers::new(secrets.clone())), api).await;
    let body = notification(|_| {});

    // SSM throttled while the seller's credentials are read: the message must come back.
    secrets.down.store(true, Ordering::SeqCst);
    let Handled::Retry(why) = w.consumer.handle(&body).await else {
        panic!("a transient SSM failure must be retried, not dead-lettered");
    };
    assert!(why.contains("ssm"), "{why}");

    // SSM answers, but the channel names a secret that does not exist: only an operator can fix it.
    secrets.down.store(false, Ordering::SeqCst);
    let Handled::Poison(why) = w.consumer.handle(&body).await else {
        panic!("a missing secret cannot succeed on retry");
    };
    assert!(why.contains("/p/secret"), "{why}");
    assert!(w.queue.submitted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_transient_channel_directory_failure_retries() {
    let w = world().await;
    w.channels.down.store(true, Ordering::SeqCst);
    let Handled::Retry(why) = w.consumer.handle(&notification(|_| {})).await else {
        panic!("a transient DynamoDB failure must be retried, not dead-lettered");
    };
    assert!(why.contains("dynamodb"), "{why}");
    w.channels.down.store(false, Ordering::SeqCst);
    assert!(matches!(
        w.consumer.handle(&notification(|_| {})).await,
        Handled::Captured(_)
    ));
}

#[tokio::test]
async fn a_transient_failure_comes_back_later_each_time_and_poison_at_once() {
    let w = world().await;
    w.channels.down.store(true, Ordering::SeqCst);
    let good = notification(|_| {});
    let stranger =
        notification(|n| n["Payload"]["OrderChangeNotification"]["SellerId"] = "A0UNKNOWN".into());
    let response = w
        .consumer
        .process(batch(&w, &[(&good, 3), (&stranger, 1)]))
        .await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m0", "m1"], "both stay on the queue");
    let delays: Vec<u64> = w
        .notifications
        .retries
        .lock()
        .unwrap()
        .iter()
        .map(|(_, d)| d.as_secs())
        .collect();
    // The DynamoDB outage hits both: each waits out its backoff (10 s doubled twice for the
    // third delivery, 10 s for the first), neither is marked as poison.
    assert_eq!(delays, [40, 10]);

    w.channels.down.store(false, Ordering::SeqCst);
    w.notifications.retries.lock().unwrap().clear();
    let response = w
        .consumer
        .process(batch(&w, &[(&good, 4), (&stranger, 2)]))
        .await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        ["m1"],
        "the order is captured, the unknown seller is not"
    );
    let delays: Vec<u64> = w
        .notifications
        .retries
        .lock()
        .unwrap()
        .iter()
        .map(|(_, d)| d.as_secs())
        .collect();
    assert_eq!(
        delays,
        [1],
        "poison comes back at once, on its way to the DLQ"
    );
}

#[tokio::test]
async fn a_failed_notification_is_recorded_under_its_amazon_order_and_resolved_by_the_capture() {
    let w = world().await;
    let body = notification(|_| {});
    w.channels.down.store(true, Ordering::SeqCst);
    let response = w.consumer.process(batch(&w, &[(&body, 1)])).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    let key = FailureKey::new("amazon-notifications", "amazon:111-0000001-0000001");
    let open = w
        .failures
        .get(&key)
        .await
        .unwrap()
        .expect("recorded by order");
    assert!(open.is_open());
    assert_eq!(open.class, FailureClass::Transient);
    assert!(open.error.contains("rate exceeded"), "{}", open.error);

    w.channels.down.store(false, Ordering::SeqCst);
    let response = w.consumer.process(batch(&w, &[(&body, 2)])).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let settled = w.failures.get(&key).await.unwrap().unwrap();
    assert_eq!(settled.attempts, 1);
    assert_eq!(
        settled.resolution.map(|r| r.how).as_deref(),
        Some("captured")
    );
}
