//! The operator CLI's order and quarantine tools through the whole stack, running the stack's
//! real `switchyard` binary: `orders get`/`find` show a placed order ACCEPTED with its ERP
//! reference, and a webhook body quarantined because its channel could not map it becomes
//! exactly one order (one Tryton sale) when replayed after the mapping is fixed.

use std::time::Duration;

use serde_json::{Value, json};
use switchyard_channels::{ChannelDirectory, DynamoDbChannelDirectory};
use switchyard_e2e::{Stack, aws, order, setting, tryton, unique, wait_drained, wait_for_sale};
use switchyard_model::{ChannelName, Sku};
use switchyard_webhooks::signature::sign_woocommerce;

const FINAL_WITHIN: Duration = Duration::from_secs(60);

/// Runs the stack's `switchyard` with `--json`; (exit code, parsed stdout).
fn cli(args: &[&str]) -> (i32, Value) {
    let bin = format!("{}/bin/switchyard", setting("SWITCHYARD_STACK_DIR"));
    let output = std::process::Command::new(&bin)
        .args(args)
        .arg("--json")
        .output()
        .expect("run switchyard");
    let parsed = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "switchyard {args:?} --json printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), parsed)
}

/// Runs it without `--json`: (exit code, stderr).
fn cli_status(args: &[&str]) -> (i32, String) {
    let bin = format!("{}/bin/switchyard", setting("SWITCHYARD_STACK_DIR"));
    let output = std::process::Command::new(&bin)
        .args(args)
        .output()
        .expect("run switchyard");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn orders_get_and_find_show_a_placed_order_accepted_with_its_erp_reference_and_refuse_its_retry()
 {
    let stack = Stack::from_env();
    let external = unique("OPS");
    let answer = stack
        .submit(
            &stack.demo_key,
            &unique("key"),
            &order(&external, &[("WIDGET-S", 1, "9.25")]),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let id = answer.body["id"].as_str().unwrap().to_string();
    let view = stack.wait_final(&id, FINAL_WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let reference = view["erp_reference"].as_str().unwrap().to_string();

    let (code, got) = cli(&["orders", "get", &id]);
    assert_eq!(code, 0, "{got}");
    assert_eq!(got["order_id"], id.as_str());
    assert_eq!(got["status"], "ACCEPTED");
    assert_eq!(got["erp_reference"], reference.as_str());
    assert_eq!(got["retryable"], false);
    let statuses: Vec<&str> = got["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["RECEIVED", "ACCEPTED"]);
    assert!(got["failures"].as_array().unwrap().is_empty(), "{got}");

    let channel = view["channel"].as_str().unwrap();
    let (code, found) = cli(&[
        "orders",
        "find",
        "--channel",
        channel,
        "--external-id",
        &external,
    ]);
    assert_eq!(code, 0, "{found}");
    assert_eq!(found["order_id"], id.as_str());
    assert_eq!(found["erp_reference"], reference.as_str());

    let (code, stderr) = cli_status(&[
        "orders",
        "find",
        "--channel",
        channel,
        "--external-id",
        &unique("NONE"),
    ]);
    assert_eq!(
        code, 3,
        "an unknown external id is 'less than asked': {stderr}"
    );
    let (code, stderr) = cli_status(&["orders", "retry", &id, "--yes"]);
    assert_eq!(code, 4, "a retry of an ACCEPTED order is refused: {stderr}");
    assert!(
        stderr.contains("ACCEPTED") && stderr.contains(&reference),
        "{stderr}"
    );
    let sales = wait_for_sale(&format!("{channel}:{external}"), FINAL_WITHIN).await;
    assert_eq!(sales.len(), 1, "still exactly one sale: {sales:?}");
}

fn woo_body(id: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id, "number": id.to_string(), "status": "processing", "currency": "USD",
        "billing": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US",
            "email": "ann@example.com"},
        "shipping": {"first_name": "Ann", "last_name": "Lee", "company": "", "address_1": "2 Oak Ave",
            "address_2": "", "city": "Dayton", "state": "OH", "postcode": "45402", "country": "US"},
        // A product without a SKU: refused until the channel names a custom item SKU.
        "line_items": [{"id": 9, "name": "Widget (no SKU)", "sku": "", "quantity": 2,
            "subtotal": "18.50", "total": "18.50", "price": 9.25}]
    }))
    .unwrap()
}

