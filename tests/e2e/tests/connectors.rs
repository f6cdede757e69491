//! Every connector through the whole local stack: a signed delivery (or an interchange, or an
//! Amazon notification) → the shared intake → SQS → order-processor → a confirmed Tryton sale.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use switchyard_e2e::{
    Answer, Stack, demo_channel, runner_log, sale_lines, setting, stored_for, tryton, unique,
    wait_drained, wait_for_sale, wait_until,
};
use switchyard_webhooks::signature::{
    StandardSecret, sign_shopify, sign_standard, sign_woocommerce,
};
use switchyard_x12::parse_interchange;

const FINAL_WITHIN: Duration = Duration::from_secs(60);

fn big_id() -> u64 {
    // Above 2^53, as Shopify's ids are: an f64 would corrupt it.
    (1u64 << 60) + (ulid::Ulid::new().random() as u64 % 1_000_000_000)
}

async fn post(stack: &Stack, path: &str, headers: &[(&str, String)], body: &[u8]) -> Answer {
    let mut request = stack
        .http
        .post(format!("{}{path}", stack.api))
        .body(body.to_vec());
    for (k, v) in headers {
        request = request.header(*k, v);
    }
    stack.send(request).await
}

fn lines(values: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = values
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    v.sort();
    v
}

/// Accepted in Tryton as exactly one confirmed sale with these lines; returns the sale count.
async fn assert_one_sale(reference: &str, expected: &[(&str, &str, &str)]) {
    let sales = wait_for_sale(reference, FINAL_WITHIN).await;
    assert_eq!(
        sales.len(),
        1,
        "exactly one sale for {reference}: {sales:?}"
    );
    assert_eq!(sale_lines(sales[0].id).await, lines(expected));
}

fn shopify_body(id: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id, "name": "#1001", "currency": "USD", "email": "jane@example.com",
        "customer": {"first_name": "Jane", "last_name": "Doe"},
        "shipping_address": {"name": "Jane Doe", "address1": "31875 Solon Rd", "city": "Solon",
            "province_code": "OH", "zip": "44139", "country_code": "US"},
        "line_items": [
            {"id": 1, "variant_id": null, "sku": "WIDGET-S", "quantity": 2, "price": "9.25", "total_discount": "0.00"},
            {"id": 2, "variant_id": 808950810, "sku": "WIDGET-M", "quantity": 1, "price": "14.50", "total_discount": "0.00"}
        ]
    }))
    .unwrap()
}

#[tokio::test]
async fn a_signed_shopify_order_becomes_one_sale_and_a_tampered_one_nothing() {
    let stack = Stack::from_env();
    let shop = demo_channel("demo-shopify");
    let secret = shop.secret.clone().unwrap();
    let id = big_id();
    let body = shopify_body(id);
    let headers = |body: &[u8], event: &str| {
        vec![
            ("content-type", "application/json".to_string()),
            ("x-shopify-topic", "orders/create".into()),
            ("x-shopify-shop-domain", "demo-shop.myshopify.com".into()),
            ("x-shopify-event-id", event.to_string()),
            ("x-shopify-webhook-id", unique("wh")),
            ("x-shopify-triggered-at", Utc::now().to_rfc3339()),
            (
                "x-shopify-hmac-sha256",
                sign_shopify(secret.as_bytes(), body),
            ),
        ]
    };
    let event = unique("ev");
    let first = post(
        &stack,
        "/v1/webhooks/demo-shopify",
        &headers(&body, &event),
        &body,
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let order_id = first.body["order_id"].as_str().unwrap().to_string();
    let view = stack
        .wait_final_as(&shop.api_key, &order_id, FINAL_WITHIN)
        .await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    assert_eq!(
        view["external_id"],
        id.to_string(),
        "the id survives exactly"
    );
    let reference = format!("demo-shopify:{id}");
    assert_one_sale(
        &reference,
        &[("WIDGET-S", "2", "9.25"), ("WIDGET-M", "1", "14.5")],
    )
    .await;

    let again = post(
        &stack,
        "/v1/webhooks/demo-shopify",
        &headers(&body, &event),
        &body,
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["order_id"], order_id.as_str());
    // The answer comes after anything is enqueued: once the orders queue is drained (nothing
    // waiting, in flight or delayed), whatever the duplicate set off has run to its end.
    wait_drained("SWITCHYARD_ORDERS_QUEUE_URL", FINAL_WITHIN).await;
    assert_eq!(
        tryton()
            .sales_with_reference(&reference)
            .await
            .unwrap()
            .len(),
        1
    );

    let tampered_id = big_id();
    let signed = headers(&body, &unique("ev"));
    let tampered = shopify_body(tampered_id);
    let refused = post(&stack, "/v1/webhooks/demo-shopify", &signed, &tampered).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        !stored_for("demo-shopify", &tampered_id.to_string()).await,
        "nothing enqueued"
    );
}

