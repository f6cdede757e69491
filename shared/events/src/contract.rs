//! The contract every [`EventPublisher`] adapter passes: the in-memory twin in this crate's
//! tests, EventBridge on moto in `tests/adapters` (a rule on the bus sends every event to a
//! queue the contract reads). Instantiate every case with
//! [`event_publisher_contract_tests!`](crate::event_publisher_contract_tests).
#![allow(clippy::missing_panics_doc)]

use std::time::Duration;

use switchyard_model::envelope::Envelope;

use crate::EventPublisher;

/// An event as a consumer downstream of the bus sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// EventBridge `source` (`switchyard.orders`).
    pub source: String,
    /// EventBridge `detail-type`: the envelope's type.
    pub detail_type: String,
    /// EventBridge `detail`: the whole envelope.
    pub detail: serde_json::Value,
}

/// The consumer's side of the bus, which the contract reads to see what was published.
#[async_trait::async_trait]
pub trait PublishedEvents: EventPublisher {
    /// Every event delivered so far and not yet read, waiting up to `wait` for `count` of them.
    async fn delivered(&self, count: usize, wait: Duration) -> Vec<Delivered>;
}

fn envelope(kind: &str, n: u32) -> Envelope<serde_json::Value> {
    Envelope {
        id: ulid::Ulid::new(),
        kind: kind.to_string(),
        version: 1,
        occurred_at: chrono::Utc::now(),
        correlation_id: format!("corr-{n}"),
        channel: "shop-a".into(),
        payload: serde_json::json!({"order_id": format!("order-{n}"), "erp_reference": "SO0042",
            "total": {"amount": "1234.5600", "currency": "USD"}, "note": "ünïcødé ✓"}),
    }
}

/// A published event reaches the bus's consumers whole: the source, the envelope's type as
/// `detail-type`, the envelope as `detail`, decimal strings and all.
pub async fn a_published_event_arrives_whole(bus: &dyn PublishedEvents) {
    let sent = envelope("OrderAccepted", 1);
    bus.publish("switchyard.orders", &sent).await.unwrap();
    let delivered = bus.delivered(1, Duration::from_secs(10)).await;
    assert_eq!(
        delivered,
        vec![Delivered {
            source: "switchyard.orders".into(),
            detail_type: "OrderAccepted".into(),
            detail: serde_json::to_value(&sent).unwrap(),
        }]
    );
}

/// Every event of a burst, of several types and sources, is delivered exactly once.
pub async fn every_event_of_a_burst_arrives_once(bus: &dyn PublishedEvents) {
    let sent: Vec<(&str, Envelope<serde_json::Value>)> = (0..6)
        .map(|n| {
            if n % 2 == 0 {
                ("switchyard.orders", envelope("OrderAccepted", n))
            } else {
                ("switchyard.inventory", envelope("InventoryChanged", n))
            }
        })
        .collect();
    for (source, e) in &sent {
        bus.publish(source, e).await.unwrap();
    }
    let mut ids: Vec<String> = bus
        .delivered(sent.len(), Duration::from_secs(10))
        .await
        .iter()
        .map(|d| d.detail["id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = sent.iter().map(|(_, e)| e.id.to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

/// Publishing the same envelope twice delivers it twice, with one id: de-duplication is the
/// consumers' job (by envelope id), so a republish after a crash is safe.
pub async fn a_republished_envelope_keeps_its_id(bus: &dyn PublishedEvents) {
    let sent = envelope("OrderAccepted", 7);
    bus.publish("switchyard.orders", &sent).await.unwrap();
    bus.publish("switchyard.orders", &sent).await.unwrap();
    let delivered = bus.delivered(2, Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 2);
    assert!(
        delivered
            .iter()
            .all(|d| d.detail["id"] == sent.id.to_string())
    );
}

/// A batch larger than one PutEvents call (ten entries) is delivered whole, each event once.
pub async fn a_batch_of_more_than_ten_arrives_whole(bus: &dyn PublishedEvents) {
    let sent: Vec<Envelope<serde_json::Value>> =
        (0..23).map(|n| envelope("InventoryChanged", n)).collect();
    bus.publish_all("switchyard.inventory", &sent)
        .await
        .unwrap();
    let delivered = bus.delivered(sent.len(), Duration::from_secs(15)).await;
    let mut ids: Vec<String> = delivered
        .iter()
        .map(|d| d.detail["id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    let mut want: Vec<String> = sent.iter().map(|e| e.id.to_string()).collect();
    want.sort();
    assert_eq!(ids, want);
    assert!(delivered.iter().all(|d| d.source == "switchyard.inventory"));
}

/// One `#[tokio::test]` per [`EventPublisher`] case, each on a fresh bus made by `$bus` (an
/// expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! event_publisher_contract_tests {
    ($bus:expr) => {
        $crate::event_publisher_contract_tests!(@cases $bus;
            a_published_event_arrives_whole,
            every_event_of_a_burst_arrives_once,
            a_republished_envelope_keeps_its_id,
            a_batch_of_more_than_ten_arrives_whole);
    };
    (@cases $bus:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let bus = $bus;
                $crate::contract::$case(&bus).await;
            }
        )*
    };
}

#[async_trait::async_trait]
impl PublishedEvents for crate::InMemoryPublisher {
    async fn delivered(&self, _count: usize, _wait: Duration) -> Vec<Delivered> {
        // Everything published is delivered at once in memory; reading consumes it, as
        // receiving and deleting from the consumer's queue does.
        let published = self.published.lock().unwrap();
        let read = self
            .read
            .swap(published.len(), std::sync::atomic::Ordering::SeqCst);
        published[read..]
            .iter()
            .map(|(source, e)| Delivered {
                source: source.clone(),
                detail_type: e.kind.clone(),
                detail: serde_json::to_value(e).expect("envelopes serialise"),
            })
            .collect()
    }
}
