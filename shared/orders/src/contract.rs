//! The contracts every adapter of this crate's ports passes: [`OrderStore`] (the in-memory twin
//! in this crate's tests, DynamoDB on moto in `tests/adapters`) and the orders queue
//! ([`OrderQueue`] + [`RetryScheduler`]: the twin, SQS on moto). Instantiate every case with
//! [`order_store_contract_tests!`](crate::order_store_contract_tests) and
//! [`order_queue_contract_tests!`](crate::order_queue_contract_tests).
#![allow(clippy::missing_panics_doc)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderCancellationRequested, OrderSubmitted};
use switchyard_model::{ChannelName, ExternalId, Order, OrderId};

use crate::{
    Created, Leased, OrderQueue, OrderRecord, OrderStore, OrderStoreError, RetryScheduler,
};

/// A valid order of `channel` with the channel's own id `external_id`.
pub fn order(channel: &str, external_id: &str) -> Order {
    let body = serde_json::json!({"external_id": external_id, "currency": "USD",
        "customer": {"name": "Acme"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from(channel).expect("a valid channel name"),
        default_customer: Some("DEMO-SHOP".into()),
    };
    parse_order(&body, &ctx).expect("a valid order")
}

fn received(channel: &str, external_id: &str, key: &str) -> OrderRecord {
    OrderRecord::received(order(channel, external_id), key, Utc::now())
}

/// A stored record reads back whole at version 1; an unknown id reads as nothing.
pub async fn a_created_record_reads_back_whole(store: &dyn OrderStore) {
    let record = received("shop-a", "PO-1", "key-1");
    assert_eq!(store.create(&record).await.unwrap(), Created::New);
    let read = store.get(record.order.id).await.unwrap().expect("stored");
    assert_eq!((read.value, read.version), (record, 1));
    assert_eq!(store.get(OrderId::generate()).await.unwrap(), None);
}

/// The same external id from the same channel is refused, naming the first order and its key,
/// and nothing of the second is written; another channel may use the same id.
pub async fn an_external_id_is_unique_per_channel(store: &dyn OrderStore) {
    let first = received("shop-a", "PO-2", "key-1");
    let again = received("shop-a", "PO-2", "key-2");
    let elsewhere = received("shop-b", "PO-2", "key-3");
    assert_eq!(store.create(&first).await.unwrap(), Created::New);
    assert_eq!(
        store.create(&again).await.unwrap(),
        Created::ExternalIdTaken {
            order_id: first.order.id,
            idempotency_key: "key-1".into()
        }
    );
    assert_eq!(
        store.get(again.order.id).await.unwrap(),
        None,
        "nothing half-written"
    );
    assert_eq!(store.create(&elsewhere).await.unwrap(), Created::New);
}

/// A channel finds its order by its own id, and only its own.
pub async fn an_order_is_found_by_its_external_id(store: &dyn OrderStore) {
    let record = received("shop-a", "PO-3", "key-1");
    let channel = record.order.channel.clone();
    let external = record.order.external_id.clone();
    assert_eq!(
        store.find_external(&channel, &external).await.unwrap(),
        None
    );
    store.create(&record).await.unwrap();
    assert_eq!(
        store.find_external(&channel, &external).await.unwrap(),
        Some(record.order.id)
    );
    let other = ChannelName::try_from("shop-b").unwrap();
    assert_eq!(store.find_external(&other, &external).await.unwrap(), None);
    let unknown = ExternalId::try_from("PO-404").unwrap();
    assert_eq!(store.find_external(&channel, &unknown).await.unwrap(), None);
}

/// A save names the version it read: the next version is stored, a stale one conflicts and
/// changes nothing.
pub async fn a_save_from_a_stale_version_conflicts(store: &dyn OrderStore) {
    let record = received("shop-a", "PO-4", "key-1");
    store.create(&record).await.unwrap();
    let read = store.get(record.order.id).await.unwrap().unwrap();
    let mut accepted = read.value.clone();
    accepted.accept("SO0001", Utc::now()).unwrap();
    store.save(&accepted, read.version).await.unwrap();
    let mut rejected = read.value.clone();
    rejected
        .reject("unknown-sku", "no such SKU", Utc::now())
        .unwrap();
    assert!(matches!(
        store.save(&rejected, read.version).await,
        Err(OrderStoreError::VersionConflict)
    ));
    let back = store.get(record.order.id).await.unwrap().unwrap();
    assert_eq!(back.version, 2);
    assert_eq!(back.value, accepted);
    assert_eq!(back.value.outbox[0].kind, "OrderAccepted");
}

/// Saving a record that was never created is a conflict, not an insert.
pub async fn saving_a_record_never_created_conflicts(store: &dyn OrderStore) {
    let record = received("shop-a", "PO-5", "key-1");
    assert!(matches!(
        store.save(&record, 1).await,
        Err(OrderStoreError::VersionConflict)
    ));
    assert_eq!(store.get(record.order.id).await.unwrap(), None);
}

/// Of two writers that read the same version, exactly one saves.
pub async fn of_two_concurrent_saves_exactly_one_wins(store: &dyn OrderStore) {
    let record = received("shop-a", "PO-6", "key-1");
    store.create(&record).await.unwrap();
    let read = store.get(record.order.id).await.unwrap().unwrap();
    let mut accepted = read.value.clone();
    accepted.accept("SO0002", Utc::now()).unwrap();
    let mut cancelled = read.value.clone();
    cancelled.cancel(Utc::now()).unwrap();
    let (a, b) = futures::join!(
        store.save(&accepted, read.version),
        store.save(&cancelled, read.version)
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "exactly one save must win: {a:?} {b:?}"
    );
    let winner = if a.is_ok() { accepted } else { cancelled };
    assert_eq!(
        store.get(record.order.id).await.unwrap().unwrap().value,
        winner
    );
}

/// Of concurrent creates under one external id, exactly one is new; the rest name it.
pub async fn of_concurrent_creates_of_one_external_id_exactly_one_is_new(store: &dyn OrderStore) {
    let records: Vec<OrderRecord> = (0..5)
        .map(|i| received("shop-a", "PO-7", &format!("key-{i}")))
        .collect();
    let results = futures::future::join_all(records.iter().map(|r| store.create(r))).await;
    let new: Vec<&OrderRecord> = records
        .iter()
        .zip(&results)
        .filter(|(_, r)| matches!(r, Ok(Created::New)))
        .map(|(record, _)| record)
        .collect();
    assert_eq!(new.len(), 1, "{results:?}");
    for result in &results {
        match result {
            Ok(Created::New) => {}
            Ok(Created::ExternalIdTaken { order_id, .. }) => assert_eq!(*order_id, new[0].order.id),
            Err(e) => panic!("a losing create must name the winner, got {e}"),
        }
    }
}

/// The lease reads the record; while one owner holds it another gets `Held` with its end; it can
/// be taken again once it ends or its owner gives it up (another owner cannot give it up); an
/// unknown order is `Missing`.
pub async fn a_posting_lease_is_held_by_one_delivery_until_it_ends_or_is_given_up(
    store: &dyn OrderStore,
) {
    let record = received("shop-lease", "PO-L1", "key-l1");
    store.create(&record).await.unwrap();
    let id = record.order.id;
    let now = Utc::now();
    let until = now + chrono::Duration::seconds(30);
    match store.lease(id, "first", until, now).await.unwrap() {
        Leased::Taken(read) => assert_eq!((read.value, read.version), (record.clone(), 1)),
        other => panic!("a fresh order's lease is taken: {other:?}"),
    }
    match store.lease(id, "second", until, now).await.unwrap() {
        Leased::Held { until: end } => {
            assert_eq!(end.timestamp_millis(), until.timestamp_millis())
        }
        other => panic!("held by the first: {other:?}"),
    }
    store.release_lease(id, "second").await.unwrap();
    assert!(
        matches!(
            store.lease(id, "second", until, now).await.unwrap(),
            Leased::Held { .. }
        ),
        "only the owner gives a lease up"
    );
    let later = until + chrono::Duration::seconds(1);
    assert!(
        matches!(
            store
                .lease(id, "second", later + chrono::Duration::seconds(30), later)
                .await
                .unwrap(),
            Leased::Taken(_)
        ),
        "an ended lease is taken over"
    );
    store.release_lease(id, "second").await.unwrap();
    assert!(matches!(
        store.lease(id, "third", until, now).await.unwrap(),
        Leased::Taken(_)
    ));
    assert_eq!(
        store
            .lease(OrderId::generate(), "first", until, now)
            .await
            .unwrap(),
        Leased::Missing
    );
}

/// A save by someone else while the order is `RECEIVED` keeps the lease (a second delivery still
/// waits); the holder's save of a final status ends it, and from then on the order is `Final`.
pub async fn another_writers_save_keeps_the_lease_and_a_final_save_ends_it(store: &dyn OrderStore) {
    let record = received("shop-lease", "PO-L2", "key-l2");
    store.create(&record).await.unwrap();
    let id = record.order.id;
    let now = Utc::now();
    let until = now + chrono::Duration::seconds(30);
    assert!(matches!(
        store.lease(id, "poster", until, now).await.unwrap(),
        Leased::Taken(_)
    ));
    let mut noted = record.clone();
    noted.last_error = Some("ERP timed out".into());
    store.save(&noted, 1).await.unwrap();
    assert!(
        matches!(
            store.lease(id, "other", until, now).await.unwrap(),
            Leased::Held { .. }
        ),
        "another writer's save keeps the lease"
    );
    let mut accepted = noted.clone();
    accepted.accept("SO-1", now).unwrap();
    store.save(&accepted, 2).await.unwrap();
    match store.lease(id, "other", until, now).await.unwrap() {
        Leased::Final(read) => assert_eq!((read.value, read.version), (accepted, 3)),
        other => panic!("an accepted order is final: {other:?}"),
    }
}

/// One `#[tokio::test]` per [`OrderStore`] case, each on a fresh store made by `$store` (an
/// expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! order_store_contract_tests {
    ($store:expr) => {
        $crate::order_store_contract_tests!(@cases $store;
            a_created_record_reads_back_whole,
            an_external_id_is_unique_per_channel,
            an_order_is_found_by_its_external_id,
            a_save_from_a_stale_version_conflicts,
            saving_a_record_never_created_conflicts,
            of_two_concurrent_saves_exactly_one_wins,
            of_concurrent_creates_of_one_external_id_exactly_one_is_new,
            orders_are_found_by_their_status_and_when_they_entered_it,
            a_posting_lease_is_held_by_one_delivery_until_it_ends_or_is_given_up,
            another_writers_save_keeps_the_lease_and_a_final_save_ends_it);
    };
    (@cases $store:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let store = $store;
                $crate::contract::$case(&store).await;
            }
        )*
    };
}

