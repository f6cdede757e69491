//! What a channel reads before it sells — `GET /v1/inventory`, `GET /v1/prices`, `POST
//! /v1/orders/validate` — over the in-memory twins, with the projections seeded the way the
//! projector writes them.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use chrono::{Days, Utc};
use orders_api::{OrdersApi, Ports, Settings};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use switchyard_channels::{
    Allocation, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory,
};
use switchyard_idempotency::{
    Claim, IdempotencyError, IdempotencyStore, InMemoryIdempotencyStore, Lease, NextAction,
};
use switchyard_intake::{HttpRequest, HttpResponse, Intake};
use switchyard_inventory::prices::{LIST_PRICE, project_customer_price_list, project_prices};
use switchyard_inventory::stock::project_stock;
use switchyard_model::catalog_events::{
    CustomerPriceListChanged, InventoryChanged, PriceBreak, PriceChanged, WarehouseLevel,
};
use switchyard_model::{ChannelName, Currency, Sku};
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue};
use switchyard_projections::InMemoryProjectionStore;
use switchyard_throttle::InMemoryRateLimiter;

const KEY_SHOP: &str = "sy_test_key_shop"; // buys as DEMO-SHOP, at list price, sees all stock
const KEY_ACME: &str = "sy_test_key_acme"; // buys as ACME-001 on the ACME-CONTRACT list
const KEY_MARKET: &str = "sy_test_key_market"; // 80 % after 5 kept back; no default customer

/// The idempotency twin, counting claims: validation must never claim a key.
#[derive(Default)]
struct CountingIdempotency {
    inner: InMemoryIdempotencyStore,
    claims: AtomicUsize,
}

#[async_trait::async_trait]
impl IdempotencyStore for CountingIdempotency {
    async fn claim(&self, claim: Claim<'_>) -> Result<NextAction, IdempotencyError> {
        self.claims.fetch_add(1, Ordering::SeqCst);
        self.inner.claim(claim).await
    }
    async fn complete(
        &self,
        lease: &Lease,
        result: &Value,
        retention: Duration,
    ) -> Result<(), IdempotencyError> {
        self.inner.complete(lease, result, retention).await
    }
    async fn release(&self, lease: &Lease) -> Result<(), IdempotencyError> {
        self.inner.release(lease).await
    }
}

struct App {
    api: OrdersApi,
    projections: Arc<InMemoryProjectionStore>,
    orders: Arc<InMemoryOrderStore>,
    queue: Arc<InMemoryQueue>,
    idempotency: Arc<CountingIdempotency>,
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::try_from(s).unwrap()
}

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn level(
    name: &str,
    unit: &str,
    whole: bool,
    warehouses: &[(&str, &str, &str)],
    version: i64,
) -> InventoryChanged {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
        .unwrap()
        .to_utc();
    let levels: Vec<WarehouseLevel> = warehouses
        .iter()
        .map(|(w, on_hand, available)| WarehouseLevel {
            warehouse: w.to_string(),
            on_hand: dec(on_hand),
            available: dec(available),
            as_of: at,
        })
        .collect();
    InventoryChanged {
        sku: sku(name),
        on_hand: levels.iter().map(|w| w.on_hand).sum(),
        available: levels.iter().map(|w| w.available).sum(),
        warehouses: levels,
        unit: unit.into(),
        whole_units: whole,
        as_of: at,
        erp_version: version,
        observed_at: chrono::Utc::now(),
    }
}

fn prices(name: &str, list: &str, breaks: &[(&str, &str)], until: Option<i64>) -> PriceChanged {
    let today = Utc::now().date_naive();
    PriceChanged {
        sku: sku(name),
        price_list: list.into(),
        currency: usd(),
        breaks: breaks
            .iter()
            .map(|(q, p)| PriceBreak {
                min_quantity: dec(q),
                unit_price: dec(p),
            })
            .collect(),
        valid_from: None,
        valid_until: until.map(|days| {
            if days >= 0 {
                today + Days::new(days as u64)
            } else {
                today - Days::new(days.unsigned_abs())
            }
        }),
        as_of: Utc::now(),
        erp_version: 1,
        observed_at: chrono::Utc::now(),
    }
}

