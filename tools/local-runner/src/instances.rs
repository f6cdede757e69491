//! Function instances: one OS process per instance, each with its own Runtime API listener.
//!
//! A slot keeps one instance alive: it restarts the process after a crash (with backoff,
//! giving up after repeated init failures), kills it when an invocation times out, and
//! terminates it (TERM, then KILL after 3 s) on shutdown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::runtime_api::{FunctionRuntime, ReadySignal};

/// Consecutive init failures after which a slot gives up.
pub const MAX_INIT_FAILURES: u32 = 5;

/// How long instances get between SIGTERM and SIGKILL on shutdown.
pub const TERM_GRACE: Duration = Duration::from_secs(3);

/// Everything needed to start instances of one function.
#[derive(Debug, Clone)]
pub struct InstanceSpec {
    /// Function name.
    pub function: String,
    /// Path to the executable.
    pub binary: PathBuf,
    /// Reported memory size.
    pub memory_mb: u64,
    /// AWS region.
    pub region: String,
    /// The function's own environment (added on top of the runner's).
    pub environment: BTreeMap<String, String>,
    /// Wrap the binary in `setpriv --pdeathsig KILL` so it dies with the runner.
    pub pdeathsig_wrapper: Option<PathBuf>,
}

/// Finds `setpriv` (util-linux): running instances through `setpriv --pdeathsig KILL` makes the
/// kernel kill them when the runner dies, even by SIGKILL, without any `unsafe` here.
pub fn find_pdeathsig_wrapper() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("setpriv"))
        .find(|p| p.is_file())
}

impl InstanceSpec {
    /// The environment for one instance, on top of the inherited runner environment.
    pub fn env(&self, runtime_api: &str, instance_id: &str) -> BTreeMap<String, String> {
        let mut env = self.environment.clone();
        let date = chrono::Utc::now().format("%Y/%m/%d");
        let fixed = [
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
            ("AWS_LAMBDA_FUNCTION_NAME", self.function.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                self.memory_mb.to_string(),
            ),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", self.function),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("{date}/[$LATEST]{instance_id}"),
            ),
            ("_HANDLER", "bootstrap".to_owned()),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_rust".to_owned()),
        ];
        for (k, v) in fixed {
            env.insert(k.to_owned(), v);
        }
        for key in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if !env.contains_key(key) && std::env::var_os(key).is_none() {
                env.insert(key.to_owned(), self.region.clone());
            }
        }
        env
    }

    fn command(&self, env: &BTreeMap<String, String>) -> Command {
        let mut cmd = match &self.pdeathsig_wrapper {
            Some(wrapper) => {
                let mut c = Command::new(wrapper);
                c.arg("--pdeathsig").arg("KILL").arg("--").arg(&self.binary);
                c
            }
            None => Command::new(&self.binary),
        };
        cmd.envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }
}

enum Ended {
    Exited(std::io::Result<ExitStatus>),
    TimedOut,
    Shutdown,
}

/// Runs slot `slot` (1-based) of a function until shutdown or until it gives up.
/// Returns `true` if it gave up.
pub async fn run_slot(
    runtime: Arc<FunctionRuntime>,
    spec: Arc<InstanceSpec>,
    slot: usize,
    ready: ReadySignal,
    mut shutdown: watch::Receiver<bool>,
) -> bool {
    let label = format!("{}#{slot}", spec.function);
    let mut init_failures = 0u32;
    let mut incarnation = 0u32;
    loop {
        if *shutdown.borrow() {
            return false;
        }
        incarnation += 1;
        let endpoint = match runtime.start_instance(&label, Some(ready.clone())).await {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(instance = %label, error = %e, "cannot bind a Runtime API listener");
                if backoff_or_give_up(&label, &mut init_failures, &mut shutdown).await {
                    return true;
                }
                continue;
            }
        };
        let instance_id = format!("{:032x}", ulid::Ulid::new().0);
        let env = spec.env(&endpoint.runtime_api(), &instance_id);
        let mut child = match spec.command(&env).spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(instance = %label, binary = %spec.binary.display(), error = %e, "cannot start instance");
                drop(endpoint);
                if backoff_or_give_up(&label, &mut init_failures, &mut shutdown).await {
                    return true;
                }
                continue;
            }
        };
        tracing::info!(
            instance = %label, pid = child.id().unwrap_or(0), incarnation,
            runtime_api = %endpoint.runtime_api(), "instance started"
        );
        forward_output(&label, &mut child);

        let ended = tokio::select! {
            status = child.wait() => Ended::Exited(status),
            () = endpoint.timed_out() => Ended::TimedOut,
            _ = shutdown.wait_for(|s| *s) => Ended::Shutdown,
        };
        match ended {
            Ended::Shutdown => {
                terminate(&label, &mut child).await;
                endpoint.close();
                return false;
            }
            Ended::TimedOut => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                endpoint.close();
                tracing::warn!(instance = %label, "instance killed after an invocation timed out; starting a new one");
                init_failures = 0;
            }
            Ended::Exited(status) => {
                let polled = endpoint.has_polled();
                let init_error = endpoint.init_error();
                endpoint.close();
                let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
                if polled && init_error.is_none() {
                    tracing::error!(instance = %label, %status, "instance exited; restarting");
                    init_failures = 0;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                } else {
                    tracing::error!(
                        instance = %label, %status, init_error = init_error.as_deref().unwrap_or("-"),
                        "instance exited during init"
                    );
                    if backoff_or_give_up(&label, &mut init_failures, &mut shutdown).await {
                        return true;
                    }
                }
            }
        }
    }
}

/// Counts an init failure and sleeps with exponential backoff; `true` means give up.
async fn backoff_or_give_up(
    label: &str,
    failures: &mut u32,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    *failures += 1;
    if *failures >= MAX_INIT_FAILURES {
        tracing::error!(
            instance = %label,
            "!!!!! GIVING UP on {label} after {MAX_INIT_FAILURES} consecutive init failures — this instance will not run !!!!!"
        );
        return true;
    }
    let delay = Duration::from_millis(200 * (1 << (*failures - 1)));
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        _ = shutdown.wait_for(|s| *s) => {}
    }
    false
}

/// SIGTERM (through `kill(1)`, since this crate forbids `unsafe`), then SIGKILL after the grace.
async fn terminate(label: &str, child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
    }
    match tokio::time::timeout(TERM_GRACE, child.wait()).await {
        Ok(_) => tracing::info!(instance = %label, "instance stopped"),
        Err(_) => {
            tracing::warn!(instance = %label, "instance ignored SIGTERM; killing");
            let _ = child.kill().await;
        }
    }
}

fn forward_output(label: &str, child: &mut Child) {
    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward_lines(format!("[{label}] "), out));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward_lines(format!("[{label}] "), err));
    }
}

async fn forward_lines(prefix: String, stream: impl AsyncRead + Unpin) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                use std::io::Write as _;
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']);
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{prefix}{line}");
            }
        }
    }
}

/// Path of a function binary inside the binary directory.
pub fn binary_path(bin_dir: &Path, binary: &str) -> PathBuf {
    bin_dir.join(binary)
}
