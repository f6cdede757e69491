//! `switchyard-local` plays AWS on a laptop so the real Lambda binaries run unchanged:
//!
//! * [`runtime_api`] — the Lambda Runtime API, one listener per instance, with real epoch
//!   deadlines, timeouts that kill the instance, and error reporting;
//! * [`instances`] — the instance processes (start, log forwarding, restart, shutdown);
//! * [`apigw`] — API Gateway HTTP API (payload format 2.0) in front of the functions;
//! * [`sqs`] — SQS event source mappings with `ReportBatchItemFailures`;
//! * [`schedule`] — EventBridge schedules, played at a local rate;
//! * [`lambda_api`] — the Lambda Invoke API (synchronous), on the same HTTP port.
#![forbid(unsafe_code)]

pub mod apigw;
pub mod config;
pub mod instances;
pub mod lambda_api;
pub mod runtime_api;
pub mod schedule;
pub mod sqs;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

pub use config::Config;
pub use runtime_api::{FunctionRuntime, InvokeError};

use instances::InstanceSpec;
use runtime_api::ReadySignal;

/// Everything `switchyard-local` needs to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The parsed configuration.
    pub config: Config,
    /// Address for the API Gateway listener.
    pub listen: SocketAddr,
    /// Directory holding the function binaries.
    pub bin_dir: PathBuf,
    /// File to write (with the listen URL) once every instance is ready.
    pub ready_file: Option<PathBuf>,
}

/// The functions of a running runner, for internal invocations.
#[derive(Debug, Clone, Default)]
pub struct Functions {
    by_name: HashMap<String, Arc<FunctionRuntime>>,
}

impl Functions {
    /// Wraps a set of function runtimes, keyed by their names.
    pub fn new(runtimes: impl IntoIterator<Item = Arc<FunctionRuntime>>) -> Self {
        Self {
            by_name: runtimes
                .into_iter()
                .map(|f| (f.name().to_owned(), f))
                .collect(),
        }
    }

    /// The runtime of one function.
    pub fn get(&self, function: &str) -> Option<&Arc<FunctionRuntime>> {
        self.by_name.get(function)
    }

    /// Invokes `function` with `event` and waits for its result.
    pub async fn invoke(&self, function: &str, event: Value) -> Result<Value, InvokeError> {
        match self.by_name.get(function) {
            Some(f) => f.invoke(event).await,
            None => Err(InvokeError::FunctionError {
                error_type: "ResourceNotFoundException".into(),
                message: format!("Function not found: {function}"),
            }),
        }
    }
}

struct FunctionReadiness {
    name: String,
    slots: Vec<ReadySignal>,
}

fn readiness(all: &[FunctionReadiness]) -> (bool, Value) {
    let mut functions = serde_json::Map::new();
    let mut ready = true;
    for f in all {
        let up = f.slots.iter().filter(|s| s.is_set()).count();
        ready &= up == f.slots.len();
        functions.insert(
            f.name.clone(),
            json!({"instances": f.slots.len(), "ready": up}),
        );
    }
    (ready, json!({ "functions": functions }))
}