/// `in_status` finds the orders now in a status that entered it within the window, those that
/// entered it first first, up to the limit; an order that moved on is found under its new status
/// only.
pub async fn orders_are_found_by_their_status_and_when_they_entered_it(store: &dyn OrderStore) {
    use chrono::Duration as Span;
    use switchyard_model::OrderStatus;
    let t0 = Utc::now() - Span::hours(2);
    let mut stuck = received("shop-a", "PO-S1", "key-s1");
    stuck.history[0].at = t0;
    let mut newer = received("shop-b", "PO-S2", "key-s2");
    newer.history[0].at = t0 + Span::minutes(30);
    let mut decided = received("shop-a", "PO-S3", "key-s3");
    decided.history[0].at = t0;
    for record in [&stuck, &newer, &decided] {
        assert_eq!(store.create(record).await.unwrap(), Created::New);
    }
    decided.accept("SO-9", t0 + Span::minutes(90)).unwrap();
    store.save(&decided, 1).await.unwrap();

    let ids =
        |found: Vec<crate::StatusEntry>| found.into_iter().map(|e| e.order_id).collect::<Vec<_>>();
    let everything = t0 - Span::hours(1)..=Utc::now();
    assert_eq!(
        ids(store
            .in_status(OrderStatus::Received, everything.clone(), 10)
            .await
            .unwrap()),
        [stuck.order.id, newer.order.id],
        "oldest first; the accepted one is no longer RECEIVED"
    );
    assert_eq!(
        ids(store
            .in_status(OrderStatus::Received, everything.clone(), 1)
            .await
            .unwrap()),
        [stuck.order.id]
    );
    let before_the_newer = t0 - Span::hours(1)..=t0 + Span::minutes(10);
    let found = store
        .in_status(OrderStatus::Received, before_the_newer, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].channel.as_str(), "shop-a");
    assert_eq!(
        found[0].entered_at.timestamp_millis(),
        t0.timestamp_millis()
    );
    assert_eq!(
        ids(store
            .in_status(OrderStatus::Accepted, everything, 10)
            .await
            .unwrap()),
        [decided.order.id]
    );
}

