//! Cold start of every function, against the Powertools peer, through one Runtime API loop.
//!
//! For each function binary (and the peer, `python -m awslambdaric app.handler`): start a
//! Lambda Runtime API listener on loopback (the local runner's own, `switchyard_local`), queue
//! one representative event, spawn the process with `AWS_LAMBDA_RUNTIME_API` pointing at it,
//! and time spawn → its first answer (`…/response` or `…/error`). Before the process is killed,
//! its peak RSS (`VmHWM` in `/proc/<pid>/status`) is read. Each is spawned several times and
//! the median is kept.
//!
//! The AWS side is a moto (`AWS_ENDPOINT_URL`): this tool creates fresh tables and queues
//! shaped as Terraform makes them, and a channel with an API key, so an accepted order does
//! its real AWS work. Prints JSON lines, one per table row (the `make bench` row contract);
//! progress goes to stderr.
//!
//! `cold_start --bin-dir DIR --peer-python PY --peer-dir DIR [--events DIR] [--spawns N]
//!  [--build LABEL]`

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use chrono::Utc;
use serde_json::{Value, json};
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, DynamoDbChannelDirectory, TradingPartner, hash_api_key,
};
use switchyard_local::{FunctionRuntime, InvokeError};
use switchyard_model::ChannelName;

/// The memory every function is given in `infra/aws/main.tf` (what Lambda bills).
const CONFIGURED_MEMORY_MB: u64 = 256;
/// The peer's name in every row.
const PEER: &str = "Powertools 3.37 (Python) + boto3";

struct Args {
    bin_dir: PathBuf,
    peer_python: PathBuf,
    peer_dir: PathBuf,
    events: PathBuf,
    spawns: usize,
    build: String,
}

fn args() -> anyhow::Result<Args> {
    let mut it = std::env::args().skip(1);
    let mut bin_dir = None;
    let mut peer_python = None;
    let mut peer_dir = None;
    let mut events = PathBuf::from("events");
    let mut spawns = 7;
    let mut build = "release".to_owned();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--bin-dir" => bin_dir = Some(PathBuf::from(value()?)),
            "--peer-python" => peer_python = Some(PathBuf::from(value()?)),
            "--peer-dir" => peer_dir = Some(PathBuf::from(value()?)),
            "--events" => events = PathBuf::from(value()?),
            "--spawns" => spawns = value()?.parse()?,
            "--build" => build = value()?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(Args {
        bin_dir: bin_dir.context("--bin-dir is required")?,
        peer_python: peer_python.context("--peer-python is required")?,
        peer_dir: peer_dir.context("--peer-dir is required")?,
        events,
        spawns: spawns.max(1),
        build,
    })
}

/// The fresh resources on moto every function's environment points at.
struct Stack {
    env: BTreeMap<String, String>,
    /// The API channel's key.
    api_key: String,
    /// The X12 partner's key.
    edi_key: String,
}

async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    sort_key: bool,
    status_index: bool,
) -> anyhow::Result<()> {
    let attribute = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute is complete")
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .expect("key is complete")
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk"))
        .key_schema(key("pk", KeyType::Hash));
    if sort_key {
        request = request
            .attribute_definitions(attribute("sk"))
            .key_schema(key("sk", KeyType::Range));
    }
    if status_index {
        // As infra/modules/tables makes the orders table: the reconciler queries it.
        request = request
            .attribute_definitions(attribute("status_shard"))
            .attribute_definitions(attribute("status_at"))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name("by-status")
                    .key_schema(key("status_shard", KeyType::Hash))
                    .key_schema(key("status_at", KeyType::Range))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .non_key_attributes("channel")
                            .build(),
                    )
                    .build()?,
            );
    }
    request
        .send()
        .await
        .with_context(|| format!("creating table {name} on moto"))?;
    Ok(())
}