#[tokio::test]
async fn a_signed_woocommerce_order_becomes_one_sale_and_a_tampered_one_nothing() {
    let stack = Stack::from_env();
    let woo = demo_channel("demo-woo");
    let secret = woo.secret.clone().unwrap();
    let id = ulid::Ulid::new().random() as u64 % 1_000_000_000;
    let body = |status: &str| {
        serde_json::to_vec(&json!({
            "id": id, "number": id.to_string(), "status": status, "currency": "USD",
            "billing": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
                "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US",
                "email": "ann@example.com"},
            "shipping": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
                "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US"},
            "line_items": [{"id": 9, "name": "Widget L", "sku": "WIDGET-L", "quantity": 3,
                "subtotal": "104.97", "total": "104.97", "price": 34.99}]
        }))
        .unwrap()
    };
    let headers = |body: &[u8], delivery: &str| {
        vec![
            ("content-type", "application/json".to_string()),
            ("x-wc-webhook-topic", "order.created".into()),
            ("x-wc-webhook-resource", "order".into()),
            ("x-wc-webhook-event", "created".into()),
            ("x-wc-webhook-id", "7".into()),
            ("x-wc-webhook-delivery-id", delivery.to_string()),
            (
                "x-wc-webhook-signature",
                sign_woocommerce(secret.as_bytes(), body),
            ),
        ]
    };
    let ping = post(
        &stack,
        "/v1/webhooks/demo-woo",
        &[("content-type", "application/x-www-form-urlencoded".into())],
        b"webhook_id=7",
    )
    .await;
    assert_eq!(ping.status, 200, "the unsigned creation ping is answered");

    let paid = body("processing");
    let delivery = unique("d");
    let first = post(
        &stack,
        "/v1/webhooks/demo-woo",
        &headers(&paid, &delivery),
        &paid,
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let order_id = first.body["order_id"].as_str().unwrap().to_string();
    let view = stack
        .wait_final_as(&woo.api_key, &order_id, FINAL_WITHIN)
        .await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let reference = format!("demo-woo:{id}");
    assert_one_sale(&reference, &[("WIDGET-L", "3", "34.99")]).await;

    let again = post(
        &stack,
        "/v1/webhooks/demo-woo",
        &headers(&paid, &delivery),
        &paid,
    )
    .await;
    assert_eq!(again.body["order_id"], order_id.as_str());
    // As for Shopify: the duplicate's work (if any) is done once the orders queue is drained.
    wait_drained("SWITCHYARD_ORDERS_QUEUE_URL", FINAL_WITHIN).await;
    assert_eq!(
        tryton()
            .sales_with_reference(&reference)
            .await
            .unwrap()
            .len(),
        1
    );

    let mut tampered: Value = serde_json::from_slice(&paid).unwrap();
    tampered["id"] = json!(id + 1);
    let tampered = serde_json::to_vec(&tampered).unwrap();
    let refused = post(
        &stack,
        "/v1/webhooks/demo-woo",
        &headers(&paid, &unique("d")),
        &tampered,
    )
    .await;
    assert_eq!(refused.status, 401);
    assert!(!stored_for("demo-woo", &(id + 1).to_string()).await);
}