/// A message as the consumer of the orders queue receives it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The handle that names this delivery of the message.
    pub receipt_handle: String,
    /// The body, as sent.
    pub body: String,
    /// Whether the message says it was sent again.
    pub resent: bool,
}

/// The consumer's side of the orders queue, which the contract reads to see what was sent.
#[async_trait::async_trait]
pub trait QueueConsumer: Send + Sync {
    /// The messages visible now (each then hidden for the queue's visibility timeout), waiting
    /// up to `wait` for at least one.
    async fn receive(&self, wait: Duration) -> Vec<Received>;
}

/// What the contract runs on: the producer's ports and the consumer's side of the same queue.
pub struct QueueUnderTest {
    /// Sends orders and cancellations.
    pub queue: Arc<dyn OrderQueue>,
    /// Reschedules received messages.
    pub retries: Arc<dyn RetryScheduler>,
    /// Reads the queue.
    pub consumer: Arc<dyn QueueConsumer>,
}

fn submitted(channel: &str, external_id: &str) -> Envelope<OrderSubmitted> {
    let order = order(channel, external_id);
    Envelope::new(channel, order.id.to_string(), OrderSubmitted { order })
}

async fn receive_all(consumer: &dyn QueueConsumer, count: usize) -> Vec<Received> {
    let mut all = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while all.len() < count && std::time::Instant::now() < deadline {
        all.extend(consumer.receive(Duration::from_millis(500)).await);
    }
    all
}

