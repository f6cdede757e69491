//! The contract every [`EdiStore`] adapter passes: the in-memory twin in this crate's tests,
//! DynamoDB on moto in `tests/adapters`. Instantiate every case with
//! [`edi_store_contract_tests!`](crate::edi_store_contract_tests).
#![allow(clippy::missing_panics_doc)]

use std::collections::BTreeSet;

use switchyard_model::{ChannelName, OrderId};

use crate::{EdiStore, OutboxDocument};

fn channel(name: &str) -> ChannelName {
    ChannelName::try_from(name).expect("a valid channel name")
}

fn document(channel: &ChannelName, id: &str, content: &str, at: &str) -> OutboxDocument {
    OutboxDocument {
        id: id.into(),
        channel: channel.clone(),
        kind: id.split('-').next().unwrap_or("855").into(),
        created_at: at.parse().expect("a valid instant"),
        order_ids: vec!["01ORDER".into()],
        content: content.into(),
    }
}

fn ids_and_contents(documents: Vec<OutboxDocument>) -> Vec<(String, String)> {
    documents.into_iter().map(|d| (d.id, d.content)).collect()
}

/// Control numbers start at 1 and go up by one per call, each channel counting on its own (a
/// partner sees its own ISA13 sequence).
pub async fn control_numbers_count_up_per_channel(store: &dyn EdiStore) {
    let (partner, other) = (channel("acme-edi"), channel("other-edi"));
    assert_eq!(store.next_control_number(&partner).await.unwrap(), 1);
    assert_eq!(store.next_control_number(&partner).await.unwrap(), 2);
    assert_eq!(
        store.next_control_number(&other).await.unwrap(),
        1,
        "per partner"
    );
    assert_eq!(store.next_control_number(&partner).await.unwrap(), 3);
}

/// Ten concurrent calls (a 997 and 855s written by different Lambda instances at once) get ten
/// distinct numbers, 1 to 10: no two interchanges share an ISA13.
pub async fn concurrent_control_numbers_are_distinct(store: &dyn EdiStore) {
    let partner = channel("acme-edi");
    let numbers = futures::future::join_all((0..10).map(|_| store.next_control_number(&partner)))
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .collect::<BTreeSet<u32>>();
    assert_eq!(numbers, (1..=10).collect());
}

/// A document reads back whole, and an id nothing was written under reads as `None`.
pub async fn a_document_reads_back_whole_and_a_missing_one_as_none(store: &dyn EdiStore) {
    let partner = channel("acme-edi");
    let mut written = document(
        &partner,
        "997-01J",
        "ISA*00*~",
        "2026-11-27T10:00:00.123456789Z",
    );
    written.order_ids = vec!["01ORDERA".into(), "01ORDERB".into()];
    store.put_document(&written).await.unwrap();
    assert_eq!(
        store.document(&partner, "997-01J").await.unwrap(),
        Some(written)
    );
    assert_eq!(store.document(&partner, "997-missing").await.unwrap(), None);
    assert_eq!(
        store
            .document(&channel("other-edi"), "997-01J")
            .await
            .unwrap(),
        None,
        "a document belongs to its channel"
    );
}

/// Writing an id already in the outbox (a repeated acknowledgement) keeps one document, the
/// first content; the list is oldest first whatever order the documents were written in.
pub async fn an_id_is_kept_once_and_documents_list_oldest_first(store: &dyn EdiStore) {
    let partner = channel("acme-edi");
    let other = channel("other-edi");
    for d in [
        document(&partner, "855-c", "third", "2026-11-27T10:00:02Z"),
        document(&partner, "855-b", "second", "2026-11-27T10:00:01Z"),
        document(&partner, "855-a", "first", "2026-11-27T10:00:00Z"),
        document(&partner, "855-a", "rewritten", "2026-11-27T10:00:03Z"),
    ] {
        store.put_document(&d).await.unwrap();
    }
    assert_eq!(
        ids_and_contents(store.documents(&partner).await.unwrap()),
        [
            ("855-a".into(), "first".into()),
            ("855-b".into(), "second".into()),
            ("855-c".into(), "third".into()),
        ],
        "oldest first, and an id once"
    );
    assert_eq!(
        store
            .document(&partner, "855-a")
            .await
            .unwrap()
            .map(|d| d.content),
        Some("first".into()),
        "the first content wins"
    );
    assert!(store.documents(&other).await.unwrap().is_empty());
}

/// Documents written in the same instant list in id order, so a partner paging through the
/// outbox sees a stable order.
pub async fn documents_of_one_instant_list_by_id(store: &dyn EdiStore) {
    let partner = channel("acme-edi");
    for id in ["997-c", "997-a", "997-b"] {
        store
            .put_document(&document(&partner, id, id, "2026-11-27T10:00:00Z"))
            .await
            .unwrap();
    }
    let ids: Vec<String> = store
        .documents(&partner)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["997-a", "997-b", "997-c"]);
}

