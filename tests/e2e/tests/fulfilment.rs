//! The ERP's fulfilment back to the channels, through the whole local stack: a clerk ships,
//! invoices and receives returns in Tryton (`local/tryton/warehouse.py`), `erp-changes` reads it,
//! the order-tracker moves the order, and each channel hears it in its own language.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use switchyard_e2e::storefronts::{calls, place_order, shopify, shopify_order, woo};
use switchyard_e2e::warehouse::warehouse;
use switchyard_e2e::{
    Answer, Stack, aws, demo_channel, setting, tryton, unique, wait_drained, wait_until,
};
use switchyard_model::envelope::Envelope;
use switchyard_model::fulfilment_events::{FULFILMENT_EVENTS_SOURCE, Shipment, ShipmentDispatched};
use switchyard_webhooks::signature::{sign_shopify, sign_woocommerce};
use switchyard_x12::parse_interchange;

/// Feed poll (2 s) + tracker + pusher, with room for a loaded machine.
const WITHIN: Duration = Duration::from_secs(90);

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

/// A Shopify order (held by the Shopify sandbox too) captured through the signed webhook and
/// accepted by the ERP; returns (order id, sale number).
async fn shopify_accepted(stack: &Stack, id: u64, lines: &[(&str, i64, &str)]) -> (String, String) {
    let shop = demo_channel("demo-shopify");
    let secret = shop.secret.unwrap();
    place_order(
        &shopify(),
        Some(id),
        &lines.iter().map(|(s, q, _)| (*s, *q)).collect::<Vec<_>>(),
    )
    .await;
    let body = serde_json::to_vec(&json!({
        "id": id, "name": "#2001", "currency": "USD", "email": "jane@example.com",
        "customer": {"first_name": "Jane", "last_name": "Doe"},
        "shipping_address": {"name": "Jane Doe", "address1": "31875 Solon Rd", "city": "Solon",
            "province_code": "OH", "zip": "44139", "country_code": "US"},
        "line_items": lines.iter().enumerate().map(|(n, (sku, q, price))| json!({
            "id": n + 1, "variant_id": null, "sku": sku, "quantity": q, "price": price,
            "total_discount": "0.00"})).collect::<Vec<_>>()
    }))
    .unwrap();
    let headers = vec![
        ("content-type", "application/json".to_string()),
        ("x-shopify-topic", "orders/create".into()),
        ("x-shopify-shop-domain", "demo-shop.myshopify.com".into()),
        ("x-shopify-event-id", unique("ev")),
        ("x-shopify-webhook-id", unique("wh")),
        ("x-shopify-triggered-at", Utc::now().to_rfc3339()),
        (
            "x-shopify-hmac-sha256",
            sign_shopify(secret.as_bytes(), &body),
        ),
    ];
    let answer = post(stack, "/v1/webhooks/demo-shopify", &headers, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let order_id = answer.body["order_id"].as_str().unwrap().to_string();
    let view = stack.wait_final_as(&shop.api_key, &order_id, WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    (
        order_id,
        view["erp_reference"].as_str().unwrap().to_string(),
    )
}

fn shopify_id() -> u64 {
    (1u64 << 58) + (ulid::Ulid::new().random() as u64 % 1_000_000_000)
}

/// What the Shopify sandbox holds for order `id`, once it holds `count` fulfilments.
async fn shopify_fulfilments(id: u64, count: usize) -> Value {
    wait_until(
        WITHIN,
        &format!("{count} fulfilment(s) on Shopify order {id}"),
        || async move {
            let order = shopify_order(id).await;
            match order["fulfillments"].as_array() {
                Some(f) if f.len() == count => Ok(order),
                _ => Err(order.to_string()),
            }
        },
    )
    .await
}

/// Publishes `ShipmentDispatched` again, as a feed re-reading a re-stamped shipment would.
async fn redeliver(order: &Value, shipment: &Value, erp_version: i64) {
    let fact = ShipmentDispatched {
        order_id: order["id"].as_str().unwrap().parse().unwrap(),
        erp_reference: order["erp_reference"].as_str().unwrap().to_string(),
        shipment: serde_json::from_value::<Shipment>(shipment.clone()).unwrap(),
        erp_version,
        observed_at: Utc::now(),
    };
    let envelope = Envelope::new("erp", order["id"].as_str().unwrap(), fact).into_json();
    let bus = aws_sdk_eventbridge::Client::new(&aws().await);
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(setting("SWITCHYARD_EVENT_BUS"))
        .source(FULFILMENT_EVENTS_SOURCE)
        .detail_type("ShipmentDispatched")
        .detail(serde_json::to_string(&envelope).unwrap())
        .build();
    let sent = bus.put_events().entries(entry).send().await.unwrap();
    assert_eq!(sent.failed_entry_count(), 0);
}

#[tokio::test]
async fn a_partial_then_a_full_shipment_reach_the_order_and_shopify_once_each() {
    let stack = Stack::from_env();
    let key = demo_channel("demo-shopify").api_key;
    let id = shopify_id();
    let (order_id, sale) = shopify_accepted(
        &stack,
        id,
        &[("WIDGET-S", 2, "9.25"), ("WIDGET-M", 1, "14.50")],
    )
    .await;

    let first_tracking = unique("1Z");
    let shipped = warehouse(&[
        "ship",
        &sale,
        "--lines",
        "WIDGET-S=1",
        "--carrier",
        "UPS",
        "--tracking",
        &first_tracking,
    ]);
    let view = stack
        .wait_status(&key, &order_id, "PARTIALLY_SHIPPED", WITHIN)
        .await;
    assert_eq!(
        view["shipments"][0]["tracking_numbers"],
        json!([first_tracking])
    );
    assert_eq!(view["shipments"][0]["carrier"], "UPS", "{view}");
    assert!(
        shipped.contains(view["shipments"][0]["shipment_id"].as_str().unwrap()),
        "{shipped}"
    );
    let held = shopify_fulfilments(id, 1).await;
    assert_eq!(
        held["fulfillments"][0]["tracking_numbers"],
        json!([first_tracking])
    );
    assert_eq!(
        held["fulfillments"][0]["lines"],
        json!([{"sku": "WIDGET-S", "quantity": 1}])
    );
    assert_eq!(
        held["fulfillment_orders"][0]["status"], "IN_PROGRESS",
        "{held}"
    );

    let second_tracking = unique("1Z");
    warehouse(&[
        "ship",
        &sale,
        "--carrier",
        "UPS",
        "--tracking",
        &second_tracking,
    ]);
    let view = stack.wait_status(&key, &order_id, "SHIPPED", WITHIN).await;
    assert_eq!(view["shipments"].as_array().unwrap().len(), 2, "{view}");
    let held = shopify_fulfilments(id, 2).await;
    assert_eq!(held["fulfillment_orders"][0]["status"], "CLOSED", "{held}");

    // The first shipment's fact twice more, as a re-stamped re-read: still one fulfilment each.
    for bump in 1..=2 {
        redeliver(&view, &view["shipments"][0], i64::MAX / 2 + bump).await;
    }
    wait_drained("SWITCHYARD_FULFILMENT_EVENTS_QUEUE_URL", WITHIN).await;
    wait_drained("SWITCHYARD_FULFILMENT_SHOPIFY_QUEUE_URL", WITHIN).await;
    assert_eq!(
        shopify_order(id).await["fulfillments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let listed = stack
        .get_as(&key, &format!("/v1/orders/{order_id}/shipments"))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["shipments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn woocommerce_gets_a_note_per_shipment_and_completed_once_fully_shipped() {
    let stack = Stack::from_env();
    let channel = demo_channel("demo-woo");
    let secret = channel.secret.clone().unwrap();
    let placed = place_order(&woo(), None, &[("WIDGET-L", 3)]).await;
    let id = placed["id"].as_u64().unwrap();
    let body = serde_json::to_vec(&json!({
        "id": id, "number": id.to_string(), "status": "processing", "currency": "USD",
        "billing": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US",
            "email": "ann@example.com"},
        "shipping": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US"},
        "line_items": [{"id": 9, "name": "Widget L", "sku": "WIDGET-L", "quantity": 3,
            "subtotal": "104.97", "total": "104.97", "price": 34.99}]
    }))
    .unwrap();
    let headers = vec![
        ("content-type", "application/json".to_string()),
        ("x-wc-webhook-topic", "order.created".into()),
        ("x-wc-webhook-resource", "order".into()),
        ("x-wc-webhook-event", "created".into()),
        ("x-wc-webhook-id", "7".into()),
        ("x-wc-webhook-delivery-id", unique("d")),
        (
            "x-wc-webhook-signature",
            sign_woocommerce(secret.as_bytes(), &body),
        ),
    ];
    let answer = post(&stack, "/v1/webhooks/demo-woo", &headers, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let order_id = answer.body["order_id"].as_str().unwrap().to_string();
    let view = stack
        .wait_final_as(&channel.api_key, &order_id, WITHIN)
        .await;
    let sale = view["erp_reference"].as_str().unwrap().to_string();

    let tracking = unique("1Z");
    warehouse(&[
        "ship",
        &sale,
        "--lines",
        "WIDGET-L=1",
        "--carrier",
        "UPS",
        "--tracking",
        &tracking,
    ]);
    stack
        .wait_status(&channel.api_key, &order_id, "PARTIALLY_SHIPPED", WITHIN)
        .await;
    warehouse(&[
        "ship",
        &sale,
        "--carrier",
        "UPS",
        "--tracking",
        &unique("1Z"),
    ]);
    stack
        .wait_status(&channel.api_key, &order_id, "SHIPPED", WITHIN)
        .await;

    let path_notes = format!("/orders/{id}/notes");
    let path_order = format!("/orders/{id}");
    let (notes, completions) = wait_until(
        WITHIN,
        "two notes and the completion on WooCommerce",
        || {
            let (path_notes, path_order) = (path_notes.clone(), path_order.clone());
            async move {
                let calls = calls(&woo()).await;
                let of = |method: &str, path: &str| -> Vec<Value> {
                    calls
                        .iter()
                        .filter(|c| {
                            c["method"] == method
                                && c["path"].as_str().is_some_and(|p| p.ends_with(path))
                        })
                        .cloned()
                        .collect()
                };
                let (notes, completions) = (of("POST", &path_notes), of("PUT", &path_order));
                if notes.len() == 2 && completions.len() == 1 {
                    Ok((notes, completions))
                } else {
                    Err(format!(
                        "{} notes, {} status updates",
                        notes.len(),
                        completions.len()
                    ))
                }
            }
        },
    )
    .await;
    assert!(notes[0].to_string().contains(&tracking), "{}", notes[0]);
    assert!(
        completions[0].to_string().contains("completed"),
        "{}",
        completions[0]
    );
}

fn interchange_850(isa13: u32, po: &str) -> String {
    let body = [
        format!("BEG*00*SA*{po}**20261201"),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
        "PO1*1*4*EA*9.25**VN*WIDGET-S*UP*012345678905".into(),
        "PO1*2*2*EA*14.50**BP*B-77*VP*WIDGET-M".into(),
        "CTT*2*6".into(),
    ];
    let count = body.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261201*1030*U*00401*{isa13:09}*0*P*>~\n\
         GS*PO*ACMEBUYER*SWITCHYARD*20261201*1030*{isa13}*X*004010~\n\
         ST*850*0001~\n{}~\nSE*{count}*0001~\nGE*1*{isa13}~\nIEA*1*{isa13:09}~\n",
        body.join("~\n")
    )
}

async fn outbox_document(stack: &Stack, key: &str, kind: &str) -> String {
    wait_until(
        WITHIN,
        &format!("an {kind} in the partner outbox"),
        || async move {
            let list = stack
                .send(
                    stack
                        .http
                        .get(format!("{}/v1/edi/outbox", stack.api))
                        .bearer_auth(key),
                )
                .await;
            let Some(id) = list.body["documents"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(list.body.as_array().into_iter().flatten())
                .filter(|d| d["type"] == kind)
                .filter_map(|d| d["id"].as_str())
                .next_back()
                .map(str::to_string)
            else {
                return Err(list.text);
            };
            let doc = stack
                .send(
                    stack
                        .http
                        .get(format!("{}/v1/edi/outbox/{id}", stack.api))
                        .bearer_auth(key),
                )
                .await;
            if doc.status == 200 {
                Ok(doc.text)
            } else {
                Err(doc.text)
            }
        },
    )
    .await
}

#[tokio::test]
async fn an_x12_order_shipped_gets_an_856_and_once_invoiced_an_810() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let po = unique("PO");
    let isa13 = (ulid::Ulid::new().random() % 999_999_999) as u32 + 1;
    let answer = post(
        &stack,
        "/v1/edi/x12",
        &[
            ("content-type", "application/edi-x12".into()),
            ("authorization", format!("Bearer {}", edi.api_key)),
        ],
        interchange_850(isa13, &po).as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let order_id = answer.header("x-switchyard-order-ids").unwrap().to_string();
    let view = stack.wait_final_as(&edi.api_key, &order_id, WITHIN).await;
    let sale = view["erp_reference"].as_str().unwrap().to_string();

    let tracking = unique("1Z");
    warehouse(&["ship", &sale, "--carrier", "UPS", "--tracking", &tracking]);
    stack
        .wait_status(&edi.api_key, &order_id, "SHIPPED", WITHIN)
        .await;
    let asn = outbox_document(&stack, &edi.api_key, "856").await;
    let parsed = parse_interchange(asn.as_bytes()).unwrap();
    assert!(parsed.is_clean(), "the 856 reads back cleanly: {parsed:?}");
    let flat = asn.replace('\n', "");
    assert!(flat.contains(&format!("PRF*{po}")), "{flat}");
    assert!(flat.contains(&format!("REF*CN*{tracking}")), "{flat}");
    assert!(
        flat.contains("SN1**4*EA") || flat.contains("SN1*1*4*EA"),
        "{flat}"
    );
    assert!(
        flat.contains("SN1**2*EA") || flat.contains("SN1*2*2*EA"),
        "{flat}"
    );

    warehouse(&["invoice", &sale]);
    let view = stack
        .wait_status(&edi.api_key, &order_id, "INVOICED", WITHIN)
        .await;
    let total = view["invoices"][0]["total_amount"]
        .as_str()
        .unwrap()
        .to_string();
    let cents = (total.parse::<rust_decimal::Decimal>().unwrap()
        * rust_decimal::Decimal::from(100))
    .round()
    .to_string();
    let invoice = outbox_document(&stack, &edi.api_key, "810").await;
    assert!(parse_interchange(invoice.as_bytes()).unwrap().is_clean());
    let flat = invoice.replace('\n', "");
    assert!(
        flat.contains(&format!("TDS*{cents}")),
        "TDS is {total} in cents: {flat}"
    );
    assert!(flat.contains(&po), "BIG carries the PO: {flat}");
}

/// A v1 API order accepted by the ERP; returns (order id, sale number).
async fn api_accepted(stack: &Stack, lines: &[(&str, u32, &str)]) -> (String, String) {
    let answer = stack
        .submit(
            &stack.demo_key,
            &unique("k"),
            &switchyard_e2e::order(&unique("PO"), lines),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let id = answer.body["id"].as_str().unwrap().to_string();
    let view = stack.wait_final(&id, WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    (id, view["erp_reference"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_invoice_posted_before_the_shipment_still_ends_invoiced() {
    let stack = Stack::from_env();
    let (order_id, sale) = api_accepted(&stack, &[("WIDGET-M", 1, "14.50")]).await;
    warehouse(&["invoice", &sale]);
    let view = stack
        .wait_order(
            &stack.demo_key,
            &order_id,
            WITHIN,
            "the invoice on the order",
            |o| o["invoices"].as_array().is_some_and(|i| !i.is_empty()),
        )
        .await;
    assert_eq!(view["status"], "ACCEPTED", "nothing shipped yet: {view}");
    assert_eq!(view["invoices"][0]["total_amount"], "14.50", "{view}");
    warehouse(&[
        "ship",
        &sale,
        "--carrier",
        "UPS",
        "--tracking",
        &unique("1Z"),
    ]);
    stack
        .wait_status(&stack.demo_key, &order_id, "INVOICED", WITHIN)
        .await;
}

#[tokio::test]
async fn a_return_is_authorized_once_received_and_credited_and_more_than_shipped_is_refused() {
    let stack = Stack::from_env();
    let (order_id, sale) = api_accepted(&stack, &[("WIDGET-S", 3, "9.25")]).await;
    warehouse(&[
        "ship",
        &sale,
        "--lines",
        "WIDGET-S=2",
        "--carrier",
        "UPS",
        "--tracking",
        &unique("1Z"),
    ]);
    stack
        .wait_status(&stack.demo_key, &order_id, "PARTIALLY_SHIPPED", WITHIN)
        .await;

    let path = format!("{}/v1/orders/{order_id}/returns", stack.api);
    let request = |key: &str, quantity: u32| {
        stack
            .http
            .post(&path)
            .header("x-api-key", &stack.demo_key)
            .header("idempotency-key", key)
            .json(
                &json!({"lines": [{"sku": "WIDGET-S", "quantity": quantity, "reason": "damaged"}]}),
            )
    };
    let too_many = stack.send(request(&unique("r"), 3)).await;
    assert_eq!(too_many.status, 422, "{}", too_many.text);
    assert_eq!(too_many.body["errors"][0]["field"], "lines[0].quantity");

    let key = unique("r");
    let accepted = stack.send(request(&key, 1)).await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    let return_id = accepted.body["id"].as_str().unwrap().to_string();
    let again = stack.send(request(&key, 1)).await;
    assert_eq!(
        again.body["id"],
        return_id.as_str(),
        "the same key, the same return"
    );

    let status = |wanted: &'static str| {
        let (stack, return_id) = (&stack, return_id.clone());
        async move {
            wait_until(
                WITHIN,
                &format!("return {return_id} to be {wanted}"),
                || {
                    let return_id = return_id.clone();
                    async move {
                        let r = stack
                            .get_as(&stack.demo_key, &format!("/v1/returns/{return_id}"))
                            .await;
                        if r.body["status"] == wanted {
                            Ok(r.body)
                        } else {
                            Err(r.text)
                        }
                    }
                },
            )
            .await
        }
    };
    let authorized = status("AUTHORIZED").await;
    let return_sale = authorized["erp_reference"].as_str().unwrap().to_string();
    use switchyard_erp::SaleReturns;
    let found = tryton()
        .find_return(&format!("return:{return_id}"))
        .await
        .unwrap();
    assert_eq!(
        found.and_then(|r| r.number),
        Some(return_sale.clone()),
        "one return sale in Tryton"
    );

    warehouse(&["receive-return", &return_id]);
    let received = status("RECEIVED").await;
    assert!(received["receipt"].is_string(), "{received}");
    warehouse(&["invoice", &return_sale]);
    let credited = status("CREDITED").await;
    assert!(credited["credit_note"].is_string(), "{credited}");
}

#[tokio::test]
async fn amazon_gets_a_confirm_shipment_with_the_tracking_number_and_the_items() {
    let stack = Stack::from_env();
    let amazon = demo_channel("amazon-us");
    let placed: Value = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/orders",
            switchyard_e2e::storefronts::amazon()
        ))
        .json(&json!({"lines": [{"sku": "WIDGET-L", "quantity": 2, "unitPrice": "34.99"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let amazon_id = placed["AmazonOrderId"]
        .as_str()
        .expect("placed")
        .to_string();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../local/sp-api/notifications/order-change-111-0000001-0000001.json"
    ))
    .unwrap();
    let mut notification: Value = serde_json::from_str(&text).unwrap();
    let change = &mut notification["Payload"]["OrderChangeNotification"];
    change["AmazonOrderId"] = json!(amazon_id);
    change["Summary"]["OrderItems"] = json!([{"OrderItemId": placed["OrderItems"][0]["OrderItemId"],
        "SellerSKU": "WIDGET-L", "Quantity": 2}]);
    notification["NotificationMetadata"]["NotificationId"] = json!(unique("n"));
    aws_sdk_sqs::Client::new(&aws().await)
        .send_message()
        .queue_url(setting("SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL"))
        .message_body(notification.to_string())
        .send()
        .await
        .unwrap();
    let (stack_ref, key, id) = (&stack, &amazon.api_key, &amazon_id);
    let view = wait_until(WITHIN, "the Amazon order accepted", || async move {
        let found = stack_ref
            .get_as(key, &format!("/v1/orders?external_id={id}"))
            .await;
        if found.body["status"] == "ACCEPTED" {
            Ok(found.body)
        } else {
            Err(found.text)
        }
    })
    .await;
    let order_id = view["id"].as_str().unwrap().to_string();
    let tracking = unique("1Z");
    warehouse(&[
        "ship",
        view["erp_reference"].as_str().unwrap(),
        "--carrier",
        "UPS",
        "--tracking",
        &tracking,
    ]);
    stack
        .wait_status(&amazon.api_key, &order_id, "SHIPPED", WITHIN)
        .await;
    let path = format!("/orders/v0/orders/{amazon_id}/shipmentConfirmation");
    let confirmation = wait_until(WITHIN, "confirmShipment on the SP-API sandbox", || {
        let path = path.clone();
        async move {
            let calls = calls(&switchyard_e2e::storefronts::amazon()).await;
            let found: Vec<_> = calls
                .into_iter()
                .filter(|c| c.to_string().contains(&path))
                .collect();
            if found.is_empty() {
                Err("no confirmShipment yet".to_string())
            } else {
                Ok(found)
            }
        }
    })
    .await;
    assert_eq!(confirmation.len(), 1, "{confirmation:?}");
    let seen = confirmation[0].to_string();
    assert!(seen.contains(&tracking), "the tracking number: {seen}");
    assert!(seen.contains("UPS"), "the carrier code: {seen}");
}