/// Orders and cancellations sent are received whole, as envelopes the consumer can read.
pub async fn what_is_sent_is_received_whole(q: &QueueUnderTest) {
    let order = submitted("shop-a", "PO-1");
    let cancellation = Envelope::new(
        "shop-a",
        order.correlation_id.clone(),
        OrderCancellationRequested {
            order_id: order.payload.order.id,
            reason: Some("customer asked".into()),
            requested_at: Utc::now(),
        },
    );
    q.queue.submit(&order).await.unwrap();
    q.queue.cancel(&cancellation).await.unwrap();
    let received = receive_all(q.consumer.as_ref(), 2).await;
    let mut bodies: Vec<serde_json::Value> = received
        .iter()
        .map(|r| serde_json::from_str(&r.body).expect("the body is JSON"))
        .collect();
    bodies.sort_by_key(|b| b["type"].as_str().unwrap_or_default().to_string());
    assert_eq!(
        bodies,
        vec![
            serde_json::to_value(&cancellation).unwrap(),
            serde_json::to_value(&order).unwrap()
        ]
    );
}

/// A received message is hidden while its consumer works on it; a retry after zero seconds
/// shows it again at once, with the same body.
pub async fn a_retry_makes_a_received_message_visible_again(q: &QueueUnderTest) {
    let order = submitted("shop-a", "PO-2");
    q.queue.submit(&order).await.unwrap();
    let first = receive_all(q.consumer.as_ref(), 1).await;
    assert_eq!(first.len(), 1);
    assert!(
        q.consumer.receive(Duration::ZERO).await.is_empty(),
        "a received message is hidden from other consumers"
    );
    q.retries
        .retry_after(&first[0].receipt_handle, Duration::ZERO)
        .await
        .unwrap();
    let again = receive_all(q.consumer.as_ref(), 1).await;
    assert_eq!(again.len(), 1, "visible again after the retry delay");
    assert_eq!(again[0].body, first[0].body);
}

