//! Unit tests of the adapter's HTTP behaviour against a scripted fake server.

use std::sync::{Arc, Mutex as StdMutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// One request as the fake server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Script = Arc<dyn Fn(&Seen) -> (u16, String) + Send + Sync>;

/// A tiny HTTP/1.1 server answering each request with `script` (one request per connection).
async fn fake_tryton(script: Script) -> (String, Arc<StdMutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let script = script.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let header_end = loop {
                    let n = socket.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break pos + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
                let mut lines = head.split("\r\n");
                let path = lines.next().unwrap().split(' ').nth(1).unwrap().to_owned();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(": "))
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect();
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .map(|(_, v)| v.parse().unwrap())
                    .unwrap_or(0);
                while buffer.len() < header_end + length {
                    let n = socket.read(&mut chunk).await.unwrap();
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let body = serde_json::from_slice(&buffer[header_end..header_end + length])
                    .unwrap_or(Value::Null);
                let seen = Seen {
                    path,
                    headers,
                    body,
                };
                let (status, answer) = script(&seen);
                log.lock().unwrap().push(seen);
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

fn client(url: &str) -> TrytonClient {
    TrytonClient::new(TrytonConfig {
        url: url.to_owned(),
        database: "db".into(),
        user: "admin".into(),
        password: "secret".into(),
        timeout: Duration::from_secs(5),
    })
}

fn ok(id: &Value, result: Value) -> (u16, String) {
    (200, json!({"id": id, "result": result}).to_string())
}

/// Answers login with session `key{n}` (n = login count), preferences with company 7, and
/// `sale.sale.search_read` with one sale, accepting only the latest session.
fn standard_script(reject_first_session: bool) -> Script {
    let logins = Arc::new(AtomicU64::new(0));
    Arc::new(move |seen: &Seen| {
        let id = &seen.body["id"];
        match seen.body["method"].as_str().unwrap() {
            "common.db.login" => {
                let n = logins.fetch_add(1, Ordering::SeqCst) + 1;
                ok(id, json!([1, format!("key{n}"), null]))
            }
            "model.res.user.get_preferences" => ok(
                id,
                json!({"company": 7, "companies": [7], "language": "en", "locale": {}}),
            ),
            "model.sale.sale.search_read" => {
                let first = base64::engine::general_purpose::STANDARD.encode("admin:1:key1");
                let auth = seen.header("authorization").unwrap_or_default();
                if reject_first_session && auth.ends_with(&first) {
                    (401, String::new())
                } else {
                    ok(
                        id,
                        json!([{"id": 3, "number": "S1", "reference": "r", "state": "processing"}]),
                    )
                }
            }
            "common.server.version" => ok(id, json!("8.2.1")),
            _ => (500, "unexpected".into()),
        }
    })
}

#[tokio::test]
async fn requests_are_plain_json_rpc_with_session_context_and_gzip() {
    let (url, seen) = fake_tryton(standard_script(false)).await;
    let client = client(&url);
    let sale = client.find_sale("r").await.unwrap().unwrap();
    assert_eq!(sale.state, SaleState::Processing);
    assert_eq!(sale.number.as_deref(), Some("S1"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    for request in &seen {
        assert_eq!(request.path, "/db/rpc/");
        let keys: Vec<&String> = request.body.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3);
        assert!(request.body.get("id").is_some());
        assert!(request.body.get("method").is_some());
        assert!(request.body.get("params").is_some());
        assert!(
            request
                .header("accept-encoding")
                .unwrap_or_default()
                .contains("gzip"),
            "{:?}",
            request.headers
        );
    }
    assert_eq!(
        seen[0].body["params"],
        json!(["admin", {"password": "secret"}, "en"])
    );
    assert!(seen[0].header("authorization").is_none());
    let expected = format!(
        "Session {}",
        base64::engine::general_purpose::STANDARD.encode("admin:1:key1")
    );
    assert_eq!(seen[2].header("authorization"), Some(expected.as_str()));
    let params = seen[2].body["params"].as_array().unwrap();
    assert_eq!(
        params.last().unwrap(),
        &json!({"company": 7, "companies": [7], "language": "en"})
    );
    assert_eq!(params[0], json!([["reference", "=", "r"]]));
    assert_eq!(client.rpc_count(), 3, "the count is what the server saw");
    // The session is reused.
    client.find_sale("r").await.unwrap();
    assert_eq!(client.login_count(), 1);
    assert_eq!(
        client.rpc_count(),
        4,
        "a reused session costs one request per call"
    );
}

#[tokio::test]
async fn an_expired_session_logs_in_again_once_and_repeats_the_call() {
    let (url, seen) = fake_tryton(standard_script(true)).await;
    let client = client(&url);
    let sale = client.find_sale("r").await.unwrap();
    assert_eq!(sale.map(|s| s.id), Some(3));
    assert_eq!(client.login_count(), 2);
    assert_eq!(
        client.rpc_count(),
        6,
        "the refused call and the new login are counted"
    );
    let methods: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.body["method"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        methods,
        [
            "common.db.login",
            "model.res.user.get_preferences",
            "model.sale.sale.search_read",
            "common.db.login",
            "model.res.user.get_preferences",
            "model.sale.sale.search_read"
        ]
    );
}

#[tokio::test]
async fn server_faults_and_statuses_map_to_the_port_errors() {
    let script: Script = Arc::new(|seen: &Seen| {
        let id = &seen.body["id"];
        match seen.body["method"].as_str().unwrap() {
            "common.db.login" => ok(id, json!([1, "k", null])),
            "model.res.user.get_preferences" => ok(id, json!({"company": 1})),
            "model.sale.sale.search_read" => (503, "database is locked".into()),
            "model.party.party.search_read" => (
                200,
                json!({"id": id, "error": ["UserError", ["Nope.", "", null]]}).to_string(),
            ),
            "model.sale.line.search_read" => (429, String::new()),
            _ => (500, String::new()),
        }
    });
    let (url, _) = fake_tryton(script).await;
    let client = client(&url);
    let err = client.find_sale("r").await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.message().contains("database is locked"), "{err}");
    let err = client.sale_lines(1).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let err = client.resolve_customer("X").await.map(|_| ()).unwrap_err();
    assert_eq!(err, ErpError::rejected(RejectionCode::ErpRule, "Nope."));
}

#[tokio::test]
async fn refused_login_and_unreachable_server_are_unavailable() {
    let script: Script = Arc::new(|_: &Seen| (401, String::new()));
    let (url, _) = fake_tryton(script).await;
    let err = client(&url).find_sale("r").await.unwrap_err();
    assert!(err.is_retryable());
    assert!(err.message().contains("401"), "{err}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = client(&format!("http://127.0.0.1:{port}"))
        .find_sale("r")
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    assert!(err.message().contains("cannot connect"), "{err}");
}

#[test]
fn address_text_comparison_ignores_case_and_spacing() {
    assert!(same_text(
        Some(&json!("100  Market Street\nSuite 5")),
        Some("100 market street suite 5")
    ));
    assert!(same_text(Some(&Value::Null), None));
    assert!(same_text(Some(&json!("")), None));
    assert!(!same_text(Some(&json!("1 A St")), Some("2 A St")));
    assert!(truthy(Some(&json!(1))));
    assert!(truthy(Some(&json!(true))));
    assert!(!truthy(Some(&json!(0))));
    assert!(!truthy(None));
}

#[test]
fn config_debug_redacts_the_password() {
    let config = TrytonConfig {
        url: "http://x".into(),
        database: "d".into(),
        user: "u".into(),
        password: "hunter2".into(),
        timeout: Duration::from_secs(1),
    };
    assert!(!format!("{config:?}").contains("hunter2"));
}

/// Keeps every "tryton step" event as (thread, step, rpcs, erp_ms).
#[derive(Clone, Default)]
#[allow(clippy::type_complexity)]
struct Steps(Arc<StdMutex<Vec<(std::thread::ThreadId, String, u64, f64)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Steps {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        #[derive(Default)]
        struct Fields {
            message: String,
            step: String,
            rpcs: u64,
            erp_ms: f64,
        }
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    self.message = format!("{v:?}");
                }
            }
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                if f.name() == "step" {
                    self.step = v.to_owned();
                }
            }
            fn record_u64(&mut self, f: &tracing::field::Field, v: u64) {
                if f.name() == "rpcs" {
                    self.rpcs = v;
                }
            }
            fn record_f64(&mut self, f: &tracing::field::Field, v: f64) {
                if f.name() == "erp_ms" {
                    self.erp_ms = v;
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message == "tryton step" {
            self.0.lock().unwrap().push((
                std::thread::current().id(),
                fields.step,
                fields.rpcs,
                fields.erp_ms,
            ));
        }
    }
}

#[tokio::test]
async fn each_step_logs_the_exchanges_it_made_and_the_time_it_waited_on_them() {
    use tracing_subscriber::layer::SubscriberExt as _;
    // The process-wide subscriber, not a thread's: tracing caches per callsite whether anyone
    // listens, and tests on other threads meet the step's callsite too. Steps are told apart
    // by thread (a current-thread runtime runs this test's futures on its own thread).
    let steps = Steps::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(steps.clone()))
        .expect("no other test installs a subscriber");
    let me = std::thread::current().id();
    let (url, seen) = fake_tryton(standard_script(false)).await;
    let client = client(&url);

    client.find_sale("r").await.unwrap();
    client.find_sale("r").await.unwrap();

    let steps: Vec<(String, u64, f64)> = steps
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(thread, ..)| *thread == me)
        .map(|(_, step, rpcs, ms)| (step.clone(), *rpcs, *ms))
        .collect();
    // The first step logs in (login, preferences) before its search: three exchanges; the
    // second reuses the session: one. Every exchange the server saw is in a step's tally.
    let counts: Vec<(&str, u64)> = steps.iter().map(|(s, n, _)| (s.as_str(), *n)).collect();
    assert_eq!(counts, [("find", 3), ("find", 1)]);
    assert_eq!(seen.lock().unwrap().len(), 4);
    assert!(steps.iter().all(|(_, _, ms)| *ms > 0.0), "{steps:?}");
}
