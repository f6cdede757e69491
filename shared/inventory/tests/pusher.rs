//! The pusher over its twins: channels in memory (the ChannelStock twin, held to the same
//! contract as the Shopify, WooCommerce and SP-API clients), the in-memory projection store
//! and queue.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rust_decimal::Decimal;
use switchyard_channels::{Allocation, Channel, ChannelKind};
use switchyard_failures::{
    FailureClass, FailureKey, FailureRecorder, FailureStore, InMemoryFailureStore,
};
use switchyard_inventory::pusher::{
    Backoff, Delivery, PushSummary, PushTargets, StockPusher, summary_key,
};
use switchyard_inventory::{ChannelStock, InMemoryChannelStock, PushError};
use switchyard_model::catalog_events::{ERP_CHANNEL, InventoryChanged, WarehouseLevel};
use switchyard_model::envelope::Envelope;
use switchyard_model::{ChannelName, Sku};
use switchyard_orders::InMemoryQueue;
use switchyard_platform::ServiceError;
use switchyard_projections::{InMemoryProjectionStore, ProjectionStore};

struct Targets(std::sync::Mutex<Vec<(Channel, Arc<InMemoryChannelStock>)>>);

impl Targets {
    fn set_allocation(&self, name: &str, allocation: Allocation) {
        for (channel, _) in self.0.lock().unwrap().iter_mut() {
            if channel.name.as_str() == name {
                channel.allocation = Some(allocation.clone());
            }
        }
    }
}

#[async_trait::async_trait]
impl PushTargets for Targets {
    async fn targets(&self) -> Result<Vec<switchyard_inventory::pusher::Target>, ServiceError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(c, s)| (c.clone(), s.clone() as Arc<dyn ChannelStock>))
            .collect())
    }
}

fn channel(name: &str, allocation: Option<Allocation>) -> Channel {
    let mut channel = Channel::new(
        ChannelName::try_from(name).unwrap(),
        ChannelKind::Shopify,
        Utc::now(),
    );
    channel.allocation = allocation;
    channel
}

fn level(sku: &str, available: i64, version: i64) -> InventoryChanged {
    InventoryChanged {
        sku: Sku::try_from(sku).unwrap(),
        on_hand: Decimal::from(available),
        available: Decimal::from(available),
        warehouses: vec![WarehouseLevel {
            warehouse: "WH".into(),
            on_hand: Decimal::from(available),
            available: Decimal::from(available),
            as_of: Utc::now(),
        }],
        unit: "u".into(),
        whole_units: true,
        as_of: Utc::now(),
        erp_version: version,
        observed_at: Utc::now(),
    }
}

struct World {
    pusher: StockPusher,
    queue: Arc<InMemoryQueue>,
    state: Arc<InMemoryProjectionStore>,
    shop: Arc<InMemoryChannelStock>,
    market: Arc<InMemoryChannelStock>,
    failures: Arc<InMemoryFailureStore>,
    targets: Arc<Targets>,
}

fn world() -> World {
    let shop = Arc::new(InMemoryChannelStock::new());
    let market = Arc::new(InMemoryChannelStock::new());
    for sku in ["WIDGET-S", "WIDGET-M"] {
        shop.list(sku, 0);
        market.list(sku, 0);
    }
    let eighty = Allocation::new(Decimal::from(80), Decimal::ZERO, None).unwrap();
    let targets = Arc::new(Targets(std::sync::Mutex::new(vec![
        (channel("shop", None), shop.clone()),
        (channel("market", Some(eighty)), market.clone()),
    ])));
    let queue = Arc::new(InMemoryQueue::new());
    let state = Arc::new(InMemoryProjectionStore::new());
    let failures = Arc::new(InMemoryFailureStore::new());
    let pusher = StockPusher::new(
        targets.clone(),
        state.clone(),
        queue.clone(),
        Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(30),
        },
        FailureRecorder::new(failures.clone(), "stock-shopify", "stock-push-shopify", 3),
    );
    World {
        pusher,
        queue,
        state,
        shop,
        market,
        failures,
        targets,
    }
}