/// A retry after a delay keeps the message hidden until then.
pub async fn a_delayed_retry_keeps_the_message_hidden(q: &QueueUnderTest) {
    q.queue.submit(&submitted("shop-a", "PO-3")).await.unwrap();
    let first = receive_all(q.consumer.as_ref(), 1).await;
    assert_eq!(first.len(), 1);
    q.retries
        .retry_after(&first[0].receipt_handle, Duration::from_secs(600))
        .await
        .unwrap();
    assert!(
        q.consumer
            .receive(Duration::from_millis(500))
            .await
            .is_empty()
    );
}

/// An order the reconciler queues again arrives marked as resent; a first submission does not,
/// so the processor can skip looking for a failure that cannot be open.
pub async fn a_resubmitted_order_arrives_marked_resent(q: &QueueUnderTest) {
    let first = submitted("shop-a", "PO-4");
    let again = submitted("shop-a", "PO-5");
    q.queue.submit(&first).await.unwrap();
    q.queue.resubmit(&again).await.unwrap();
    let received = receive_all(q.consumer.as_ref(), 2).await;
    let mut marks: Vec<(String, bool)> = received
        .iter()
        .map(|r| {
            let body: Envelope<OrderSubmitted> = serde_json::from_str(&r.body).unwrap();
            (body.payload.order.external_id.to_string(), r.resent)
        })
        .collect();
    marks.sort();
    assert_eq!(
        marks,
        [("PO-4".to_string(), false), ("PO-5".to_string(), true)]
    );
}

/// A receipt handle the queue never gave out is refused.
pub async fn an_unknown_receipt_handle_is_refused(q: &QueueUnderTest) {
    assert!(
        q.retries
            .retry_after("not-a-receipt-handle", Duration::ZERO)
            .await
            .is_err()
    );
}

/// One `#[tokio::test]` per orders-queue case, each on a fresh [`QueueUnderTest`] made by
/// `$queue` (an expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! order_queue_contract_tests {
    ($queue:expr) => {
        $crate::order_queue_contract_tests!(@cases $queue;
            what_is_sent_is_received_whole,
            a_retry_makes_a_received_message_visible_again,
            a_delayed_retry_keeps_the_message_hidden,
            a_resubmitted_order_arrives_marked_resent,
            an_unknown_receipt_handle_is_refused);
    };
    (@cases $queue:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let queue = $queue;
                $crate::contract::$case(&queue).await;
            }
        )*
    };
}

#[async_trait::async_trait]
impl QueueConsumer for crate::InMemoryQueue {
    async fn receive(&self, wait: Duration) -> Vec<Received> {
        // Long polling: wait up to `wait` for a message to become visible.
        let deadline = std::time::Instant::now() + wait;
        loop {
            let visible = self.receive_visible();
            if !visible.is_empty() || std::time::Instant::now() >= deadline {
                return visible
                    .into_iter()
                    .map(|d| Received {
                        receipt_handle: d.receipt_handle,
                        body: d.body,
                        resent: d.resent,
                    })
                    .collect();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl QueueUnderTest {
    /// The in-memory twin: one [`InMemoryQueue`](crate::InMemoryQueue) in every role.
    pub fn in_memory() -> Self {
        let queue = Arc::new(crate::InMemoryQueue::new());
        QueueUnderTest {
            queue: queue.clone(),
            retries: queue.clone(),
            consumer: queue,
        }
    }
}