#[tokio::test]
async fn a_standard_webhooks_partner_order_is_captured_and_stale_deliveries_refused() {
    let stack = Stack::from_env();
    let hub = demo_channel("partner-hub");
    let secret = StandardSecret::try_from(hub.secret.as_deref().unwrap()).unwrap();
    let external_id = unique("PH");
    let body = serde_json::to_vec(&json!({
        "external_id": external_id, "currency": "USD", "customer": {"name": "Partner Buyer"},
        "ship_to": {"line1": "100 Industrial Pkwy", "city": "Akron", "region": "OH", "country": "US"},
        "lines": [{"sku": "WIDGET-M", "quantity": 5, "unit_price": "14.50"}]
    }))
    .unwrap();
    let headers = |id: &str, at: i64, body: &[u8]| {
        vec![
            ("content-type", "application/json".to_string()),
            ("webhook-id", id.to_string()),
            ("webhook-timestamp", at.to_string()),
            ("webhook-signature", sign_standard(&secret, id, at, body)),
        ]
    };
    let now = Utc::now().timestamp();
    let stale_id = unique("PH");
    let stale_body = String::from_utf8(body.clone())
        .unwrap()
        .replace(&external_id, &stale_id);
    let stale = post(
        &stack,
        "/v1/webhooks/partner-hub",
        &headers(&unique("msg"), now - 600, stale_body.as_bytes()),
        stale_body.as_bytes(),
    )
    .await;
    assert_eq!(stale.status, 401, "{}", stale.text);
    assert!(!stored_for("partner-hub", &stale_id).await);

    let msg = unique("msg");
    let first = post(
        &stack,
        "/v1/webhooks/partner-hub",
        &headers(&msg, now, &body),
        &body,
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let order_id = first.body["order_id"].as_str().unwrap().to_string();
    let again = post(
        &stack,
        "/v1/webhooks/partner-hub",
        &headers(&msg, now, &body),
        &body,
    )
    .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let view = stack
        .wait_final_as(&hub.api_key, &order_id, FINAL_WITHIN)
        .await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    assert_one_sale(
        &format!("partner-hub:{external_id}"),
        &[("WIDGET-M", "5", "14.5")],
    )
    .await;

    let mut tampered = body.clone();
    tampered.push(b' ');
    let refused = post(
        &stack,
        "/v1/webhooks/partner-hub",
        &headers(&unique("msg"), now, &body),
        &tampered,
    )
    .await;
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn an_amazon_order_change_becomes_one_sale_with_unit_prices() {
    let stack = Stack::from_env();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../local/sp-api/notifications/order-change-111-0000001-0000001.json"
    ))
    .unwrap();
    // The second recorded order: three WIDGET-L for a line total of 104.97, address withheld.
    let mut notification: Value = serde_json::from_str(&text).unwrap();
    let change = &mut notification["Payload"]["OrderChangeNotification"];
    change["AmazonOrderId"] = json!("111-0000002-0000002");
    change["Summary"]["OrderItems"] =
        json!([{"OrderItemId": "1", "SellerSKU": "WIDGET-L", "Quantity": 3}]);
    notification["NotificationMetadata"]["NotificationId"] = json!(unique("n"));
    let sqs = aws_sdk_sqs::Client::new(&switchyard_e2e::aws().await);
    let mut message_ids = Vec::new();
    for _ in 0..2 {
        let sent = sqs
            .send_message()
            .queue_url(setting("SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL"))
            .message_body(notification.to_string())
            .send()
            .await
            .unwrap();
        message_ids.push(sent.message_id().unwrap().to_string());
    }
    assert_one_sale(
        "amazon-us:111-0000002-0000002",
        &[("WIDGET-L", "3", "34.99")],
    )
    .await;
    let amazon = demo_channel("amazon-us");
    let found = stack
        .send(
            stack
                .http
                .get(format!(
                    "{}/v1/orders?external_id=111-0000002-0000002",
                    stack.api
                ))
                .bearer_auth(&amazon.api_key),
        )
        .await;
    assert_eq!(
        found.status, 200,
        "the channel finds its order by Amazon's id: {}",
        found.text
    );
    let view = stack
        .wait_final_as(
            &amazon.api_key,
            found.body["id"].as_str().unwrap(),
            FINAL_WITHIN,
        )
        .await;
    assert_eq!(view["status"], "ACCEPTED");
    // Both deliveries were handled by amazon-notifications (its log names each message with the
    // outcome), and whatever they queued for the processor has been processed.
    let message_ids = &message_ids;
    wait_until(
        FINAL_WITHIN,
        &format!("amazon-notifications to log an outcome for {message_ids:?}"),
        || async move {
            let log = runner_log();
            message_ids.iter().all(|id| {
                log.lines().any(|l| {
                    l.contains(id.as_str())
                        && (l.contains("Amazon order captured") || l.contains("skipped"))
                })
            })
        },
    )
    .await;
    wait_drained("SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL", FINAL_WITHIN).await;
    wait_drained("SWITCHYARD_ORDERS_QUEUE_URL", FINAL_WITHIN).await;
    assert_eq!(
        tryton()
            .sales_with_reference("amazon-us:111-0000002-0000002")
            .await
            .unwrap()
            .len(),
        1,
        "a redelivered notification makes no second sale"
    );
}

