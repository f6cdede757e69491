//! The cases every [`FailureStore`] and [`AuditLog`] must pass, on the twins and on DynamoDB.
//! Each case uses keys of its own, so cases can share a store.

use chrono::{Duration, Utc};

use crate::{AuditEntry, AuditLog, Failure, FailureClass, FailureFilter, FailureKey, FailureStore};

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new())
}

fn failure(key: &FailureKey, class: FailureClass, error: &str) -> Failure {
    Failure {
        key: key.clone(),
        class,
        error: error.into(),
        function: "order-processor".into(),
        queue: "orders".into(),
        correlation_id: Some(key.subject.clone()),
        channel: Some("demo-shop".into()),
        message_id: Some(unique("m")),
        dead_lettered: false,
        at: Utc::now(),
    }
}

/// Repeated failures of one key are one record counting attempts, keeping the first time and
/// the latest error; the DLQ arrival is remembered.
pub async fn repeats_fold_into_one_record(store: &dyn FailureStore) {
    let key = FailureKey::new("orders", unique("order"));
    store
        .record(&failure(&key, FailureClass::Transient, "ERP down"))
        .await
        .unwrap();
    let mut last = failure(&key, FailureClass::Business, "unknown SKU");
    last.dead_lettered = true;
    last.at = Utc::now() + Duration::seconds(5);
    let record = store.record(&last).await.unwrap();
    assert_eq!(record.attempts, 2);
    assert_eq!(record.class, FailureClass::Business);
    assert_eq!(record.error, "unknown SKU");
    assert!(record.first_failed_at < record.last_failed_at);
    assert!(record.dead_lettered_at.is_some());
    assert_eq!(store.get(&key).await.unwrap(), Some(record));
}

