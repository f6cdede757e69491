//! The order API's behaviour with in-memory ports: what a channel sees.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use orders_api::{OrdersApi, Ports, Settings};
use serde_json::{Value, json};
use switchyard_channels::{Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, HttpResponse, Intake};
use switchyard_model::{ChannelName, OrderId};
use switchyard_orders::InMemoryOrderStore;
use switchyard_orders::InMemoryQueue;
use switchyard_platform::ServiceError;
use switchyard_throttle::{InMemoryRateLimiter, RateLimiter};

struct App {
    api: OrdersApi,
    queue: Arc<InMemoryQueue>,
    orders: Arc<InMemoryOrderStore>,
    limiter: Arc<CountingLimiter>,
}

/// The in-memory limiter, counting how often a request was counted against a limit.
#[derive(Default)]
struct CountingLimiter {
    inner: InMemoryRateLimiter,
    admits: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl RateLimiter for CountingLimiter {
    async fn admit(
        &self,
        channel: &ChannelName,
        limit: u32,
        now: chrono::DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        self.admits
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.admit(channel, limit, now).await
    }
}

const KEY_A: &str = "sy_test_key_for_channel_a";
const KEY_B: &str = "sy_test_key_for_channel_b";
const KEY_SLOW: &str = "sy_test_key_slow";
const KEY_COUNTED: &str = "sy_test_key_counted";

async fn app() -> App {
    app_with(Settings {
        public_base_url: Some("https://api.test".into()),
        ..Settings::default()
    })
    .await
}

async fn app_with(settings: Settings) -> App {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    for (name, key, limit) in [
        ("shop-a", KEY_A, None),
        ("shop-b", KEY_B, None),
        ("shop-slow", KEY_SLOW, Some(1)),
        ("shop-counted", KEY_COUNTED, Some(1000)),
    ] {
        let channel = Channel {
            default_customer: Some("DEMO-SHOP".into()),
            rate_limit_per_second: limit,
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
    let queue = Arc::new(InMemoryQueue::new());
    let orders = Arc::new(InMemoryOrderStore::new());
    let idempotency = Arc::new(InMemoryIdempotencyStore::new());
    let limiter = Arc::new(CountingLimiter::default());
    let ports = Ports {
        channels,
        // As deployed: a new order and its key's result in one write (here the twin's).
        intake: Intake::new(orders.clone(), idempotency.clone(), queue.clone()).with_one_write(
            Arc::new(switchyard_intake::SeparateWrites::new(
                orders.clone(),
                idempotency,
            )),
        ),
        limiter: limiter.clone(),
        projections: Arc::new(switchyard_projections::InMemoryProjectionStore::new()),
    };

    App {
        api: OrdersApi::new(ports, settings),
        queue,
        orders,
        limiter,
    }
}

fn order(external_id: &str) -> Value {
    json!({"external_id": external_id,
      "customer": {"account": "ACME-001", "name": "Acme Retail", "email": "buyer@acme.example"},
      "currency": "USD",
      "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "line2": null, "city": "Solon",
                  "region": "OH", "postal_code": "44139", "country": "US"},
      "bill_to": null,
      "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25", "uom": "EA"}],
      "requested_ship_date": "2026-12-01", "notes": null})
}

fn post(api_key: Option<&str>, idempotency_key: Option<&str>, body: &[u8]) -> HttpRequest {
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(k) = api_key {
        headers.push(("authorization".into(), format!("Bearer {k}")));
    }
    if let Some(k) = idempotency_key {
        headers.push(("idempotency-key".into(), k.into()));
    }
    HttpRequest {
        method: "POST".into(),
        path: "/v1/orders".into(),
        headers,
        body: body.to_vec(),
        host: None,
        query: vec![],
    }
}

fn get(api_key: &str, id: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: format!("/v1/orders/{id}"),
        headers: vec![("x-api-key".into(), api_key.into())],
        body: vec![],
        host: None,
        query: vec![],
    }
}

fn deadline() -> SystemTime {
    SystemTime::now() + Duration::from_secs(10)
}

fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