async fn stack() -> anyhow::Result<Stack> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        bail!(
            "AWS_ENDPOINT_URL is not set: cold_start needs a moto (bench/sections/cold-start.sh starts one)"
        );
    }
    let config = switchyard_platform::aws::load_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let prefix = format!("cold-{}", ulid::Ulid::new().to_string().to_lowercase());
    let mut env = BTreeMap::new();
    for (table, sort_key, index, var) in [
        ("idempotency", false, false, "SWITCHYARD_IDEMPOTENCY_TABLE"),
        ("orders", false, true, "SWITCHYARD_ORDERS_TABLE"),
        ("channels", false, false, "SWITCHYARD_CHANNELS_TABLE"),
        ("edi", true, false, "SWITCHYARD_EDI_TABLE"),
        ("catalog", true, false, "SWITCHYARD_CATALOG_TABLE"),
        ("ops", true, false, "SWITCHYARD_OPS_TABLE"),
    ] {
        let name = format!("{prefix}-{table}");
        create_table(&dynamodb, &name, sort_key, index).await?;
        env.insert(var.to_owned(), name);
    }
    for (queue, var) in [
        ("orders", "SWITCHYARD_ORDERS_QUEUE_URL"),
        ("quarantine", "SWITCHYARD_QUARANTINE_QUEUE_URL"),
        ("amazon", "SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL"),
        ("stock", "SWITCHYARD_STOCK_QUEUE_URL"),
    ] {
        let out = sqs
            .create_queue()
            .queue_name(format!("{prefix}-{queue}"))
            .send()
            .await
            .context("creating a queue on moto")?;
        env.insert(var.to_owned(), out.queue_url.unwrap_or_default());
    }
    let fixed = [
        ("SWITCHYARD_PREFIX", prefix.as_str()),
        // moto's own bus: every account has it.
        ("SWITCHYARD_EVENT_BUS", "default"),
        ("SWITCHYARD_MAX_RECEIVE_COUNT", "5"),
        ("SWITCHYARD_RETRY_BASE_SECONDS", "10"),
        ("SWITCHYARD_RETRY_MAX_SECONDS", "900"),
        // No ERP here: the functions that post to it find a closed port, which they handle as
        // an unavailable ERP (their first answer is then that outcome). The password is given
        // directly; on AWS it is one SSM read more at init.
        ("SWITCHYARD_ERP_URL", "http://127.0.0.1:9"),
        ("SWITCHYARD_ERP_DB", "bench"),
        ("SWITCHYARD_ERP_USER", "admin"),
        ("SWITCHYARD_ERP_PASSWORD", "bench"),
        ("SWITCHYARD_LOG_FORMAT", "json"),
        ("RUST_LOG", "warn"),
        ("POWERTOOLS_LOG_LEVEL", "WARNING"),
    ];
    for (k, v) in fixed {
        env.insert(k.to_owned(), v.to_owned());
    }
    let directory =
        DynamoDbChannelDirectory::new(dynamodb.clone(), env["SWITCHYARD_CHANNELS_TABLE"].clone());
    let channel = Channel {
        default_customer: Some("ACME-001".into()),
        ..Channel::new(
            ChannelName::try_from("cold-start").expect("a valid channel name"),
            ChannelKind::Api,
            Utc::now(),
        )
    };
    directory.put(&channel).await?;
    let api_key = format!("sy_cold_{}", ulid::Ulid::new().to_string().to_lowercase());
    directory
        .add_api_key(&channel.name, &hash_api_key(&api_key))
        .await?;
    // The webhook sample's channel (a WooCommerce ping needs no secret) and an X12 partner
    // with its own key, so the EDI API's sample is served rather than refused.
    let woo = Channel::new(
        ChannelName::try_from("demo-woo").expect("a valid channel name"),
        ChannelKind::Woocommerce,
        Utc::now(),
    );
    directory.put(&woo).await?;
    let edi = Channel {
        trading_partner: Some(TradingPartner::new("ZZ", "COLDSTART")),
        ..Channel::new(
            ChannelName::try_from("cold-edi").expect("a valid channel name"),
            ChannelKind::X12,
            Utc::now(),
        )
    };
    directory.put(&edi).await?;
    let edi_key = format!(
        "sy_cold_edi_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    directory
        .add_api_key(&edi.name, &hash_api_key(&edi_key))
        .await?;
    Ok(Stack {
        env,
        api_key,
        edi_key,
    })
}

/// What to start: a binary of ours, or the peer.
#[derive(Clone)]
struct Program {
    path: PathBuf,
    args: Vec<String>,
    dir: Option<PathBuf>,
}