async fn app() -> App {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let market = Allocation::new(dec("80"), dec("5"), None).unwrap();
    for (name, key, customer, allocation) in [
        ("shop", KEY_SHOP, Some("DEMO-SHOP"), None),
        ("acme-portal", KEY_ACME, Some("ACME-001"), None),
        ("market", KEY_MARKET, None, Some(market)),
    ] {
        let channel = Channel {
            default_customer: customer.map(String::from),
            allocation,
            ..Channel::new(
                ChannelName::try_from(name).unwrap(),
                ChannelKind::Api,
                Utc::now(),
            )
        };
        channels.put(&channel).await.unwrap();
        channels
            .add_api_key(&channel.name, &switchyard_channels::hash_api_key(key))
            .await
            .unwrap();
    }
    let projections = Arc::new(InMemoryProjectionStore::new());
    let store = projections.as_ref();
    project_stock(
        store,
        &level(
            "WIDGET-S",
            "u",
            true,
            &[("WH-EAST", "310", "300"), ("WH-WEST", "210", "200")],
            10,
        ),
    )
    .await
    .unwrap();
    project_stock(
        store,
        &level("FLOUR", "kg", false, &[("WH-EAST", "12.5", "12.5")], 10),
    )
    .await
    .unwrap();
    project_stock(
        store,
        &level("GASKET", "u", true, &[("WH-EAST", "40", "40")], 10),
    )
    .await
    .unwrap();
    for p in [
        prices(
            "WIDGET-S",
            LIST_PRICE,
            &[("0", "9.25"), ("50", "8.75")],
            None,
        ),
        prices(
            "WIDGET-S",
            "ACME-CONTRACT",
            &[("0", "8.50"), ("100", "8.00")],
            Some(30),
        ),
        // DEMO-SHOP's old deal ran out yesterday: it pays list price again.
        prices("WIDGET-S", "OLD-DEAL", &[("0", "5.00")], Some(-1)),
        prices("FLOUR", LIST_PRICE, &[("0", "1.10")], None),
        prices("GASKET", LIST_PRICE, &[("0", "0.40")], None),
    ] {
        project_prices(store, &p).await.unwrap();
    }
    for (account, list) in [
        ("ACME-001", Some("ACME-CONTRACT")),
        ("DEMO-SHOP", Some("OLD-DEAL")),
    ] {
        project_customer_price_list(
            store,
            &CustomerPriceListChanged {
                customer_account: account.into(),
                price_list: list.map(String::from),
                as_of: Utc::now(),
                erp_version: 1,
                observed_at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap();
    }
    let orders = Arc::new(InMemoryOrderStore::new());
    let queue = Arc::new(InMemoryQueue::new());
    let idempotency = Arc::new(CountingIdempotency::default());
    let ports = Ports {
        channels,
        intake: Intake::new(orders.clone(), idempotency.clone(), queue.clone()),
        limiter: Arc::new(InMemoryRateLimiter::default()),
        projections: projections.clone(),
    };
    App {
        api: OrdersApi::new(ports, Settings::default()),
        projections,
        orders,
        queue,
        idempotency,
    }
}

fn get(key: Option<&str>, path: &str, query: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        headers: key
            .map(|k| vec![("x-api-key".to_string(), k.to_string())])
            .unwrap_or_default(),
        body: vec![],
        host: None,
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn validate(key: &str, body: &Value) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/v1/orders/validate".into(),
        headers: vec![
            ("authorization".into(), format!("Bearer {key}")),
            ("content-type".into(), "application/json".into()),
        ],
        body: serde_json::to_vec(body).unwrap(),
        host: None,
        query: vec![],
    }
}

fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(10)
}

fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn assert_problem(r: &HttpResponse, status: u16, kind: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let body = json_of(r);
    assert_eq!(body["type"], format!("/problems/{kind}"));
    body
}

fn order(account: &str, lines: Value) -> Value {
    json!({"external_id": "PO-V1",
      "customer": {"account": account, "name": "Acme Retail"},
      "currency": "USD",
      "ship_to": {"line1": "31875 Solon Rd", "city": "Solon", "country": "US"},
      "lines": lines})
}

