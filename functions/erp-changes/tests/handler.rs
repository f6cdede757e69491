//! The handler over the twins, fed the sample events of `events/erp-changes/`: the schedule's
//! event runs the feed, an operator's `{"resync": …}` republishes without moving the cursor.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use switchyard_erp::InMemoryErp;
use switchyard_erp_feed::{CursorStore, Poller};
use switchyard_events::{EventPublisher, InMemoryPublisher};
use switchyard_failures::{FailureKey, FailureRecorder, FailureStore, InMemoryFailureStore};
use switchyard_model::envelope::Envelope;
use switchyard_platform::ServiceError;
use switchyard_projections::InMemoryProjectionStore;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../events/erp-changes/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_fixtures_round_trip_and_read_as_what_they_ask_for() {
    for name in ["scheduled.json", "resync.json"] {
        let value = fixture(name);
        let again: Value = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
        assert_eq!(value, again);
    }
    assert!(matches!(
        serde_json::from_value(fixture("resync.json")).unwrap(),
        erp_changes::Request::Resync { .. }
    ));
    assert!(matches!(
        serde_json::from_value(fixture("scheduled.json")).unwrap(),
        erp_changes::Request::Poll(_)
    ));
}

#[tokio::test]
async fn the_schedule_polls_and_a_resync_republishes_the_skus_asked_for() {
    let events = Arc::new(InMemoryPublisher::new());
    let poller = Poller::new(
        Arc::new(InMemoryErp::new()),
        events.clone(),
        CursorStore::new(Arc::new(InMemoryProjectionStore::new())),
        "twin",
    );
    let deadline = SystemTime::now() + Duration::from_secs(60);
    let polled = erp_changes::handle(
        &poller,
        &FailureRecorder::in_memory("erp-changes", "erp-changes"),
        fixture("scheduled.json"),
        deadline,
    )
    .await
    .unwrap();
    assert_eq!(polled["kind"], "poll");
    assert_eq!(polled["inventory_events"], 3);
    assert_eq!(polled["cursor_advanced"], true);

    let resynced = erp_changes::handle(
        &poller,
        &FailureRecorder::in_memory("erp-changes", "erp-changes"),
        fixture("resync.json"),
        deadline,
    )
    .await
    .unwrap();
    assert_eq!(resynced["kind"], "resync");
    assert_eq!(resynced["inventory_events"], 2);
    assert_eq!(resynced["cursor_advanced"], false);
    assert_eq!(
        events
            .published
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, e)| e.kind == "InventoryChanged")
            .count(),
        5
    );
}

/// The bus, switchable off.
#[derive(Default)]
struct FlakyBus {
    down: std::sync::atomic::AtomicBool,
    inner: InMemoryPublisher,
}

#[async_trait::async_trait]
impl EventPublisher for FlakyBus {
    async fn publish(
        &self,
        source: &str,
        envelope: &Envelope<serde_json::Value>,
    ) -> Result<(), ServiceError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ServiceError::new("eventbridge", "ServiceUnavailable"));
        }
        self.inner.publish(source, envelope).await
    }
}

#[tokio::test]
async fn a_failed_run_is_recorded_against_the_feed_and_the_next_good_run_settles_it() {
    let bus = Arc::new(FlakyBus::default());
    bus.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let poller = Poller::new(
        Arc::new(InMemoryErp::new()),
        bus.clone(),
        CursorStore::new(Arc::new(InMemoryProjectionStore::new())),
        "twin",
    );
    let store = Arc::new(InMemoryFailureStore::new());
    let failures = FailureRecorder::new(store.clone(), erp_changes::FLOW, "erp-changes", 10);
    let deadline = SystemTime::now() + Duration::from_secs(60);
    let key = FailureKey::new("erp-changes", erp_changes::FEED);
    assert!(
        erp_changes::handle(&poller, &failures, fixture("scheduled.json"), deadline)
            .await
            .is_err()
    );
    assert!(
        erp_changes::handle(&poller, &failures, fixture("scheduled.json"), deadline)
            .await
            .is_err()
    );
    let open = store.get(&key).await.unwrap().expect("recorded");
    assert_eq!((open.attempts, open.is_open()), (2, true));
    assert!(open.error.contains("ServiceUnavailable"), "{}", open.error);

    bus.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let polled = erp_changes::handle(&poller, &failures, fixture("scheduled.json"), deadline)
        .await
        .unwrap();
    assert_eq!(
        polled["inventory_events"], 3,
        "the failed runs did not advance the cursor"
    );
    assert!(!store.get(&key).await.unwrap().unwrap().is_open());
}
