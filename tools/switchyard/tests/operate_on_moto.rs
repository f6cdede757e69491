//! `switchyard dlq edit`, `quarantine show|replay` and `orders retry` against SQS on moto
//! (`make test` starts moto and sets `AWS_ENDPOINT_URL`), with the in-memory twins of the
//! order, channel, idempotency, failure and audit stores. Every test makes its own uniquely
//! named queues.

use std::sync::Arc;

use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use chrono::Utc;
use serde_json::{Value, json};
use switchyard::dlq::{self, Dlq, OpsPorts};
use switchyard::edit::EditError;
use switchyard::orders::OrdersError;
use switchyard::quarantine::ReplayPorts;
use switchyard_channels::{Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory};
use switchyard_failures::{AuditLog, InMemoryAuditLog, InMemoryFailureStore};
use switchyard_intake::Intake;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderSubmitted;
use switchyard_model::{ChannelName, Order, OrderId, OrderStatus, Sku};
use switchyard_orders::{InMemoryOrderStore, OrderRecord, OrderStore, SqsQueue};
use switchyard_quarantine::{QuarantinedDelivery, SqsQuarantine};

async fn sqs() -> aws_sdk_sqs::Client {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL is not set: these tests need moto; run them with `make test`"
    );
    aws_sdk_sqs::Client::new(&switchyard_platform::aws::load_config().await)
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", ulid::Ulid::new().to_string().to_lowercase())
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

/// Everything visible in the queue now, (message id, body, attributes), received with
/// visibility 0 so nothing is hidden from the next look.
async fn visible(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<(String, String, Vec<String>)> {
    let mut seen = std::collections::BTreeMap::new();
    // One receive may not return every message: a few looks, all with visibility 0.
    for _ in 0..5 {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default();
        for m in got {
            let mut attributes: Vec<String> = m
                .message_attributes
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| format!("{k}={}", v.string_value.unwrap_or_default()))
                .collect();
            attributes.sort();
            seen.insert(
                m.message_id.unwrap_or_default(),
                (m.body.unwrap_or_default(), attributes),
            );
        }
    }
    seen.into_iter().map(|(id, (b, a))| (id, b, a)).collect()
}

