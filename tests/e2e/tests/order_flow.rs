//! A channel's orders through the whole local stack: HTTP → orders-api → SQS → order-processor →
//! Tryton, and back through GET.

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::json;
use switchyard_e2e::{Stack, order, stored, tryton, unique};

const FINAL_WITHIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_order_becomes_a_confirmed_tryton_sale_with_its_lines() {
    let stack = Stack::from_env();
    let external_id = unique("PO");
    let body = order(
        &external_id,
        &[("WIDGET-S", 2, "9.25"), ("WIDGET-L", 3, "21.00")],
    );
    let answer = stack.submit(&stack.demo_key, &unique("key"), &body).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    assert_eq!(answer.body["status"], "RECEIVED");
    let id = answer.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        answer.body["status_url"],
        format!("{}/v1/orders/{id}", stack.api)
    );

    let view = stack.wait_final(&id, FINAL_WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let history: Vec<&str> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["RECEIVED", "ACCEPTED"]);

    let erp = tryton();
    let sales = erp
        .sales_with_reference(&format!("demo-shop:{external_id}"))
        .await
        .unwrap();
    assert_eq!(sales.len(), 1, "exactly one sale");
    assert!(sales[0].state.is_confirmed(), "{:?}", sales[0].state);
    assert_eq!(view["erp_reference"].as_str(), sales[0].number.as_deref());
    let mut lines: Vec<(String, Decimal, Decimal)> = erp
        .sale_lines(sales[0].id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.sku, l.quantity.normalize(), l.unit_price.normalize()))
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            (
                "WIDGET-L".to_string(),
                Decimal::from(3),
                "21".parse().unwrap()
            ),
            (
                "WIDGET-S".to_string(),
                Decimal::from(2),
                "9.25".parse().unwrap()
            ),
        ]
    );
}

#[tokio::test]
async fn five_concurrent_submissions_with_one_key_make_one_sale() {
    let stack = Stack::from_env();
    let external_id = unique("PO");
    let key = unique("key");
    let body = order(&external_id, &[("WIDGET-M", 1, "14.50")]);
    let answers =
        futures::future::join_all((0..5).map(|_| stack.submit(&stack.demo_key, &key, &body))).await;
    let mut ids = Vec::new();
    for a in &answers {
        match a.status {
            202 => ids.push(a.body["id"].as_str().unwrap().to_string()),
            409 => assert!(
                a.header("retry-after").is_some(),
                "409 in flight carries Retry-After"
            ),
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert!(!ids.is_empty());
    ids.dedup();
    assert_eq!(ids.len(), 1, "every 202 names the same order");
    // A retry after the first finished is a replay.
    let replay = stack.submit(&stack.demo_key, &key, &body).await;
    assert_eq!(replay.status, 202);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body["id"], ids[0].as_str());

    stack.wait_final(&ids[0], FINAL_WITHIN).await;
    let sales = tryton()
        .sales_with_reference(&format!("demo-shop:{external_id}"))
        .await
        .unwrap();
    assert_eq!(sales.len(), 1);

    let other_body = order(&external_id, &[("WIDGET-M", 2, "14.50")]);
    let conflict = stack.submit(&stack.demo_key, &key, &other_body).await;
    assert_eq!(conflict.status, 422);
    assert_eq!(conflict.body["type"], "/problems/idempotency-key-reused");

    let duplicate = stack.submit(&stack.demo_key, &unique("key"), &body).await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.body["existing_order_id"], ids[0].as_str());
}

