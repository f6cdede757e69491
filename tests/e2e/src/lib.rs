//! Harness for the end-to-end tests: talks to the stack that `make test` started
//! (`.switchyard/test/local.env`, exported into the environment by `scripts/test.sh`).
#![forbid(unsafe_code)]

pub mod dead_letters;
pub mod storefronts;
pub mod warehouse;

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchyard_erp::{TrytonClient, TrytonConfig};

/// How often [`wait_until`] asks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// What a [`wait_until`] condition answers: done (with a value), or not yet (optionally with
/// what it saw, which the timeout panic quotes).
pub trait Outcome {
    /// What `wait_until` returns once the condition holds.
    type Value;
    /// `Ok(value)` when done, `Err(what was seen)` when not yet.
    fn into_outcome(self) -> Result<Self::Value, Option<String>>;
}

impl Outcome for bool {
    type Value = ();
    fn into_outcome(self) -> Result<(), Option<String>> {
        if self { Ok(()) } else { Err(None) }
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn into_outcome(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

impl<T> Outcome for Result<T, String> {
    type Value = T;
    fn into_outcome(self) -> Result<T, Option<String>> {
        self.map_err(Some)
    }
}

/// Asks `condition` every [`POLL_INTERVAL`] until it holds, and returns its value; panics naming
/// `what` (and the condition's last `Err`, if it gave one) when it still does not hold `within`
/// from now. The one way these tests wait: for a positive signal, never for a fixed time.
pub async fn wait_until<O, F, Fut>(within: Duration, what: &str, mut condition: F) -> O::Value
where
    O: Outcome,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    let deadline = Instant::now() + within;
    loop {
        let last = match condition().await.into_outcome() {
            Ok(value) => return value,
            Err(last) => last,
        };
        if Instant::now() >= deadline {
            match last {
                Some(seen) => {
                    panic!("timed out after {within:?} waiting for {what}; last seen: {seen}")
                }
                None => panic!("timed out after {within:?} waiting for {what}"),
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// A running local stack.
pub struct Stack {
    /// `http://127.0.0.1:PORT`.
    pub api: String,
    /// The `demo-shop` channel's key.
    pub demo_key: String,
    /// The `partner-portal` channel's key.
    pub partner_key: String,
    /// HTTP client.
    pub http: reqwest::Client,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: end-to-end tests need the local stack; run them with `make test`"
        )
    })
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Parsed body (Null when empty or not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Answer {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Stack {
    /// The stack described by the environment.
    pub fn from_env() -> Stack {
        Stack {
            api: env("SWITCHYARD_API_URL"),
            demo_key: env("SWITCHYARD_DEMO_API_KEY"),
            partner_key: env("SWITCHYARD_PARTNER_API_KEY"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// Sends a raw request.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the local API answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `POST /v1/orders` with a JSON body.
    pub async fn submit(&self, api_key: &str, idempotency_key: &str, body: &Value) -> Answer {
        self.send(
            self.http
                .post(format!("{}/v1/orders", self.api))
                .bearer_auth(api_key)
                .header("Idempotency-Key", idempotency_key)
                .json(body),
        )
        .await
    }

    /// `GET {path}` as the channel whose key is `api_key` (`path` starts with `/v1/`).
    pub async fn get_as(&self, api_key: &str, path: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}{path}", self.api))
                .bearer_auth(api_key),
        )
        .await
    }

    /// `GET /v1/orders/{id}`.
    pub async fn order(&self, api_key: &str, id: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}/v1/orders/{id}", self.api))
                .header("x-api-key", api_key),
        )
        .await
    }

    /// Polls a `demo-shop` order until its status is final, or panics after `within`.
    pub async fn wait_final(&self, id: &str, within: Duration) -> Value {
        self.wait_final_as(&self.demo_key, id, within).await
    }

    /// Polls an order, as the channel owning `api_key`, until its status is final.
    pub async fn wait_final_as(&self, api_key: &str, id: &str, within: Duration) -> Value {
        wait_until(within, &format!("order {id} to be final"), || async move {
            let answer = self.order(api_key, id).await;
            assert_eq!(answer.status, 200, "{:?}", answer.body);
            if matches!(
                answer.body["status"].as_str(),
                Some("ACCEPTED" | "REJECTED")
            ) {
                Ok(answer.body)
            } else {
                Err(answer.body.to_string())
            }
        })
        .await
    }
}

/// A client for the stack's Tryton.
pub fn tryton() -> TrytonClient {
    TrytonClient::new(TrytonConfig {
        url: env("SWITCHYARD_ERP_URL"),
        database: env("SWITCHYARD_ERP_DB"),
        user: env("SWITCHYARD_ERP_USER"),
        password: env("SWITCHYARD_ERP_PASSWORD"),
        timeout: Duration::from_secs(10),
    })
}

/// The SDK configuration for the stack's moto.
pub async fn aws() -> aws_config::SdkConfig {
    env("AWS_ENDPOINT_URL");
    switchyard_platform::aws::load_config().await
}

/// Whether anything was stored for this external id of `demo-shop` (the order record is written
/// before anything is queued, so "nothing stored" also means "nothing enqueued").
pub async fn stored(external_id: &str) -> bool {
    stored_for("demo-shop", external_id).await
}

/// Whether anything was stored for this external id of `channel`.
pub async fn stored_for(channel: &str, external_id: &str) -> bool {
    let client = aws_sdk_dynamodb::Client::new(&aws().await);
    let item = client
        .get_item()
        .table_name(env("SWITCHYARD_ORDERS_TABLE"))
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("EXTREF#{channel}#{external_id}")),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    item.item().is_some()
}

/// A unique id for this test run.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new())
}

/// The v1 example order with this external id and lines `(sku, quantity, unit price)`.
pub fn order(external_id: &str, lines: &[(&str, u32, &str)]) -> Value {
    json!({"external_id": external_id,
      "customer": {"account": "ACME-001", "name": "Acme Retail", "email": "buyer@acme.example"},
      "currency": "USD",
      "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "line2": null, "city": "Solon",
                  "region": "OH", "postal_code": "44139", "country": "US"},
      "bill_to": null,
      "lines": lines.iter().map(|(sku, q, p)| json!({"sku": sku, "quantity": q, "unit_price": p, "uom": "EA"})).collect::<Vec<_>>(),
      "requested_ship_date": null, "notes": null})
}

/// Runs `scripts/erp.sh stop|start` on the stack's Tryton.
pub fn erp(action: &str) {
    let dir = env("SWITCHYARD_STACK_DIR");
    let port = env("SWITCHYARD_ERP_URL")
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut cmd = std::process::Command::new(format!("{root}/scripts/erp.sh"));
    cmd.arg(action).arg(format!("{dir}/erp"));
    if action == "start" {
        cmd.arg(port);
    }
    let status = cmd.status().expect("run scripts/erp.sh");
    assert!(status.success(), "scripts/erp.sh {action} failed");
}

/// A demo channel as `make up` / `make test` seeded it (`channels.json`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DemoChannel {
    /// Its name.
    pub name: String,
    /// Its API key.
    pub api_key: String,
    /// Its webhook signing secret, for webhook kinds.
    pub secret: Option<String>,
}

/// The seeded demo channel called `name`.
pub fn demo_channel(name: &str) -> DemoChannel {
    let text = std::fs::read_to_string(env("SWITCHYARD_CHANNELS_FILE")).unwrap();
    let all: Vec<DemoChannel> = serde_json::from_str(&text).unwrap();
    all.into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no demo channel {name}"))
}

/// The stack's setting `name`.
pub fn setting(name: &str) -> String {
    env(name)
}

/// Polls Tryton until a confirmed sale with `reference` exists, or panics after `within`.
pub async fn wait_for_sale(reference: &str, within: Duration) -> Vec<switchyard_erp::ErpSale> {
    let erp = &tryton();
    wait_until(
        within,
        &format!("a confirmed sale {reference}"),
        || async move {
            let sales = erp.sales_with_reference(reference).await.unwrap();
            if sales.iter().any(|s| s.state.is_confirmed()) {
                Ok(sales)
            } else {
                Err(format!("{sales:?}"))
            }
        },
    )
    .await
}

/// How many messages a queue holds: (visible, in flight, delayed).
pub async fn queue_depth(queue_url: &str) -> (u64, u64, u64) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let sqs = aws_sdk_sqs::Client::new(&aws().await);
    let out = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(A::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .unwrap();
    let count = |name: A| -> u64 {
        out.attributes()
            .and_then(|a| a.get(&name))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (
        count(A::ApproximateNumberOfMessages),
        count(A::ApproximateNumberOfMessagesNotVisible),
        count(A::ApproximateNumberOfMessagesDelayed),
    )
}

/// Waits until the queue (the setting `queue_setting`, e.g. `SWITCHYARD_ORDERS_QUEUE_URL`) holds
/// no message at all: none waiting, none being processed, none delayed for a retry. The runner
/// deletes a message only after its function handled it, so drained means everything sent to
/// it before this call was processed.
pub async fn wait_drained(queue_setting: &str, within: Duration) {
    let url = &setting(queue_setting);
    wait_until(
        within,
        &format!("{queue_setting} to drain"),
        || async move {
            match queue_depth(url).await {
                (0, 0, 0) => Ok(()),
                (visible, in_flight, delayed) => Err(format!(
                    "{visible} waiting, {in_flight} in flight, {delayed} delayed"
                )),
            }
        },
    )
    .await
}

/// The stack's runner log so far (`$SWITCHYARD_STACK_DIR/logs/runner.log`: every function's
/// output).
pub fn runner_log() -> String {
    let path = format!("{}/logs/runner.log", env("SWITCHYARD_STACK_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The lines of a Tryton sale as (sku, quantity, unit price), sorted.
pub async fn sale_lines(sale_id: i64) -> Vec<(String, String, String)> {
    let mut lines: Vec<(String, String, String)> = tryton()
        .sale_lines(sale_id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| {
            (
                l.sku,
                l.quantity.normalize().to_string(),
                l.unit_price.normalize().to_string(),
            )
        })
        .collect();
    lines.sort();
    lines
}