fn order(channel: &str) -> Order {
    let body = json!({"external_id": unique("PO-"), "currency": "USD",
        "customer": {"name": "Acme"},
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25"}]});
    let ctx = CaptureContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from(channel).unwrap(),
        default_customer: Some("DEMO-SHOP".into()),
    };
    parse_order(&body, &ctx).expect("a valid order")
}

struct Dlqs {
    sqs: aws_sdk_sqs::Client,
    source_url: String,
    dlq: Dlq,
    audit: Arc<InMemoryAuditLog>,
    ports: OpsPorts,
}

/// `<prefix>-orders` dead-lettering into `<prefix>-orders-dlq`, with one OrderSubmitted
/// envelope (and a message attribute) in the DLQ; returns its message id and body.
async fn orders_dlq_with_one_message() -> (Dlqs, String, String) {
    let sqs = sqs().await;
    let prefix = unique("edit");
    let dlq_url = create(&sqs, &format!("{prefix}-orders-dlq"), None).await;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .unwrap();
    let policy = json!({ "deadLetterTargetArn": arn, "maxReceiveCount": 3 }).to_string();
    let source_url = create(&sqs, &format!("{prefix}-orders"), Some(policy)).await;
    let dlq = dlq::resolve(&sqs, &dlq_url, Some(&prefix)).await.unwrap();
    assert_eq!(dlq.flow, "orders");
    let order = order("shop");
    let body = serde_json::to_string(&Envelope::new(
        "shop",
        order.id.to_string(),
        OrderSubmitted { order },
    ))
    .unwrap();
    let sent = sqs
        .send_message()
        .queue_url(&dlq_url)
        .message_body(&body)
        .message_attributes(
            "trace",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("trace-1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let audit = Arc::new(InMemoryAuditLog::new());
    let ports = OpsPorts {
        failures: Arc::new(InMemoryFailureStore::new()),
        audit: audit.clone(),
    };
    (
        Dlqs {
            sqs,
            source_url,
            dlq,
            audit,
            ports,
        },
        sent.message_id.unwrap(),
        body,
    )
}

#[tokio::test]
async fn an_edit_with_a_body_the_processor_cannot_read_is_refused_and_changes_nothing() {
    let (s, id, body) = orders_dlq_with_one_message().await;
    let before = visible(&s.sqs, &s.dlq.url).await;
    let mut wrong_type: Value = serde_json::from_str(&body).unwrap();
    wrong_type["type"] = json!("OrderAccepted");
    let mut bad_payload: Value = serde_json::from_str(&body).unwrap();
    bad_payload["payload"]["order"]["lines"] = json!("none");
    for (bad, why) in [
        ("{not json".to_string(), "not JSON"),
        (wrong_type.to_string(), "order processor reads"),
        (bad_payload.to_string(), "malformed envelope"),
    ] {
        let refused =
            switchyard::edit::edit(&s.sqs, &s.ports, "tester", &s.dlq, &s.source_url, &id, &bad)
                .await
                .expect_err("a body the processor cannot read is refused");
        match refused {
            EditError::Invalid(reason) => assert!(reason.contains(why), "{why}: {reason}"),
            other => panic!("{why}: refused for another reason: {other}"),
        }
    }
    // Released at once: the same message, same body and attributes, visible right away.
    assert_eq!(visible(&s.sqs, &s.dlq.url).await, before);
    assert_eq!(before.len(), 1);
    assert!(
        visible(&s.sqs, &s.source_url).await.is_empty(),
        "nothing sent"
    );
    assert!(
        s.audit.list(None, 10).await.unwrap().is_empty(),
        "nothing audited"
    );
}

#[tokio::test]
async fn an_accepted_edit_moves_exactly_that_message_with_its_attributes_and_is_audited() {
    let (s, id, body) = orders_dlq_with_one_message().await;
    let mut fixed: Value = serde_json::from_str(&body).unwrap();
    fixed["payload"]["order"]["customer"]["name"] = json!("Acme Fixed");
    let fixed = fixed.to_string();
    let edited = switchyard::edit::edit(
        &s.sqs,
        &s.ports,
        "tester",
        &s.dlq,
        &s.source_url,
        &id,
        &fixed,
    )
    .await
    .expect("a body the processor reads is sent");
    assert_eq!(edited.kind.as_deref(), Some("OrderSubmitted"));
    assert!(
        visible(&s.sqs, &s.dlq.url).await.is_empty(),
        "the original is gone"
    );
    let moved = visible(&s.sqs, &s.source_url).await;
    assert_eq!(moved.len(), 1, "exactly one message sent: {moved:?}");
    assert_eq!(moved[0].1, fixed);
    // Its own attributes kept, and marked as resent, so the processor resolves its failure.
    assert_eq!(
        moved[0].2,
        vec![
            "switchyard-resent=edit".to_string(),
            "trace=trace-1".to_string()
        ]
    );
    Envelope::<OrderSubmitted>::parse(&moved[0].1).expect("the processor reads it");
    let entries = s.audit.list(None, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "dlq.edit");
    assert_eq!(entries[0].actor, "tester");
    assert_eq!(entries[0].details["original_body"], body.as_str());
    assert_eq!(entries[0].details["new_body"], fixed.as_str());
    // The message is gone from the DLQ: a second edit of it finds nothing.
    assert!(matches!(
        switchyard::edit::edit(
            &s.sqs,
            &s.ports,
            "tester",
            &s.dlq,
            &s.source_url,
            &id,
            &body
        )
        .await,
        Err(EditError::NotFound(_))
    ));
}

fn woo_body(sku: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": 4711, "number": "4711", "status": "processing", "currency": "USD",
        "billing": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US",
            "email": "ann@example.com"},
        "shipping": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US"},
        "line_items": [{"id": 9, "name": "Gift wrap", "sku": sku, "quantity": 1,
            "subtotal": "5.00", "total": "5.00", "price": 5}]
    }))
    .unwrap()
}

