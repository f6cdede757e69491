//! The Lambda Runtime API (`/2018-06-01/runtime/...`), served separately for every function
//! instance so the runner always knows which instance holds which invocation.
//!
//! All instances of a function pull from one shared queue ([`FunctionRuntime`]). When an
//! invocation is handed out, a timer starts; if it fires before the instance answers, the
//! invocation fails with [`InvokeError::Timeout`] and the instance is flagged for killing
//! ([`InstanceEndpoint::timed_out`]), exactly as Lambda tears down a timed-out sandbox.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::AbortHandle;

/// Largest response payload a function may return (Lambda's synchronous limit).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// Account id used in every ARN (moto's fixed account).
pub const ACCOUNT_ID: &str = "123456789012";

/// Why an invocation did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function did not answer before its deadline; its instance was killed.
    #[error("task timed out")]
    Timeout,
    /// The function reported an error through `/invocation/{id}/error`.
    #[error("function error {error_type}: {message}")]
    FunctionError {
        /// `errorType` reported by the runtime.
        error_type: String,
        /// `errorMessage` reported by the runtime.
        message: String,
    },
    /// The instance exited (or the function is unavailable) before answering.
    #[error("function instance crashed or is unavailable")]
    Crashed,
}

type Reply = oneshot::Sender<Result<Value, InvokeError>>;

/// A pending invocation waiting for an instance.
struct Invocation {
    request_id: String,
    trace_id: String,
    payload: Vec<u8>,
    reply: Reply,
}

/// One function: its shared invocation queue and its settings.
pub struct FunctionRuntime {
    name: String,
    arn: String,
    timeout: Duration,
    tx: mpsc::UnboundedSender<Invocation>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    unavailable: AtomicBool,
}

impl std::fmt::Debug for FunctionRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionRuntime")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl FunctionRuntime {
    /// Creates the queue for function `name` with the given invocation timeout.
    pub fn new(name: &str, region: &str, timeout: Duration) -> Arc<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Self {
            name: name.to_owned(),
            arn: format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"),
            timeout,
            tx,
            rx: tokio::sync::Mutex::new(rx),
            unavailable: AtomicBool::new(false),
        })
    }

    /// The function name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The invocation timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Queues an invocation and waits for its outcome. Waiting in the queue does not count
    /// against the timeout; the deadline starts when an instance receives the event.
    pub async fn invoke(&self, event: Value) -> Result<Value, InvokeError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(InvokeError::Crashed);
        }
        let (reply, outcome) = oneshot::channel();
        let invocation = Invocation {
            request_id: new_request_id(),
            trace_id: new_trace_id(),
            payload: serde_json::to_vec(&event).unwrap_or_else(|_| b"null".to_vec()),
            reply,
        };
        if self.tx.send(invocation).is_err() {
            return Err(InvokeError::Crashed);
        }
        outcome.await.unwrap_or(Err(InvokeError::Crashed))
    }

    /// Marks the function as having no instances left: queued and future invocations fail
    /// with [`InvokeError::Crashed`] instead of waiting forever.
    pub async fn mark_unavailable(&self) {
        self.unavailable.store(true, Ordering::SeqCst);
        let mut rx = self.rx.lock().await;
        while let Ok(inv) = rx.try_recv() {
            let _ = inv.reply.send(Err(InvokeError::Crashed));
        }
    }

    /// Starts a Runtime API listener on `127.0.0.1:<ephemeral>` for one instance.
    /// `label` (e.g. `orders-api#1`) is used in logs; `ready` fires on the first `next` call.
    pub async fn start_instance(
        self: &Arc<Self>,
        label: &str,
        ready: Option<ReadySignal>,
    ) -> std::io::Result<InstanceEndpoint> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (closed_tx, closed_rx) = watch::channel(false);
        let state = Arc::new(InstanceState {
            function: self.clone(),
            label: label.to_owned(),
            inner: Mutex::new(Inner::default()),
            timed_out: Notify::new(),
            closed: closed_tx,
            polled: AtomicBool::new(false),
            ready,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .fallback(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"errorType": "NotFound"})),
                )
            })
            .layer(DefaultBodyLimit::disable())
            .with_state(state.clone());
        tokio::spawn(async move {
            let shutdown = closed_signal(closed_rx);
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "runtime API listener failed");
            }
        });
        Ok(InstanceEndpoint { addr, state })
    }
}