fn assert_problem(r: &HttpResponse, status: u16, kind: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let body = json_of(r);
    assert_eq!(body["type"], format!("/problems/{kind}"));
    assert_eq!(body["status"], status);
    body
}

#[tokio::test]
async fn an_order_is_received_queued_and_readable_by_its_channel() {
    let app = app().await;
    let body = serde_json::to_vec(&order("PO-1")).unwrap();
    let r = app
        .api
        .handle(&post(Some(KEY_A), Some("k1"), &body), deadline())
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let receipt = json_of(&r);
    let id = receipt["id"].as_str().unwrap();
    assert_eq!(receipt["status"], "RECEIVED");
    assert_eq!(
        receipt["status_url"],
        format!("https://api.test/v1/orders/{id}")
    );
    assert_eq!(r.header("location"), receipt["status_url"].as_str());

    let queued = app.queue.submitted.lock().unwrap().clone();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].kind, "OrderSubmitted");
    assert_eq!(queued[0].payload.order.id.to_string(), id);

    let view = app.api.handle(&get(KEY_A, id), deadline()).await;
    assert_eq!(view.status, 200);
    let view = json_of(&view);
    assert_eq!(view["status"], "RECEIVED");
    assert_eq!(view["channel"], "shop-a");
    assert_eq!(view["lines"][0]["unit_price"], "9.25");
    assert_eq!(view["history"][0]["status"], "RECEIVED");
    assert!(view["erp_reference"].is_null());

    let other = app.api.handle(&get(KEY_B, id), deadline()).await;
    assert_problem(&other, 404, "order-not-found");
}

#[tokio::test]
async fn a_replay_returns_the_same_answer_and_queues_nothing_more() {
    let app = app().await;
    let body = serde_json::to_vec(&order("PO-2")).unwrap();
    let first = app
        .api
        .handle(&post(Some(KEY_A), Some("k2"), &body), deadline())
        .await;
    // Same JSON with another key order and spacing is the same body.
    let reordered = serde_json::to_vec_pretty(&order("PO-2")).unwrap();
    let again = app
        .api
        .handle(&post(Some(KEY_A), Some("k2"), &reordered), deadline())
        .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);

    let changed = serde_json::to_vec(&order("PO-2-changed")).unwrap();
    let conflict = app
        .api
        .handle(&post(Some(KEY_A), Some("k2"), &changed), deadline())
        .await;
    assert_problem(&conflict, 422, "idempotency-key-reused");
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_duplicates_make_one_order() {
    let app = app().await;
    let body = serde_json::to_vec(&order("PO-3")).unwrap();
    let requests: Vec<_> = (0..5)
        .map(|_| post(Some(KEY_A), Some("k3"), &body))
        .collect();
    let responses =
        futures::future::join_all(requests.iter().map(|r| app.api.handle(r, deadline()))).await;
    for r in &responses {
        assert!(
            r.status == 202 || r.status == 409,
            "{} {}",
            r.status,
            r.body
        );
        if r.status == 409 {
            assert!(r.header("retry-after").is_some());
        }
    }
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
    assert_eq!(app.orders.all().len(), 1);
}

#[tokio::test]
async fn the_same_external_id_under_another_key_names_the_existing_order() {
    let app = app().await;
    let body = serde_json::to_vec(&order("PO-4")).unwrap();
    let first = json_of(
        &app.api
            .handle(&post(Some(KEY_A), Some("k4"), &body), deadline())
            .await,
    );
    let dup = app
        .api
        .handle(&post(Some(KEY_A), Some("k4-other"), &body), deadline())
        .await;
    let problem = assert_problem(&dup, 409, "duplicate-order");
    assert_eq!(problem["existing_order_id"], first["id"]);
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
    assert_eq!(app.orders.all().len(), 1);
    // Another channel may use the same external id.
    let other = app
        .api
        .handle(&post(Some(KEY_B), Some("k4"), &body), deadline())
        .await;
    assert_eq!(other.status, 202);
}

