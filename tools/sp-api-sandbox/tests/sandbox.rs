//! The sandbox with the recorded data in `local/sp-api`, driven by the real SP-API client.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::Value;
use sp_api_sandbox::{ListingsPlan, SandboxConfig, ShipmentsPlan, router};
use switchyard_amazon::{
    AmazonOrders, LwaCredentials, MapContext, Secret, SpApiClient, SpApiConfig, SpApiError,
    is_actionable, parse_notification, to_order,
};
use switchyard_model::{ChannelName, OrderId};

fn recorded_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../local/sp-api")
}

async fn start(data_dir: PathBuf, rate_per_second: f64, burst: u32) -> SocketAddr {
    let app = router(SandboxConfig {
        data_dir,
        rate_per_second,
        burst,
        listings: ListingsPlan::default(),
        shipments: ShipmentsPlan::default(),
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn client(addr: SocketAddr) -> SpApiClient {
    SpApiClient::new(SpApiConfig::new(
        format!("http://{addr}"),
        format!("http://{addr}/auth/o2/token"),
        LwaCredentials {
            client_id: "amzn1.application-oa2-client.local".into(),
            client_secret: Secret::new("local-secret"),
            refresh_token: Secret::new("Atzr|local"),
        },
    ))
    .unwrap()
}

fn ctx() -> MapContext {
    MapContext {
        order_id: OrderId::generate(),
        channel: ChannelName::try_from("amazon-us").unwrap(),
        default_customer: Some("AMAZON-US".into()),
    }
}

async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("http://{addr}{path}"));
    if let Some(token) = token {
        request = request.header("x-amz-access-token", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_recorded_demo_orders_map_to_canonical_orders() {
    let addr = start(recorded_data(), 0.5, 30).await;
    let client = client(addr);

    let order = client.get_order("111-0000001-0000001").await.unwrap();
    let items = client.get_order_items("111-0000001-0000001").await.unwrap();
    assert!(is_actionable(&order.order_status));
    let mapped = to_order(&order, &items, &ctx()).unwrap();
    let lines: Vec<(String, String, String)> = mapped
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.to_string(),
                l.quantity.value().to_string(),
                l.unit_price.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("WIDGET-S".into(), "2".into(), "9.99".into()),
            ("WIDGET-M".into(), "1".into(), "24.50".into()),
        ]
    );
    assert_eq!(mapped.total().amount.to_string(), "44.48");
    assert_eq!(mapped.ship_to.city, "Seattle");

    let order = client.get_order("111-0000002-0000002").await.unwrap();
    let items = client.get_order_items("111-0000002-0000002").await.unwrap();
    let mapped = to_order(&order, &items, &ctx()).unwrap();
    assert_eq!(mapped.lines[0].unit_price.amount.to_string(), "34.99");
    assert_eq!(
        mapped.ship_to.line1,
        "Amazon order 111-0000002-0000002 (address withheld; see Seller Central)"
    );
    assert_eq!(mapped.ship_to.postal_code.as_deref(), Some("44139-3411"));

    assert_eq!(
        client.get_order("111-9999999-9999999").await.unwrap_err(),
        SpApiError::NotFound
    );
}

#[tokio::test]
async fn the_recorded_notification_names_the_first_demo_order() {
    let body = std::fs::read_to_string(
        recorded_data().join("notifications/order-change-111-0000001-0000001.json"),
    )
    .unwrap();
    let n = parse_notification(&body).unwrap();
    assert_eq!(n.amazon_order_id, "111-0000001-0000001");
    assert_eq!(n.order_status.as_deref(), Some("Unshipped"));
    assert!(
        recorded_data()
            .join(format!("orders/{}.json", n.amazon_order_id))
            .is_file()
    );
}

#[tokio::test]
async fn requests_without_an_access_token_are_refused() {
    let addr = start(recorded_data(), 0.5, 30).await;
    let (status, body) = get(addr, "/orders/v0/orders/111-0000001-0000001", None).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["code"], "Unauthorized");
    let (status, _) = get(
        addr,
        "/orders/v0/orders/111-0000001-0000001",
        Some("Atza|x"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn missing_orders_and_unsafe_ids_answer_in_sp_api_shape() {
    let addr = start(recorded_data(), 0.5, 30).await;
    let (status, body) = get(
        addr,
        "/orders/v0/orders/111-0000009-0000009/orderItems",
        Some("t"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["code"], "NotFound");
    let (status, body) = get(addr, "/orders/v0/orders/..%2F..%2FREADME.md", Some("t")).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "InvalidInput");
}

#[tokio::test]
async fn each_operation_is_throttled_on_its_own() {
    let addr = start(recorded_data(), 0.001, 2).await;
    let order = "/orders/v0/orders/111-0000001-0000001";
    assert_eq!(get(addr, order, Some("t")).await.0, 200);
    assert_eq!(get(addr, order, Some("t")).await.0, 200);
    let (status, body) = get(addr, order, Some("t")).await;
    assert_eq!(status, 429);
    assert_eq!(body["errors"][0]["code"], "QuotaExceeded");
    // getOrderItems has its own bucket.
    assert_eq!(
        get(addr, &format!("{order}/orderItems"), Some("t")).await.0,
        200
    );
}

#[tokio::test]
async fn the_token_endpoint_wants_every_credential() {
    let addr = start(recorded_data(), 0.5, 30).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/auth/o2/token");
    let form = |secret: &'static str| {
        [
            ("grant_type", "refresh_token"),
            ("refresh_token", "Atzr|x"),
            ("client_id", "id"),
            ("client_secret", secret),
        ]
    };
    let ok: Value = http
        .post(&url)
        .form(&form("s"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["access_token"], "Atza|sandbox-1");
    assert_eq!(ok["expires_in"], 3600);
    let refused = http.post(&url).form(&form("")).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn recorded_pages_are_followed_through_next_token() {
    let dir = std::env::temp_dir().join(format!("sp-api-sandbox-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("orders")).unwrap();
    let item = |id: &str, sku: &str| {
        format!(
            r#"{{"ASIN":"B{id}","SellerSKU":"{sku}","OrderItemId":"{id}","QuantityOrdered":1,
            "ItemPrice":{{"CurrencyCode":"USD","Amount":"5.00"}}}}"#
        )
    };
    std::fs::write(
        dir.join("orders/111-0000003-0000003.items.json"),
        format!(
            r#"{{"payload":{{"AmazonOrderId":"111-0000003-0000003","OrderItems":[{}],"NextToken":"page-2"}}}}"#,
            item("1", "WIDGET-S")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("orders/111-0000003-0000003.items.page-2.json"),
        format!(
            r#"{{"payload":{{"AmazonOrderId":"111-0000003-0000003","OrderItems":[{}]}}}}"#,
            item("2", "WIDGET-M")
        ),
    )
    .unwrap();
    let addr = start(dir.clone(), 0.5, 30).await;
    let items = client(addr)
        .get_order_items("111-0000003-0000003")
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let skus: Vec<_> = items.iter().filter_map(|i| i.seller_sku.clone()).collect();
    assert_eq!(skus, vec!["WIDGET-S", "WIDGET-M"]);
}