/// Runs the runner until `shutdown` resolves, then stops everything and returns.
pub async fn run(opts: Options, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let config = opts.config;
    for (name, f) in &config.functions {
        let path = instances::binary_path(&opts.bin_dir, &f.binary);
        if !path.is_file() {
            bail!("function {name}: binary {} does not exist", path.display());
        }
    }
    let routes = apigw::RouteTable::new(&config.routes)?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("binding {}", opts.listen))?;
    let listen_addr = listener.local_addr()?;
    let listen_url = format!("http://{listen_addr}");

    let wrapper = instances::find_pdeathsig_wrapper();
    match &wrapper {
        Some(w) => {
            tracing::info!(wrapper = %w.display(), "instances run under setpriv --pdeathsig KILL")
        }
        None => tracing::warn!(
            "setpriv not found: instances rely on kill_on_drop and their Runtime API connection to die with the runner"
        ),
    }

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let notify = Arc::new(Notify::new());
    let mut functions = HashMap::new();
    let mut ready_sets = Vec::new();
    let mut slot_tasks = Vec::new();
    for (name, f) in &config.functions {
        let runtime =
            FunctionRuntime::new(name, &config.region, Duration::from_secs(f.timeout_seconds));
        functions.insert(name.clone(), runtime.clone());
        let spec = Arc::new(InstanceSpec {
            function: name.clone(),
            binary: instances::binary_path(&opts.bin_dir, &f.binary),
            memory_mb: f.memory_mb,
            region: config.region.clone(),
            environment: f.environment.clone(),
            pdeathsig_wrapper: wrapper.clone(),
        });
        let slots: Vec<ReadySignal> = (0..f.concurrency)
            .map(|_| ReadySignal::new(notify.clone()))
            .collect();
        let alive = Arc::new(AtomicUsize::new(slots.len()));
        for (i, ready) in slots.iter().enumerate() {
            let (runtime, spec, ready, alive) =
                (runtime.clone(), spec.clone(), ready.clone(), alive.clone());
            let shutdown = shutdown_rx.clone();
            slot_tasks.push(tokio::spawn(async move {
                let gave_up = instances::run_slot(runtime.clone(), spec, i + 1, ready, shutdown).await;
                if gave_up && alive.fetch_sub(1, Ordering::SeqCst) == 1 {
                    tracing::error!(function = %runtime.name(), "!!!!! no instance of this function is running; its invocations will fail !!!!!");
                    runtime.mark_unavailable().await;
                }
            }));
        }
        ready_sets.push(FunctionReadiness {
            name: name.clone(),
            slots,
        });
    }
    let ready_sets = Arc::new(ready_sets);

    // Readiness: log it and write the ready file once.
    {
        let ready_sets = ready_sets.clone();
        let ready_file = opts.ready_file.clone();
        let listen_url = listen_url.clone();
        let notify = notify.clone();
        tokio::spawn(async move {
            while !readiness(&ready_sets).0 {
                notify.notified().await;
            }
            tracing::info!(url = %listen_url, "all function instances are ready");
            if let Some(path) = ready_file
                && let Err(e) = write_atomically(&path, &listen_url).await
            {
                tracing::error!(path = %path.display(), error = %e, "cannot write the ready file");
            }
        });
    }

    let mut sqs_tasks = Vec::new();
    if !config.sqs.is_empty() {
        let client = sqs::client(&config.region).await;
        for mapping in &config.sqs {
            let function = functions[&mapping.function].clone();
            sqs_tasks.push(tokio::spawn(sqs::run_mapping(
                client.clone(),
                mapping.clone(),
                function,
                config.region.clone(),
                shutdown_rx.clone(),
            )));
        }
    }

    let schedule_tasks: Vec<_> = config
        .schedules
        .iter()
        .map(|s| {
            tokio::spawn(schedule::run_schedule(
                s.clone(),
                functions[&s.function].clone(),
                config.region.clone(),
                shutdown_rx.clone(),
            ))
        })
        .collect();

    let health = {
        let ready_sets = ready_sets.clone();
        Arc::new(move || readiness(&ready_sets))
    };
    let invocable = Functions::new(functions.values().cloned());
    let gateway = apigw::ApiGateway::new(routes, invocable.clone(), health);
    // The Invoke API's one route first; every other request is API Gateway's (its fallback).
    let app = lambda_api::router(invocable)
        .merge(gateway.router())
        .into_make_service_with_connect_info::<SocketAddr>();
    let mut http_shutdown = shutdown_rx.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = http_shutdown.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(url = %listen_url, functions = functions.len(), routes = config.routes.len(), mappings = config.sqs.len(), "switchyard-local listening");

    shutdown.await;
    tracing::info!("shutting down");
    shutdown_tx.send_replace(true);
    for t in sqs_tasks.into_iter().chain(schedule_tasks) {
        let _ = t.await;
    }
    let stop_all = async {
        for t in slot_tasks {
            let _ = t.await;
        }
    };
    if tokio::time::timeout(instances::TERM_GRACE + Duration::from_secs(2), stop_all)
        .await
        .is_err()
    {
        tracing::warn!("some instances did not stop in time");
    }
    for f in functions.values() {
        f.mark_unavailable().await;
    }
    match tokio::time::timeout(Duration::from_secs(2), server).await {
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "HTTP server error"),
        Err(_) => tracing::warn!("HTTP connections still open at exit"),
        _ => {}
    }
    Ok(())
}

async fn write_atomically(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    tokio::fs::write(&tmp, content).await?;
    tokio::fs::rename(&tmp, path).await
}