/// A shared "became ready" flag with a notification for whoever aggregates readiness.
#[derive(Debug, Clone, Default)]
pub struct ReadySignal {
    flag: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl ReadySignal {
    /// A new unset flag that wakes `notify` when set.
    pub fn new(notify: Arc<Notify>) -> Self {
        Self {
            flag: Arc::default(),
            notify,
        }
    }
    /// Sets the flag (idempotent) and wakes the watcher.
    pub fn fire(&self) {
        if !self.flag.swap(true, Ordering::SeqCst) {
            self.notify.notify_one();
        }
    }
    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

struct InFlight {
    request_id: String,
    started: Instant,
    reply: Reply,
    timer: AbortHandle,
}

#[derive(Default)]
struct Inner {
    closed: bool,
    in_flight: Option<InFlight>,
    init_error: Option<String>,
}

struct InstanceState {
    function: Arc<FunctionRuntime>,
    label: String,
    inner: Mutex<Inner>,
    timed_out: Notify,
    closed: watch::Sender<bool>,
    polled: AtomicBool,
    ready: Option<ReadySignal>,
}

impl InstanceState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Removes the in-flight invocation if it is `request_id`.
    fn take_in_flight(&self, request_id: &str) -> Option<InFlight> {
        let mut inner = self.lock();
        match &inner.in_flight {
            Some(f) if f.request_id == request_id => inner.in_flight.take(),
            _ => None,
        }
    }
}

/// The Runtime API endpoint of one running instance. Dropping it closes it.
pub struct InstanceEndpoint {
    addr: SocketAddr,
    state: Arc<InstanceState>,
}

impl InstanceEndpoint {
    /// Listener address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API` (`127.0.0.1:<port>`, no scheme, like Lambda).
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// Resolves once an invocation held by this instance passed its deadline; the caller
    /// must then kill the process.
    pub async fn timed_out(&self) {
        self.state.timed_out.notified().await;
    }

    /// Whether the instance ever called `invocation/next`.
    pub fn has_polled(&self) -> bool {
        self.state.polled.load(Ordering::SeqCst)
    }

    /// The error reported through `init/error`, if any.
    pub fn init_error(&self) -> Option<String> {
        self.state.lock().init_error.clone()
    }

    /// Stops serving and fails the in-flight invocation (if any) with
    /// [`InvokeError::Crashed`]. Returns whether an invocation was in flight.
    pub fn close(&self) -> bool {
        let in_flight = {
            let mut inner = self.state.lock();
            inner.closed = true;
            inner.in_flight.take()
        };
        self.state.closed.send_replace(true);
        match in_flight {
            Some(f) => {
                f.timer.abort();
                tracing::error!(instance = %self.state.label, request_id = %f.request_id, "instance ended while an invocation was in flight");
                let _ = f.reply.send(Err(InvokeError::Crashed));
                true
            }
            None => false,
        }
    }
}

impl Drop for InstanceEndpoint {
    fn drop(&mut self) {
        self.close();
    }
}

async fn closed_signal(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

fn gone() -> Response {
    (
        StatusCode::GONE,
        axum::Json(json!({"errorType": "InstanceClosed", "errorMessage": "this instance has been shut down"})),
    )
        .into_response()
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}

fn invalid_request_id() -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"})),
    )
        .into_response()
}

async fn next(State(st): State<Arc<InstanceState>>) -> Response {
    if !st.polled.swap(true, Ordering::SeqCst) {
        tracing::debug!(instance = %st.label, "instance ready");
        if let Some(r) = &st.ready {
            r.fire();
        }
    }
    let abandoned = st.lock().in_flight.take();
    if let Some(f) = abandoned {
        f.timer.abort();
        tracing::error!(instance = %st.label, request_id = %f.request_id, "runtime asked for the next event without answering the current one");
        let _ = f.reply.send(Err(InvokeError::Crashed));
    }

    let closed = st.closed.subscribe();
    let invocation = tokio::select! {
        biased;
        () = closed_signal(closed) => None,
        inv = async { st.function.rx.lock().await.recv().await } => inv,
    };
    let Some(inv) = invocation else { return gone() };

    let timeout = st.function.timeout;
    let deadline_ms = (SystemTime::now() + timeout)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    {
        let mut inner = st.lock();
        if inner.closed {
            drop(inner);
            // Closed between dequeue and now: give the invocation back to the other instances.
            if let Err(mpsc::error::SendError(inv)) = st.function.tx.send(inv) {
                let _ = inv.reply.send(Err(InvokeError::Crashed));
            }
            return gone();
        }
        let timer =
            tokio::spawn(expire(st.clone(), inv.request_id.clone(), timeout)).abort_handle();
        inner.in_flight = Some(InFlight {
            request_id: inv.request_id.clone(),
            started: Instant::now(),
            reply: inv.reply,
            timer,
        });
    }
    tracing::debug!(instance = %st.label, request_id = %inv.request_id, "START");

    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    put("content-type", "application/json");
    put("lambda-runtime-aws-request-id", &inv.request_id);
    put("lambda-runtime-deadline-ms", &deadline_ms.to_string());
    put("lambda-runtime-invoked-function-arn", &st.function.arn);
    put("lambda-runtime-trace-id", &inv.trace_id);
    (StatusCode::OK, headers, inv.payload).into_response()
}

