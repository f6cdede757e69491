//! Hostile messages straight onto every consumer's queue — what a misrouted rule, a bad redrive
//! edit or a compromised producer could put there. None may be taken as work, and every one must
//! be visible to an operator as a poison failure under the message's subject, with its reason.
//! The consumers that redeliver poison at once (the processor, Amazon notifications, the EDI
//! acknowledger, the catalog projector, the order tracker) must also have moved it to their DLQ.
//! The stock and fulfilment pushers leave a poison message to their queues' visibility timeout
//! (90 s here) for each of its receives, so their dead letters arrive minutes later; for them the
//! failure record is what is checked.

use std::collections::BTreeSet;
use std::time::Duration;

use switchyard_e2e::dead_letters::OpsStores;
use switchyard_e2e::{setting, wait_until};
use switchyard_failures::{FailureClass, FailureKey, FailureStore, subject_of};

/// Every SQS consumer, by the queue it reads (the failure flow is the queue's name).
const QUEUES: [&str; 11] = [
    // Redeliver poison at once: dead-lettered within seconds.
    "orders",
    "amazon-notifications",
    "edi-acknowledgements",
    "catalog-events",
    "fulfilment-events",
    // Redeliver after their visibility timeout (see the module docs).
    "fulfilment-amazon",
    "fulfilment-shopify",
    "fulfilment-woocommerce",
    "stock-amazon",
    "stock-shopify",
    "stock-woocommerce",
];

/// The consumers that wait out their visibility timeout before a poison message comes back.
fn slow_to_dead_letter(queue: &str) -> bool {
    queue.starts_with("stock-")
        || (queue.starts_with("fulfilment-") && queue != "fulfilment-events")
}

/// Bodies no consumer can read, each made unique by `u` so that this run's records are its own.
/// (SQS itself refuses NUL and most control characters in a body, so they never reach a
/// consumer and are not here.)
fn hostile_bodies(u: &str) -> Vec<String> {
    vec![
        format!("not json {u}"),
        format!(r#"{{"id":"{u}""#),
        format!(r#"{{"id":"{u}","id":"{u}-second"}}"#),
        format!("{}\"{u}\"{}", "[".repeat(1000), "]".repeat(1000)),
        format!(r#"{{"id":"{u}","payload":1e400}}"#),
        format!(r#""{u}""#),
        format!(r#"{{"id":"{u}","detail":{{"payload":{{"order":null}}}}}}"#),
        format!(r#"{{"id":"{u}","version":"1","type":"OrderSubmitted","payload":"\u202e{u}"}}"#),
        format!(r#"{{"id":"{u}","padding":"{}"}}"#, "p".repeat(100 * 1024)),
    ]
}

fn queue_url(name: &str) -> String {
    let orders = setting("SWITCHYARD_ORDERS_QUEUE_URL");
    let (base, own) = orders.rsplit_once('/').unwrap();
    let prefix = own.strip_suffix("orders").unwrap();
    format!("{base}/{prefix}{name}")
}

#[tokio::test]
async fn every_unreadable_message_on_every_queue_becomes_a_visible_dead_letter() {
    let ops = OpsStores::from_env().await;
    let run = ulid::Ulid::new().to_string();
    let mut expected = vec![];
    for queue in QUEUES {
        let url = queue_url(queue);
        // Each body its own subject: two messages about one subject share one failure record.
        let bodies = (0..hostile_bodies("").len())
            .map(|i| hostile_bodies(&format!("{queue}-{run}-{i}")).swap_remove(i));
        for body in bodies {
            ops.sqs
                .send_message()
                .queue_url(&url)
                .message_body(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("send to {queue}: {e:?}"));
            expected.push((queue, body));
        }
    }

    let keys: Vec<(FailureKey, &str)> = expected
        .iter()
        .map(|(queue, body)| (FailureKey::new(*queue, subject_of(body)), *queue))
        .collect();
    let total = keys.len();
    let dead: BTreeSet<String> = wait_until(
        Duration::from_secs(240),
        "every hostile message recorded as poison (and dead-lettered where that is immediate)",
        || async {
            let mut done = BTreeSet::new();
            let mut missing = vec![];
            for (key, queue) in &keys {
                match ops.failures.get(key).await.unwrap() {
                    Some(r)
                        if r.class == FailureClass::Poison
                            && !r.error.is_empty()
                            && (r.dead_lettered_at.is_some() || slow_to_dead_letter(queue)) =>
                    {
                        done.insert(format!("{}/{}", key.flow, key.subject));
                    }
                    other => missing.push(format!(
                        "{queue}: {} ({})",
                        key.subject.chars().take(60).collect::<String>(),
                        other.map_or("no record".into(), |r| format!(
                            "{} attempts, {:?}",
                            r.attempts, r.error
                        ))
                    )),
                }
            }
            if missing.is_empty() {
                Ok(done)
            } else {
                Err(format!(
                    "{} of {total} not dead-lettered, e.g. {:?}",
                    missing.len(),
                    &missing[..missing.len().min(3)]
                ))
            }
        },
    )
    .await;
    assert_eq!(dead.len(), total, "one failure record per hostile message");

    // And each message is in its queue's DLQ, where `switchyard dlq` finds it.
    for queue in QUEUES.into_iter().filter(|q| !slow_to_dead_letter(q)) {
        let dlq = queue_url(&format!("{queue}-dlq"));
        let ours: Vec<&String> = expected
            .iter()
            .filter(|(q, _)| *q == queue)
            .map(|(_, b)| b)
            .collect();
        let found = wait_until(
            Duration::from_secs(60),
            &format!("the hostile messages in {queue}-dlq"),
            || async {
                let seen = peek_all(&ops.sqs, &dlq).await;
                let absent = ours.iter().filter(|b| !seen.contains(**b)).count();
                if absent == 0 {
                    Ok(seen.len())
                } else {
                    Err(format!("{absent} of {} not in {queue}-dlq", ours.len()))
                }
            },
        )
        .await;
        assert!(found >= ours.len());
    }
}

/// Every body in `url`: each page is hidden for a moment while the next is read, so the scan
/// sees every message once, and then all are released at once (nothing is consumed).
async fn peek_all(sqs: &aws_sdk_sqs::Client, url: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut handles = vec![];
    loop {
        let page = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .send()
            .await
            .unwrap();
        if page.messages().is_empty() {
            break;
        }
        for m in page.messages() {
            seen.extend(m.body().map(str::to_string));
            handles.extend(m.receipt_handle().map(str::to_string));
        }
    }
    for handle in handles {
        let _ = sqs
            .change_message_visibility()
            .queue_url(url)
            .receipt_handle(handle)
            .visibility_timeout(0)
            .send()
            .await;
    }
    seen
}
