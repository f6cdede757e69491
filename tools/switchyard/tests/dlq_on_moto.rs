//! `switchyard dlq …` against SQS on moto (`make test` starts moto and sets `AWS_ENDPOINT_URL`),
//! with the in-memory twins of the failure store and audit log. Every test makes its own
//! uniquely named source queue and DLQ (joined by a redrive policy), under its own prefix.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use chrono::Utc;
use serde_json::{Value, json};
use switchyard::dlq::{self, Dlq, DlqError, Filter, OpsPorts, Plan, Quiet};
use switchyard_failures::{
    AuditLog, Failure, FailureClass, FailureKey, FailureStore, InMemoryAuditLog,
    InMemoryFailureStore,
};

struct Stack {
    sqs: aws_sdk_sqs::Client,
    config: aws_config::SdkConfig,
    prefix: String,
    source_url: String,
    dlq: Dlq,
    failures: Arc<InMemoryFailureStore>,
    audit: Arc<InMemoryAuditLog>,
}

impl Stack {
    /// `<prefix>-orders` dead-lettering into `<prefix>-orders-dlq` after 3 receives.
    async fn new() -> Self {
        assert!(
            std::env::var("AWS_ENDPOINT_URL").is_ok(),
            "AWS_ENDPOINT_URL is not set: these tests need moto; run them with `make test`"
        );
        let config = switchyard_platform::aws::load_config().await;
        let sqs = aws_sdk_sqs::Client::new(&config);
        let prefix = format!("dlqt{}", ulid::Ulid::new().to_string().to_lowercase());
        let dlq_url = create(&sqs, &format!("{prefix}-orders-dlq"), None).await;
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("DLQ attributes")
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .expect("a queue has an ARN");
        let policy = json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3 }).to_string();
        let source_url = create(&sqs, &format!("{prefix}-orders"), Some(policy)).await;
        let dlq = dlq::resolve(&sqs, &format!("{prefix}-orders-dlq"), Some(&prefix))
            .await
            .expect("resolve the DLQ");
        Stack {
            sqs,
            config,
            prefix,
            source_url,
            dlq,
            failures: Arc::new(InMemoryFailureStore::new()),
            audit: Arc::new(InMemoryAuditLog::new()),
        }
    }

    fn ports(&self) -> OpsPorts {
        OpsPorts {
            failures: self.failures.clone(),
            audit: self.audit.clone(),
        }
    }

    /// Puts an order envelope in the DLQ (as the source queue's redrive would), with a
    /// message attribute, and records its failure as the order processor would have.
    async fn dead_letter(&self, order: &str, channel: &str, class: FailureClass) -> String {
        let body = json!({
            "id": ulid::Ulid::new().to_string(),
            "type": "OrderSubmitted",
            "version": 1,
            "occurred_at": Utc::now(),
            "correlation_id": order,
            "channel": channel,
            "payload": { "order_id": order, "lines": [] },
        })
        .to_string();
        self.sqs
            .send_message()
            .queue_url(&self.dlq.url)
            .message_body(&body)
            .message_attributes(
                "trace",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(format!("trace-{order}"))
                    .build()
                    .expect("a string attribute"),
            )
            .send()
            .await
            .expect("send to the DLQ");
        self.failures
            .record(&Failure {
                key: FailureKey::new("orders", order),
                class,
                error: format!("{} failure of {order}", class.as_str()),
                function: "order-processor".into(),
                queue: format!("{}-orders", self.prefix),
                correlation_id: Some(order.into()),
                channel: Some(channel.into()),
                message_id: None,
                dead_lettered: true,
                at: Utc::now(),
            })
            .await
            .expect("record the failure");
        body
    }

    fn plan(&self, execute: bool) -> Plan {
        Plan {
            execute,
            ..Plan::default()
        }
    }

    async fn redrive(&self, plan: &Plan) -> dlq::Outcome {
        dlq::redrive(
            &self.sqs,
            &self.ports(),
            "tester",
            &self.dlq,
            &self.source_url,
            plan,
            &Quiet,
        )
        .await
        .expect("redrive")
    }
}

async fn create(sqs: &aws_sdk_sqs::Client, name: &str, redrive: Option<String>) -> String {
    let mut request = sqs.create_queue().queue_name(name);
    if let Some(policy) = redrive {
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy);
    }
    request
        .send()
        .await
        .expect("create a queue on moto")
        .queue_url
        .expect("a new queue has a URL")
}

