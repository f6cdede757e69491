//! A storefront down past `maxReceiveCount`: the push is in its pusher's DLQ, the channel's
//! status names the failure, the other storefronts were not held up, and once the storefront is
//! back the next change reaches it.

use std::time::Duration;

use serde_json::Value;
use switchyard_e2e::storefronts::inventory_changed;
use switchyard_e2e::storefronts::{amazon_shown, list_everywhere, shopify, shopify_shown};
use switchyard_e2e::{aws, setting, unique, wait_until};
use switchyard_events::{EventBridgePublisher, EventPublisher};
use switchyard_model::catalog_events::INVENTORY_EVENTS_SOURCE;

fn status() -> Value {
    let bin = format!("{}/bin/switchyard", setting("SWITCHYARD_STACK_DIR"));
    let output = std::process::Command::new(bin)
        .args(["inventory", "status", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn a_storefront_down_past_max_receive_count_dead_letters_the_push_with_its_reason() {
    let sku = unique("DOWN");
    list_everywhere(&sku).await;
    let http = reqwest::Client::new();
    let faults = format!("{}/_sandbox/faults", shopify());
    http.post(&faults)
        .json(&serde_json::json!({"count": 1000, "status": 503}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let config = aws().await;
    let bus = EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(&config),
        setting("SWITCHYARD_EVENT_BUS"),
    );
    bus.publish(INVENTORY_EVENTS_SOURCE, &inventory_changed(&sku, 42))
        .await
        .unwrap();

    // The other storefronts are not held up by Shopify's outage.
    let sku_ref = &sku;
    wait_until(
        Duration::from_secs(30),
        "the level on Amazon",
        || async move { amazon_shown(sku_ref).await.filter(|q| *q == 42) },
    )
    .await;

    let sqs = aws_sdk_sqs::Client::new(&config);
    let dlq = setting("SWITCHYARD_STOCK_SHOPIFY_DLQ_URL");
    let (sqs_ref, dlq_ref) = (&sqs, &dlq);
    let handle = wait_until(
        Duration::from_secs(120),
        "the push in the Shopify DLQ",
        || async move {
            let received = sqs_ref
                .receive_message()
                .queue_url(dlq_ref)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            received
                .messages()
                .iter()
                .find(|m| m.body().unwrap_or_default().contains(sku_ref.as_str()))
                .and_then(|m| m.receipt_handle().map(str::to_owned))
        },
    )
    .await;
    sqs.delete_message()
        .queue_url(&dlq)
        .receipt_handle(handle)
        .send()
        .await
        .unwrap();

    let shopify_status = status()["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "demo-shopify")
        .cloned()
        .unwrap();
    let failure = &shopify_status["last_failure"];
    assert_eq!(failure["class"], "unavailable", "{shopify_status}");
    assert!(
        failure["reason"].as_str().unwrap().contains("503"),
        "{shopify_status}"
    );
    assert_eq!(shopify_shown(&sku).await, Some(0));

    // Back up: the next change reaches it.
    http.delete(&faults)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    bus.publish(INVENTORY_EVENTS_SOURCE, &inventory_changed(&sku, 43))
        .await
        .unwrap();
    wait_until(
        Duration::from_secs(30),
        "the next level on Shopify",
        || async move { shopify_shown(sku_ref).await.filter(|q| *q == 43) },
    )
    .await;
}