async fn expire(st: Arc<InstanceState>, request_id: String, timeout: Duration) {
    tokio::time::sleep(timeout).await;
    if let Some(f) = st.take_in_flight(&request_id) {
        tracing::error!(
            instance = %st.label, request_id = %request_id,
            "Task timed out after {:.2} seconds", timeout.as_secs_f64()
        );
        let _ = f.reply.send(Err(InvokeError::Timeout));
        st.timed_out.notify_one();
    }
}

fn finish(st: &InstanceState, f: InFlight, outcome: Result<Value, InvokeError>) {
    f.timer.abort();
    let ok = outcome.is_ok();
    tracing::info!(
        instance = %st.label, request_id = %f.request_id, ok,
        "END duration={:.1}ms", f.started.elapsed().as_secs_f64() * 1000.0
    );
    let _ = f.reply.send(outcome);
}

async fn response(
    State(st): State<Arc<InstanceState>>,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let bytes = axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await;
    let Some(f) = st.take_in_flight(&id) else {
        return invalid_request_id();
    };
    match bytes {
        Ok(bytes) => {
            finish(&st, f, Ok(parse_payload(&bytes)));
            accepted()
        }
        Err(_) => {
            let err = InvokeError::FunctionError {
                error_type: "Function.ResponseSizeTooLarge".into(),
                message: format!(
                    "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
                ),
            };
            finish(&st, f, Err(err));
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                axum::Json(json!({"errorType": "RequestEntityTooLarge", "errorMessage": "response too large"})),
            )
                .into_response()
        }
    }
}

async fn error(
    State(st): State<Arc<InstanceState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(f) = st.take_in_flight(&id) else {
        return invalid_request_id();
    };
    let (error_type, message) = parse_error(&headers, &body);
    tracing::warn!(instance = %st.label, request_id = %id, error_type = %error_type, "function error: {message}");
    finish(
        &st,
        f,
        Err(InvokeError::FunctionError {
            error_type,
            message,
        }),
    );
    accepted()
}

async fn init_error(
    State(st): State<Arc<InstanceState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (error_type, message) = parse_error(&headers, &body);
    tracing::error!(instance = %st.label, error_type = %error_type, "init error: {message}");
    st.lock().init_error = Some(format!("{error_type}: {message}"));
    accepted()
}

/// The payload as JSON; a non-JSON payload becomes a JSON string, an empty one `null`.
fn parse_payload(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// `(errorType, errorMessage)` from an error body, falling back to the
/// `Lambda-Runtime-Function-Error-Type` header.
fn parse_error(headers: &HeaderMap, body: &[u8]) -> (String, String) {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let header_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok());
    let error_type = parsed
        .get("errorType")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or(header_type)
        .unwrap_or("Unhandled")
        .to_owned();
    let message = match parsed.get("errorMessage") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    (error_type, message)
}

fn random_u128() -> u128 {
    ulid::Ulid::new().0
}

/// A UUID-shaped request id, like Lambda's.
fn new_request_id() -> String {
    let h = format!("{:032x}", random_u128());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An X-Ray trace header (`Root=1-<epoch hex>-<96 bit>;Parent=<64 bit>;Sampled=0`).
fn new_trace_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let r = random_u128();
    let parent = random_u128() as u64;
    format!(
        "Root=1-{secs:08x}-{:024x};Parent={parent:016x};Sampled=0",
        r & ((1u128 << 96) - 1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_and_header_fallbacks() {
        let mut h = HeaderMap::new();
        h.insert(
            "lambda-runtime-function-error-type",
            HeaderValue::from_static("HeaderType"),
        );
        assert_eq!(
            parse_error(&h, br#"{"errorType":"Bad","errorMessage":"boom"}"#),
            ("Bad".to_owned(), "boom".to_owned())
        );
        assert_eq!(
            parse_error(&h, br#"{"errorMessage":"boom"}"#),
            ("HeaderType".to_owned(), "boom".to_owned())
        );
        assert_eq!(
            parse_error(&HeaderMap::new(), b"plain"),
            ("Unhandled".to_owned(), "plain".to_owned())
        );
    }

    #[test]
    fn payload_parsing() {
        assert_eq!(parse_payload(b""), Value::Null);
        assert_eq!(parse_payload(br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(parse_payload(b"not json"), json!("not json"));
    }

    #[test]
    fn ids_have_aws_shapes() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        let t = new_trace_id();
        assert!(t.starts_with("Root=1-") && t.ends_with(";Sampled=0"), "{t}");
        assert_ne!(new_request_id(), new_request_id());
    }
}