#[tokio::test]
async fn an_unknown_sku_is_rejected_with_the_reason_and_no_sale() {
    let stack = Stack::from_env();
    let external_id = unique("PO");
    let body = order(
        &external_id,
        &[("WIDGET-S", 1, "9.25"), ("NOT-A-WIDGET", 1, "1.00")],
    );
    let answer = stack.submit(&stack.demo_key, &unique("key"), &body).await;
    assert_eq!(answer.status, 202);
    let view = stack
        .wait_final(answer.body["id"].as_str().unwrap(), FINAL_WITHIN)
        .await;
    assert_eq!(view["status"], "REJECTED");
    assert_eq!(view["rejection"]["code"], "unknown_sku");
    assert!(
        view["rejection"]["message"]
            .as_str()
            .unwrap()
            .contains("NOT-A-WIDGET"),
        "{view}"
    );
    assert!(view["erp_reference"].is_null());
    let sales = tryton()
        .sales_with_reference(&format!("demo-shop:{external_id}"))
        .await
        .unwrap();
    assert!(sales.is_empty());
    // Rejections are final: nothing of this order may sit in the dead-letter queue.
    let config = switchyard_e2e::aws().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let dlq = std::env::var("SWITCHYARD_ORDERS_DLQ_URL").unwrap();
    let peek = sqs
        .receive_message()
        .queue_url(&dlq)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert!(
        peek.messages()
            .iter()
            .all(|m| !m.body().unwrap_or_default().contains(&external_id))
    );
}

#[tokio::test]
async fn bad_requests_get_the_right_problem_and_store_nothing() {
    let stack = Stack::from_env();
    let url = format!("{}/v1/orders", stack.api);
    let external_id = unique("BAD");
    let valid = order(&external_id, &[("WIDGET-S", 1, "9.25")]);
    let with = |mutate: &dyn Fn(&mut serde_json::Value)| {
        let mut body = valid.clone();
        mutate(&mut body);
        body
    };
    // An authenticated POST with a fresh Idempotency-Key and this JSON body.
    let post = |body: serde_json::Value| {
        stack
            .http
            .post(&url)
            .bearer_auth(&stack.demo_key)
            .header("Idempotency-Key", unique("k"))
            .json(&body)
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str, Option<&str>)> = vec![
        (
            "malformed JSON",
            stack
                .http
                .post(&url)
                .bearer_auth(&stack.demo_key)
                .header("Idempotency-Key", unique("k"))
                .header("content-type", "application/json")
                .body("{\"external_id\": \"x\","),
            400,
            "/problems/malformed-json",
            None,
        ),
        (
            "wrong type",
            post(with(&|b| b["lines"][0]["quantity"] = json!("two"))),
            422,
            "/problems/validation-failed",
            Some("lines[0].quantity"),
        ),
        (
            "missing field",
            post(with(&|b| {
                b.as_object_mut().unwrap().remove("ship_to");
            })),
            422,
            "/problems/validation-failed",
            Some("ship_to"),
        ),
        (
            "zero quantity",
            post(with(&|b| b["lines"][0]["quantity"] = json!(0))),
            422,
            "/problems/validation-failed",
            Some("lines[0].quantity"),
        ),
        (
            "negative quantity",
            post(with(&|b| b["lines"][0]["quantity"] = json!(-3))),
            422,
            "/problems/validation-failed",
            Some("lines[0].quantity"),
        ),
        (
            "unknown currency",
            post(with(&|b| b["currency"] = json!("ABC"))),
            422,
            "/problems/validation-failed",
            Some("currency"),
        ),
        (
            "oversize body",
            post(with(&|b| b["notes"] = json!("x".repeat(300 * 1024)))),
            413,
            "/problems/body-too-large",
            None,
        ),
        (
            "missing API key",
            stack
                .http
                .post(&url)
                .header("Idempotency-Key", unique("k"))
                .json(&valid),
            401,
            "/problems/unauthenticated",
            None,
        ),
        (
            "wrong API key",
            stack
                .http
                .post(&url)
                .bearer_auth("sy_not_a_real_key")
                .header("Idempotency-Key", unique("k"))
                .json(&valid),
            401,
            "/problems/unauthenticated",
            None,
        ),
        (
            "missing Idempotency-Key",
            stack
                .http
                .post(&url)
                .bearer_auth(&stack.demo_key)
                .json(&valid),
            400,
            "/problems/idempotency-key-required",
            None,
        ),
    ];
    for (what, request, status, kind, field) in cases {
        let answer = stack.send(request).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert_eq!(answer.body["type"], kind, "{what}");
        if let Some(field) = field {
            let fields: Vec<&str> = answer.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(&field), "{what}: {fields:?}");
        }
    }
    assert!(
        !stored(&external_id).await,
        "nothing was stored (or enqueued) for rejected requests"
    );
}

