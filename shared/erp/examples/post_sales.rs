//! Posts N distinct sales into a Tryton with C concurrent clients through the production
//! adapter ([`TrytonClient`]), the way the order-processor does (`find_sale`, then
//! `create_sale`, then `confirm_sale`), and prints one JSON object on stdout: the ERP's own
//! posting rate, latency per sale, and JSON-RPC requests per sale.
//!
//! ```text
//! SWITCHYARD_ERP_URL=… SWITCHYARD_ERP_DB=… SWITCHYARD_ERP_USER=… SWITCHYARD_ERP_PASSWORD=… \
//!   cargo run -p switchyard-erp --example post_sales -- --sales 200 --clients 8 [--run-id ID]
//! ```
//!
//! Each client is its own [`TrytonClient`] (its own session and connections), as each Lambda
//! instance of the order-processor is, and posts one sale at a time. Clients log in before the
//! clock starts, so the numbers are the steady state. Used by `bench/sections/erp-posting.sh`.
//! Exits non-zero when any sale failed, naming the first failure on stderr.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use switchyard_erp::{SaleLine, SaleRequest, SalesOrders, TrytonClient, TrytonConfig};

/// The demo ERP's products (local/tryton/demo_data.py), 500 units each: a run of a few hundred
/// sales of one or two units never runs short, so no stock warning changes the calls made.
const SKUS: [(&str, i64); 3] = [("WIDGET-S", 925), ("WIDGET-M", 1450), ("WIDGET-L", 1999)];

struct Args {
    sales: usize,
    clients: usize,
    run_id: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        sales: 10,
        clients: 2,
        // Distinct per run, so a second run against the same database creates new sales.
        run_id: format!(
            "{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        ),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--sales" => args.sales = value()?.parse().map_err(|e| format!("--sales: {e}"))?,
            "--clients" => {
                args.clients = value()?.parse().map_err(|e| format!("--clients: {e}"))?;
            }
            "--run-id" => args.run_id = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.sales == 0 || args.clients == 0 {
        return Err("--sales and --clients must be positive".into());
    }
    Ok(args)
}

/// The sale for index `i`: a distinct reference, one or two lines, DEMO-SHOP's default
/// addresses (what an API order without ship-to becomes).
fn sale_request(run_id: &str, i: usize) -> SaleRequest {
    let line = |k: usize| {
        let (sku, cents) = SKUS[k % SKUS.len()];
        SaleLine {
            sku: sku.into(),
            quantity: Decimal::ONE,
            unit_price: Decimal::new(cents, 2),
            uom: "EA".into(),
        }
    };
    let mut lines = vec![line(i)];
    if i % 2 == 1 {
        lines.push(line(i + 1));
    }
    SaleRequest {
        reference: format!("bench-{run_id}:PO-{i}"),
        order_id: format!("bench-{run_id}-{i}"),
        customer_account: "DEMO-SHOP".into(),
        currency: "USD".into(),
        ship_to: None,
        bill_to: None,
        lines,
        requested_ship_date: None,
        notes: None,
    }
}

/// One posting, as the order-processor does it: search first, create only when absent, confirm.
async fn post(client: &TrytonClient, request: &SaleRequest) -> Result<(), String> {
    let sale = match client
        .find_sale(&request.reference)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(sale) => sale,
        None => client
            .create_sale(request)
            .await
            .map_err(|e| e.to_string())?,
    };
    let sale = client
        .confirm_sale(sale.id)
        .await
        .map_err(|e| e.to_string())?;
    if sale.state.is_confirmed() {
        Ok(())
    } else {
        Err(format!("sale {} ended in state {}", sale.id, sale.state))
    }
}

/// The value at quantile `q` (0..=1) of sorted durations, by nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

#[tokio::main]
async fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("post_sales: {e}");
        eprintln!("usage: post_sales [--sales N] [--clients C] [--run-id ID]");
        std::process::exit(2);
    });
    let config = TrytonConfig::from_env().unwrap_or_else(|e| {
        eprintln!("post_sales: {e}");
        std::process::exit(2);
    });

    // Log every client in before the clock starts (a search that finds nothing).
    let mut clients = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        let client = TrytonClient::new(config.clone());
        if let Err(e) = client
            .find_sale(&format!("bench-{}:warm-up", args.run_id))
            .await
        {
            eprintln!("post_sales: cannot reach Tryton at {}: {e}", config.url);
            std::process::exit(1);
        }
        clients.push(Arc::new(client));
    }

    let next = Arc::new(AtomicUsize::new(0));
    let run_id: Arc<str> = args.run_id.clone().into();
    let started = Instant::now();
    let mut workers = Vec::with_capacity(args.clients);
    for client in clients {
        let (next, run_id, total) = (next.clone(), run_id.clone(), args.sales);
        workers.push(tokio::spawn(async move {
            // (latency, JSON-RPC requests) per sale posted, and the failures.
            let mut done = Vec::new();
            let mut failures = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let request = sale_request(&run_id, i);
                let (t0, rpc0) = (Instant::now(), client.rpc_count());
                match post(&client, &request).await {
                    Ok(()) => done.push((t0.elapsed(), client.rpc_count() - rpc0)),
                    Err(e) => failures.push(format!("{}: {e}", request.reference)),
                }
            }
            (done, failures)
        }));
    }
    let mut latencies = Vec::with_capacity(args.sales);
    let mut rpcs = 0u64;
    let mut failures = Vec::new();
    for worker in workers {
        let (done, failed) = worker.await.expect("a posting worker panicked");
        for (latency, calls) in done {
            latencies.push(latency);
            rpcs += calls;
        }
        failures.extend(failed);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let posted = latencies.len();
    let summary = serde_json::json!({
        "sales": args.sales,
        "posted": posted,
        "failed": failures.len(),
        "clients": args.clients,
        "elapsed_s": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "sales_per_s": if posted == 0 { 0.0 } else {
            (posted as f64 / elapsed.as_secs_f64() * 100.0).round() / 100.0
        },
        "p50_ms": millis(quantile(&latencies, 0.50)),
        "p99_ms": millis(quantile(&latencies, 0.99)),
        "erp_rpc_per_sale": if posted == 0 { 0.0 } else {
            (rpcs as f64 / posted as f64 * 100.0).round() / 100.0
        },
    });
    println!("{summary}");
    if let Some(first) = failures.first() {
        eprintln!(
            "post_sales: {} of {} sales failed; first: {first}",
            failures.len(),
            args.sales
        );
        std::process::exit(1);
    }
}
