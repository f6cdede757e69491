//! `WooInventory` against the woo-sandbox, beyond the contract: throttling, outages, refused
//! credentials, variations, deleted products, and the limits the sandbox enforces.

mod common;

use std::time::Duration;

use common::{Woo, level, run};
use serde_json::{Value, json};
use switchyard_inventory::contract::ChannelUnderTest;
use switchyard_woocommerce::{
    ChannelStock, ConsumerSecret, LevelOutcome, PushError, WooConfig, WooInventory,
};
use woo_sandbox::RateLimit;

fn api_calls<'a>(calls: &'a [Value], method: &str, path_prefix: &str) -> Vec<&'a Value> {
    calls
        .iter()
        .filter(|c| c["method"] == method && c["path"].as_str().unwrap().starts_with(path_prefix))
        .collect()
}

#[tokio::test]
async fn a_throttled_push_backs_off_and_loses_nothing() {
    // Two calls per 200 ms: the 150-SKU push needs four (two lookups, two batches).
    let mut config = common::sandbox_config();
    config.rate_limit = Some(RateLimit {
        limit: 2,
        window: Duration::from_millis(200),
    });
    let addr = common::start(config).await;
    let mut client = common::client_config(addr);
    client.max_retries = 20;
    let woo = Woo::at(addr, WooInventory::new(client).unwrap(), false);
    let run = run();
    let skus: Vec<String> = (0..150).map(|n| format!("{run}-T{n:03}")).collect();
    for sku in &skus {
        woo.list(sku, 0).await;
    }
    let levels: Vec<_> = skus
        .iter()
        .enumerate()
        .map(|(n, s)| level(s, n as i64 + 1))
        .collect();

    let outcomes = woo.set_levels(&levels).await.unwrap();

    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, LevelOutcome::Set { .. })),
        "{outcomes:?}"
    );
    for (n, sku) in skus.iter().enumerate() {
        assert_eq!(woo.shown(sku).await, Some(n as i64 + 1), "{sku}");
    }
    let calls = woo.calls().await;
    assert!(
        calls.iter().any(|c| c["status"] == 429),
        "the sandbox never throttled, so nothing was tested"
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_backoff_is_reported_with_the_servers_delay() {
    let mut config = common::sandbox_config();
    config.rate_limit = Some(RateLimit {
        limit: 1,
        window: Duration::from_secs(3600),
    });
    let addr = common::start(config).await;
    let mut client = common::client_config(addr);
    client.max_retries = 2;
    client.max_retry_after = Duration::from_millis(10);
    let woo = Woo::at(addr, WooInventory::new(client).unwrap(), false);
    let sku = format!("{}-A", run());
    woo.list(&sku, 5).await;

    // The SKU lookup spends the one call of the hour; the batch write is throttled.
    let err = woo.set_levels(&[level(&sku, 6)]).await.unwrap_err();

    match err {
        PushError::Throttled { retry_after } => {
            assert!(retry_after > Duration::from_secs(60), "{retry_after:?}")
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert_eq!(
        woo.shown(&sku).await,
        Some(5),
        "nothing written while throttled"
    );
    let throttled = woo
        .calls()
        .await
        .iter()
        .filter(|c| c["status"] == 429)
        .count();
    assert_eq!(throttled, 3, "one try and two retries, then the error");
}

#[tokio::test]
async fn a_failing_store_is_unavailable_and_the_retry_succeeds() {
    let woo = Woo::simple().await;
    let sku = format!("{}-A", run());
    woo.list(&sku, 5).await;
    woo.fail_next(1, 503).await;

    let err = woo.set_levels(&[level(&sku, 8)]).await.unwrap_err();
    assert!(matches!(err, PushError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(woo.shown(&sku).await, Some(5));

    let outcomes = woo.set_levels(&[level(&sku, 8)]).await.unwrap();
    assert_eq!(
        outcomes,
        vec![LevelOutcome::Set {
            sku: sku.clone(),
            previous: Some(5)
        }]
    );
    assert_eq!(woo.shown(&sku).await, Some(8));
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = WooInventory::new(common::client_config(addr)).unwrap();
    let err = client.set_levels(&[level("X", 1)]).await.unwrap_err();
    assert!(matches!(err, PushError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_store_that_never_answers_times_out_as_unavailable() {
    // Accepts connections and never writes a byte, like a hung PHP worker.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config = common::client_config(addr);
    config.timeout = Duration::from_millis(200);
    let client = WooInventory::new(config).unwrap();

    let err = client.set_levels(&[level("X", 1)]).await.unwrap_err();

    match err {
        PushError::Unavailable(why) => assert!(why.contains("timed out"), "{why}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_credentials_are_refused_and_not_retried() {
    let addr = common::start(common::sandbox_config()).await;
    let wrong = WooConfig::new(
        format!("http://{addr}"),
        common::KEY,
        ConsumerSecret::new("cs_wrong"),
    );
    let woo = Woo::at(addr, WooInventory::new(wrong).unwrap(), false);
    let sku = format!("{}-A", run());
    woo.list(&sku, 5).await;

    let err = woo.set_levels(&[level(&sku, 9)]).await.unwrap_err();

    match &err {
        PushError::Refused(why) => assert!(
            why.contains("401") && why.contains("woocommerce_rest_authentication_error"),
            "{why}"
        ),
        other => panic!("expected Refused, got {other:?}"),
    }
    assert!(!err.is_transient());
    assert!(!err.to_string().contains("cs_wrong"), "{err}");
    assert_eq!(woo.shown(&sku).await, Some(5));
    assert_eq!(woo.calls().await.len(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn a_variation_is_updated_through_its_parents_variations_batch() {
    let woo = Woo::simple().await;
    let run = run();
    let (variation, simple) = (format!("{run}-V"), format!("{run}-S"));
    let created = woo
        .create(&variation, 2, Some(&format!("{run}-PARENT")))
        .await;
    woo.create(&simple, 2, None).await;
    let (id, parent) = (
        created["id"].as_u64().unwrap(),
        created["parent_id"].as_u64().unwrap(),
    );

    let outcomes = woo
        .set_levels(&[level(&variation, 30), level(&simple, 31)])
        .await
        .unwrap();

    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, LevelOutcome::Set { .. })),
        "{outcomes:?}"
    );
    assert_eq!(woo.shown(&variation).await, Some(30));
    assert_eq!(woo.shown(&simple).await, Some(31));
    let calls = woo.calls().await;
    let through_parent = api_calls(
        &calls,
        "POST",
        &format!("/wp-json/wc/v3/products/{parent}/variations/batch"),
    );
    assert_eq!(through_parent.len(), 1, "{calls:#?}");
    assert_eq!(
        through_parent[0]["body"]["update"],
        json!([{"id": id, "manage_stock": true, "stock_quantity": 30}])
    );
    let products_batch = api_calls(&calls, "POST", "/wp-json/wc/v3/products/batch");
    assert_eq!(products_batch.len(), 1);
    assert_eq!(
        products_batch[0]["body"]["update"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_second_push_reads_cached_ids_instead_of_searching_skus() {
    let woo = Woo::simple().await;
    let sku = format!("{}-A", run());
    woo.list(&sku, 1).await;
    woo.set_levels(&[level(&sku, 2)]).await.unwrap();
    let before = woo.calls().await.len();

    woo.set_levels(&[level(&sku, 3)]).await.unwrap();

    let calls = woo.calls().await;
    let reads: Vec<&Value> = calls[before..]
        .iter()
        .filter(|c| c["method"] == "GET")
        .collect();
    assert_eq!(reads.len(), 1, "{reads:#?}");
    let query = reads[0]["query"].as_str().unwrap();
    assert!(
        query.contains("include=") && !query.contains("sku="),
        "{query}"
    );
    assert_eq!(woo.shown(&sku).await, Some(3));
}

#[tokio::test]
async fn a_deleted_and_recreated_product_is_found_again() {
    let woo = Woo::simple().await;
    let sku = format!("{}-A", run());
    let first = woo.create(&sku, 1, None).await;
    woo.set_levels(&[level(&sku, 2)]).await.unwrap();
    woo.delete(&sku).await;
    let second = woo.create(&sku, 4, None).await;
    assert_ne!(first["id"], second["id"]);

    let outcomes = woo.set_levels(&[level(&sku, 5)]).await.unwrap();

    assert_eq!(
        outcomes,
        vec![LevelOutcome::Set {
            sku: sku.clone(),
            previous: Some(4)
        }]
    );
    assert_eq!(woo.shown(&sku).await, Some(5));
}

#[tokio::test]
async fn a_deleted_product_is_no_longer_listed() {
    let woo = Woo::simple().await;
    let sku = format!("{}-A", run());
    woo.list(&sku, 1).await;
    woo.set_levels(&[level(&sku, 2)]).await.unwrap();
    woo.delete(&sku).await;

    let outcomes = woo.set_levels(&[level(&sku, 3)]).await.unwrap();

    assert_eq!(outcomes, vec![LevelOutcome::NotListed { sku }]);
}

#[tokio::test]
async fn the_sandbox_refuses_a_batch_over_100_as_woocommerce_does() {
    let woo = Woo::simple().await;
    let run = run();
    let mut ids = Vec::new();
    for n in 0..101 {
        let created = woo.create(&format!("{run}-B{n:03}"), 0, None).await;
        ids.push(created["id"].as_u64().unwrap());
    }
    let http = reqwest::Client::new();
    let batch = |ids: &[u64]| {
        let update: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "manage_stock": true, "stock_quantity": 7}))
            .collect();
        http.post(woo.url("/wp-json/wc/v3/products/batch"))
            .basic_auth(common::KEY, Some(common::SECRET))
            .json(&json!({ "update": update }))
    };

    let refused = batch(&ids).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 413);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "woocommerce_rest_request_entity_too_large");
    assert_eq!(
        woo.shown(&format!("{run}-B000")).await,
        Some(0),
        "nothing applied"
    );

    let accepted = batch(&ids[..100]).send().await.unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    assert_eq!(woo.shown(&format!("{run}-B099")).await, Some(7));
    assert_eq!(woo.shown(&format!("{run}-B100")).await, Some(0));
}

#[tokio::test]
async fn the_sandbox_reports_each_bad_batch_item_and_applies_the_rest() {
    let woo = Woo::simple().await;
    let sku = format!("{}-A", run());
    let id = woo.create(&sku, 1, None).await["id"].as_u64().unwrap();
    let answer: Value = reqwest::Client::new()
        .post(woo.url("/wp-json/wc/v3/products/batch"))
        .basic_auth(common::KEY, Some(common::SECRET))
        .json(&json!({"update": [
            {"id": 999_999, "stock_quantity": 1},
            {"id": id, "manage_stock": true, "stock_quantity": 3},
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["update"][0]["id"], 999_999);
    assert_eq!(
        answer["update"][0]["error"]["code"],
        "woocommerce_rest_product_invalid_id"
    );
    assert_eq!(answer["update"][0]["error"]["data"]["status"], 400);
    assert_eq!(answer["update"][1]["stock_quantity"], 3);
    assert_eq!(woo.shown(&sku).await, Some(3));
}

#[tokio::test]
async fn the_sandbox_wants_credentials_pages_within_100_and_logs_no_secret() {
    let woo = Woo::simple().await;
    let http = reqwest::Client::new();
    let anonymous = http
        .get(woo.url("/wp-json/wc/v3/products"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "woocommerce_rest_cannot_view");

    let too_many = http
        .get(woo.url("/wp-json/wc/v3/products?per_page=101"))
        .basic_auth(common::KEY, Some(common::SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status().as_u16(), 400);
    let body: Value = too_many.json().await.unwrap();
    assert_eq!(body["code"], "rest_invalid_param");

    for n in 0..3 {
        woo.create(&format!("P{n}"), 1, None).await;
    }
    let paged = http
        .get(woo.url(&format!(
            "/wp-json/wc/v3/products?per_page=2&page=2&consumer_key={}&consumer_secret={}",
            common::KEY,
            common::SECRET
        )))
        .basic_auth(common::KEY, Some(common::SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(paged.headers()["x-wp-total"], "3");
    assert_eq!(paged.headers()["x-wp-totalpages"], "2");
    let page: Vec<Value> = paged.json().await.unwrap();
    assert_eq!(page.len(), 1);

    let log = serde_json::to_string(&woo.calls().await).unwrap();
    assert!(!log.contains(common::SECRET), "{log}");
    assert!(log.contains("per_page=2"), "{log}");
}

#[tokio::test]
async fn the_seed_file_lists_the_demo_widgets_as_variations() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../local/woocommerce/products.json"
    ))
    .unwrap();
    let mut config = common::sandbox_config();
    config.products = serde_json::from_str(&text).unwrap();
    let woo = Woo::with(config, false).await;

    let outcomes = woo
        .set_levels(&[
            level("WIDGET-S", 120),
            level("WIDGET-M", 7),
            level("WIDGET-L", 0),
        ])
        .await
        .unwrap();

    assert_eq!(
        outcomes[0],
        LevelOutcome::Unchanged {
            sku: "WIDGET-S".into()
        }
    );
    assert_eq!(
        outcomes[1],
        LevelOutcome::Set {
            sku: "WIDGET-M".into(),
            previous: Some(80)
        }
    );
    assert_eq!(woo.shown("WIDGET-M").await, Some(7));
    assert_eq!(woo.shown("WIDGET-L").await, Some(0));
}