#[tokio::test]
async fn inventory_answers_each_sku_in_the_order_asked_unknown_ones_included() {
    let app = app().await;
    let r = app
        .api
        .handle(
            &get(
                Some(KEY_SHOP),
                "/v1/inventory",
                &[("sku", "FLOUR"), ("sku", "NOPE"), ("sku", "WIDGET-S")],
            ),
            deadline(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = json_of(&r)["items"].clone();
    assert_eq!(
        items[0],
        json!({"sku": "FLOUR", "known": true, "available": "12.5", "on_hand": "12.5",
               "unit": "kg", "whole_units": false, "as_of": "2026-12-01T08:00:00Z"})
    );
    assert_eq!(items[1], json!({"sku": "NOPE", "known": false}));
    assert_eq!(items[2]["available"], "500");
    assert_eq!(items[2]["on_hand"], "520");
    assert!(
        items[2].get("warehouses").is_none(),
        "the split only when asked"
    );
    // API Gateway joins repeated parameters with commas: that reads the same.
    let joined = app
        .api
        .handle(
            &get(
                Some(KEY_SHOP),
                "/v1/inventory",
                &[("sku", "FLOUR,NOPE,WIDGET-S")],
            ),
            deadline(),
        )
        .await;
    assert_eq!(joined.body, r.body);
}

#[tokio::test]
async fn a_channel_sees_its_allocation_and_a_split_that_adds_up_to_it() {
    let app = app().await;
    let ask = |key| {
        get(
            Some(key),
            "/v1/inventory",
            &[("sku", "WIDGET-S"), ("sku", "FLOUR"), ("by", "warehouse")],
        )
    };
    let all = json_of(&app.api.handle(&ask(KEY_SHOP), deadline()).await)["items"].clone();
    assert_eq!(all[0]["available"], "500");
    assert_eq!(
        all[0]["warehouses"],
        json!([
            {"warehouse": "WH-EAST", "available": "300", "on_hand": "310", "as_of": "2026-12-01T08:00:00Z"},
            {"warehouse": "WH-WEST", "available": "200", "on_hand": "210", "as_of": "2026-12-01T08:00:00Z"}
        ]),
        "without an allocation each warehouse shows its own"
    );
    let market = json_of(&app.api.handle(&ask(KEY_MARKET), deadline()).await)["items"].clone();
    // (500 - 5) × 80 % = 396 whole units, split 3:2 by largest remainder: 237.6 → 238, 158.4 → 158.
    assert_eq!(market[0]["available"], "396");
    assert_eq!(market[0]["on_hand"], "520", "on hand is not allocated");
    let split: Vec<&str> = market[0]["warehouses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["available"].as_str().unwrap())
        .collect();
    assert_eq!(split, ["238", "158"]);
    // Kilos keep fractions: (12.5 - 5) × 80 % = 6.
    assert_eq!(market[1]["available"], "6");
    assert_eq!(market[1]["warehouses"][0]["available"], "6");
}

#[tokio::test]
async fn reads_carry_a_strong_etag_and_a_short_private_cache_life() {
    let app = app().await;
    for (path, query) in [
        ("/v1/inventory", vec![("sku", "WIDGET-S")]),
        ("/v1/prices", vec![("sku", "WIDGET-S"), ("quantity", "60")]),
    ] {
        let first = app
            .api
            .handle(&get(Some(KEY_SHOP), path, &query), deadline())
            .await;
        assert_eq!(first.status, 200, "{}", first.body);
        let etag = first.header("etag").unwrap().to_string();
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
            "{etag}"
        );
        assert_eq!(first.header("cache-control"), Some("private, max-age=5"));
        let mut again = get(Some(KEY_SHOP), path, &query);
        again
            .headers
            .push(("if-none-match".into(), format!("\"other\", {etag}")));
        let not_modified = app.api.handle(&again, deadline()).await;
        assert_eq!(not_modified.status, 304, "{path}");
        assert!(not_modified.body.is_empty());
        assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
        assert_eq!(
            not_modified.header("cache-control"),
            Some("private, max-age=5")
        );
        // Another channel gets another answer (its own allocation and prices) for the same URL.
        let acme = app
            .api
            .handle(&get(Some(KEY_MARKET), path, &query), deadline())
            .await;
        assert_eq!(acme.status, 200);
    }

    // A newer level changes the answer and so its ETag; the old ETag no longer matches.
    let ask = || get(Some(KEY_SHOP), "/v1/inventory", &[("sku", "WIDGET-S")]);
    let before = app.api.handle(&ask(), deadline()).await;
    let etag = before.header("etag").unwrap().to_string();
    project_stock(
        app.projections.as_ref(),
        &level(
            "WIDGET-S",
            "u",
            true,
            &[("WH-EAST", "310", "290"), ("WH-WEST", "210", "200")],
            11,
        ),
    )
    .await
    .unwrap();
    let mut conditional = ask();
    conditional
        .headers
        .push(("if-none-match".into(), etag.clone()));
    let after = app.api.handle(&conditional, deadline()).await;
    assert_eq!(after.status, 200);
    assert_eq!(json_of(&after)["items"][0]["available"], "490");
    assert_ne!(after.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_the_parameter_and_the_rule() {
    let app = app().await;
    let many: Vec<String> = (0..101).map(|n| format!("SKU-{n}")).collect();
    let hundred: Vec<(&str, &str)> = many[..100].iter().map(|s| ("sku", s.as_str())).collect();
    let too_many: Vec<(&str, &str)> = many.iter().map(|s| ("sku", s.as_str())).collect();
    // (path, query, the parameter named, part of its rule)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("/v1/inventory", vec![], "sku", "is required"),
        ("/v1/prices", vec![], "sku", "is required"),
        ("/v1/inventory", too_many.clone(), "sku", "at most 100"),
        ("/v1/prices", too_many, "sku", "at most 100"),
        (
            "/v1/inventory",
            vec![("sku", "OK"), ("sku", "HAS SPACE")],
            "sku[1]",
            "printable ASCII",
        ),
        (
            "/v1/inventory",
            vec![("sku", "OK"), ("by", "bin")],
            "by",
            "warehouse",
        ),
        (
            "/v1/prices",
            vec![("sku", "OK"), ("quantity", "0")],
            "quantity",
            "greater than 0",
        ),
        (
            "/v1/prices",
            vec![("sku", "OK"), ("quantity", "-2")],
            "quantity",
            "greater than 0",
        ),
        (
            "/v1/prices",
            vec![("sku", "OK"), ("quantity", "a dozen")],
            "quantity",
            "decimal",
        ),
    ];
    for (path, query, field, rule) in cases {
        let r = app
            .api
            .handle(&get(Some(KEY_SHOP), path, &query), deadline())
            .await;
        let problem = assert_problem(&r, 400, "invalid-parameter");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert!(
            problem["errors"][0]["rule"]
                .as_str()
                .unwrap()
                .contains(rule),
            "{problem}"
        );
    }
    let ok = app
        .api
        .handle(&get(Some(KEY_SHOP), "/v1/inventory", &hundred), deadline())
        .await;
    assert_eq!(ok.status, 200, "100 SKUs are allowed");
    assert_eq!(json_of(&ok)["items"].as_array().unwrap().len(), 100);

    for path in ["/v1/inventory", "/v1/prices"] {
        let r = app
            .api
            .handle(&get(None, path, &[("sku", "WIDGET-S")]), deadline())
            .await;
        assert_problem(&r, 401, "unauthenticated");
        let r = app
            .api
            .handle(
                &get(Some("sy_wrong"), path, &[("sku", "WIDGET-S")]),
                deadline(),
            )
            .await;
        assert_problem(&r, 401, "unauthenticated");
        let mut post = get(Some(KEY_SHOP), path, &[("sku", "WIDGET-S")]);
        post.method = "POST".into();
        assert_problem(
            &app.api.handle(&post, deadline()).await,
            405,
            "method-not-allowed",
        );
    }
}

#[tokio::test]
async fn prices_are_the_customers_contract_price_for_the_quantity_else_the_list_price() {
    let app = app().await;
    let ask = |key, quantity: Option<&str>| {
        let mut q = vec![("sku", "WIDGET-S"), ("sku", "NOPE"), ("sku", "FLOUR")];
        if let Some(quantity) = quantity {
            q.push(("quantity", quantity));
        }
        get(Some(key), "/v1/prices", &q)
    };
    let acme = json_of(
        &app.api
            .handle(&ask(KEY_ACME, Some("100")), deadline())
            .await,
    );
    assert_eq!(acme["customer"], "ACME-001");
    assert_eq!(acme["quantity"], "100");
    let widget = &acme["items"][0];
    assert_eq!(widget["known"], true);
    assert_eq!(widget["unit_price"], "8");
    assert_eq!(widget["currency"], "USD");
    assert_eq!(widget["source"], "ACME-CONTRACT");
    assert_eq!(
        widget["valid_until"],
        (Utc::now().date_naive() + Days::new(30)).to_string()
    );
    assert_eq!(
        widget["breaks"],
        json!([{"min_quantity": "0", "unit_price": "8.5"}, {"min_quantity": "100", "unit_price": "8"}])
    );
    assert_eq!(acme["items"][1], json!({"sku": "NOPE", "known": false}));
    // The contract does not price FLOUR: the list price.
    assert_eq!(acme["items"][2]["source"], "list_price");
    assert_eq!(acme["items"][2]["unit_price"], "1.1");

    // DEMO-SHOP's deal expired yesterday: list price, and its quantity break.
    let shop = json_of(&app.api.handle(&ask(KEY_SHOP, None), deadline()).await);
    assert_eq!(shop["quantity"], "1");
    assert_eq!(shop["items"][0]["source"], "list_price");
    assert_eq!(shop["items"][0]["unit_price"], "9.25");
    assert!(shop["items"][0]["valid_until"].is_null());
    let fifty = json_of(&app.api.handle(&ask(KEY_SHOP, Some("50")), deadline()).await);
    assert_eq!(fifty["items"][0]["unit_price"], "8.75");
    // A channel without an ERP customer is quoted list prices.
    let market = json_of(&app.api.handle(&ask(KEY_MARKET, None), deadline()).await);
    assert!(market["customer"].is_null());
    assert_eq!(market["items"][0]["source"], "list_price");
}

#[tokio::test]
async fn a_valid_order_validates_and_nothing_is_stored_queued_or_claimed() {
    let app = app().await;
    let body = order(
        "ACME-001",
        json!([
            {"sku": "WIDGET-S", "quantity": 100, "unit_price": "8.00", "uom": "EA"},
            {"sku": "FLOUR", "quantity": "2.5", "unit_price": "1.10", "uom": "KG"}
        ]),
    );
    let r = app.api.handle(&validate(KEY_ACME, &body), deadline()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        json_of(&r),
        json!({"valid": true, "problems": [], "lines": [
            {"line": 0, "sku": "WIDGET-S", "valid": true, "problems": []},
            {"line": 1, "sku": "FLOUR", "valid": true, "problems": []}
        ]})
    );
    let projected = app.projections.len();
    // An invalid one too: findings are answers, not writes.
    let mut bad = body.clone();
    bad["lines"][0]["unit_price"] = json!("9.25");
    app.api.handle(&validate(KEY_ACME, &bad), deadline()).await;
    assert!(app.orders.all().is_empty());
    assert!(app.queue.submitted.lock().unwrap().is_empty());
    assert_eq!(app.idempotency.claims.load(Ordering::SeqCst), 0);
    assert_eq!(app.projections.len(), projected);
    // And the order still goes through afterwards, claiming its key once.
    let mut submit = validate(KEY_ACME, &body);
    submit.path = "/v1/orders".into();
    submit
        .headers
        .push(("idempotency-key".into(), "k-v".into()));
    assert_eq!(app.api.handle(&submit, deadline()).await.status, 202);
    assert_eq!(app.idempotency.claims.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn each_line_names_its_problems_and_what_would_be_right() {
    let app = app().await;
    let body = order(
        "ACME-001",
        json!([
            {"sku": "WIDGET-S", "quantity": 10, "unit_price": "9.25"},
            {"sku": "NOPE", "quantity": 1, "unit_price": "1.00"},
            {"sku": "GASKET", "quantity": 30, "unit_price": "0.40"},
            {"sku": "GASKET", "quantity": 20, "unit_price": "0.40"},
            {"sku": "GASKET", "quantity": "1.5", "unit_price": "0.40", "uom": "BAG2"}
        ]),
    );
    let r = json_of(&app.api.handle(&validate(KEY_ACME, &body), deadline()).await);
    assert_eq!(r["valid"], false);
    assert_eq!(r["problems"], json!([]));
    let line = |n: usize| r["lines"][n].clone();
    let codes = |n: usize| -> Vec<String> {
        line(n)["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(0), ["price_mismatch"]);
    assert_eq!(line(0)["problems"][0]["expected"], "8.5");
    assert!(
        line(0)["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("lines[0].unit_price is 9.25"),
        "{}",
        line(0)
    );
    assert_eq!(codes(1), ["unknown_sku"]);
    assert_eq!(line(1)["valid"], false);
    // 40 gaskets: the first line fits, the second overflows what is left of them.
    assert!(codes(2).is_empty(), "{}", line(2));
    assert_eq!(codes(3), ["insufficient_stock"]);
    assert_eq!(line(3)["problems"][0]["expected"], "10");
    // A unit the whole-unit list does not know, for a SKU the ERP counts in whole units.
    assert_eq!(codes(4), ["whole_units", "insufficient_stock"]);
    assert_eq!(line(4)["problems"][0]["expected"], "1");
}

#[tokio::test]
async fn the_channels_allocation_bounds_what_validates_and_an_unknown_customer_is_named() {
    let app = app().await;
    // The market sees 396 of 500 widgets, and its customer was never reported by the ERP.
    let body = order(
        "NOBODY-9",
        json!([{"sku": "WIDGET-S", "quantity": 400, "unit_price": "8.75"}]),
    );
    let r = json_of(
        &app.api
            .handle(&validate(KEY_MARKET, &body), deadline())
            .await,
    );
    assert_eq!(r["valid"], false);
    assert_eq!(r["problems"][0]["code"], "unknown_customer");
    assert!(
        r["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NOBODY-9")
    );
    assert_eq!(r["lines"][0]["problems"][0]["code"], "insufficient_stock");
    assert_eq!(r["lines"][0]["problems"][0]["expected"], "396");
    // The same 400 from the shop, which sees all 500, is fine (list price, break from 50).
    let shop = order(
        "DEMO-SHOP",
        json!([{"sku": "WIDGET-S", "quantity": 400, "unit_price": "8.75"}]),
    );
    let r = json_of(&app.api.handle(&validate(KEY_SHOP, &shop), deadline()).await);
    assert_eq!(r["valid"], true, "{r}");
}

#[tokio::test]
async fn validate_reads_the_body_exactly_as_submit_does() {
    let app = app().await;
    let half_each = order(
        "ACME-001",
        json!([{"sku": "WIDGET-S", "quantity": "1.5", "unit_price": "8.50", "uom": "EA"}]),
    );
    let mut no_currency = half_each.clone();
    no_currency.as_object_mut().unwrap().remove("currency");
    for (body, status, kind) in [
        (
            serde_json::to_vec(&half_each).unwrap(),
            422,
            "validation-failed",
        ),
        (
            serde_json::to_vec(&no_currency).unwrap(),
            422,
            "validation-failed",
        ),
        (b"{\"external_id\": ".to_vec(), 400, "malformed-json"),
    ] {
        let mut check = validate(KEY_ACME, &Value::Null);
        check.body = body;
        let mut submit = check.clone();
        submit.path = "/v1/orders".into();
        submit
            .headers
            .push(("idempotency-key".into(), "k-same".into()));
        let checked = app.api.handle(&check, deadline()).await;
        let submitted = app.api.handle(&submit, deadline()).await;
        assert_problem(&checked, status, kind);
        assert_eq!(
            checked.body, submitted.body,
            "the same problem, word for word"
        );
    }
    let r = app
        .api
        .handle(&validate(KEY_ACME, &half_each), deadline())
        .await;
    assert_eq!(json_of(&r)["errors"][0]["field"], "lines[0].quantity");
    let mut xml = validate(KEY_ACME, &half_each);
    xml.headers[1].1 = "application/xml".into();
    assert_problem(
        &app.api.handle(&xml, deadline()).await,
        415,
        "unsupported-media-type",
    );
    let mut anonymous = validate(KEY_ACME, &half_each);
    anonymous.headers.remove(0);
    assert_problem(
        &app.api.handle(&anonymous, deadline()).await,
        401,
        "unauthenticated",
    );
    let mut get_it = validate(KEY_ACME, &half_each);
    get_it.method = "GET".into();
    assert_problem(
        &app.api.handle(&get_it, deadline()).await,
        405,
        "method-not-allowed",
    );
    assert!(app.orders.all().is_empty());
}
