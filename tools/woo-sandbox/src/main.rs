//! `woo-sandbox`: a WooCommerce REST API v3 stand-in for local runs.
//!
//! ```text
//! woo-sandbox --port 9041 --data local/woocommerce/products.json
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::IsTerminal;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use woo_sandbox::{RateLimit, SeedProduct, WooSandboxConfig, router};

/// A local stand-in for the WooCommerce REST API (products, variations, batches).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (127.0.0.1).
    #[arg(long, env = "WOO_SANDBOX_PORT", default_value_t = 9041)]
    port: u16,
    /// Seed file: a JSON array of products (`sku`, `name`, `stock_quantity`, `type`,
    /// `variations`).
    #[arg(long, env = "WOO_SANDBOX_DATA")]
    data: Option<PathBuf>,
    /// Consumer key clients must present.
    #[arg(
        long,
        env = "WOO_SANDBOX_CONSUMER_KEY",
        default_value = "ck_switchyard_local"
    )]
    consumer_key: String,
    /// Consumer secret clients must present.
    #[arg(
        long,
        env = "WOO_SANDBOX_CONSUMER_SECRET",
        default_value = "cs_switchyard_local",
        hide_env_values = true
    )]
    consumer_secret: String,
    /// API calls allowed per second; more are answered 429 + Retry-After (0: no limit).
    #[arg(long, default_value_t = 0)]
    rate: u32,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("port", &self.port)
            .field("data", &self.data)
            .field("consumer_key", &self.consumer_key)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let args = Args::parse();
    let products: Vec<SeedProduct> = match &args.data {
        None => Vec::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON array of products", path.display()))?
        }
    };
    let mut config = WooSandboxConfig::new(args.consumer_key.clone(), args.consumer_secret.clone());
    config.products = products;
    if args.rate > 0 {
        config.rate_limit = Some(RateLimit {
            limit: args.rate,
            window: Duration::from_secs(1),
        });
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        products = config.products.len(),
        rate = args.rate,
        "woo-sandbox serving /wp-json/wc/v3"
    );
    axum::serve(listener, router(config))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
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
