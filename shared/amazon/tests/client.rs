//! The SP-API client against a local axum server that plays recorded responses.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use switchyard_amazon::{
    AmazonOrders, LwaCredentials, Secret, SpApiClient, SpApiConfig, SpApiError, TokenBucket,
};

const ORDER: &str = r#"{"payload":{"AmazonOrderId":"111-0000001-0000001",
  "PurchaseDate":"2025-03-14T09:12:04Z","OrderStatus":"Unshipped",
  "OrderTotal":{"CurrencyCode":"USD","Amount":"44.48"}}}"#;

fn item(id: &str, sku: &str) -> String {
    format!(
        r#"{{"ASIN":"B0{id}","SellerSKU":"{sku}","OrderItemId":"{id}","QuantityOrdered":1,
        "ItemPrice":{{"CurrencyCode":"USD","Amount":"1.00"}}}}"#
    )
}

/// One recorded answer.
struct Reply {
    status: u16,
    retry_after: Option<&'static str>,
    body: String,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        retry_after: None,
        body: body.to_string(),
    }
}

#[derive(Default)]
struct Recorded {
    /// Answers per `path|NextToken`, played in order.
    replies: HashMap<String, VecDeque<Reply>>,
    token_expires_in: u64,
    token_forms: Vec<HashMap<String, String>>,
    /// `(path|NextToken, x-amz-access-token)` of every SP-API request.
    requests: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Recorded>>;

struct Server {
    addr: SocketAddr,
    state: Shared,
}

impl Server {
    async fn start() -> Server {
        let state: Shared = Arc::new(Mutex::new(Recorded {
            token_expires_in: 3600,
            ..Recorded::default()
        }));
        let app = Router::new()
            .route("/auth/o2/token", post(token))
            .fallback(recorded)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { addr, state }
    }

    fn play(&self, key: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .replies
            .entry(key.to_string())
            .or_default()
            .extend(replies);
    }

    fn token_calls(&self) -> usize {
        self.state.lock().unwrap().token_forms.len()
    }

    fn requests(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().requests.clone()
    }

    fn client(&self) -> SpApiClient {
        let mut config = SpApiConfig::new(
            format!("http://{}", self.addr),
            format!("http://{}/auth/o2/token", self.addr),
            LwaCredentials {
                client_id: "amzn1.application-oa2-client.test".into(),
                client_secret: Secret::new("client-secret"),
                refresh_token: Secret::new("Atzr|refresh"),
            },
        );
        config.max_retries = 2;
        // Fast buckets: these tests are about HTTP behaviour; pacing has its own tests.
        SpApiClient::new(config).unwrap().with_rate_limits(
            TokenBucket::new(1000.0, 30).unwrap(),
            TokenBucket::new(1000.0, 30).unwrap(),
        )
    }
}

async fn token(State(state): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut state = state.lock().unwrap();
    state.token_forms.push(form);
    let n = state.token_forms.len();
    Json(serde_json::json!({
        "access_token": format!("Atza|test-{n}"),
        "token_type": "bearer",
        "expires_in": state.token_expires_in,
    }))
    .into_response()
}

async fn recorded(
    State(state): State<Shared>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let key = match query.get("NextToken") {
        Some(token) => format!("{}|{token}", uri.path()),
        None => uri.path().to_string(),
    };
    let access_token = headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut state = state.lock().unwrap();
    state.requests.push((key.clone(), access_token));
    let Some(reply) = state.replies.get_mut(&key).and_then(VecDeque::pop_front) else {
        return (
            StatusCode::IM_A_TEAPOT,
            format!("nothing recorded for {key}"),
        )
            .into_response();
    };
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body,
    )
        .into_response();
    if let Some(seconds) = reply.retry_after {
        response
            .headers_mut()
            .insert("retry-after", seconds.parse().unwrap());
    }
    response
}

const ORDER_PATH: &str = "/orders/v0/orders/111-0000001-0000001";
const ITEMS_PATH: &str = "/orders/v0/orders/111-0000001-0000001/orderItems";

#[tokio::test]
async fn the_access_token_is_exchanged_once_and_reused() {
    let server = Server::start().await;
    server.play(ORDER_PATH, vec![reply(200, ORDER), reply(200, ORDER)]);
    let client = server.client();
    let first = client.get_order("111-0000001-0000001").await.unwrap();
    client.get_order("111-0000001-0000001").await.unwrap();
    assert_eq!(first.order_total.unwrap().amount.to_string(), "44.48");
    assert_eq!(server.token_calls(), 1);
    let tokens: Vec<String> = server.requests().into_iter().map(|(_, t)| t).collect();
    assert_eq!(tokens, vec!["Atza|test-1", "Atza|test-1"]);
    let form = server.state.lock().unwrap().token_forms[0].clone();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], "Atzr|refresh");
    assert_eq!(form["client_id"], "amzn1.application-oa2-client.test");
    assert_eq!(form["client_secret"], "client-secret");
}

