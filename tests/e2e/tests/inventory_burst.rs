//! A burst: 1,000 changes to one SKU on the bus at once → each storefront's pusher coalesces
//! them into a few pushes, and every storefront ends at the last level. The ERP is not involved
//! (its feed would coalesce such a burst itself); the events are what `erp-changes` publishes.

use std::time::Duration;

use futures::StreamExt;
use switchyard_e2e::storefronts::inventory_changed;
use switchyard_e2e::storefronts::{
    amazon, amazon_shown, calls, list_everywhere, shopify, shopify_shown, woo, woo_shown,
};
use switchyard_e2e::{aws, setting, unique, wait_until};
use switchyard_events::{EventBridgePublisher, EventPublisher};
use switchyard_model::catalog_events::INVENTORY_EVENTS_SOURCE;

const CHANGES: i64 = 1000;

#[tokio::test]
async fn a_thousand_changes_to_one_sku_become_a_few_pushes_ending_at_the_last_level() {
    let sku = unique("BURST");
    let (shopify_item, woo_product) = list_everywhere(&sku).await;
    let bus = EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(&aws().await),
        setting("SWITCHYARD_EVENT_BUS"),
    );
    // Ten to a PutEvents call, as erp-changes publishes, four calls at a time, in a scrambled
    // order (7919 is prime to 1000), so the newest level is not the last to arrive.
    let envelopes: Vec<_> = (0..CHANGES)
        .map(|i| inventory_changed(&sku, (i * 7919) % CHANGES + 1))
        .collect();
    let published: Vec<_> = futures::stream::iter(
        envelopes
            .chunks(10)
            .map(|chunk| bus.publish_all(INVENTORY_EVENTS_SOURCE, chunk)),
    )
    .buffer_unordered(4)
    .collect()
    .await;
    let failed: Vec<String> = published
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert!(
        failed.is_empty(),
        "{} publishes failed: {:?}",
        failed.len(),
        failed.first()
    );

    let sku_ref = &sku;
    wait_until(
        Duration::from_secs(90),
        "the last level on every storefront",
        || async move {
            let shown = (
                shopify_shown(sku_ref).await,
                woo_shown(sku_ref).await,
                amazon_shown(sku_ref).await,
            );
            let last = Some(CHANGES);
            if shown == (last, last, last) {
                Ok(())
            } else {
                Err(format!("{shown:?}"))
            }
        },
    )
    .await;

    let shopify_pushes = calls(&shopify())
        .await
        .iter()
        .filter(|c| c["applied"] == true && c["variables"].to_string().contains(&shopify_item))
        .count();
    let woo_pushes = calls(&woo())
        .await
        .iter()
        .filter(|c| {
            c["method"] == "POST"
                && c["path"].as_str().is_some_and(|p| p.ends_with("/batch"))
                && c["body"]
                    .to_string()
                    .contains(&format!("\"id\":{woo_product}"))
        })
        .count();
    let amazon_pushes = calls(&amazon())
        .await
        .iter()
        .filter(|c| c["method"] == "PATCH" && c["path"].as_str().is_some_and(|p| p.ends_with(&sku)))
        .count();
    eprintln!(
        "{CHANGES} changes → pushes: Shopify {shopify_pushes}, WooCommerce {woo_pushes}, Amazon {amazon_pushes}"
    );
    for (channel, pushes) in [
        ("Shopify", shopify_pushes),
        ("WooCommerce", woo_pushes),
        ("Amazon", amazon_pushes),
    ] {
        assert!(
            (1..=50).contains(&pushes),
            "{channel}: {pushes} pushes for {CHANGES} changes"
        );
    }
}