/// One row: a function (or the peer) and the event it gets.
#[derive(Clone)]
struct Case {
    function: &'static str,
    event_name: String,
    event: Value,
    /// Every spawn gets a fresh idempotency key and external id, so none is a replay.
    fresh_order: bool,
}

/// One spawn's outcome.
struct Spawn {
    ms: f64,
    rss_mb: f64,
    answer: String,
}

fn read_event(dir: &Path, rel: &str, api_key: &str, edi_key: &str) -> anyhow::Result<Value> {
    let path = dir.join(rel);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    // The samples carry placeholder keys (`sy_replace_with_…`): hand them the bench channel's.
    let text = text
        .replace("sy_replace_with_a_channel_api_key", api_key)
        .replace("sy_replace_with_the_partner_api_key", edi_key);
    Ok(serde_json::from_str(&text)?)
}

fn apigw(method: &str, path: &str) -> Value {
    json!({
        "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path,
        "rawQueryString": "", "headers": {"host": "ops.switchyard.example"},
        "requestContext": {"accountId": "123456789012", "apiId": "local",
            "domainName": "ops.switchyard.example", "domainPrefix": "ops",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10", "userAgent": "bench"},
            "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "01/Dec/2026:09:00:00 +0000", "timeEpoch": 1_796_115_600_000u64},
        "isBase64Encoded": false
    })
}

/// Fresh idempotency key and external id on a `POST /v1/orders` event.
fn freshen(event: &mut Value, n: usize) {
    let tag = format!("{}-{n}", ulid::Ulid::new().to_string().to_lowercase());
    if let Some(headers) = event.get_mut("headers").and_then(Value::as_object_mut) {
        headers.insert("idempotency-key".into(), Value::String(tag.clone()));
    }
    if let Some(body) = event.get("body").and_then(Value::as_str)
        && let Ok(mut order) = serde_json::from_str::<Value>(body)
    {
        order["external_id"] = Value::String(format!("PO-{tag}"));
        event["body"] = Value::String(order.to_string());
    }
}

/// Peak resident set (VmHWM) of `pid`, in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn describe(result: &Result<Value, InvokeError>) -> String {
    match result {
        Ok(v) => match v.get("statusCode") {
            Some(code) => format!("answered HTTP {code}"),
            None if v.get("batchItemFailures").is_some() => format!(
                "answered {} batch item failures",
                v["batchItemFailures"].as_array().map_or(0, Vec::len)
            ),
            None => "answered".to_owned(),
        },
        Err(InvokeError::FunctionError { error_type, .. }) => {
            format!("answered with function error {error_type}")
        }
        Err(e) => format!("failed: {e}"),
    }
}