fn interchange_850(isa13: u32, po: &str, se01_delta: i32) -> String {
    let body = [
        format!("BEG*00*SA*{po}**20261127"),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
        "PO1*1*10*EA*9.25**VN*WIDGET-S*UP*012345678905".into(),
        "PID*F****Widget, small".into(),
        "PO1*2*4*EA*14.50**BP*B-77*VP*WIDGET-M".into(),
        "PO1*3*2*EA*21.00**VN*WIDGET-L".into(),
        "CTT*3*16".into(),
    ];
    let count = body.len() as i32 + 2 + se01_delta;
    format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*{isa13:09}*0*P*>~\n\
         GS*PO*ACMEBUYER*SWITCHYARD*20261127*1030*{isa13}*X*004010~\n\
         ST*850*0001~\n{}~\nSE*{count}*0001~\nGE*1*{isa13}~\nIEA*1*{isa13:09}~\n",
        body.join("~\n")
    )
}

fn isa13() -> u32 {
    (ulid::Ulid::new().random() % 999_999_999) as u32 + 1
}

async fn post_x12(stack: &Stack, key: &str, x12: &str) -> Answer {
    post(
        stack,
        "/v1/edi/x12",
        &[
            ("content-type", "application/edi-x12".into()),
            ("authorization", format!("Bearer {key}")),
        ],
        x12.as_bytes(),
    )
    .await
}

fn ak5(x12: &str) -> (String, String) {
    let ack = parse_interchange(x12.as_bytes()).unwrap();
    assert!(ack.is_clean(), "the 997 is well formed: {ack:?}");
    let ak5 = ack.groups[0].transaction_sets[0]
        .segments
        .iter()
        .find(|s| s.id() == "AK5")
        .unwrap()
        .clone();
    (ak5.element(1).to_string(), ak5.element(2).to_string())
}

#[tokio::test]
async fn an_850_is_acknowledged_becomes_a_sale_and_its_855_waits_in_the_outbox() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let po = unique("PO");
    let answer = post_x12(&stack, &edi.api_key, &interchange_850(isa13(), &po, 0)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.header("content-type"), Some("application/edi-x12"));
    assert_eq!(ak5(&answer.text).0, "A", "{}", answer.text);
    let order_id = answer.header("x-switchyard-order-ids").unwrap().to_string();
    let view = stack
        .wait_final_as(&edi.api_key, &order_id, FINAL_WITHIN)
        .await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    assert_one_sale(
        &format!("acme-edi:{po}"),
        &[
            ("WIDGET-L", "2", "21"),
            ("WIDGET-M", "4", "14.5"),
            ("WIDGET-S", "10", "9.25"),
        ],
    )
    .await;

    let path = &format!("/v1/edi/outbox/855-{order_id}");
    let (stack_ref, key) = (&stack, &edi.api_key);
    let ack = wait_until(FINAL_WITHIN, "the 855 in the outbox", || async move {
        let fetched = stack_ref
            .send(
                stack_ref
                    .http
                    .get(format!("{}{path}", stack_ref.api))
                    .bearer_auth(key),
            )
            .await;
        if fetched.status == 200 {
            Ok(fetched.text)
        } else {
            Err(format!("{} {}", fetched.status, fetched.text))
        }
    })
    .await;
    let flat = ack.replace('\n', "");
    assert!(flat.contains(&format!("BAK*00*AD*{po}*20261127")), "{flat}");
    assert!(
        flat.contains(view["erp_reference"].as_str().unwrap()),
        "BAK08 names the sale"
    );
    assert!(parse_interchange(ack.as_bytes()).unwrap().is_clean());
}

#[tokio::test]
async fn an_850_with_a_wrong_segment_count_is_rejected_in_the_997_and_nothing_is_queued() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let po = unique("PO");
    let answer = post_x12(&stack, &edi.api_key, &interchange_850(isa13(), &po, 1)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        ak5(&answer.text),
        ("R".into(), "4".into()),
        "{}",
        answer.text
    );
    assert!(
        answer
            .header("x-switchyard-rejected-sets")
            .unwrap()
            .contains("SE01 says \"13\" segments but set 0001 has 12"),
        "{:?}",
        answer.header("x-switchyard-rejected-sets")
    );
    assert_eq!(answer.header("x-switchyard-order-ids"), Some(""));
    assert!(!stored_for("acme-edi", &po).await, "nothing enqueued");
}