async fn quarantine_one(sqs: &aws_sdk_sqs::Client, url: &str, channel: &str) -> String {
    let kept = QuarantinedDelivery::received(
        channel,
        "woocommerce:order.created",
        Some(&unique("d")),
        "line_items[0].sku is empty",
        Some("application/json"),
        &woo_body(""),
    );
    sqs.send_message()
        .queue_url(url)
        .message_body(serde_json::to_string(&kept).unwrap())
        .send()
        .await
        .unwrap()
        .message_id
        .unwrap()
}

#[tokio::test]
async fn quarantine_list_and_show_consume_nothing_even_past_the_queues_receive_count() {
    let sqs = sqs().await;
    // As Terraform makes it: the quarantine has a DLQ of its own, so every look counts as a
    // receive and a body looked at often enough moves there.
    let name = unique("quar");
    let dlq_url = create(&sqs, &format!("{name}-dlq"), None).await;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .unwrap();
    let policy = json!({ "deadLetterTargetArn": arn, "maxReceiveCount": 2 }).to_string();
    let url = create(&sqs, &name, Some(policy)).await;
    let id = quarantine_one(&sqs, &url, "shop").await;
    for look in 0..4 {
        let shown = switchyard::quarantine::show(&sqs, &url, &id)
            .await
            .unwrap_or_else(|e| panic!("look {look}: {e}"));
        let delivery = shown.delivery.expect("a quarantined delivery");
        assert_eq!(delivery.channel, "shop");
        assert_eq!(delivery.body.as_bytes(), woo_body("").as_slice());
        let listed = switchyard::quarantine::list(&sqs, &url).await.unwrap();
        assert_eq!(listed.len(), 1, "look {look}: {listed:?}");
        assert_eq!(listed[0].message_id, id);
        assert!(
            listed[0].delivery.as_ref().unwrap().body.starts_with('<'),
            "list leaves bodies out"
        );
        // Released at once: visible to the very next receive (in one queue or the other).
        let now = [visible(&sqs, &url).await, visible(&sqs, &dlq_url).await].concat();
        assert_eq!(now.len(), 1, "look {look}: {now:?}");
        assert_eq!(now[0].0, id);
    }
}

#[tokio::test]
async fn a_quarantined_body_replays_into_one_order_once_the_mapping_is_fixed() {
    let sqs = sqs().await;
    let quarantine_url = create(&sqs, &unique("quar"), None).await;
    let orders_url = create(&sqs, &unique("ordq"), None).await;
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let name = ChannelName::try_from("woo-shop").unwrap();
    let mut channel = Channel::new(name.clone(), ChannelKind::Woocommerce, Utc::now());
    channel.default_customer = Some("DEMO-SHOP".into());
    channels.put(&channel).await.unwrap();
    let orders = Arc::new(InMemoryOrderStore::new());
    let audit = Arc::new(InMemoryAuditLog::new());
    let ports = ReplayPorts {
        channels: channels.clone(),
        intake: Intake::new(
            orders.clone(),
            Arc::new(switchyard_idempotency::InMemoryIdempotencyStore::new()),
            Arc::new(SqsQueue::new(sqs.clone(), orders_url.clone())),
        ),
        quarantine: Arc::new(SqsQuarantine::new(sqs.clone(), quarantine_url.clone())),
        audit: audit.clone(),
    };
    let id = quarantine_one(&sqs, &quarantine_url, "woo-shop").await;

    // Mapping not fixed: a dry run says so; executed, it stays quarantined with its new reason.
    let dry = switchyard::quarantine::replay(&sqs, &quarantine_url, &ports, "tester", &id, false)
        .await
        .unwrap();
    assert_eq!(dry.result, "still-unreadable");
    assert_eq!(
        visible(&sqs, &quarantine_url).await[0].0,
        id,
        "a dry run changes nothing"
    );
    let still = switchyard::quarantine::replay(&sqs, &quarantine_url, &ports, "tester", &id, true)
        .await
        .unwrap();
    assert_eq!(still.result, "still-unreadable");
    assert!(
        still.reason.as_deref().unwrap().contains("custom_item_sku"),
        "{still:?}"
    );
    let kept = visible(&sqs, &quarantine_url).await;
    assert_eq!(kept.len(), 1, "kept again, once: {kept:?}");
    let again_id = kept[0].0.clone();
    let again: QuarantinedDelivery = serde_json::from_str(&kept[0].1).unwrap();
    assert!(
        again.reason.contains("custom_item_sku"),
        "the new reason: {}",
        again.reason
    );
    assert!(
        visible(&sqs, &orders_url).await.is_empty(),
        "no order queued"
    );

    // The mapping is fixed: the replay captures one order and empties the quarantine.
    channel.mapping.custom_item_sku = Some(Sku::try_from("WIDGET-S").unwrap());
    channels.put(&channel).await.unwrap();
    let done =
        switchyard::quarantine::replay(&sqs, &quarantine_url, &ports, "tester", &again_id, true)
            .await
            .unwrap();
    assert_eq!(done.result, "created", "{done:?}");
    let order_id: OrderId = done.order_id.as_deref().unwrap().parse().unwrap();
    assert!(visible(&sqs, &quarantine_url).await.is_empty());
    let record = orders.get(order_id).await.unwrap().unwrap().value;
    assert_eq!(record.order.external_id.as_str(), "4711");
    assert_eq!(record.order.lines[0].sku.as_str(), "WIDGET-S");
    let queued = visible(&sqs, &orders_url).await;
    assert_eq!(queued.len(), 1, "one order queued: {queued:?}");

    // The same delivery quarantined twice (the sender retried before the fix) is that order.
    let copy = QuarantinedDelivery {
        reason: "older copy".into(),
        ..again.clone()
    };
    let copy_id = sqs
        .send_message()
        .queue_url(&quarantine_url)
        .message_body(serde_json::to_string(&copy).unwrap())
        .send()
        .await
        .unwrap()
        .message_id
        .unwrap();
    let matched =
        switchyard::quarantine::replay(&sqs, &quarantine_url, &ports, "tester", &copy_id, true)
            .await
            .unwrap();
    assert_eq!(
        matched.order_id, done.order_id,
        "the same order, not a second"
    );
    let entries = audit.list(None, 10).await.unwrap();
    assert_eq!(entries.len(), 3, "every executed replay audited");
    assert!(entries.iter().all(|e| e.action == "quarantine.replay"));
}