#[tokio::test]
async fn a_queue_outage_answers_503_and_the_retry_with_the_same_key_resumes_the_order() {
    let app = app().await;
    let body = serde_json::to_vec(&order("PO-5")).unwrap();
    app.queue
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let failed = app
        .api
        .handle(&post(Some(KEY_A), Some("k5"), &body), deadline())
        .await;
    assert_problem(&failed, 503, "service-unavailable");
    app.queue
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let retried = app
        .api
        .handle(&post(Some(KEY_A), Some("k5"), &body), deadline())
        .await;
    assert_eq!(retried.status, 202, "{}", retried.body);
    let orders = app.orders.all();
    assert_eq!(orders.len(), 1, "the retry resumes the stored order");
    assert_eq!(json_of(&retried)["id"], orders[0].order.id.to_string());
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_requests_get_problems_and_write_nothing() {
    let app = app().await;
    let good = serde_json::to_vec(&order("PO-6")).unwrap();
    // Last-key-wins would make this 5 here and 1 to a first-key-wins reader upstream.
    let duplicate_quantity = String::from_utf8(good.clone())
        .unwrap()
        .replacen("\"quantity\":", "\"quantity\":1,\"quantity\":", 1)
        .into_bytes();
    let cases: Vec<(HttpRequest, u16, &str)> = vec![
        (post(None, Some("k"), &good), 401, "unauthenticated"),
        (
            post(Some("sy_wrong"), Some("k"), &good),
            401,
            "unauthenticated",
        ),
        (
            post(Some(KEY_A), None, &good),
            400,
            "idempotency-key-required",
        ),
        (
            post(Some(KEY_A), Some("k"), b"{\"external_id\": "),
            400,
            "malformed-json",
        ),
        (
            post(Some(KEY_A), Some("k"), &vec![b' '; 300 * 1024]),
            413,
            "body-too-large",
        ),
        (
            post(Some(KEY_A), Some("k"), &duplicate_quantity),
            400,
            "ambiguous-json",
        ),
    ];
    for (request, status, kind) in cases {
        let r = app.api.handle(&request, deadline()).await;
        assert_problem(&r, status, kind);
    }
    let ambiguous = app
        .api
        .handle(
            &post(Some(KEY_A), Some("k"), &duplicate_quantity),
            deadline(),
        )
        .await;
    assert_eq!(
        json_of(&ambiguous)["errors"][0]["field"],
        "lines[0].quantity",
        "the problem names the repeated key"
    );
    let unauth = app
        .api
        .handle(&post(None, Some("k"), &good), deadline())
        .await;
    assert_eq!(unauth.header("www-authenticate"), Some("Bearer"));

    let mut invalid = order("PO-7");
    invalid["lines"][0]["quantity"] = json!(0);
    invalid["currency"] = json!("ZZZ");
    invalid["customer"]["name"] = json!(42);
    let r = app
        .api
        .handle(
            &post(
                Some(KEY_A),
                Some("k7"),
                &serde_json::to_vec(&invalid).unwrap(),
            ),
            deadline(),
        )
        .await;
    let problem = assert_problem(&r, 422, "validation-failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["currency", "customer.name", "lines[0].quantity"]);

    assert!(app.queue.submitted.lock().unwrap().is_empty());
    assert!(app.orders.all().is_empty());
    // A rejected request does not burn its key: the corrected body goes through.
    let fixed = app
        .api
        .handle(&post(Some(KEY_A), Some("k7"), &good), deadline())
        .await;
    assert_eq!(fixed.status, 202, "{}", fixed.body);
}

#[tokio::test]
async fn a_fraction_of_an_each_is_refused_before_anything_is_stored() {
    let app = app().await;
    let mut half = order("PO-HALF");
    half["lines"] = json!([
        {"sku": "WIDGET-S", "quantity": "1.5", "unit_price": "9.25", "uom": "EA"},
        {"sku": "FLOUR", "quantity": "2.75", "unit_price": "1.10", "uom": "KG"}
    ]);
    let r = app
        .api
        .handle(
            &post(Some(KEY_A), Some("k-half"), half.to_string().as_bytes()),
            deadline(),
        )
        .await;
    let problem = assert_problem(&r, 422, "validation-failed");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "lines[0].quantity");
    assert!(
        problem["errors"][0]["rule"]
            .as_str()
            .unwrap()
            .contains("EA counts whole units"),
        "{problem}"
    );
    assert!(app.orders.all().is_empty());
    assert!(app.queue.submitted.lock().unwrap().is_empty());
    // Kilos keep their fractions.
    half["lines"][0]["quantity"] = json!(2);
    let fixed = app
        .api
        .handle(
            &post(Some(KEY_A), Some("k-half"), half.to_string().as_bytes()),
            deadline(),
        )
        .await;
    assert_eq!(fixed.status, 202, "{}", fixed.body);
}

#[tokio::test]
async fn unknown_routes_and_ids_are_problems_too() {
    let app = app().await;
    let r = app.api.handle(&get(KEY_A, "not-a-ulid"), deadline()).await;
    assert_problem(&r, 404, "order-not-found");
    let mut delete = get(KEY_A, "01J00000000000000000000000");
    delete.method = "DELETE".into();
    assert_problem(
        &app.api.handle(&delete, deadline()).await,
        405,
        "method-not-allowed",
    );
}

#[tokio::test]
async fn non_json_bodies_are_refused_and_status_urls_follow_the_called_host() {
    let app = app().await;
    let body = serde_json::to_vec(&order("PO-8")).unwrap();
    let mut xml = post(Some(KEY_A), Some("k8"), &body);
    xml.headers[0].1 = "application/xml".into();
    assert_problem(
        &app.api.handle(&xml, deadline()).await,
        415,
        "unsupported-media-type",
    );

    // Without a configured public base URL (as on AWS), links point at the host the client called.
    let aws_like = app_with(Settings::default()).await;
    let mut request = post(Some(KEY_A), Some("k8"), &body);
    request.host = Some("orders.example.com".into());
    let r = aws_like.api.handle(&request, deadline()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let receipt = json_of(&r);
    assert_eq!(
        receipt["status_url"],
        format!(
            "https://orders.example.com/v1/orders/{}",
            receipt["id"].as_str().unwrap()
        )
    );
}

#[tokio::test]
async fn a_channel_finds_its_order_by_its_own_external_id_and_no_other() {
    let app = app().await;
    let created = app
        .api
        .handle(
            &post(
                Some(KEY_A),
                Some("k-find"),
                order("PO-FIND").to_string().as_bytes(),
            ),
            deadline(),
        )
        .await;
    let id = json_of(&created)["id"].as_str().unwrap().to_string();
    let lookup = |key: &str, query: Vec<(String, String)>| HttpRequest {
        query,
        ..get(key, "")
    };
    let by_external = |key: &str, ext: &str| {
        let mut r = lookup(key, vec![("external_id".into(), ext.into())]);
        r.path = "/v1/orders".into();
        r
    };
    let found = app
        .api
        .handle(&by_external(KEY_A, "PO-FIND"), deadline())
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(json_of(&found)["id"], id.as_str());
    assert_eq!(
        app.api
            .handle(&by_external(KEY_B, "PO-FIND"), deadline())
            .await
            .status,
        404,
        "another channel's order stays invisible"
    );
    assert_eq!(
        app.api
            .handle(&by_external(KEY_A, "PO-NONE"), deadline())
            .await
            .status,
        404
    );
    let mut bare = lookup(KEY_A, vec![]);
    bare.path = "/v1/orders".into();
    let missing = app.api.handle(&bare, deadline()).await;
    assert_eq!(missing.status, 400);
    assert_eq!(json_of(&missing)["type"], "/problems/external-id-required");
}

#[tokio::test]
async fn a_channel_over_its_rate_limit_gets_429_with_retry_after() {
    let app = app().await;
    let mut statuses = vec![];
    for _ in 0..3 {
        let r = app
            .api
            .handle(&get(KEY_SLOW, "01J00000000000000000000000"), deadline())
            .await;
        if r.status == 429 {
            assert_eq!(r.header("retry-after"), Some("1"));
            assert_problem(&r, 429, "rate-limited");
        }
        statuses.push(r.status);
    }
    // Three requests within milliseconds span at most two one-second windows: at a limit of one
    // per second, at least one is refused and at least one gets through (a 404 for the made-up id).
    assert!(
        statuses.contains(&429) && statuses.contains(&404),
        "{statuses:?}"
    );
    let other = app
        .api
        .handle(&get(KEY_A, "01J00000000000000000000000"), deadline())
        .await;
    assert_eq!(
        other.status, 404,
        "channels without a limit are not throttled"
    );
}

#[tokio::test]
async fn a_limited_channel_is_counted_once_per_request_whatever_the_route() {
    let app = app().await;
    let admits = || app.limiter.admits.load(std::sync::atomic::Ordering::SeqCst);
    let created = app
        .api
        .handle(
            &post(
                Some(KEY_COUNTED),
                Some("k-count"),
                order("PO-COUNT").to_string().as_bytes(),
            ),
            deadline(),
        )
        .await;
    assert_eq!(created.status, 202);
    let id = json_of(&created)["id"].as_str().unwrap().to_string();
    let mut lookup = get(KEY_COUNTED, "");
    lookup.path = "/v1/orders".into();
    lookup.query = vec![("external_id".into(), "PO-COUNT".into())];
    for request in [get(KEY_COUNTED, &id), lookup] {
        let before = admits();
        let found = app.api.handle(&request, deadline()).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(admits() - before, 1, "{} counted once", request.path);
    }
}

#[tokio::test]
async fn a_shipped_order_shows_its_shipments_and_lists_them_alone() {
    use switchyard_model::fulfilment_events::{Shipment, ShipmentDispatched, ShippedLine};
    use switchyard_orders::OrderStore;

    let app = app().await;
    let body = serde_json::to_vec(&order("PO-SHIP")).unwrap();
    let r = app
        .api
        .handle(&post(Some(KEY_A), Some("ship"), &body), deadline())
        .await;
    let id = json_of(&r)["id"].as_str().unwrap().to_string();
    let order_id: OrderId = id.parse().unwrap();
    let read = app.orders.get(order_id).await.unwrap().unwrap();
    let mut record = read.value;
    record.accept("SO9", Utc::now()).unwrap();
    let fact = ShipmentDispatched {
        order_id,
        erp_reference: "SO9".into(),
        shipment: Shipment {
            shipment_id: "CS4".into(),
            lines: vec![ShippedLine {
                sku: "WIDGET-S".try_into().unwrap(),
                quantity: 2.into(),
            }],
            carrier: Some("UPS".into()),
            service: Some("UPS Ground".into()),
            tracking_numbers: vec!["1Z999AA10123456784".into()],
            shipped_at: Utc::now(),
        },
        erp_version: 1,
        observed_at: Utc::now(),
    };
    record.record_shipment(&fact, "api", Utc::now()).unwrap();
    app.orders.save(&record, read.version).await.unwrap();

    let view = json_of(&app.api.handle(&get(KEY_A, &id), deadline()).await);
    assert_eq!(view["status"], "SHIPPED");
    assert_eq!(view["shipments"][0]["carrier"], "UPS");
    assert_eq!(
        view["shipments"][0]["tracking_numbers"][0],
        "1Z999AA10123456784"
    );
    assert_eq!(view["shipments"][0]["lines"][0]["quantity"], "2");
    assert_eq!(view["invoices"], json!([]));

    let shipments = app
        .api
        .handle(&get(KEY_A, &format!("{id}/shipments")), deadline())
        .await;
    assert_eq!(shipments.status, 200, "{}", shipments.body);
    let shipments = json_of(&shipments);
    assert_eq!(shipments["status"], "SHIPPED");
    assert_eq!(shipments["shipments"][0]["shipment_id"], "CS4");
    let other = app
        .api
        .handle(&get(KEY_B, &format!("{id}/shipments")), deadline())
        .await;
    assert_problem(&other, 404, "order-not-found");
}

fn get_path(api_key: &str, path: &str) -> HttpRequest {
    let mut request = get(api_key, "");
    request.path = path.to_string();
    request
}

fn post_to(api_key: &str, key: Option<&str>, path: &str, body: &Value) -> HttpRequest {
    let mut request = post(Some(api_key), key, &serde_json::to_vec(body).unwrap());
    request.path = path.to_string();
    request
}

#[tokio::test]
async fn a_return_of_shipped_lines_is_accepted_once_and_more_than_shipped_is_refused_by_line() {
    use switchyard_model::fulfilment_events::{Shipment, ShipmentDispatched, ShippedLine};
    use switchyard_orders::OrderStore;

    let app = app().await;
    let body = serde_json::to_vec(&order("PO-RET")).unwrap();
    let r = app
        .api
        .handle(&post(Some(KEY_A), Some("ret"), &body), deadline())
        .await;
    let id = json_of(&r)["id"].as_str().unwrap().to_string();
    let path = format!("/v1/orders/{id}/returns");
    let one = json!({"lines": [{"sku": "WIDGET-S", "quantity": 1, "reason": "damaged"}]});

    let no_key = app
        .api
        .handle(&post_to(KEY_A, None, &path, &one), deadline())
        .await;
    assert_problem(&no_key, 400, "idempotency-key-required");
    let unshipped = app
        .api
        .handle(&post_to(KEY_A, Some("r0"), &path, &one), deadline())
        .await;
    let problem = assert_problem(&unshipped, 422, "validation-failed");
    assert_eq!(problem["errors"][0]["field"], "lines[0].quantity");

    // The ERP ships both units.
    let order_id: OrderId = id.parse().unwrap();
    let read = app.orders.get(order_id).await.unwrap().unwrap();
    let mut record = read.value;
    record.accept("SO9", Utc::now()).unwrap();
    let fact = ShipmentDispatched {
        order_id,
        erp_reference: "SO9".into(),
        shipment: Shipment {
            shipment_id: "CS4".into(),
            lines: vec![ShippedLine {
                sku: "WIDGET-S".try_into().unwrap(),
                quantity: 2.into(),
            }],
            carrier: None,
            service: None,
            tracking_numbers: vec![],
            shipped_at: Utc::now(),
        },
        erp_version: 1,
        observed_at: Utc::now(),
    };
    record.record_shipment(&fact, "api", Utc::now()).unwrap();
    app.orders.save(&record, read.version).await.unwrap();

    let accepted = app
        .api
        .handle(&post_to(KEY_A, Some("r1"), &path, &one), deadline())
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let receipt = json_of(&accepted);
    let return_id = receipt["id"].as_str().unwrap().to_string();
    assert_eq!(receipt["status"], "REQUESTED");
    assert_eq!(
        receipt["status_url"],
        format!("https://api.test/v1/returns/{return_id}")
    );
    let replay = app
        .api
        .handle(&post_to(KEY_A, Some("r1"), &path, &one), deadline())
        .await;
    assert_eq!(json_of(&replay)["id"], return_id.as_str());
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));

    let two = json!({"lines": [{"sku": "WIDGET-S", "quantity": 2, "reason": "unwanted"}]});
    let too_many = app
        .api
        .handle(&post_to(KEY_A, Some("r2"), &path, &two), deadline())
        .await;
    let problem = assert_problem(&too_many, 422, "validation-failed");
    assert_eq!(problem["errors"][0]["field"], "lines[0].quantity");
    assert!(
        problem["errors"][0]["rule"]
            .as_str()
            .unwrap()
            .contains("must not exceed 1")
    );

    let queued = app.queue.returns.lock().unwrap().clone();
    assert_eq!(queued.len(), 1, "a replay is not queued again");
    assert_eq!(queued[0].payload.return_id, return_id);

    let status = app
        .api
        .handle(
            &get_path(KEY_A, &format!("/v1/returns/{return_id}")),
            deadline(),
        )
        .await;
    assert_eq!(status.status, 200, "{}", status.body);
    let status = json_of(&status);
    assert_eq!(status["status"], "REQUESTED");
    assert_eq!(status["lines"][0]["reason"], "damaged");
    assert!(status.get("idempotency_key").is_none());
    let other = app
        .api
        .handle(
            &get_path(KEY_B, &format!("/v1/returns/{return_id}")),
            deadline(),
        )
        .await;
    assert_problem(&other, 404, "return-not-found");
}