async fn spawn_once(
    program: &Program,
    function: &str,
    env: &BTreeMap<String, String>,
    event: Value,
) -> anyhow::Result<Spawn> {
    let runtime = FunctionRuntime::new(function, "us-east-1", Duration::from_secs(30));
    let endpoint = runtime.start_instance(function, None).await?;
    let mut cmd = tokio::process::Command::new(&program.path);
    cmd.args(&program.args)
        .envs(env)
        .env("AWS_LAMBDA_RUNTIME_API", endpoint.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            CONFIGURED_MEMORY_MB.to_string(),
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(dir) = &program.dir {
        cmd.current_dir(dir);
    }
    let invocation = runtime.invoke(event);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("spawning {}", program.path.display()))?;
    let pid = child.id().context("the child has a pid")?;
    let result = tokio::select! {
        r = invocation => r,
        status = child.wait() => {
            bail!("{function} exited ({status:?}) before answering; init error: {:?}", endpoint.init_error())
        }
        () = tokio::time::sleep(Duration::from_secs(60)) => bail!("{function} did not answer in 60 s"),
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let rss_mb = peak_rss_mb(pid);
    child.kill().await.ok();
    drop(endpoint);
    Ok(Spawn {
        ms,
        rss_mb,
        answer: describe(&result),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median ms, median peak RSS MB, and what the function answered.
async fn measure(
    program: &Program,
    case: &Case,
    env: &BTreeMap<String, String>,
    spawns: usize,
) -> anyhow::Result<(f64, f64, String)> {
    let mut ms = vec![];
    let mut rss = vec![];
    let mut answer = String::new();
    // One untimed spawn first, for every program alike: the binary (or the interpreter and its
    // modules, with their bytecode written) is then in the page cache, as on a Lambda host
    // that has the function's image cached. What is timed is process start, init and one
    // invocation, not this machine's disk.
    let mut warm = case.event.clone();
    if case.fresh_order {
        freshen(&mut warm, spawns);
    }
    spawn_once(program, case.function, env, warm).await?;
    for n in 0..spawns {
        let mut event = case.event.clone();
        if case.fresh_order {
            freshen(&mut event, n);
        }
        let s = spawn_once(program, case.function, env, event).await?;
        ms.push(s.ms);
        rss.push(s.rss_mb);
        answer = s.answer;
    }
    Ok((median(ms), median(rss), answer))
}

fn row(
    section: &str,
    row: &str,
    unit: &str,
    ours: Option<f64>,
    baseline: f64,
    note: &str,
) -> Value {
    json!({
        "section": section, "row": row, "unit": unit,
        "ours": ours.map(|v| (v * 100.0).round() / 100.0),
        "baseline": (baseline * 100.0).round() / 100.0,
        "baseline_name": PEER, "better": "lower", "note": note,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let stack = stack().await?;
    let key = stack.api_key.clone();
    let edi_key = stack.edi_key.clone();
    let ev = |rel: &str| read_event(&args.events, rel, &key, &edi_key);
    let mut refused = ev("orders-api/post-order.json")?;
    refused["headers"]["authorization"] = Value::String("Bearer sy_not_a_key".into());
    let case = |function: &'static str, event_name: &str, event: Value| Case {
        function,
        event_name: event_name.to_owned(),
        event,
        fresh_order: false,
    };
    let accepted = Case {
        fresh_order: true,
        ..case(
            "orders-api",
            "events/orders-api/post-order.json, accepted (5 AWS calls to moto)",
            ev("orders-api/post-order.json")?,
        )
    };
    let refused_case = case(
        "orders-api",
        "post-order.json with an unknown key, refused 401",
        refused.clone(),
    );
    let empty_sqs = json!({"Records": []});
    let mut cases = vec![
        case(
            "webhooks",
            "events/webhooks/woocommerce-ping.json",
            ev("webhooks/woocommerce-ping.json")?,
        ),
        case(
            "edi-api",
            "events/edi-api/list-outbox.json",
            ev("edi-api/list-outbox.json")?,
        ),
        case(
            "edi-acknowledger",
            "events/edi-acknowledger/order-accepted-batch.json",
            ev("edi-acknowledger/order-accepted-batch.json")?,
        ),
        case(
            "edi-inventory-advice",
            "events/edi-inventory-advice/scheduled.json",
            ev("edi-inventory-advice/scheduled.json")?,
        ),
        case(
            "amazon-notifications",
            "events/amazon-notifications/order-change-batch.json",
            ev("amazon-notifications/order-change-batch.json")?,
        ),
        case(
            "order-processor",
            "events/order-processor/order-submitted-batch.json (order not in the table, no ERP)",
            ev("order-processor/order-submitted-batch.json")?,
        ),
        case(
            "erp-changes",
            "events/erp-changes/scheduled.json (ERP port closed)",
            ev("erp-changes/scheduled.json")?,
        ),
        case(
            "reconciler",
            "a schedule tick (events/erp-changes/scheduled.json), empty tables, ERP port closed",
            ev("erp-changes/scheduled.json")?,
        ),
        case(
            "catalog-projector",
            "events/catalog-projector/catalog-events-batch.json",
            ev("catalog-projector/catalog-events-batch.json")?,
        ),
        case(
            "order-tracker",
            "events/order-tracker/fulfilment-events-batch.json",
            ev("order-tracker/fulfilment-events-batch.json")?,
        ),
        case(
            "ops-api",
            "GET /ops/failures (an empty ops table)",
            apigw("GET", "/ops/failures"),
        ),
        case(
            "dlq-redrive",
            "a dry-run redrive of an empty queue",
            json!({"queue": stack.env["SWITCHYARD_QUARANTINE_QUEUE_URL"],
                "to": stack.env["SWITCHYARD_ORDERS_QUEUE_URL"], "actor": "bench", "execute": false}),
        ),
    ];
    for function in [
        "stock-push-shopify",
        "stock-push-woocommerce",
        "stock-push-amazon",
        "fulfilment-push-shopify",
        "fulfilment-push-woocommerce",
        "fulfilment-push-amazon",
    ] {
        cases.push(case(
            function,
            "an empty SQS batch (init + one poll)",
            empty_sqs.clone(),
        ));
    }

    let peer = Program {
        path: args.peer_python.clone(),
        args: vec!["-m".into(), "awslambdaric".into(), "app.handler".into()],
        dir: Some(args.peer_dir.clone()),
    };
    let ours = |function: &str| Program {
        path: args.bin_dir.join(function),
        args: vec![],
        dir: None,
    };
    let spawns = args.spawns;
    let build = &args.build;
    eprintln!("cold start: the Powertools peer, {spawns} spawns per row");
    let peer_accepted = Case {
        function: "powertools-orders",
        ..accepted.clone()
    };
    let (peer_ms, peer_rss, peer_answer) =
        measure(&peer, &peer_accepted, &stack.env, spawns).await?;
    let peer_refused = Case {
        function: "powertools-orders",
        ..case("orders-api", "", refused)
    };
    let (peer_refused_ms, peer_refused_rss, peer_refused_answer) =
        measure(&peer, &peer_refused, &stack.env, spawns).await?;
    eprintln!(
        "  peer: accepted {peer_ms:.1} ms / {peer_rss:.1} MB ({peer_answer}); refused {peer_refused_ms:.1} ms / {peer_refused_rss:.1} MB ({peer_refused_answer})"
    );

    let mut all = vec![
        (accepted, "accepted order"),
        (refused_case, "refused request"),
    ];
    all.extend(cases.into_iter().map(|c| (c, "")));
    for (case, label) in all {
        let program = ours(case.function);
        let (base_ms, base_rss, base_answer) = if label == "refused request" {
            (peer_refused_ms, peer_refused_rss, &peer_refused_answer)
        } else {
            (peer_ms, peer_rss, &peer_answer)
        };
        let name = if label.is_empty() {
            case.function.to_owned()
        } else {
            format!("{}, {label}", case.function)
        };
        let measured = if program.path.is_file() {
            measure(&program, &case, &stack.env, spawns).await
        } else {
            Err(anyhow::anyhow!("{} was not built", program.path.display()))
        };
        let peer_note = format!(
            "baseline: the peer through the same loop, {} ({base_answer})",
            if label == "refused request" {
                "refused request"
            } else {
                "accepted order"
            }
        );
        let (ms, rss, note) = match measured {
            Ok((ms, rss, answer)) => (
                Some(ms),
                Some(rss),
                format!(
                    "{build} build, median of {spawns} spawns; event: {}; {answer}; {peer_note}",
                    case.event_name
                ),
            ),
            Err(e) => (None, None, format!("not measured: {e:#}")),
        };
        eprintln!(
            "  {name}: {} ms, {} MB",
            ms.map_or("-".into(), |v| format!("{v:.1}")),
            rss.map_or("-".into(), |v| format!("{v:.1}"))
        );
        let mut time = row(
            "Cold start",
            &format!("{name}: spawn → first response"),
            "ms",
            ms,
            base_ms,
            &note,
        );
        time["duration_ms"] = json!(ms.map(|v| (v * 100.0).round() / 100.0));
        time["memory_mb"] = json!(CONFIGURED_MEMORY_MB);
        time["rss_mb"] = json!(rss.map(|v| (v * 100.0).round() / 100.0));
        time["function"] = json!(case.function);
        println!("{time}");
        let mut peak = row(
            "Cold start peak RSS",
            &format!("{name}: peak RSS (VmHWM)"),
            "MB",
            rss,
            base_rss,
            &note,
        );
        peak["memory_mb"] = json!(CONFIGURED_MEMORY_MB);
        peak["function"] = json!(case.function);
        println!("{peak}");
    }
    Ok(())
}