#[tokio::test]
async fn a_retry_is_refused_for_an_accepted_order_and_enqueues_a_received_one_once() {
    let sqs = sqs().await;
    let queue_url = create(&sqs, &unique("retry"), None).await;
    let queue = SqsQueue::new(sqs.clone(), queue_url.clone());
    let store = InMemoryOrderStore::new();
    let audit = Arc::new(InMemoryAuditLog::new());
    let ports = OpsPorts {
        failures: Arc::new(InMemoryFailureStore::new()),
        audit: audit.clone(),
    };
    let mut accepted = OrderRecord::received(order("shop"), "k1", Utc::now());
    accepted.accept("SO-42", Utc::now()).unwrap();
    store.create(&accepted).await.unwrap();
    let refused = switchyard::orders::retry(&store, &queue, &ports, "tester", accepted.order.id)
        .await
        .expect_err("an accepted order is not retried");
    match refused {
        OrdersError::NotRetryable(why) => {
            assert!(why.contains("ACCEPTED") && why.contains("SO-42"), "{why}")
        }
        other => panic!("refused for another reason: {other}"),
    }
    assert!(
        visible(&sqs, &queue_url).await.is_empty(),
        "nothing enqueued"
    );
    assert!(audit.list(None, 10).await.unwrap().is_empty());

    let received = OrderRecord::received(order("shop"), "k2", Utc::now());
    store.create(&received).await.unwrap();
    let report = switchyard::orders::get(&store, &ports, received.order.id)
        .await
        .unwrap();
    assert!(report.retryable);
    assert_eq!(report.status, OrderStatus::Received);
    let retried = switchyard::orders::retry(&store, &queue, &ports, "tester", received.order.id)
        .await
        .unwrap();
    let queued = visible(&sqs, &queue_url).await;
    assert_eq!(queued.len(), 1);
    let envelope = Envelope::<OrderSubmitted>::parse(&queued[0].1).expect("the processor reads it");
    assert_eq!(envelope.payload.order, received.order);
    assert_eq!(envelope.id.to_string(), retried.envelope_id);
    let entries = audit.list(None, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "orders.retry");
    assert_eq!(entries[0].target, received.order.id.to_string());
}