/// The same id in two channels is two documents (ids are unique within a channel only).
pub async fn ids_are_unique_within_a_channel_only(store: &dyn EdiStore) {
    let (partner, other) = (channel("acme-edi"), channel("other-edi"));
    store
        .put_document(&document(
            &partner,
            "855-x",
            "for acme",
            "2026-11-27T10:00:00Z",
        ))
        .await
        .unwrap();
    store
        .put_document(&document(
            &other,
            "855-x",
            "for other",
            "2026-11-27T10:00:00Z",
        ))
        .await
        .unwrap();
    assert_eq!(
        ids_and_contents(store.documents(&partner).await.unwrap()),
        [("855-x".into(), "for acme".into())]
    );
    assert_eq!(
        ids_and_contents(store.documents(&other).await.unwrap()),
        [("855-x".into(), "for other".into())]
    );
}

/// Of eight concurrent writes of one id with different contents, exactly one is kept.
pub async fn concurrent_writes_of_one_id_keep_one_document(store: &dyn EdiStore) {
    let partner = channel("acme-edi");
    let documents: Vec<OutboxDocument> = (0..8)
        .map(|i| {
            document(
                &partner,
                "855-once",
                &format!("copy {i}"),
                "2026-11-27T10:00:00Z",
            )
        })
        .collect();
    for result in futures::future::join_all(documents.iter().map(|d| store.put_document(d))).await {
        result.unwrap();
    }
    let listed = store.documents(&partner).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(documents.contains(&listed[0]));
}

/// Collecting a document removes it (true); collecting it again, or in another channel, finds
/// nothing (false), so a partner's second confirmation is a 404.
pub async fn collect_is_true_once_then_false(store: &dyn EdiStore) {
    let (partner, other) = (channel("acme-edi"), channel("other-edi"));
    store
        .put_document(&document(
            &partner,
            "855-a",
            "first",
            "2026-11-27T10:00:00Z",
        ))
        .await
        .unwrap();
    store
        .put_document(&document(
            &partner,
            "855-b",
            "second",
            "2026-11-27T10:00:01Z",
        ))
        .await
        .unwrap();
    assert!(
        !store.collect(&other, "855-a").await.unwrap(),
        "another channel cannot collect it"
    );
    assert!(store.collect(&partner, "855-a").await.unwrap());
    assert!(!store.collect(&partner, "855-a").await.unwrap());
    assert!(!store.collect(&partner, "855-never").await.unwrap());
    assert_eq!(store.document(&partner, "855-a").await.unwrap(), None);
    assert_eq!(
        ids_and_contents(store.documents(&partner).await.unwrap()),
        [("855-b".into(), "second".into())]
    );
}

/// A pending acknowledgement reads back as written, the latest write winning; an order that did
/// not come by EDI has none.
pub async fn pending_acks_read_back_per_order(store: &dyn EdiStore) {
    let (order, other) = (OrderId::generate(), OrderId::generate());
    assert_eq!(store.pending_ack(order).await.unwrap(), None);
    let pending = serde_json::json!({"po": "PO-1", "lines": [1, 2], "test": false});
    store.put_pending_ack(order, &pending).await.unwrap();
    assert_eq!(store.pending_ack(order).await.unwrap(), Some(pending));
    let again = serde_json::json!({"po": "PO-1", "lines": [1, 2, 3], "test": false});
    store.put_pending_ack(order, &again).await.unwrap();
    assert_eq!(store.pending_ack(order).await.unwrap(), Some(again));
    assert_eq!(store.pending_ack(other).await.unwrap(), None);
}

/// An interchange's answer and its orders' contexts land together, however many orders it
/// carried (more than one DynamoDB transaction holds), and writing them again changes nothing.
pub async fn an_answer_and_its_contexts_are_written_together(store: &dyn EdiStore) {
    let partner = channel("acme-edi");
    let contexts: Vec<(OrderId, serde_json::Value)> = (0..150)
        .map(|n| {
            (
                OrderId::generate(),
                serde_json::json!({"po": format!("PO-{n}"), "lines": [n]}),
            )
        })
        .collect();
    let answer = document(&partner, "997-01A", "ISA*00~", "2026-01-01T00:00:00Z");
    store
        .put_document_and_contexts(&answer, &contexts)
        .await
        .unwrap();
    store
        .put_document_and_contexts(&answer, &contexts)
        .await
        .unwrap();
    for (order, context) in &contexts {
        assert_eq!(
            store.pending_ack(*order).await.unwrap().as_ref(),
            Some(context)
        );
    }
    assert_eq!(
        ids_and_contents(store.documents(&partner).await.unwrap()),
        [("997-01A".into(), "ISA*00~".into())]
    );
    let alone = document(&partner, "997-01B", "ISA*01~", "2026-01-01T00:00:01Z");
    store.put_document_and_contexts(&alone, &[]).await.unwrap();
    assert_eq!(store.documents(&partner).await.unwrap().len(), 2);
}

/// One `#[tokio::test]` per contract case, each on a fresh store made by `$store` (an
/// expression, awaited inside the test if it needs to be).
#[macro_export]
macro_rules! edi_store_contract_tests {
    ($store:expr) => {
        $crate::edi_store_contract_tests!(@cases $store;
            control_numbers_count_up_per_channel,
            concurrent_control_numbers_are_distinct,
            a_document_reads_back_whole_and_a_missing_one_as_none,
            an_id_is_kept_once_and_documents_list_oldest_first,
            documents_of_one_instant_list_by_id,
            ids_are_unique_within_a_channel_only,
            concurrent_writes_of_one_id_keep_one_document,
            collect_is_true_once_then_false,
            pending_acks_read_back_per_order,
            an_answer_and_its_contexts_are_written_together);
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