/// (visible, in flight) as SQS counts them.
async fn depth(sqs: &aws_sdk_sqs::Client, url: &str) -> (u64, u64) {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .unwrap_or_default();
    let number = |name| {
        attributes
            .get(&name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (
        number(QueueAttributeName::ApproximateNumberOfMessages),
        number(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

/// Receives and deletes everything in the queue until a long poll finds it empty (bounded by a
/// deadline): bodies with their `trace` attribute.
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<(String, Option<String>)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while Instant::now() < deadline {
        let messages = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for message in messages {
            got.push((
                message.body.clone().unwrap_or_default(),
                message
                    .message_attributes
                    .as_ref()
                    .and_then(|a| a.get("trace"))
                    .and_then(|v| v.string_value.clone()),
            ));
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(message.receipt_handle.unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    got
}

/// The bodies a `show` sees (every message, released).
async fn bodies(stack: &Stack) -> BTreeSet<String> {
    dlq::show(&stack.sqs, &stack.ports(), &stack.dlq, &[], 0)
        .await
        .expect("show")
        .into_iter()
        .map(|m| m.body)
        .collect()
}

#[tokio::test]
async fn list_finds_the_dlq_with_its_depth_age_and_source() {
    let stack = Stack::new().await;
    stack
        .dead_letter("o-1", "shop-a", FailureClass::Transient)
        .await;
    stack
        .dead_letter("o-2", "shop-a", FailureClass::Transient)
        .await;
    let dlqs = dlq::list(&stack.sqs, Some(&stack.prefix))
        .await
        .expect("list");
    assert_eq!(dlqs.len(), 1, "only the DLQ, not its source: {dlqs:?}");
    let found = &dlqs[0];
    assert_eq!(found.name, format!("{}-orders-dlq", stack.prefix));
    assert_eq!(found.depth, 2);
    assert_eq!(found.sources, vec![format!("{}-orders", stack.prefix)]);
    let age = found.oldest_age_seconds.expect("a peek sees the messages");
    assert!((0..120).contains(&age), "age {age}");
    // The peek hid nothing.
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (2, 0));
    assert_eq!(
        serde_json::to_value(&dlqs).expect("serialises")[0]["depth"],
        json!(2)
    );
}

#[tokio::test]
async fn show_lists_messages_with_their_failure_records_and_consumes_nothing() {
    let stack = Stack::new().await;
    let mut sent = BTreeSet::new();
    for n in 0..12 {
        sent.insert(
            stack
                .dead_letter(&format!("o-{n}"), "shop-a", FailureClass::Business)
                .await,
        );
    }
    let shown = dlq::show(&stack.sqs, &stack.ports(), &stack.dlq, &[], 0)
        .await
        .expect("show");
    assert_eq!(
        shown
            .iter()
            .map(|m| m.body.clone())
            .collect::<BTreeSet<_>>(),
        sent
    );
    for message in &shown {
        let key = message.key.as_ref().expect("an envelope has a key");
        assert_eq!(key.flow, "orders");
        let record = message.failure.as_ref().expect("its failure record");
        assert_eq!(record.key, *key);
        assert_eq!(record.class, FailureClass::Business);
        assert_eq!(
            message.attributes["trace"],
            format!("trace-{}", key.subject)
        );
    }
    // Right after: all visible again, none in flight, and a consumer gets them at once.
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (12, 0));
    let again = stack
        .sqs
        .receive_message()
        .queue_url(&stack.dlq.url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .send()
        .await
        .expect("receive");
    assert_eq!(again.messages().len(), 10);
    // --limit takes that many; the JSON form parses back.
    let two = dlq::show(&stack.sqs, &stack.ports(), &stack.dlq, &[], 2)
        .await
        .expect("show --limit 2");
    assert_eq!(two.len(), 2);
    let text = serde_json::to_string(&json!({ "messages": two })).expect("serialises");
    let parsed: Value = serde_json::from_str(&text).expect("parses");
    assert_eq!(parsed["messages"][0]["failure"]["class"], "business");
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (12, 0));
}

#[tokio::test]
async fn a_dry_run_changes_nothing() {
    let stack = Stack::new().await;
    for n in 0..5 {
        stack
            .dead_letter(&format!("o-{n}"), "shop-a", FailureClass::Transient)
            .await;
    }
    let before = bodies(&stack).await;
    let outcome = stack.redrive(&stack.plan(false)).await;
    assert_eq!((outcome.matched, outcome.done), (5, 0));
    assert!(!outcome.executed && outcome.audit_id.is_none());
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (5, 0));
    assert_eq!(bodies(&stack).await, before);
    assert_eq!(depth(&stack.sqs, &stack.source_url).await, (0, 0));
    assert!(stack.audit.list(None, 0).await.expect("audit").is_empty());
}

#[tokio::test]
async fn a_redrive_moves_every_message_back_with_body_and_attributes_and_is_audited() {
    let stack = Stack::new().await;
    let mut sent = BTreeMap::new();
    for n in 0..7 {
        let order = format!("o-{n}");
        sent.insert(
            stack
                .dead_letter(&order, "shop-a", FailureClass::Transient)
                .await,
            Some(format!("trace-{order}")),
        );
    }
    let actor = dlq::actor(&aws_sdk_sts::Client::new(&stack.config))
        .await
        .expect("an actor");
    let outcome = dlq::redrive(
        &stack.sqs,
        &stack.ports(),
        &actor,
        &stack.dlq,
        &stack.source_url,
        &Plan {
            rate: 50.0,
            ..stack.plan(true)
        },
        &Quiet,
    )
    .await
    .expect("redrive");
    assert_eq!((outcome.matched, outcome.done), (7, 7));
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (0, 0));
    let moved: BTreeMap<_, _> = drain(&stack.sqs, &stack.source_url)
        .await
        .into_iter()
        .collect();
    assert_eq!(moved, sent);
    let entries = stack.audit.list(None, 0).await.expect("audit");
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(Some(&entry.id), outcome.audit_id.as_ref());
    assert_eq!(
        (entry.action.as_str(), entry.count, entry.outcome.as_str()),
        ("dlq.redrive", 7, "ok")
    );
    assert_eq!(entry.target, stack.dlq.name);
    // moto answers STS GetCallerIdentity: the actor is its ARN, not the local fallback.
    assert!(entry.actor.starts_with("arn:aws:"), "{}", entry.actor);
    assert_eq!(entry.details["rate"], json!(50.0));
    // A redrive does not resolve records: the consumer does when the order goes through.
    assert!(
        stack
            .failures
            .get(&FailureKey::new("orders", "o-0"))
            .await
            .expect("get")
            .expect("recorded")
            .is_open()
    );
}

#[tokio::test]
async fn a_redrive_stopped_half_way_and_run_again_moves_the_rest_and_loses_none() {
    let stack = Stack::new().await;
    let mut sent = BTreeSet::new();
    for n in 0..23 {
        sent.insert(
            stack
                .dead_letter(&format!("o-{n}"), "shop-a", FailureClass::Transient)
                .await,
        );
    }
    let first = stack
        .redrive(&Plan {
            limit: 10,
            ..stack.plan(true)
        })
        .await;
    assert_eq!(first.done, 10);
    // The rest is visible again at once for the second run (nothing left held).
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (13, 0));
    let second = stack.redrive(&stack.plan(true)).await;
    assert_eq!(second.done, 13);
    let moved: Vec<String> = drain(&stack.sqs, &stack.source_url)
        .await
        .into_iter()
        .map(|(body, _)| body)
        .collect();
    assert_eq!(moved.len(), 23, "each moved once");
    assert_eq!(moved.into_iter().collect::<BTreeSet<_>>(), sent);
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (0, 0));
    let counts: Vec<u64> = stack
        .audit
        .list(None, 0)
        .await
        .expect("audit")
        .iter()
        .map(|e| e.count)
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 23);
}