impl World {
    fn deliveries(&self, levels: &[InventoryChanged]) -> Vec<Delivery> {
        levels
            .iter()
            .enumerate()
            .map(|(n, level)| {
                // What the EventBridge rule delivers: the feed's envelope, keyed by the SKU.
                let body = serde_json::json!({
                    "detail-type": "InventoryChanged",
                    "detail": Envelope::new(ERP_CHANNEL, level.sku.to_string(), level.clone()),
                })
                .to_string();
                let queued = self.queue.deliver(body.clone());
                Delivery {
                    message_id: format!("m{n}"),
                    receipt_handle: queued.receipt_handle,
                    receive_count: 1,
                    event: Ok(level.clone()),
                    body,
                    queue: "stock-shopify".into(),
                }
            })
            .collect()
    }

    async fn summary(&self, channel: &str) -> PushSummary {
        let stored = self.state.get_many(&[summary_key(channel)]).await.unwrap();
        serde_json::from_value(stored[0].clone().unwrap().doc).unwrap()
    }
}

#[tokio::test]
async fn each_channel_gets_its_allocation_of_the_newest_level() {
    let w = world();
    let report = w
        .pusher
        .push(w.deliveries(&[level("WIDGET-S", 500, 2), level("WIDGET-S", 510, 1)]))
        .await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(w.shop.quantity("WIDGET-S"), Some(500));
    assert_eq!(w.market.quantity("WIDGET-S"), Some(400));
    let summary = w.summary("market").await;
    assert_eq!(summary.levels_pushed, 1);
    assert!(summary.last_lag_ms.is_some() && summary.last_push_at.is_some());
}

#[tokio::test]
async fn a_burst_of_a_thousand_changes_becomes_a_few_pushes_ending_at_the_last_level() {
    let w = world();
    // 1,000 changes to one SKU, arriving in batches of 10, each batch a little out of order.
    let mut events: Vec<InventoryChanged> = (1..=1000).map(|v| level("WIDGET-M", v, v)).collect();
    for chunk in events.chunks_mut(10) {
        chunk.reverse();
    }
    let mut calls = 0;
    for batch in events.chunks(10) {
        let report = w.pusher.push(w.deliveries(batch)).await;
        assert!(report.failed.is_empty());
        calls += report.calls;
    }
    assert_eq!(w.shop.quantity("WIDGET-M"), Some(1000));
    assert_eq!(w.market.quantity("WIDGET-M"), Some(800));
    // One call per batch and channel at most: 100 batches, 2 channels.
    assert_eq!(calls, 200);
    assert_eq!(w.shop.calls() + w.market.calls(), 200);

    // The same events again (a redelivery, a republishing feed) push nothing.
    let again = w.pusher.push(w.deliveries(&events[..10])).await;
    assert_eq!((again.calls, again.skipped), (0, 2));
}

#[tokio::test]
async fn a_changed_allocation_pushes_the_same_level_again() {
    let w = world();
    w.pusher
        .push(w.deliveries(&[level("WIDGET-S", 100, 7)]))
        .await;
    assert_eq!(w.market.quantity("WIDGET-S"), Some(80));
    // The same level (a resync) with the same allocation: nothing to send.
    let report = w
        .pusher
        .push(w.deliveries(&[level("WIDGET-S", 100, 7)]))
        .await;
    assert_eq!(report.calls, 0);
    // An operator lowers the market's share; the next resync of the same level reaches it.
    w.targets.set_allocation(
        "market",
        Allocation::new(Decimal::from(50), Decimal::ZERO, None).unwrap(),
    );
    let report = w
        .pusher
        .push(w.deliveries(&[level("WIDGET-S", 100, 7)]))
        .await;
    assert_eq!((report.calls, report.skipped), (1, 1));
    assert_eq!(w.market.quantity("WIDGET-S"), Some(50));
    assert_eq!(w.shop.quantity("WIDGET-S"), Some(100));
}

#[tokio::test]
async fn a_throttled_channel_gets_its_messages_back_after_the_delay_it_asked_for() {
    let w = world();
    w.market.fail_next([PushError::Throttled {
        retry_after: Duration::from_secs(7),
    }]);
    let deliveries = w.deliveries(&[level("WIDGET-S", 50, 3)]);
    let report = w.pusher.push(deliveries.clone()).await;
    assert_eq!(report.failed, vec!["m0".to_string()]);
    // The other channel was served; the throttled one keeps its old level.
    assert_eq!(w.shop.quantity("WIDGET-S"), Some(50));
    assert_eq!(w.market.quantity("WIDGET-S"), Some(0));
    assert_eq!(
        *w.queue.retries.lock().unwrap(),
        vec![(deliveries[0].receipt_handle.clone(), Duration::from_secs(7))]
    );
    let failure = w.summary("market").await.last_failure.unwrap();
    assert_eq!(failure.class, "throttled");

    // The redelivered message: the shop already has it, the market now gets it.
    let report = w.pusher.push(deliveries).await;
    assert!(report.failed.is_empty());
    assert_eq!((report.calls, report.skipped), (1, 1));
    assert_eq!(w.market.quantity("WIDGET-S"), Some(40));
    assert_eq!(w.summary("market").await.last_failure, None);
}