#[tokio::test]
async fn a_shopify_cancellation_of_a_fulfilled_order_is_flagged_for_an_operator() {
    let stack = Stack::from_env();
    let shop = demo_channel("demo-shopify");
    let secret = shop.secret.clone().unwrap();
    let id = big_id();
    let signed = |topic: &str, body: &[u8]| {
        vec![
            ("content-type", "application/json".to_string()),
            ("x-shopify-topic", topic.to_string()),
            ("x-shopify-event-id", unique("ev")),
            (
                "x-shopify-hmac-sha256",
                sign_shopify(secret.as_bytes(), body),
            ),
        ]
    };
    let body = shopify_body(id);
    let created = post(
        &stack,
        "/v1/webhooks/demo-shopify",
        &signed("orders/create", &body),
        &body,
    )
    .await;
    let order_id = created.body["order_id"].as_str().unwrap().to_string();
    let view = stack
        .wait_final_as(&shop.api_key, &order_id, FINAL_WITHIN)
        .await;
    assert_eq!(view["status"], "ACCEPTED");

    let mut cancelled: Value = serde_json::from_slice(&body).unwrap();
    cancelled["cancelled_at"] = json!(Utc::now().to_rfc3339());
    cancelled["cancel_reason"] = json!("customer");
    let cancelled = serde_json::to_vec(&cancelled).unwrap();
    let answer = post(
        &stack,
        "/v1/webhooks/demo-shopify",
        &signed("orders/cancelled", &cancelled),
        &cancelled,
    )
    .await;
    assert_eq!(
        answer.body["result"], "cancellation-requested",
        "{}",
        answer.text
    );

    // Tryton cannot cancel a sale whose shipment exists: the order says so to an operator.
    let (stack_ref, key, id) = (&stack, &shop.api_key, &order_id);
    let view = wait_until(
        FINAL_WITHIN,
        "the cancellation to need an operator",
        || async move {
            let view = stack_ref.order(key, id).await.body;
            if view["cancellation"]["state"] == "NEEDS_ATTENTION" {
                Ok(view)
            } else {
                Err(view.to_string())
            }
        },
    )
    .await;
    assert_eq!(view["status"], "ACCEPTED");
    assert_eq!(view["cancellation"]["reason"], "customer");
    assert!(
        view["cancellation"]["detail"]
            .as_str()
            .unwrap()
            .contains("cancel it in the ERP")
    );
}

/// Runs the operator CLI (built by the stack scripts) against the stack.
fn cli(args: &[&str]) -> Value {
    let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/debug/switchyard");
    let out = std::process::Command::new(bin)
        .args(args)
        .output()
        .expect("run the switchyard CLI");
    assert!(
        out.status.success(),
        "switchyard {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_rotated_secret_verifies_at_once_and_the_old_one_only_during_its_grace() {
    let stack = Stack::from_env();
    let name = unique("rot").to_lowercase();
    let added = cli(&[
        "channels",
        "add",
        &name,
        "--kind",
        "woocommerce",
        "--default-customer",
        "DEMO-SHOP",
        "--json",
    ]);
    let old = added["secret"].as_str().unwrap().to_string();
    let deliver = |secret: String| {
        let stack = &stack;
        let name = name.clone();
        async move {
            let body = br#"{"id": 1, "status": "pending", "currency": "USD"}"#;
            post(
                stack,
                &format!("/v1/webhooks/{name}"),
                &[
                    ("content-type", "application/json".into()),
                    ("x-wc-webhook-topic", "order.updated".into()),
                    ("x-wc-webhook-delivery-id", unique("d")),
                    (
                        "x-wc-webhook-signature",
                        sign_woocommerce(secret.as_bytes(), body),
                    ),
                ],
                body,
            )
            .await
            .status
        }
    };
    assert_eq!(deliver(old.clone()).await, 200);

    let rotated = cli(&[
        "channels",
        "rotate-secret",
        &name,
        "--grace-hours",
        "1",
        "--json",
    ]);
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        deliver(new.clone()).await,
        200,
        "the new secret works at once"
    );
    assert_eq!(
        deliver(old.clone()).await,
        200,
        "the old one during the grace period"
    );

    let retired = cli(&[
        "channels",
        "rotate-secret",
        &name,
        "--grace-hours",
        "0",
        "--json",
    ]);
    let newest = retired["secret"].as_str().unwrap().to_string();
    assert_eq!(deliver(newest).await, 200);
    assert_eq!(
        deliver(new).await,
        401,
        "grace 0 retires the previous secrets at once"
    );
    assert_eq!(deliver(old).await, 401);
}