#[tokio::test]
async fn a_channel_never_sees_another_channels_order() {
    let stack = Stack::from_env();
    let answer = stack
        .submit(
            &stack.demo_key,
            &unique("key"),
            &order(&unique("PO"), &[("WIDGET-S", 1, "9.25")]),
        )
        .await;
    let id = answer.body["id"].as_str().unwrap();
    assert_eq!(stack.order(&stack.demo_key, id).await.status, 200);
    let foreign = stack.order(&stack.partner_key, id).await;
    assert_eq!(foreign.status, 404);
    assert_eq!(foreign.body["type"], "/problems/order-not-found");
}

/// The JSON documents `function` wrote to the runner's log (its lines are `[function#n] …`).
fn documents_of(function: &str) -> Vec<serde_json::Value> {
    let prefix = format!("[{function}#");
    switchyard_e2e::runner_log()
        .lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[tokio::test]
async fn an_accepted_order_is_counted_in_the_metrics_and_named_in_every_log_line_about_it() {
    let stack = Stack::from_env();
    let external_id = unique("PO");
    let mut body = order(&external_id, &[("WIDGET-S", 1, "9.25")]);
    // Personal data unique to this order, to look for in the logs afterwards.
    let email = format!("{}@buyer.example", unique("jane").to_lowercase());
    let street = format!("{} Elm Street", unique("No"));
    let person = unique("Jane Roe");
    body["customer"]["email"] = email.clone().into();
    body["ship_to"]["line1"] = street.clone().into();
    body["ship_to"]["name"] = person.clone().into();
    let answer = stack.submit(&stack.demo_key, &unique("key"), &body).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let id = answer.body["id"].as_str().unwrap().to_string();
    let view = stack.wait_final(&id, FINAL_WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");

    // The processor handled the order's message inside a span naming the order, its channel
    // and its correlation id, so one query finds every line about it.
    let id = id.as_str();
    let line = switchyard_e2e::wait_until(
        FINAL_WITHIN,
        "an order-processor log line naming the order",
        || async move {
            documents_of("order-processor")
                .into_iter()
                .find(|d| d["span"]["order_id"] == id)
        },
    )
    .await;
    assert_eq!(line["span"]["channel"], "demo-shop", "{line}");
    assert_eq!(line["span"]["correlation_id"], id, "{line}");

    // CloudWatch Embedded Metric Format documents, as CloudWatch Logs would extract them.
    let emf = |function: &'static str, metric: &'static str| async move {
        documents_of(function).into_iter().find(|d| {
            d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Switchyard"
                && d.get(metric).is_some()
                && (metric == "ErpPostingLatency" || d["channel"] == "demo-shop")
        })
    };
    let received =
        switchyard_e2e::wait_until(FINAL_WITHIN, "OrdersReceived from orders-api", || {
            emf("orders-api", "OrdersReceived")
        })
        .await;
    assert_eq!(received["channel"], "demo-shop", "{received}");
    let accepted =
        switchyard_e2e::wait_until(FINAL_WITHIN, "OrdersAccepted from order-processor", || {
            emf("order-processor", "OrdersAccepted")
        })
        .await;
    assert!(accepted["OrdersAccepted"].as_u64() >= Some(1), "{accepted}");
    let latency = switchyard_e2e::wait_until(
        FINAL_WITHIN,
        "ErpPostingLatency from order-processor",
        || emf("order-processor", "ErpPostingLatency"),
    )
    .await;
    assert_eq!(
        latency["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"], "Milliseconds",
        "{latency}"
    );

    // Nothing personal reached any function's log.
    let log = switchyard_e2e::runner_log();
    for personal in [&email, &street, &person] {
        assert!(!log.contains(personal.as_str()), "{personal} was logged");
    }
}