#[tokio::test]
async fn an_unavailable_channel_backs_off_and_an_unlisted_sku_is_not_an_error() {
    let w = world();
    w.shop
        .fail_next([PushError::Unavailable("503 from the sandbox".into())]);
    let mut deliveries = w.deliveries(&[level("NOT-LISTED", 5, 1)]);
    deliveries[0].receive_count = 3;
    let report = w.pusher.push(deliveries.clone()).await;
    assert_eq!(report.failed, vec!["m0".to_string()]);
    // Backoff doubles per receive: 1 s, 2 s, 4 s.
    assert_eq!(w.queue.retries.lock().unwrap()[0].1, Duration::from_secs(4));
    let failure = w.summary("shop").await.last_failure.unwrap();
    assert!(failure.reason.contains("503"), "{failure:?}");
    assert_eq!(failure.attempt, 3);

    let report = w.pusher.push(deliveries).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(w.shop.quantity("NOT-LISTED"), None);
}

#[tokio::test]
async fn an_unreadable_message_fails_alone() {
    let w = world();
    let mut deliveries = w.deliveries(&[level("WIDGET-S", 9, 1)]);
    deliveries.push(Delivery {
        message_id: "bad".into(),
        receipt_handle: "r".into(),
        receive_count: 1,
        event: Err("not an InventoryChanged".into()),
        body: "{}".into(),
        queue: "stock-shopify".into(),
    });
    let report = w.pusher.push(deliveries).await;
    assert_eq!(report.failed, vec!["bad".to_string()]);
    assert_eq!(w.shop.quantity("WIDGET-S"), Some(9));
}

#[tokio::test]
async fn a_failed_push_is_recorded_by_sku_and_channel_and_a_newer_level_reaching_every_channel_resolves_it()
 {
    let w = world();
    let key = FailureKey::new("stock-shopify", "WIDGET-S");
    w.market
        .fail_next([PushError::Unavailable("503 from the sandbox".into())]);
    let older = w.deliveries(&[level("WIDGET-S", 50, 3)]);
    assert_eq!(w.pusher.push(older).await.failed, vec!["m0".to_string()]);
    let open = w
        .failures
        .get(&key)
        .await
        .unwrap()
        .expect("recorded by SKU");
    assert!(open.is_open());
    assert_eq!(
        open.channel.as_deref(),
        Some("market"),
        "the channel that refused it"
    );
    assert_eq!(open.class, FailureClass::Transient);

    // The older level's message is still on its way back; a newer level arrives first and
    // reaches both channels: the failure is settled by the newer level.
    let newer = w.deliveries(&[level("WIDGET-S", 20, 4)]);
    assert!(w.pusher.push(newer).await.failed.is_empty());
    assert_eq!(w.market.quantity("WIDGET-S"), Some(16));
    let settled = w.failures.get(&key).await.unwrap().unwrap();
    let how = settled.resolution.expect("resolved").how;
    assert!(how.contains("ERP version 4"), "{how}");
}

#[tokio::test]
async fn a_sku_still_failing_on_one_channel_stays_open_even_if_another_channel_took_it() {
    let w = world();
    w.market.fail_next([
        PushError::Refused("listing is locked".into()),
        PushError::Refused("listing is locked".into()),
    ]);
    let key = FailureKey::new("stock-shopify", "WIDGET-S");
    w.pusher
        .push(w.deliveries(&[level("WIDGET-S", 50, 3)]))
        .await;
    w.pusher
        .push(w.deliveries(&[level("WIDGET-S", 50, 3)]))
        .await;
    let record = w.failures.get(&key).await.unwrap().unwrap();
    assert!(record.is_open(), "the shop has it, the market does not");
    assert_eq!(record.attempts, 2);
    assert_eq!(record.class, FailureClass::Business);
}