#[tokio::test]
async fn filters_select_which_messages_are_redriven() {
    let stack = Stack::new().await;
    let a1 = stack
        .dead_letter("a-1", "shop-a", FailureClass::Transient)
        .await;
    let a2 = stack
        .dead_letter("a-2", "shop-a", FailureClass::Business)
        .await;
    let b1 = stack
        .dead_letter("b-1", "shop-b", FailureClass::Transient)
        .await;
    let outcome = stack
        .redrive(&Plan {
            filters: vec![
                "channel=shop-a".parse().expect("filter"),
                "class=transient".parse().expect("filter"),
                "type=OrderSubmitted".parse().expect("filter"),
            ],
            ..stack.plan(true)
        })
        .await;
    assert_eq!((outcome.matched, outcome.done), (1, 1));
    let moved: Vec<String> = drain(&stack.sqs, &stack.source_url)
        .await
        .into_iter()
        .map(|(body, _)| body)
        .collect();
    assert_eq!(moved, vec![a1]);
    assert_eq!(bodies(&stack).await, BTreeSet::from([a2, b1]));
    let details = &stack.audit.list(None, 0).await.expect("audit")[0].details;
    assert_eq!(
        details["filters"],
        json!(["channel=shop-a", "class=transient", "type=OrderSubmitted"])
    );
    // Nothing is older than an hour; a type nobody sent matches nothing.
    for filter in ["older-than=1h", "type=ShipmentConfirmed"] {
        let none = stack
            .redrive(&Plan {
                filters: vec![filter.parse::<Filter>().expect("filter")],
                ..stack.plan(false)
            })
            .await;
        assert_eq!(none.matched, 0, "{filter}");
    }
    assert!("colour=red".parse::<Filter>().is_err());
    assert!("older-than=soon".parse::<Filter>().is_err());
}

