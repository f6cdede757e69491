//! `burst`: end-to-end latency of a burst of orders on a running local stack, and where the time
//! went. Part of `make bench` (`bench/sections/burst.sh` runs it and prints the table rows).
//!
//! Against the stack described by the environment (`set -a; . .switchyard/<stack>/local.env`):
//!
//! 1. adds a fresh `api` channel with no rate limit (so the burst is not refused by the demo
//!    channel's limit, and counts only its own orders);
//! 2. **ERP alone** (the baseline): the same sale posted straight through the Tryton adapter
//!    (`find_sale`, `create_sale`, `confirm_sale`, what the order processor calls), one after
//!    another; per sale its latency and the JSON-RPC exchanges it made;
//! 3. **one order at a time**: submit, wait for ACCEPTED, next: what Switchyard adds to an
//!    unloaded order;
//! 4. **the burst**: N orders at once (bounded client concurrency) or at `--rate` per second;
//!    samples the orders queue (visible + in flight + delayed) every second until it drains,
//!    then reads every order's history. Latency is submit (client clock) to the ACCEPTED entry
//!    of the order's history (server clock; same machine).
//!
//! Where the time went is measured, not guessed: the Tryton adapter logs every sales-order step
//! with the JSON-RPC exchanges it made and the time it waited on them (`"tryton step"`, `rpcs`,
//! `erp_ms`, under the order's span), and the local runner logs every invocation's duration
//! (`END duration=…ms instance=<function>#n`); both are read back from
//! `$SWITCHYARD_STACK_DIR/logs/runner.log`, from where it ended when the run began.
//!
//! Prints one JSON object (the measurements; `bench/sections/burst.sh` turns it into rows) on
//! stdout; progress on stderr.

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Parser;
use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use switchyard_erp::{SaleAddress, SaleLine, SaleRequest, SalesOrders, TrytonClient, TrytonConfig};
use tokio::sync::Semaphore;

#[derive(Parser, Debug)]
#[command(about = "End-to-end latency of a burst of orders on the running local stack")]
struct Args {
    /// Orders in the burst.
    #[arg(long, default_value_t = 1000)]
    orders: usize,
    /// Submit at this many orders per second; omitted, all at once.
    #[arg(long)]
    rate: Option<f64>,
    /// Requests in flight at most from this client.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Sales posted straight through the Tryton adapter, one after another (the baseline).
    #[arg(long, default_value_t = 10)]
    erp_alone: usize,
    /// Orders submitted one at a time (each waits for ACCEPTED) before the burst.
    #[arg(long, default_value_t = 5)]
    unloaded: usize,
    /// Skip the baseline and the unloaded orders (the scaled peak check needs only the burst).
    #[arg(long)]
    burst_only: bool,
    /// Give up waiting for the burst to drain after this many seconds.
    #[arg(long, default_value_t = 1800)]
    timeout_s: u64,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("burst: {name} is not set; export the stack's local.env first");
        std::process::exit(2)
    })
}

fn say(text: impl AsRef<str>) {
    eprintln!("burst: {}", text.as_ref());
}

/// The order every submission sends (one line, the demo customer with a contract price list).
fn order_body(external_id: &str) -> Value {
    json!({"external_id": external_id,
      "customer": {"account": "ACME-001", "name": "Acme Retail"},
      "currency": "USD",
      "ship_to": {"line1": "31875 Solon Rd", "city": "Solon", "region": "OH",
                  "postal_code": "44139", "country": "US"},
      "lines": [{"sku": "WIDGET-S", "quantity": 1, "unit_price": "9.25", "uom": "EA"}]})
}

/// The same order as the processor hands it to the ERP (see order-processor's `sale_request`).
fn sale_request(reference: &str) -> SaleRequest {
    SaleRequest {
        reference: reference.to_string(),
        order_id: ulid::Ulid::new().to_string(),
        customer_account: "ACME-001".into(),
        currency: "USD".into(),
        ship_to: Some(SaleAddress {
            name: None,
            line1: "31875 Solon Rd".into(),
            line2: None,
            city: "Solon".into(),
            region: Some("OH".into()),
            postal_code: Some("44139".into()),
            country: "US".into(),
        }),
        bill_to: None,
        lines: vec![SaleLine {
            sku: "WIDGET-S".into(),
            quantity: Decimal::ONE,
            unit_price: Decimal::new(925, 2),
            uom: "EA".into(),
        }],
        requested_ship_date: None,
        notes: None,
    }
}

