//! `shopify-sandbox`: serves the Shopify GraphQL Admin API subset the inventory pusher calls.
//!
//! ```text
//! shopify-sandbox --port 9041 --data local/shopify/products.json
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::IsTerminal;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use shopify_sandbox::{SandboxConfig, router};
use tracing_subscriber::EnvFilter;

/// A local stand-in for Shopify's GraphQL Admin API (inventory).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (127.0.0.1).
    #[arg(long, env = "SHOPIFY_SANDBOX_PORT", default_value_t = 9041)]
    port: u16,
    /// Products to seed the shop with (`[{"sku","quantity","title"?}]`).
    #[arg(long, env = "SHOPIFY_SANDBOX_DATA")]
    data: Option<PathBuf>,
    /// The Admin API access token the shop accepts.
    #[arg(
        long,
        env = "SHOPIFY_SANDBOX_TOKEN",
        default_value = "shpat_local_sandbox"
    )]
    token: String,
    /// Points the cost bucket holds.
    #[arg(long, default_value_t = 1000.0)]
    bucket: f64,
    /// Points restored per second (Shopify Standard: 100).
    #[arg(long, default_value_t = 100.0)]
    restore_rate: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        // Colour only for a person watching; log files and CI output stay plain.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let args = Args::parse();
    let mut config = SandboxConfig::new(args.token);
    config.bucket_size = args.bucket;
    config.restore_rate = args.restore_rate;
    if let Some(data) = &args.data {
        config = config
            .with_seed_file(data)
            .with_context(|| format!("cannot read products from {}", data.display()))?;
    }
    let products = config.products.len();
    let app = router(config)?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(listen = %listener.local_addr()?, products, "shopify-sandbox serving");
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
