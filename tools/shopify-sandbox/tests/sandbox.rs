//! The sandbox's own limits, driven over HTTP as a client would meet them.

mod common;

use std::path::PathBuf;

use common::{Admin, TOKEN, start};
use serde_json::{Value, json};
use shopify_sandbox::{SandboxConfig, router};

const SET: &str = "mutation Set($input: InventorySetQuantitiesInput!) { \
    inventorySetQuantities(input: $input) @idempotent(key: \"KEY\") { \
      inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } } \
      userErrors { code field message } } }";

fn set(key: &str) -> String {
    SET.replace("KEY", key)
}

fn input(quantities: Vec<Value>) -> Value {
    json!({ "input": { "name": "available", "reason": "correction",
        "referenceDocumentUri": "gid://switchyard/Test/1", "quantities": quantities } })
}

fn quantity(item: &str, to: i64, from: Value) -> Value {
    json!({ "inventoryItemId": item, "locationId": "gid://shopify/Location/1",
        "quantity": to, "changeFromQuantity": from })
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn shop_with(sku: &str, quantity: i64) -> (Admin, String) {
    let admin = Admin::new(start(1000.0, 100.0).await);
    admin.list(sku, quantity).await;
    let item = admin.item_id(sku).await;
    (admin, item)
}

#[tokio::test]
async fn the_access_token_is_required() {
    let (admin, _) = shop_with("A", 1).await;
    for token in [None, Some("shpat_not_this_one")] {
        let (status, body) = admin
            .graphql("2026-04", token, "{ location { id } }", json!({}))
            .await;
        assert_eq!(status, 401);
        assert_eq!(
            body["errors"],
            "[API] Invalid API key or access token (unrecognized login or wrong password)"
        );
    }
}

#[tokio::test]
async fn only_versions_from_2026_04_are_served() {
    let (admin, _) = shop_with("A", 1).await;
    for (version, status) in [
        ("2026-04", 200),
        ("2026-07", 200),
        ("2026-01", 404),
        ("2025-10", 404),
        ("2026-05", 404),
        ("latest", 404),
    ] {
        let (got, _) = admin
            .graphql(version, Some(TOKEN), "{ location { id } }", json!({}))
            .await;
        assert_eq!(got, status, "{version}");
    }
}

#[tokio::test]
async fn unknown_fields_arguments_and_variables_are_graphql_errors() {
    let (admin, _) = shop_with("A", 1).await;
    let body = admin.query("{ location { id colour } }", json!({})).await;
    assert_eq!(code(&body), "undefinedField", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "Field 'colour' doesn't exist on type 'Location'"
    );
    assert!(body["data"].is_null());

    let body = admin
        .query(
            "{ productVariants(first: 1, sortKey: SKU) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "argumentNotAccepted", "{body}");

    let body = admin
        .query("query { inventoryItem(id: $id) { id } }", json!({}))
        .await;
    assert_eq!(code(&body), "variableNotDefined", "{body}");

    let body = admin
        .query(
            "query($id: ID!) { inventoryItem(id: $id) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "INVALID_VARIABLE", "{body}");

    let body = admin.query("{ location { id @shout } }", json!({})).await;
    assert_eq!(code(&body), "undefinedDirective", "{body}");

    let body = admin.query("{ location { id ", json!({})).await;
    assert!(!body["errors"].as_array().unwrap().is_empty(), "{body}");
    // Every answer reports its cost, failed ones included.
    assert!(
        body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"].is_number(),
        "{body}"
    );
}

#[tokio::test]
async fn variants_are_found_by_sku_with_their_inventory_item() {
    let (admin, item) = shop_with("WIDGET-S", 4).await;
    admin.list("WIDGET-M", 5).await;
    let body = admin
        .query(
            "query($q: String!) { productVariants(first: 5, query: $q) { edges { node { sku inventoryItem { id } } } } }",
            json!({ "q": "sku:\"WIDGET-S\" OR sku:NOPE" }),
        )
        .await;
    let edges = body["data"]["productVariants"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{body}");
    assert_eq!(edges[0]["node"]["inventoryItem"]["id"], item.as_str());
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 2 + 5 * 2);
    assert!(cost["actualQueryCost"].as_u64().unwrap() < 12);
}

#[tokio::test]
async fn a_mutation_without_idempotent_fails_at_run_time_and_changes_nothing() {
    let (admin, item) = shop_with("A", 5).await;
    let query = set("k").replace(" @idempotent(key: \"k\")", "");
    let body = admin
        .query(&query, input(vec![quantity(&item, 9, json!(5))]))
        .await;
    assert_eq!(code(&body), "BAD_REQUEST", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "The @idempotent directive is required for this mutation but was not provided."
    );
    assert_eq!(body["errors"][0]["path"], json!(["inventorySetQuantities"]));
    assert!(body["data"]["inventorySetQuantities"].is_null());
    assert_eq!(admin.shown("A").await, Some(5));
}

#[tokio::test]
async fn change_from_quantity_must_be_given_and_must_match() {
    let (admin, item) = shop_with("A", 5).await;
    admin.list("B", 1).await;
    let other = admin.item_id("B").await;
    let mut missing = quantity(&item, 9, json!(5));
    missing
        .as_object_mut()
        .unwrap()
        .remove("changeFromQuantity");
    let body = admin.query(&set("k0"), input(vec![missing])).await;
    assert_eq!(code(&body), "INVALID_FIELD_ARGUMENTS", "{body}");

    // One stale compare refuses the whole call: the good one is not set either.
    let body = admin
        .query(
            &set("k1"),
            input(vec![
                quantity(&other, 2, json!(1)),
                quantity(&item, 9, json!(4)),
            ]),
        )
        .await;
    let errors = &body["data"]["inventorySetQuantities"]["userErrors"];
    assert_eq!(errors[0]["code"], "CHANGE_FROM_QUANTITY_STALE", "{body}");
    assert_eq!(
        errors[0]["field"],
        json!(["input", "quantities", "1", "changeFromQuantity"])
    );
    assert!(body["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"].is_null());
    assert_eq!(
        (admin.shown("A").await, admin.shown("B").await),
        (Some(5), Some(1))
    );

    // `null` opts out of the compare.
    let body = admin
        .query(&set("k2"), input(vec![quantity(&item, 9, Value::Null)]))
        .await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert_eq!(admin.shown("A").await, Some(9));
}

#[tokio::test]
async fn a_repeated_key_returns_the_first_result_without_applying_again() {
    let (admin, item) = shop_with("A", 10).await;
    let push = input(vec![quantity(&item, 20, json!(10))]);
    let first = admin.query(&set("same-key"), push.clone()).await;
    let group = first["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"].clone();
    assert_eq!(group["changes"][0]["delta"], 10, "{first}");
    // Someone puts it back; a duplicate of the first request must not set it again.
    admin.set("A", 10).await;
    let again = admin.query(&set("same-key"), push).await;
    assert_eq!(
        again["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"],
        group
    );
    assert_eq!(admin.shown("A").await, Some(10));
    // The same key with other parameters is refused.
    let other = admin
        .query(
            &set("same-key"),
            input(vec![quantity(&item, 30, json!(10))]),
        )
        .await;
    assert_eq!(
        other["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    );
    assert_eq!(admin.shown("A").await, Some(10));
    let outcomes: Vec<Value> = admin
        .calls()
        .await
        .iter()
        .map(|c| json!([c["outcome"], c["applied"]]))
        .collect();
    assert_eq!(
        outcomes,
        [
            json!(["ok", true]),
            json!(["replayed", false]),
            json!(["user_errors", false])
        ]
    );
}

#[tokio::test]
async fn more_than_250_quantities_are_refused_before_anything_runs() {
    let (admin, item) = shop_with("A", 1).await;
    let quantities = (0..251).map(|_| quantity(&item, 2, json!(1))).collect();
    let body = admin.query(&set("big"), input(quantities)).await;
    assert_eq!(code(&body), "MAX_INPUT_SIZE_EXCEEDED", "{body}");
    assert_eq!(admin.shown("A").await, Some(1));
    let body = admin
        .query(
            "{ productVariants(first: 251) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(!body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn user_errors_name_bad_reasons_items_and_quantities() {
    let (admin, item) = shop_with("A", 1).await;
    let mut bad = input(vec![
        quantity("gid://shopify/InventoryItem/999999", 1, json!(0)),
        quantity(&item, -1, json!(1)),
    ]);
    bad["input"]["reason"] = json!("because");
    let body = admin.query(&set("bad"), bad).await;
    let codes: Vec<&str> = body["data"]["inventorySetQuantities"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "INVALID_REASON",
            "INVALID_INVENTORY_ITEM",
            "INVALID_QUANTITY_NEGATIVE"
        ],
        "{body}"
    );
    let mut unknown = input(vec![quantity(&item, 1, json!(1))]);
    unknown["input"]["ignoreCompareQuantity"] = json!(true);
    let body = admin.query(&set("unknown"), unknown).await;
    assert_eq!(code(&body), "argumentLiteralsIncompatible", "{body}");
}

#[tokio::test]
async fn an_empty_bucket_answers_throttled_and_refills_at_the_restore_rate() {
    let admin = Admin::new(start(30.0, 50.0).await);
    // 14 locations read: 14 points requested and all of them used.
    let ids = vec!["\"gid://shopify/Location/1\""; 14].join(", ");
    let query = &format!("{{ nodes(ids: [{ids}]) {{ id }} }}");
    let mut throttled = None;
    for _ in 0..5 {
        let body = admin.query(query, json!({})).await;
        if code(&body) == "THROTTLED" {
            throttled = Some(body);
            break;
        }
    }
    let body = throttled.expect("a 30-point bucket cannot serve five 14-point queries at once");
    assert_eq!(body["errors"][0]["message"], "Throttled");
    assert!(body["data"].is_null());
    let cost = &body["extensions"]["cost"];
    assert!(cost["actualQueryCost"].is_null());
    assert_eq!(cost["requestedQueryCost"], 14);
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 30.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 50.0);
    assert!(
        cost["throttleStatus"]["currentlyAvailable"]
            .as_f64()
            .unwrap()
            < 14.0
    );
    // The bucket refills: poll until the query runs again (at 50 points/s, well within a second).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let body = admin.query(query, json!({})).await;
        if body["errors"].is_null() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bucket never refilled"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_query_over_1000_points_is_refused() {
    let (admin, _) = shop_with("A", 1).await;
    let body = admin
        .query("{ productVariants(first: 250) { nodes { inventoryItem { inventoryLevel(locationId: \"gid://shopify/Location/1\") { id } } product { id } } } }", json!({}))
        .await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["maxCost"], 1000);
}

#[tokio::test]
async fn faults_answer_5xx_then_the_shop_recovers() {
    let (admin, _) = shop_with("A", 1).await;
    admin.faults(2).await;
    for _ in 0..2 {
        let (status, _) = admin
            .graphql("2026-04", Some(TOKEN), "{ location { id } }", json!({}))
            .await;
        assert_eq!(status, 503);
    }
    let (status, _) = admin
        .graphql("2026-04", Some(TOKEN), "{ location { id } }", json!({}))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_shop_that_was_down_for_good_comes_back_when_its_faults_are_cleared() {
    let (admin, _) = shop_with("A", 1).await;
    admin.faults(1000).await;
    let cleared: Value = admin
        .http
        .delete(format!("{}/_sandbox/faults", admin.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["dropped"], 1000);
    let (status, _) = admin
        .graphql("2026-04", Some(TOKEN), "{ location { id } }", json!({}))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_seed_file_holds_the_demo_widgets() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../local/shopify/products.json");
    let app = router(SandboxConfig::new(TOKEN).with_seed_file(&path).unwrap()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let admin = Admin::new(addr);
    for sku in ["WIDGET-S", "WIDGET-M", "WIDGET-L"] {
        assert!(admin.shown(sku).await.is_some_and(|q| q > 0), "{sku}");
    }
}