/// The `q` quantile (0..=1) of `values`, nearest rank; `None` when empty.
fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

fn stats(values: &[f64]) -> Value {
    let mean = if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    };
    json!({
        "n": values.len(),
        "p50": quantile(values, 0.5).map(|v| round(v, 1)),
        "p99": quantile(values, 0.99).map(|v| round(v, 1)),
        "mean": mean.map(|v| round(v, 1)),
        "max": quantile(values, 1.0).map(|v| round(v, 1)),
    })
}

// ---- the Tryton adapter's step lines, captured in-process for the baseline -------------------

/// What one "tryton step" event said.
#[derive(Debug, Default, Clone)]
struct Step {
    rpcs: u64,
    erp_ms: f64,
}

/// A tracing layer keeping the adapter's `"tryton step"` events (the baseline runs the adapter
/// in this process, so its tally is read here rather than from the runner's log).
#[derive(Clone, Default)]
struct StepCapture(Arc<Mutex<Vec<Step>>>);

struct StepVisitor {
    is_step: bool,
    step: Step,
}

impl tracing::field::Visit for StepVisitor {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == "tryton step" {
            self.is_step = true;
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" && value == "tryton step" {
            self.is_step = true;
        }
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "rpcs" {
            self.step.rpcs = value;
        }
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "erp_ms" {
            self.step.erp_ms = value;
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for StepCapture {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut visitor = StepVisitor {
            is_step: false,
            step: Step::default(),
        };
        event.record(&mut visitor);
        if visitor.is_step {
            self.0.lock().unwrap().push(visitor.step);
        }
    }
}

// ---- the stack ---------------------------------------------------------------------------------

struct Stack {
    api: String,
    http: reqwest::Client,
    key: String,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
    log_path: String,
}

/// Queue depth samples: (seconds since the burst began, visible, in flight, delayed).
type Samples = Arc<Mutex<Vec<(f64, u64, u64, u64)>>>;

/// One submitted order.
#[derive(Debug, Clone)]
struct Submitted {
    id: Option<String>,
    status: u16,
    submitted_at: DateTime<Utc>,
    answer_ms: f64,
}

impl Stack {
    async fn submit(&self, external_id: &str) -> Submitted {
        let submitted_at = Utc::now();
        let started = Instant::now();
        let sent = self
            .http
            .post(format!("{}/v1/orders", self.api))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", format!("burst-{external_id}"))
            .json(&order_body(external_id))
            .send()
            .await;
        let (status, body) = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                (
                    status,
                    response.json::<Value>().await.unwrap_or(Value::Null),
                )
            }
            Err(e) => {
                say(format!("submit {external_id}: {e}"));
                (0, Value::Null)
            }
        };
        Submitted {
            id: body["id"].as_str().map(str::to_owned),
            status,
            submitted_at,
            answer_ms: started.elapsed().as_secs_f64() * 1e3,
        }
    }

    async fn order(&self, id: &str) -> Option<Value> {
        let response = self
            .http
            .get(format!("{}/v1/orders/{id}", self.api))
            .header("x-api-key", &self.key)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// (visible, in flight, delayed) on the orders queue.
    async fn queue_depth(&self) -> Option<(u64, u64, u64)> {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(A::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .ok()?;
        let count = |name: A| -> u64 {
            out.attributes()
                .and_then(|a| a.get(&name))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Some((
            count(A::ApproximateNumberOfMessages),
            count(A::ApproximateNumberOfMessagesNotVisible),
            count(A::ApproximateNumberOfMessagesDelayed),
        ))
    }

    fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log_path)
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// The runner's log from byte `from` on.
    fn log_since(&self, from: u64) -> String {
        use std::io::{Read, Seek, SeekFrom};
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log_path) {
            let _ = file.seek(SeekFrom::Start(from));
            let mut bytes = Vec::new();
            let _ = file.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    }
}

/// When an order entered `status`, from its history.
fn entered(order: &Value, status: &str) -> Option<DateTime<Utc>> {
    order["history"]
        .as_array()?
        .iter()
        .find(|h| h["status"] == status)
        .and_then(|h| h["at"].as_str())
        .and_then(|at| at.parse().ok())
}

fn is_final(order: &Value) -> bool {
    matches!(order["status"].as_str(), Some("ACCEPTED" | "REJECTED"))
}

/// Waits until `id` is final, asking every 50 ms; `None` after `within`.
async fn wait_final(stack: &Stack, id: &str, within: Duration) -> Option<Value> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(order) = stack.order(id).await
            && is_final(&order)
        {
            return Some(order);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the runner's log says about a run: per order, the ERP steps; per function, the
/// invocations, their durations and the bytes the function logged.
#[derive(Debug, Default)]
struct LogFacts {
    erp_by_order: HashMap<String, Step>,
    steps_by_order: HashMap<String, u64>,
    durations_by_function: BTreeMap<String, Vec<f64>>,
    log_bytes_by_function: BTreeMap<String, u64>,
    timeouts_by_function: BTreeMap<String, u64>,
}

fn function_of(instance: &str) -> String {
    instance.split('#').next().unwrap_or(instance).to_string()
}

fn read_log(text: &str) -> LogFacts {
    let mut facts = LogFacts::default();
    for line in text.lines() {
        // A function's own line: `[<function>#<n>] {json}` (what CloudWatch Logs would keep).
        if let Some(rest) = line.strip_prefix('[')
            && let Some((instance, json_text)) = rest.split_once("] ")
        {
            let function = function_of(instance);
            *facts.log_bytes_by_function.entry(function).or_default() +=
                line.len() as u64 - instance.len() as u64 - 3 + 1;
            let Ok(value) = serde_json::from_str::<Value>(json_text) else {
                continue;
            };
            if value["message"] == "tryton step"
                && let Some(order_id) = value["span"]["order_id"].as_str()
            {
                let step = facts.erp_by_order.entry(order_id.to_string()).or_default();
                step.rpcs += value["rpcs"].as_u64().unwrap_or(0);
                step.erp_ms += value["erp_ms"].as_f64().unwrap_or(0.0);
                *facts
                    .steps_by_order
                    .entry(order_id.to_string())
                    .or_default() += 1;
            }
            continue;
        }
        // An invocation the runner ended at its timeout has no END line, but its time was spent
        // (and billed, on AWS): `… Task timed out after 30.00 seconds instance=<f>#<n> …`.
        if let Some(at) = line.find("Task timed out after ") {
            let rest = &line[at + "Task timed out after ".len()..];
            let seconds = rest
                .split_whitespace()
                .next()
                .and_then(|s| s.parse::<f64>().ok());
            let instance = rest
                .split_whitespace()
                .find_map(|w| w.strip_prefix("instance="));
            if let (Some(seconds), Some(instance)) = (seconds, instance) {
                let function = function_of(instance);
                facts
                    .durations_by_function
                    .entry(function.clone())
                    .or_default()
                    .push(seconds * 1e3);
                *facts.timeouts_by_function.entry(function).or_default() += 1;
            }
            continue;
        }
        // The runner's own line for an invocation: `… END duration=12.3ms instance=<f>#<n> …`.
        if let Some(at) = line.find("END duration=") {
            let rest = &line[at + "END duration=".len()..];
            let Some((ms, rest)) = rest.split_once("ms") else {
                continue;
            };
            let Some(instance) = rest
                .split_whitespace()
                .find_map(|w| w.strip_prefix("instance="))
            else {
                continue;
            };
            if let Ok(ms) = ms.parse::<f64>() {
                facts
                    .durations_by_function
                    .entry(function_of(instance))
                    .or_default()
                    .push(ms);
            }
        }
    }
    facts
}

/// How many times the processor put a message back for a retry, by reason (a reason's text up
/// to its first colon): redeliveries in a burst show here.
fn retries(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some((_, json_text)) = line.split_once("] {") else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(&format!("{{{json_text}")) else {
            continue;
        };
        if value["message"] == "will retry"
            && let Some(reason) = value["reason"].as_str()
        {
            let reason = reason.split(':').next().unwrap_or(reason).to_string();
            *out.entry(reason).or_default() += 1;
        }
    }
    out
}

/// Adds a channel of kind `api` with no rate limit; its API key.
fn add_channel(stack_dir: &str, name: &str) -> String {
    let out = std::process::Command::new(format!("{stack_dir}/bin/switchyard"))
        .args([
            "channels",
            "add",
            name,
            "--default-customer",
            "DEMO-SHOP",
            "--json",
        ])
        .output()
        .expect("run the switchyard CLI");
    if !out.status.success() {
        say(format!(
            "switchyard channels add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
        std::process::exit(1);
    }
    let added: Value = serde_json::from_slice(&out.stdout).expect("channels add --json");
    added["api_key"]
        .as_str()
        .expect("an api_key in channels add --json")
        .to_string()
}

async fn erp_alone(count: usize, capture: &StepCapture, run: &str) -> Value {
    if count == 0 {
        return Value::Null;
    }
    let erp = TrytonClient::new(TrytonConfig {
        url: env("SWITCHYARD_ERP_URL"),
        database: env("SWITCHYARD_ERP_DB"),
        user: env("SWITCHYARD_ERP_USER"),
        password: env("SWITCHYARD_ERP_PASSWORD"),
        timeout: Duration::from_secs(30),
    });
    // One warm-up sale (login, Tryton's caches), not counted, as the processor's first order
    // after a cold start is not either.
    let mut latencies = Vec::new();
    let mut rpcs = Vec::new();
    for i in 0..=count {
        let request = sale_request(&format!("{run}:erp-alone-{i}"));
        capture.0.lock().unwrap().clear();
        let started = Instant::now();
        let sale = match erp.find_sale(&request.reference).await {
            Ok(Some(sale)) => Ok(sale),
            Ok(None) => erp.create_sale(&request).await,
            Err(e) => Err(e),
        };
        let confirmed = match sale {
            Ok(sale) => erp.confirm_sale(sale.id).await,
            Err(e) => Err(e),
        };
        let elapsed = started.elapsed().as_secs_f64() * 1e3;
        if let Err(e) = confirmed {
            say(format!("ERP alone: sale {i} failed: {e}"));
            continue;
        }
        if i > 0 {
            latencies.push(elapsed);
            rpcs.push(
                capture
                    .0
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|s| s.rpcs)
                    .sum::<u64>() as f64,
            );
        }
    }
    let total_s = latencies.iter().sum::<f64>() / 1e3;
    json!({
        "latency_ms": stats(&latencies),
        "rpcs_per_sale": stats(&rpcs),
        "sales_per_s": if total_s > 0.0 { round(latencies.len() as f64 / total_s, 3) } else { 0.0 },
    })
}

async fn unloaded(stack: &Stack, count: usize, run: &str) -> Value {
    if count == 0 {
        return Value::Null;
    }
    let from = stack.log_len();
    let mut e2e = Vec::new();
    let mut answers = Vec::new();
    let mut ids = Vec::new();
    for i in 0..=count {
        let submitted = stack.submit(&format!("{run}-one-{i}")).await;
        let Some(id) = submitted.id.clone() else {
            say(format!(
                "one at a time: order {i} refused ({})",
                submitted.status
            ));
            continue;
        };
        let Some(order) = wait_final(stack, &id, Duration::from_secs(120)).await else {
            say(format!("one at a time: order {id} not final after 120 s"));
            continue;
        };
        // The first warms the processor and the ERP; not counted.
        if i == 0 {
            continue;
        }
        if let Some(done) = entered(&order, "ACCEPTED").or_else(|| entered(&order, "REJECTED")) {
            e2e.push(
                (done - submitted.submitted_at)
                    .num_microseconds()
                    .unwrap_or(0) as f64
                    / 1e3,
            );
            answers.push(submitted.answer_ms);
            ids.push(id);
        }
    }
    let facts = read_log(&stack.log_since(from));
    let erp_ms: Vec<f64> = ids
        .iter()
        .filter_map(|id| facts.erp_by_order.get(id).map(|s| s.erp_ms))
        .collect();
    let processor: Vec<f64> = facts
        .durations_by_function
        .get("order-processor")
        .cloned()
        .unwrap_or_default();
    json!({
        "e2e_ms": stats(&e2e),
        "answer_ms": stats(&answers),
        "erp_ms": stats(&erp_ms),
        "processor_invocation_ms": stats(&processor),
    })
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let capture = StepCapture::default();
    {
        use tracing_subscriber::layer::SubscriberExt as _;
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
    }
    let stack_dir = env("SWITCHYARD_STACK_DIR");
    let run = format!("burst-{}", ulid::Ulid::new().to_string().to_lowercase());
    let key = add_channel(&stack_dir, &run);
    let aws = switchyard_platform::aws::load_config().await;
    let stack = Arc::new(Stack {
        api: env("SWITCHYARD_API_URL"),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(args.concurrency)
            .build()
            .expect("an HTTP client"),
        key,
        queue_url: env("SWITCHYARD_ORDERS_QUEUE_URL"),
        sqs: aws_sdk_sqs::Client::new(&aws),
        log_path: format!("{stack_dir}/logs/runner.log"),
    });
    say(format!("channel {run} added (no rate limit)"));

    let (erp_alone, unloaded) = if args.burst_only {
        (Value::Null, Value::Null)
    } else {
        say(format!(
            "ERP alone: {} sales straight through the Tryton adapter",
            args.erp_alone
        ));
        let erp_alone = erp_alone(args.erp_alone, &capture, &run).await;
        say(format!("one at a time: {} orders", args.unloaded));
        let unloaded = unloaded(&stack, args.unloaded, &run).await;
        (erp_alone, unloaded)
    };

    // ---- the burst ----
    match (stack.queue_depth().await, args.rate) {
        (Some((0, 0, 0)), _) => {}
        (depth, _) => say(format!(
            "the orders queue is not empty before the burst: {depth:?}; its messages will count in the depth"
        )),
    }
    let from = stack.log_len();
    let started = Instant::now();
    let started_at = Utc::now();
    let samples: Samples = Arc::default();
    let sampling = {
        let stack = stack.clone();
        let samples = samples.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Some((v, f, d)) = stack.queue_depth().await {
                    samples
                        .lock()
                        .unwrap()
                        .push((started.elapsed().as_secs_f64(), v, f, d));
                }
            }
        })
    };
    say(match args.rate {
        Some(rate) => format!("burst: {} orders at {rate}/s", args.orders),
        None => format!(
            "burst: {} orders at once, {} in flight",
            args.orders, args.concurrency
        ),
    });
    let limit = Arc::new(Semaphore::new(args.concurrency));
    let submitted: Vec<Submitted> = futures::stream::iter(0..args.orders)
        .map(|i| {
            let stack = stack.clone();
            let limit = limit.clone();
            let run = run.clone();
            let at = args
                .rate
                .map(|rate| started + Duration::from_secs_f64(i as f64 / rate));
            tokio::spawn(async move {
                if let Some(at) = at {
                    tokio::time::sleep_until(at.into()).await;
                }
                let _slot = limit.acquire().await.expect("open semaphore");
                stack.submit(&format!("{run}-{i}")).await
            })
        })
        .buffer_unordered(args.orders.max(1))
        .map(|joined| joined.expect("a submit task"))
        .collect()
        .await;
    let submit_s = started.elapsed().as_secs_f64();
    let accepted_ids: Vec<String> = submitted.iter().filter_map(|s| s.id.clone()).collect();
    let refused = submitted.len() - accepted_ids.len();
    say(format!(
        "submitted in {submit_s:.1} s: {} taken, {refused} refused",
        accepted_ids.len()
    ));

    // Drained: nothing waiting, in flight or delayed, twice a second apart (every message was
    // sent before the wait began, and the runner deletes a message only once handled).
    let deadline = Instant::now() + Duration::from_secs(args.timeout_s);
    let mut empty_in_a_row = 0;
    let mut last_progress = Instant::now();
    while empty_in_a_row < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        match stack.queue_depth().await {
            Some((0, 0, 0)) => empty_in_a_row += 1,
            Some((v, f, d)) => {
                empty_in_a_row = 0;
                if last_progress.elapsed() > Duration::from_secs(15) {
                    say(format!(
                        "{:.0} s: {v} waiting, {f} in flight, {d} delayed",
                        started.elapsed().as_secs_f64()
                    ));
                    last_progress = Instant::now();
                }
            }
            None => empty_in_a_row = 0,
        }
    }
    let queue_empty_s = started.elapsed().as_secs_f64();
    sampling.abort();
    // Read before the histories are fetched: those GETs are the bench's, not the orders'.
    let facts_text = stack.log_since(from);
    let facts = read_log(&facts_text);

    // Every order's history (and any stragglers still short of final, waited on).
    let by_id: HashMap<String, Submitted> = submitted
        .iter()
        .filter_map(|s| s.id.clone().map(|id| (id, s.clone())))
        .collect();
    let finals: Vec<(String, Option<Value>)> = futures::stream::iter(accepted_ids.clone())
        .map(|id| {
            let stack = stack.clone();
            async move {
                let order = wait_final(&stack, &id, Duration::from_secs(60)).await;
                (id, order)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;

    let mut e2e = Vec::new();
    let mut received_to_final = Vec::new();
    let mut erp_ms = Vec::new();
    let mut rpcs = Vec::new();
    let (mut accepted, mut rejected, mut unfinished) = (0usize, 0usize, 0usize);
    let mut last_final: Option<DateTime<Utc>> = None;
    let mut first_final: Option<DateTime<Utc>> = None;
    for (id, order) in &finals {
        let Some(order) = order else {
            unfinished += 1;
            continue;
        };
        match order["status"].as_str() {
            Some("ACCEPTED") => accepted += 1,
            _ => rejected += 1,
        }
        let done = entered(order, "ACCEPTED").or_else(|| entered(order, "REJECTED"));
        if let Some(done) = done {
            let sub = &by_id[id];
            e2e.push((done - sub.submitted_at).num_microseconds().unwrap_or(0) as f64 / 1e3);
            if let Some(received) = entered(order, "RECEIVED") {
                received_to_final
                    .push((done - received).num_microseconds().unwrap_or(0) as f64 / 1e3);
            }
            last_final = Some(last_final.map_or(done, |l| l.max(done)));
            first_final = Some(first_final.map_or(done, |f| f.min(done)));
        }
        if let Some(step) = facts.erp_by_order.get(id) {
            erp_ms.push(step.erp_ms);
            rpcs.push(step.rpcs as f64);
        }
    }
    let drain_s = last_final.map(|l| (l - started_at).num_milliseconds() as f64 / 1e3);
    let answers: Vec<f64> = submitted.iter().map(|s| s.answer_ms).collect();
    let samples = samples.lock().unwrap().clone();
    let peak = samples
        .iter()
        .map(|(_, v, f, d)| v + f + d)
        .max()
        .unwrap_or(0);
    let series: Vec<Value> = samples
        .iter()
        .map(|(t, v, f, d)| json!([round(*t, 1), v + f + d]))
        .collect();
    // The ERP's posting rate under the burst: orders finished per second between the first and
    // the last to finish (the processor's pickup delay before the first is left out).
    let erp_orders_per_s = match (first_final, last_final) {
        (Some(first), Some(last)) if accepted + rejected > 1 => {
            let span = (last - first).num_milliseconds() as f64 / 1e3;
            (span > 0.0).then(|| round((accepted + rejected - 1) as f64 / span, 3))
        }
        _ => None,
    };
    let processor_ms: f64 = facts
        .durations_by_function
        .get("order-processor")
        .map(|d| d.iter().sum())
        .unwrap_or(0.0);
    let erp_total_ms: f64 = erp_ms.iter().sum();
    let finished = (accepted + rejected).max(1) as f64;
    let durations: BTreeMap<&String, Value> = facts
        .durations_by_function
        .iter()
        .map(|(f, d)| {
            (
                f,
                json!({"invocations": d.len(), "mean_ms": round(d.iter().sum::<f64>() / d.len().max(1) as f64, 1),
                       "total_ms": round(d.iter().sum::<f64>(), 1)}),
            )
        })
        .collect();
    let log_bytes_per_order: BTreeMap<&String, f64> = facts
        .log_bytes_by_function
        .iter()
        .map(|(f, b)| (f, round(*b as f64 / finished, 1)))
        .collect();
    let steps: Vec<f64> = facts.steps_by_order.values().map(|n| *n as f64).collect();

    let result = json!({
        "run": run,
        "orders": args.orders,
        "rate_per_s": args.rate,
        "client_concurrency": args.concurrency,
        "submit_s": round(submit_s, 2),
        "taken": accepted_ids.len(),
        "refused": refused,
        "accepted": accepted,
        "rejected": rejected,
        "unfinished": unfinished,
        "e2e_ms": stats(&e2e),
        "received_to_final_ms": stats(&received_to_final),
        "answer_ms": stats(&answers),
        "erp_ms_per_order": stats(&erp_ms),
        "erp_rpcs_per_order": stats(&rpcs),
        "erp_steps_per_order": stats(&steps),
        "processor_busy_ms_per_order": round(processor_ms / finished, 1),
        "erp_share_of_processing": if processor_ms > 0.0 { Some(round(erp_total_ms / processor_ms, 3)) } else { None },
        "erp_orders_per_s": erp_orders_per_s,
        "drain_s": drain_s.map(|d| round(d, 1)),
        "queue_empty_s": round(queue_empty_s, 1),
        "peak_queue_depth": peak,
        "queue_depth_series": series,
        "functions": durations,
        "log_bytes_per_order": log_bytes_per_order,
        "timeouts_by_function": facts.timeouts_by_function,
        "retries_by_reason": retries(&facts_text),
        "erp_alone": erp_alone,
        "one_at_a_time": unloaded,
    });
    println!("{result}");
}