#[tokio::test]
async fn purge_needs_execute_then_deletes_resolves_and_audits() {
    let stack = Stack::new().await;
    stack
        .dead_letter("p-1", "shop-a", FailureClass::Poison)
        .await;
    stack
        .dead_letter("p-2", "shop-b", FailureClass::Poison)
        .await;
    let refused = dlq::purge(
        &stack.sqs,
        &stack.ports(),
        "tester",
        &stack.dlq,
        &stack.plan(false),
        &Quiet,
    )
    .await;
    assert!(matches!(refused, Err(DlqError::Usage(_))), "{refused:?}");
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (2, 0));
    let plan = Plan {
        filters: vec!["channel=shop-a".parse().expect("filter")],
        ..stack.plan(true)
    };
    let outcome = dlq::purge(
        &stack.sqs,
        &stack.ports(),
        "tester",
        &stack.dlq,
        &plan,
        &Quiet,
    )
    .await
    .expect("purge");
    assert_eq!(outcome.done, 1);
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (1, 0));
    assert_eq!(depth(&stack.sqs, &stack.source_url).await, (0, 0));
    let record = stack
        .failures
        .get(&FailureKey::new("orders", "p-1"))
        .await
        .expect("get")
        .expect("recorded");
    assert!(record.resolution.expect("resolved").how.contains("purged"));
    let entries = stack.audit.list(None, 0).await.expect("audit");
    assert_eq!(
        (entries[0].action.as_str(), entries[0].count),
        ("dlq.purge", 1)
    );
    assert!(
        stack
            .failures
            .get(&FailureKey::new("orders", "p-2"))
            .await
            .expect("get")
            .expect("recorded")
            .is_open()
    );
}

#[tokio::test]
async fn the_source_queue_is_found_from_its_redrive_policy() {
    let stack = Stack::new().await;
    let source = dlq::source_of(&stack.sqs, &stack.dlq, Some(&stack.prefix))
        .await
        .expect("one source");
    assert_eq!(source, stack.source_url);
    // A DLQ nobody dead-letters into needs --to.
    let orphan_name = format!("{}-orphan-dlq", stack.prefix);
    create(&stack.sqs, &orphan_name, None).await;
    let orphan = dlq::resolve(&stack.sqs, &orphan_name, Some(&stack.prefix))
        .await
        .expect("resolve");
    assert_eq!(orphan.flow, "orphan");
    let into_itself = dlq::redrive(
        &stack.sqs,
        &stack.ports(),
        "tester",
        &stack.dlq,
        &stack.dlq.url,
        &stack.plan(true),
        &Quiet,
    )
    .await;
    assert!(matches!(into_itself, Err(DlqError::Usage(_))));
    assert!(matches!(
        dlq::source_of(&stack.sqs, &orphan, Some(&stack.prefix)).await,
        Err(DlqError::Usage(_))
    ));
}

/// The binary: `--json` parses, exit codes are as documented.
#[tokio::test]
async fn the_cli_prints_json_and_exits_as_documented() {
    let stack = Stack::new().await;
    stack
        .dead_letter("c-1", "shop-a", FailureClass::Transient)
        .await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(args)
            .env("SWITCHYARD_PREFIX", &stack.prefix)
            .env_remove("SWITCHYARD_OPS_TABLE")
            .output()
            .expect("run switchyard")
    };
    let list = run(&["dlq", "list", "--json"]);
    assert_eq!(
        list.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let parsed: Value = serde_json::from_slice(&list.stdout).expect("one JSON document");
    assert_eq!(parsed["dlqs"][0]["depth"], json!(1));
    assert_eq!(
        parsed["dlqs"][0]["sources"][0],
        json!(format!("{}-orders", stack.prefix))
    );
    let table = run(&["dlq", "list"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains(&stack.dlq.name));
    // Usage errors: 2.
    let purge = run(&["dlq", "purge", &stack.dlq.name]);
    assert_eq!(purge.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&purge.stderr).contains("--execute"));
    assert_eq!(
        run(&["dlq", "show", "q", "--filter", "colour=red"])
            .status
            .code(),
        Some(2)
    );
    // No ops table: the operation fails (1) and says so, nothing is touched.
    for args in [
        &["failures", "list", "--json"][..],
        &["audit", "list"][..],
        &["dlq", "redrive", &stack.dlq.name, "--execute", "--yes"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("SWITCHYARD_OPS_TABLE"));
    }
    assert_eq!(depth(&stack.sqs, &stack.dlq.url).await, (1, 0));
    let help = run(&["dlq", "redrive", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("idempotent") && help.contains("Exit codes"),
        "{help}"
    );
}
