//! Stock and prices from the ERP to every channel, through the whole local stack: a real stock
//! move in Tryton → erp-changes (the runner plays its schedule) → InventoryChanged on the bus →
//! the projections (GET /v1/inventory) and each kind's pusher → the Shopify, WooCommerce and
//! SP-API sandboxes.

use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use switchyard_e2e::storefronts::{amazon_shown, shopify_shown, woo_shown};
use switchyard_e2e::{Stack, demo_channel, order, setting, tryton, unique, wait_until};

/// The promise: a stock move shows everywhere within this.
const WITHIN: Duration = Duration::from_secs(10);
/// The first poll of the feed reads the ERP's whole history.
const FIRST_LOAD: Duration = Duration::from_secs(60);

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("a decimal string, got {value}")),
    )
    .unwrap()
}

async fn inventory(stack: &Stack, key: &str, query: &str) -> Value {
    let answer = stack.get_as(key, &format!("/v1/inventory?{query}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

/// The level one channel is shown, once the ERP has reported the SKU.
async fn known_level(stack: &Stack, key: &str, sku: &str) -> Value {
    wait_until(
        FIRST_LOAD,
        &format!("{sku} in GET /v1/inventory"),
        || async {
            let body = inventory(stack, key, &format!("sku={sku}")).await;
            let item = body["items"][0].clone();
            if item["known"] == true {
                Ok(item)
            } else {
                Err(item.to_string())
            }
        },
    )
    .await
}

#[tokio::test]
async fn a_stock_move_in_tryton_reaches_the_api_and_every_storefront_within_10_s() {
    let stack = Stack::from_env();
    let before = known_level(&stack, &stack.demo_key, "WIDGET-S").await;
    let on_hand = dec(&before["on_hand"]);

    tryton()
        .move_stock("WIDGET-S", "WH", Decimal::from(7))
        .await
        .unwrap();

    let after = wait_until(WITHIN, "the move in GET /v1/inventory", || async {
        let item = inventory(&stack, &stack.demo_key, "sku=WIDGET-S").await["items"][0].clone();
        if dec(&item["on_hand"]) == on_hand + Decimal::from(7) {
            Ok(item)
        } else {
            Err(item.to_string())
        }
    })
    .await;
    // demo-shop has no allocation: it sees the whole available-to-promise, in whole units.
    let available: i64 = dec(&after["available"]).try_into().unwrap();
    wait_until(
        WITHIN,
        "the level in the Shopify, WooCommerce and SP-API sandboxes",
        || async {
            let shown = (
                shopify_shown("WIDGET-S").await,
                woo_shown("WIDGET-S").await,
                amazon_shown("WIDGET-S").await,
            );
            let want = Some(available);
            if shown == (want, want, want) {
                Ok(())
            } else {
                Err(format!("{shown:?}, want {available}"))
            }
        },
    )
    .await;
}

#[tokio::test]
async fn the_inventory_answer_is_cacheable_and_names_unknown_skus() {
    let stack = Stack::from_env();
    known_level(&stack, &stack.demo_key, "WIDGET-M").await;
    let url = format!(
        "{}/v1/inventory?sku=WIDGET-M&sku=NO-SUCH-SKU&by=warehouse",
        stack.api
    );
    let first = stack
        .send(stack.http.get(&url).bearer_auth(&stack.demo_key))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(
        first.body["items"][1],
        json!({"sku": "NO-SUCH-SKU", "known": false})
    );
    let warehouses: Vec<&str> = first.body["items"][0]["warehouses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["warehouse"].as_str().unwrap())
        .collect();
    assert!(
        warehouses.contains(&"WH") && warehouses.contains(&"EAST"),
        "{warehouses:?}"
    );
    assert!(
        first
            .header("cache-control")
            .is_some_and(|c| c.contains("max-age"))
    );
    let etag = first.header("etag").expect("an ETag").to_string();
    let again = stack
        .send(
            stack
                .http
                .get(&url)
                .bearer_auth(&stack.demo_key)
                .header("If-None-Match", &etag),
        )
        .await;
    // Unless the level changed in between (another test's order), the same ETag is unchanged.
    assert!(
        again.status == 304 || again.header("etag") != Some(etag.as_str()),
        "{}",
        again.status
    );
}

#[tokio::test]
async fn a_contract_customer_gets_its_price_and_its_quantity_break() {
    let stack = Stack::from_env();
    let acme = demo_channel("acme-portal").api_key;
    let price = |key: String, quantity: u32| {
        let stack = &stack;
        async move {
            let url = format!("{}/v1/prices?sku=WIDGET-S&quantity={quantity}", stack.api);
            wait_until(FIRST_LOAD, "a price for WIDGET-S", || {
                let (url, key) = (url.clone(), key.clone());
                async move {
                    let answer = stack.send(stack.http.get(&url).bearer_auth(&key)).await;
                    let item = answer.body["items"][0].clone();
                    if answer.status == 200 && item["known"] != false {
                        Ok(item)
                    } else {
                        Err(answer.text)
                    }
                }
            })
            .await
        }
    };
    // Contract prices only show once the customer's list assignment is projected too.
    let one = wait_until(FIRST_LOAD, "the ACME contract price", || async {
        let item = price(acme.clone(), 1).await;
        if item["source"] == "ACME contract" {
            Ok(item)
        } else {
            Err(item.to_string())
        }
    })
    .await;
    assert_eq!(
        dec(&one["unit_price"]),
        Decimal::from_str("8.325").unwrap(),
        "{one}"
    );
    assert_eq!(one["currency"], "USD");
    let fifty = price(acme.clone(), 50).await;
    assert_eq!(
        dec(&fifty["unit_price"]),
        Decimal::from_str("7.8625").unwrap(),
        "{fifty}"
    );
    assert!(fifty["breaks"].as_array().unwrap().len() >= 2, "{fifty}");
    let list = price(stack.demo_key.clone(), 50).await;
    assert_eq!(
        (list["source"].as_str(), dec(&list["unit_price"])),
        (Some("list_price"), Decimal::from_str("9.25").unwrap())
    );
}

async fn stored_orders() -> usize {
    let dynamodb = aws_sdk_dynamodb::Client::new(&switchyard_e2e::aws().await);
    let mut count = 0;
    let mut start = None;
    loop {
        let page = dynamodb
            .scan()
            .table_name(setting("SWITCHYARD_ORDERS_TABLE"))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        count += page.count() as usize;
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return count;
        }
    }
}

#[tokio::test]
async fn validate_flags_a_wrong_price_and_an_over_atp_quantity_and_stores_nothing() {
    let stack = Stack::from_env();
    let acme = demo_channel("acme-portal").api_key;
    known_level(&stack, &acme, "WIDGET-L").await;
    let (orders_before, queued_before) = (
        stored_orders().await,
        switchyard_e2e::queue_depth(&setting("SWITCHYARD_ORDERS_QUEUE_URL")).await,
    );
    let mut body = order(
        &unique("PO"),
        &[("WIDGET-S", 2, "9.25"), ("WIDGET-L", 1_000_000, "18.90")],
    );
    body["customer"]["account"] = json!("ACME-001");
    let answer = stack
        .send(
            stack
                .http
                .post(format!("{}/v1/orders/validate", stack.api))
                .bearer_auth(&acme)
                .json(&body),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let verdict = &answer.body;
    assert_eq!(verdict["valid"], false, "{verdict}");
    let problems = |line: usize| -> Vec<String> {
        verdict["lines"][line]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_string())
            .collect()
    };
    // 9.25 is the list price; ACME's contract price is 8.325.
    assert!(problems(0).iter().any(|c| c.contains("price")), "{verdict}");
    assert!(
        problems(1)
            .iter()
            .any(|c| c.contains("stock") || c.contains("available")),
        "{verdict}"
    );
    assert_eq!(stored_orders().await, orders_before);
    assert_eq!(
        switchyard_e2e::queue_depth(&setting("SWITCHYARD_ORDERS_QUEUE_URL"))
            .await
            .0,
        queued_before.0
    );
}

fn cli(args: &[&str]) -> Value {
    let bin = format!("{}/bin/switchyard", setting("SWITCHYARD_STACK_DIR"));
    let output = std::process::Command::new(&bin)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "switchyard {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

#[tokio::test]
async fn an_eighty_percent_allocation_applies_to_one_channel_and_not_another() {
    let stack = Stack::from_env();
    let name = unique("alloc").to_lowercase();
    let added = cli(&[
        "channels",
        "add",
        &name,
        "--kind",
        "api",
        "--default-customer",
        "DEMO-SHOP",
        "--json",
    ]);
    let key = added["api_key"].as_str().unwrap().to_string();
    cli(&["channels", "set-allocation", &name, "--share", "80"]);
    known_level(&stack, &stack.demo_key, "WIDGET-M").await;
    wait_until(
        FIRST_LOAD,
        "80% of demo-shop's WIDGET-M for the new channel",
        || async {
            // Read the whole level, the share, then the whole again: equal wholes mean no order
            // moved the level in between.
            let whole = dec(
                &inventory(&stack, &stack.demo_key, "sku=WIDGET-M").await["items"][0]["available"],
            );
            let share = &inventory(&stack, &key, "sku=WIDGET-M").await["items"][0]["available"];
            let again = dec(
                &inventory(&stack, &stack.demo_key, "sku=WIDGET-M").await["items"][0]["available"],
            );
            let want = (whole * Decimal::from_str("0.8").unwrap()).floor();
            if whole == again && share.is_string() && dec(share) == want {
                Ok(())
            } else {
                Err(format!("whole {whole}/{again}, share {share}, want {want}"))
            }
        },
    )
    .await;
}

#[tokio::test]
async fn the_subscribed_x12_partner_finds_an_846_in_its_outbox() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let (stack_ref, key) = (&stack, &edi.api_key);
    // acme-edi is subscribed (make up / make test): every 5 minutes, WIDGET-S/M/L.
    let id = wait_until(FIRST_LOAD, "an 846 in acme-edi's outbox", || async move {
        let listed = stack_ref.get_as(key, "/v1/edi/outbox").await;
        listed.body["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["id"].as_str().is_some_and(|id| id.starts_with("846-")))
            .and_then(|d| d["id"].as_str().map(str::to_owned))
            .ok_or(listed.text)
    })
    .await;
    let document = stack.get_as(key, &format!("/v1/edi/outbox/{id}")).await;
    assert_eq!(document.status, 200, "{}", document.text);
    for expected in ["ST*846", "LIN*", "VN*WIDGET-S", "QTY*33*", "CTT*"] {
        assert!(
            document.text.contains(expected),
            "{expected} in {}",
            document.text
        );
    }
}