#[tokio::test]
async fn a_token_about_to_expire_is_exchanged_again() {
    let server = Server::start().await;
    // 30 s left is inside the 60 s margin: never worth caching.
    server.state.lock().unwrap().token_expires_in = 30;
    server.play(ORDER_PATH, vec![reply(200, ORDER), reply(200, ORDER)]);
    let client = server.client();
    client.get_order("111-0000001-0000001").await.unwrap();
    client.get_order("111-0000001-0000001").await.unwrap();
    assert_eq!(server.token_calls(), 2);
}

#[tokio::test]
async fn a_429_is_retried_and_then_succeeds() {
    let server = Server::start().await;
    let throttled = r#"{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}"#;
    server.play(
        ORDER_PATH,
        vec![
            Reply {
                status: 429,
                retry_after: Some("0"),
                body: throttled.into(),
            },
            reply(429, throttled),
            reply(200, ORDER),
        ],
    );
    let order = server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap();
    assert_eq!(order.order_status, "Unshipped");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn persistent_throttling_gives_up_as_rate_limited() {
    let server = Server::start().await;
    server.play(ORDER_PATH, (0..5).map(|_| reply(429, "{}")).collect());
    let err = server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap_err();
    assert_eq!(err, SpApiError::RateLimited);
    assert!(err.is_transient());
    assert_eq!(server.requests().len(), 3, "1 call + max_retries (2)");
}

#[tokio::test]
async fn a_404_is_not_found() {
    let server = Server::start().await;
    server.play(
        ORDER_PATH,
        vec![reply(
            404,
            r#"{"errors":[{"code":"NotFound","message":"Order not found"}]}"#,
        )],
    );
    let err = server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap_err();
    assert_eq!(err, SpApiError::NotFound);
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_5xx_is_unavailable_and_a_400_is_rejected_with_amazons_code() {
    let server = Server::start().await;
    server.play(ORDER_PATH, vec![reply(503, "Service Unavailable")]);
    let err = server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap_err();
    assert!(matches!(err, SpApiError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());

    server.play(
        ORDER_PATH,
        vec![reply(
            400,
            r#"{"errors":[{"code":"InvalidInput","message":"Invalid order id","details":""}]}"#,
        )],
    );
    let err = server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SpApiError::Rejected {
            code: "InvalidInput".into(),
            message: "Invalid order id".into()
        }
    );
}

#[tokio::test]
async fn a_refused_access_token_is_exchanged_once_more() {
    let server = Server::start().await;
    let unauthorized = r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied."}]}"#;
    server.play(
        ORDER_PATH,
        vec![reply(403, unauthorized), reply(200, ORDER)],
    );
    server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap();
    let tokens: Vec<String> = server.requests().into_iter().map(|(_, t)| t).collect();
    assert_eq!(tokens, vec!["Atza|test-1", "Atza|test-2"]);

    server.play(
        ORDER_PATH,
        vec![reply(403, unauthorized), reply(403, unauthorized)],
    );
    let err = server
        .client()
        .get_order("111-0000001-0000001")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SpApiError::Rejected { code, .. } if code == "Unauthorized"),
        "{err:?}"
    );
}

#[tokio::test]
async fn order_items_follow_next_token_until_the_last_page() {
    let server = Server::start().await;
    let page = |items: &[String], next: Option<&str>| {
        let next = next
            .map(|t| format!(r#","NextToken":"{t}""#))
            .unwrap_or_default();
        format!(
            r#"{{"payload":{{"AmazonOrderId":"111-0000001-0000001","OrderItems":[{}]{next}}}}}"#,
            items.join(",")
        )
    };
    server.play(
        ITEMS_PATH,
        vec![reply(
            200,
            &page(
                &[item("1", "WIDGET-S"), item("2", "WIDGET-M")],
                Some("p2/+="),
            ),
        )],
    );
    server.play(
        &format!("{ITEMS_PATH}|p2/+="),
        vec![reply(200, &page(&[item("3", "WIDGET-L")], None))],
    );
    let items = server
        .client()
        .get_order_items("111-0000001-0000001")
        .await
        .unwrap();
    let skus: Vec<_> = items.iter().filter_map(|i| i.seller_sku.clone()).collect();
    assert_eq!(skus, vec!["WIDGET-S", "WIDGET-M", "WIDGET-L"]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn an_order_id_that_would_change_the_path_is_never_sent() {
    let server = Server::start().await;
    let err = server
        .client()
        .get_order("../../auth/o2/token")
        .await
        .unwrap_err();
    assert!(matches!(err, SpApiError::Rejected { .. }));
    assert!(server.requests().is_empty());
    assert_eq!(server.token_calls(), 0);
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // Bind then drop: nothing listens on the port any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = SpApiClient::new(SpApiConfig::new(
        format!("http://{addr}"),
        format!("http://{addr}/auth/o2/token"),
        LwaCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("s"),
            refresh_token: Secret::new("r"),
        },
    ))
    .unwrap();
    let err = client.get_order("111-0000001-0000001").await.unwrap_err();
    assert!(matches!(err, SpApiError::Unavailable(_)), "{err:?}");
}
