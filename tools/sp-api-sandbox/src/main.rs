//! `sp-api-sandbox`: serves recorded SP-API responses in place of Amazon.
//!
//! ```text
//! sp-api-sandbox --listen 127.0.0.1:9021 --data local/sp-api
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use sp_api_sandbox::{ListingsPlan, SandboxConfig, ShipmentsPlan, router};
use tracing_subscriber::EnvFilter;

/// A local stand-in for Amazon's SP-API Orders endpoints.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SP_API_SANDBOX_LISTEN", default_value = "127.0.0.1:9021")]
    listen: SocketAddr,
    /// Directory of recorded responses (holding `orders/`).
    #[arg(long, env = "SP_API_SANDBOX_DATA", default_value = "local/sp-api")]
    data: PathBuf,
    /// Requests per second allowed per operation (SP-API's Orders v0: 0.5).
    #[arg(long, default_value_t = 0.5)]
    rate: f64,
    /// Burst allowed per operation (SP-API's Orders v0: 30).
    #[arg(long, default_value_t = 30)]
    burst: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        // Colour only for a person watching; log files and CI output stay plain.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let args = Args::parse();
    if !args.data.join("orders").is_dir() {
        bail!("{} has no orders/ directory", args.data.display());
    }
    let app = router(SandboxConfig {
        data_dir: args.data.clone(),
        rate_per_second: args.rate,
        burst: args.burst,
        listings: ListingsPlan::default(),
        shipments: ShipmentsPlan::default(),
    })?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        data = %args.data.display(),
        rate = args.rate,
        burst = args.burst,
        "sp-api-sandbox serving"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (how containers are stopped).
async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: never resolve, rather than stop at once.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