/// A resolved record says how; a later failure of the same key opens a fresh record.
pub async fn a_success_resolves_and_a_new_failure_reopens(store: &dyn FailureStore) {
    let key = FailureKey::new("stock-shopify", unique("demo-shopify#WIDGET-S"));
    store
        .record(&failure(&key, FailureClass::Transient, "503"))
        .await
        .unwrap();
    assert!(
        store
            .resolve(&key, "a newer level was pushed", Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !store.resolve(&key, "again", Utc::now()).await.unwrap(),
        "resolved once"
    );
    let resolved = store.get(&key).await.unwrap().unwrap();
    assert_eq!(resolved.resolution.unwrap().how, "a newer level was pushed");
    assert!(
        !store
            .resolve(&FailureKey::new("orders", unique("none")), "x", Utc::now())
            .await
            .unwrap()
    );
    let reopened = store
        .record(&failure(&key, FailureClass::Transient, "503 again"))
        .await
        .unwrap();
    assert!(reopened.is_open());
    assert_eq!(reopened.attempts, 1);
}

/// Lists filter on open, flow and channel, newest first.
pub async fn lists_filter_and_sort(store: &dyn FailureStore) {
    let flow = unique("flow");
    let older = FailureKey::new(&flow, "a");
    let newer = FailureKey::new(&flow, "b");
    let mut first = failure(&older, FailureClass::Poison, "unreadable");
    first.at = Utc::now() - Duration::seconds(60);
    store.record(&first).await.unwrap();
    store
        .record(&failure(&newer, FailureClass::Transient, "timeout"))
        .await
        .unwrap();
    let all = store
        .list(&FailureFilter {
            flow: Some(flow.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let subjects: Vec<_> = all.iter().map(|r| r.key.subject.as_str()).collect();
    assert_eq!(subjects, ["b", "a"]);
    store.resolve(&newer, "posted", Utc::now()).await.unwrap();
    let open = store
        .list(&FailureFilter {
            flow: Some(flow.clone()),
            open: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].key, older);
    let other_channel = store
        .list(&FailureFilter {
            flow: Some(flow),
            channel: Some("nobody".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(other_channel.is_empty());
}

/// Consumers recording one key at once count every attempt (none is lost to a race).
pub async fn concurrent_records_count_every_attempt(store: &dyn FailureStore) {
    let key = FailureKey::new("orders", unique("order"));
    let attempt = |error: &'static str| {
        let failure = failure(&key, FailureClass::Transient, error);
        async move { store.record(&failure).await.unwrap() }
    };
    let counted = tokio::join!(
        attempt("one"),
        attempt("two"),
        attempt("three"),
        attempt("four"),
        attempt("five")
    );
    let mut returned = [
        counted.0.attempts,
        counted.1.attempts,
        counted.2.attempts,
        counted.3.attempts,
        counted.4.attempts,
    ];
    returned.sort();
    assert_eq!(returned, [1, 2, 3, 4, 5], "each writer saw its own attempt");
    assert_eq!(store.get(&key).await.unwrap().unwrap().attempts, 5);
}

/// A resolve racing a record loses neither: either the resolve came first and the failure
/// opened a fresh record, or the failure counted and the resolve closed the record after it.
pub async fn a_resolve_racing_a_record_loses_neither(store: &dyn FailureStore) {
    let key = FailureKey::new("orders", unique("order"));
    store
        .record(&failure(&key, FailureClass::Transient, "ERP down"))
        .await
        .unwrap();
    let again = failure(&key, FailureClass::Transient, "ERP down again");
    let (resolved, recorded) = tokio::join!(
        store.resolve(&key, "posted after a redrive", Utc::now()),
        store.record(&again)
    );
    assert!(
        resolved.unwrap(),
        "the record was open when the resolve began"
    );
    recorded.unwrap();
    let after = store.get(&key).await.unwrap().unwrap();
    match &after.resolution {
        None => assert_eq!(
            after.attempts, 1,
            "resolved, then a fresh record: {after:?}"
        ),
        Some(how) => {
            assert_eq!(how.how, "posted after a redrive");
            assert_eq!(after.attempts, 2, "counted, then resolved: {after:?}");
        }
    }
}

/// The audit log appends, never overwrites, and lists newest first.
pub async fn the_audit_log_only_appends(log: &dyn AuditLog) {
    let since = Utc::now() - Duration::seconds(1);
    let first = AuditEntry::new(
        "arn:aws:iam::123456789012:user/ops",
        "dlq.redrive",
        unique("q"),
    );
    log.append(&first).await.unwrap();
    let mut second = AuditEntry::new(
        "arn:aws:iam::123456789012:user/ops",
        "dlq.purge",
        unique("q"),
    );
    second.count = 3;
    log.append(&second).await.unwrap();
    let mut overwrite = first.clone();
    overwrite.outcome = "failed".into();
    assert!(
        log.append(&overwrite).await.is_err(),
        "an entry is never overwritten"
    );
    let listed = log.list(Some(since), 0).await.unwrap();
    let ids: Vec<_> = listed.iter().map(|e| e.id.as_str()).collect();
    let (a, b) = (
        ids.iter().position(|i| *i == first.id).unwrap(),
        ids.iter().position(|i| *i == second.id).unwrap(),
    );
    assert!(b < a, "newest first");
    assert_eq!(listed[b], second);
    let mut same_id_later = first.clone();
    same_id_later.at = Utc::now() + Duration::seconds(1);
    assert!(
        log.append(&same_id_later).await.is_err(),
        "an id is used once, whatever the time"
    );
    let only_second = log
        .list(Some(since), 1)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect::<Vec<_>>();
    assert_eq!(only_second.len(), 1, "the limit holds");
    assert_eq!(
        log.list(None, 0)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.id == first.id)
            .count(),
        1,
        "listing all (no since) finds the entry once"
    );
    let long_ago = log
        .list(Some(Utc::now() - Duration::days(60)), 0)
        .await
        .unwrap();
    let found: Vec<_> = long_ago
        .iter()
        .filter(|e| e.id == first.id || e.id == second.id)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        found,
        [second.id.as_str(), first.id.as_str()],
        "a since months back finds both, newest first"
    );
}

/// One `#[tokio::test]` per [`FailureStore`] case, each on the store `$store` makes.
#[macro_export]
macro_rules! failure_store_contract_tests {
    ($store:expr) => {
        $crate::failure_store_contract_tests!(@cases $store;
            repeats_fold_into_one_record,
            a_success_resolves_and_a_new_failure_reopens,
            lists_filter_and_sort,
            concurrent_records_count_every_attempt,
            a_resolve_racing_a_record_loses_neither);
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

/// The [`AuditLog`] case, on the log `$log` makes.
#[macro_export]
macro_rules! audit_log_contract_tests {
    ($log:expr) => {
        #[tokio::test]
        async fn the_audit_log_only_appends() {
            let log = $log;
            $crate::contract::the_audit_log_only_appends(&log).await;
        }
    };
}