#[tokio::test]
async fn a_quarantined_webhook_replayed_after_its_mapping_is_fixed_becomes_exactly_one_order() {
    let stack = Stack::from_env();
    let name = unique("quar").to_lowercase();
    let (code, added) = cli(&[
        "channels",
        "add",
        &name,
        "--kind",
        "woocommerce",
        "--default-customer",
        "DEMO-SHOP",
    ]);
    assert_eq!(code, 0, "{added}");
    let secret = added["secret"].as_str().unwrap().to_string();
    let api_key = added["api_key"].as_str().unwrap().to_string();
    let external = (ulid::Ulid::new().random() as u64 % 1_000_000_000).to_string();
    let body = woo_body(external.parse().unwrap());
    let delivery = unique("d");
    let refused = stack
        .send(
            stack
                .http
                .post(format!("{}/v1/webhooks/{name}", stack.api))
                .header("content-type", "application/json")
                .header("x-wc-webhook-topic", "order.created")
                .header("x-wc-webhook-delivery-id", &delivery)
                .header(
                    "x-wc-webhook-signature",
                    sign_woocommerce(secret.as_bytes(), &body),
                )
                .body(body.clone()),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);

    let ours = |listed: &Value| -> Vec<Value> {
        listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i["delivery"]["channel"] == name.as_str())
            .cloned()
            .collect()
    };
    let (code, listed) = cli(&["quarantine", "list"]);
    assert_eq!(code, 0, "{listed}");
    let items = ours(&listed);
    assert_eq!(items.len(), 1, "the delivery is kept: {listed}");
    let message_id = items[0]["message_id"].as_str().unwrap().to_string();
    assert_eq!(items[0]["delivery"]["delivery_id"], delivery.as_str());
    let (code, shown) = cli(&["quarantine", "show", &message_id]);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(
        shown["delivery"]["body"].as_str().unwrap().as_bytes(),
        body.as_slice()
    );
    assert!(
        shown["delivery"]["reason"]
            .as_str()
            .unwrap()
            .contains("custom_item_sku")
    );

    // Before the fix, a dry run says it still does not read and changes nothing.
    let (code, dry) = cli(&["quarantine", "replay", &message_id]);
    assert_eq!(code, 3, "{dry}");
    assert_eq!(dry["result"], "still-unreadable");
    assert_eq!(
        ours(&cli(&["quarantine", "list"]).1).len(),
        1,
        "list and show consumed nothing"
    );

    // The operator fixes the channel's mapping.
    let config = aws().await;
    let channels = DynamoDbChannelDirectory::new(
        aws_sdk_dynamodb::Client::new(&config),
        setting("SWITCHYARD_CHANNELS_TABLE"),
    );
    let channel_name = ChannelName::try_from(name.as_str()).unwrap();
    let mut channel = channels.get(&channel_name).await.unwrap().unwrap();
    channel.mapping.custom_item_sku = Some(Sku::try_from("WIDGET-S").unwrap());
    channels.put(&channel).await.unwrap();

    let (code, dry) = cli(&["quarantine", "replay", &message_id]);
    assert_eq!(code, 0, "{dry}");
    assert_eq!(dry["result"], "would-capture");
    assert_eq!(dry["external_id"], external.as_str());
    let (code, replayed) = cli(&["quarantine", "replay", &message_id, "--execute", "--yes"]);
    assert_eq!(code, 0, "{replayed}");
    assert_eq!(replayed["result"], "created", "{replayed}");
    let order_id = replayed["order_id"].as_str().unwrap().to_string();
    assert!(
        ours(&cli(&["quarantine", "list"]).1).is_empty(),
        "no longer quarantined"
    );
    let (code, stderr) = cli_status(&["quarantine", "replay", &message_id, "--execute", "--yes"]);
    assert_eq!(
        code, 3,
        "a replayed message is gone: replaying it again finds nothing: {stderr}"
    );

    let view = stack.wait_final_as(&api_key, &order_id, FINAL_WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let (code, found) = cli(&[
        "orders",
        "find",
        "--channel",
        &name,
        "--external-id",
        &external,
    ]);
    assert_eq!(code, 0, "{found}");
    assert_eq!(found["order_id"], order_id.as_str());
    let sales = wait_for_sale(&format!("{name}:{external}"), FINAL_WITHIN).await;
    assert_eq!(sales.len(), 1, "exactly one sale: {sales:?}");

    // The sender's own retry of that delivery now matches the same order.
    let retried = stack
        .send(
            stack
                .http
                .post(format!("{}/v1/webhooks/{name}", stack.api))
                .header("content-type", "application/json")
                .header("x-wc-webhook-topic", "order.created")
                .header("x-wc-webhook-delivery-id", &delivery)
                .header(
                    "x-wc-webhook-signature",
                    sign_woocommerce(secret.as_bytes(), &body),
                )
                .body(body.clone()),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.body["order_id"], order_id.as_str());

    let (_, audit) = cli(&["audit", "list", "--limit", "200"]);
    let entries: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "quarantine.replay" && e["target"] == message_id.as_str())
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "the executed replay is audited once: {audit}"
    );
    assert_eq!(entries[0]["details"]["order_id"], order_id.as_str());
    // Whatever the retry set off has run once the orders queue is drained.
    wait_drained("SWITCHYARD_ORDERS_QUEUE_URL", FINAL_WITHIN).await;
    assert_eq!(
        tryton()
            .sales_with_reference(&format!("{name}:{external}"))
            .await
            .unwrap()
            .len(),
        1,
        "still exactly one sale after the sender's retry"
    );
}
