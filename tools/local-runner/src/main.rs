//! `switchyard-local --config FILE --listen 127.0.0.1:PORT --bin-dir DIR [--ready-file PATH]`
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use switchyard_local::{Config, Options};

/// Plays AWS locally: Lambda Runtime API, API Gateway HTTP API v2 and SQS event source mappings.
#[derive(Debug, Parser)]
#[command(name = "switchyard-local", version)]
struct Args {
    /// Runner config JSON (`terraform output -json runner_config`).
    #[arg(long, env = "SWITCHYARD_LOCAL_CONFIG")]
    config: PathBuf,
    /// Address for the API Gateway listener.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory holding the function binaries.
    #[arg(long)]
    bin_dir: PathBuf,
    /// Written with the listen URL once every function instance is ready.
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        _ = term.recv() => tracing::info!("SIGTERM received"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHYARD_LOCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stdout)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let args = Args::parse();
    let config = Config::load(&args.config)?;
    let bin_dir = args
        .bin_dir
        .canonicalize()
        .with_context(|| format!("--bin-dir {}", args.bin_dir.display()))?;
    let options = Options {
        config,
        listen: args.listen,
        bin_dir,
        ready_file: args.ready_file,
    };
    switchyard_local::run(options, shutdown_signal()).await
}
