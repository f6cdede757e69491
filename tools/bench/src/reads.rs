//! The channel read API's latency: `GET /v1/inventory` for 100 SKUs through the whole handler
//! (authentication, parameters, the batched projection read, allocation, the body and its ETag)
//! over the in-memory projection store, against `GET /v1/orders/{id}` through the same handler
//! and twins in the same run — the cheapest authenticated read the API already serves.
//!
//! Calls are interleaved (baseline, ours, baseline, …) so both see the same machine, and each
//! is timed on its own so the table shows p50 and p99 rather than an average.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use orders_api::{OrdersApi, Ports, Settings};
use rust_decimal::Decimal;
use switchyard_channels::{
    Allocation, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, hash_api_key,
};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, Intake};
use switchyard_inventory::stock::project_stock;
use switchyard_model::catalog_events::{InventoryChanged, WarehouseLevel};
use switchyard_model::{ChannelName, Sku};
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue};
use switchyard_projections::InMemoryProjectionStore;
use switchyard_throttle::InMemoryRateLimiter;

const KEY: &str = "sy_bench_key";
const SAMPLES: usize = 10_000;

fn request(method: &str, path: &str, query: Vec<(String, String)>, body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        path: path.into(),
        headers: vec![
            ("x-api-key".into(), KEY.into()),
            ("content-type".into(), "application/json".into()),
            ("idempotency-key".into(), "bench-1".into()),
        ],
        body,
        host: None,
        query,
    }
}

async fn api(skus: &[Sku]) -> OrdersApi {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let channel = Channel {
        default_customer: Some("BENCH".into()),
        allocation: Some(Allocation::new(80.into(), 5.into(), Some(1000.into())).unwrap()),
        ..Channel::new(
            ChannelName::try_from("bench").unwrap(),
            ChannelKind::Api,
            Utc::now(),
        )
    };
    channels.put(&channel).await.unwrap();
    channels
        .add_api_key(&channel.name, &hash_api_key(KEY))
        .await
        .unwrap();
    let projections = Arc::new(InMemoryProjectionStore::new());
    for (n, sku) in skus.iter().enumerate() {
        let warehouses: Vec<WarehouseLevel> = ["WH-EAST", "WH-WEST", "WH-SOUTH"]
            .iter()
            .map(|w| WarehouseLevel {
                warehouse: w.to_string(),
                on_hand: Decimal::from(100 + n),
                available: Decimal::from(90 + n),
                as_of: Utc::now(),
            })
            .collect();
        let level = InventoryChanged {
            sku: sku.clone(),
            on_hand: warehouses.iter().map(|w| w.on_hand).sum(),
            available: warehouses.iter().map(|w| w.available).sum(),
            warehouses,
            unit: "u".into(),
            whole_units: true,
            as_of: Utc::now(),
            erp_version: 1,
            observed_at: chrono::Utc::now(),
        };
        project_stock(projections.as_ref(), &level).await.unwrap();
    }
    OrdersApi::new(
        Ports {
            channels,
            intake: Intake::new(
                Arc::new(InMemoryOrderStore::new()),
                Arc::new(InMemoryIdempotencyStore::new()),
                Arc::new(InMemoryQueue::new()),
            ),
            limiter: Arc::new(InMemoryRateLimiter::default()),
            projections,
        },
        Settings::default(),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_nanos() as f64 / 1000.0
}

/// Prints one table row per read: p50 and p99 in µs, and their ratio to the baseline's.
pub fn run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let skus: Vec<Sku> = (0..100)
        .map(|n| Sku::try_from(format!("SKU-{n:05}")).unwrap())
        .collect();
    let api = runtime.block_on(api(&skus));
    let deadline = SystemTime::now() + Duration::from_secs(3600);
    let order = serde_json::json!({"external_id": "PO-BENCH",
        "customer": {"name": "Bench"}, "currency": "USD",
        "ship_to": {"line1": "1 Main St", "city": "Solon", "country": "US"},
        "lines": [{"sku": "SKU-00001", "quantity": 2, "unit_price": "9.25"}]});
    let created = runtime.block_on(api.handle(
        &request("POST", "/v1/orders", vec![], order.to_string().into_bytes()),
        deadline,
    ));
    assert_eq!(created.status, 202, "{}", created.body);
    let id = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let baseline = request("GET", &format!("/v1/orders/{id}"), vec![], vec![]);
    let sku_query: Vec<(String, String)> = skus
        .iter()
        .map(|s| ("sku".to_string(), s.to_string()))
        .collect();
    let mut split_query = sku_query.clone();
    split_query.push(("by".into(), "warehouse".into()));
    let reads = [
        (
            "GET /v1/inventory, 100 SKUs",
            request("GET", "/v1/inventory", sku_query, vec![]),
        ),
        (
            "GET /v1/inventory, 100 SKUs, by=warehouse",
            request("GET", "/v1/inventory", split_query, vec![]),
        ),
    ];

    println!();
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7}",
        "read (in-memory projections)",
        "base p50",
        "base p99",
        "ours p50",
        "ours p99",
        "p50 x",
        "p99 x"
    );
    for (label, ours) in &reads {
        let time = |r: &HttpRequest| {
            let start = Instant::now();
            let response = runtime.block_on(api.handle(r, deadline));
            let elapsed = start.elapsed();
            assert_eq!(response.status, 200, "{}", response.body);
            std::hint::black_box(response);
            elapsed
        };
        for _ in 0..SAMPLES / 10 {
            time(&baseline);
            time(ours);
        }
        let (mut base, mut mine) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
        for _ in 0..SAMPLES {
            base.push(time(&baseline));
            mine.push(time(ours));
        }
        base.sort();
        mine.sort();
        let (b50, b99, o50, o99) = (
            percentile(&base, 0.5),
            percentile(&base, 0.99),
            percentile(&mine, 0.5),
            percentile(&mine, 0.99),
        );
        println!(
            "{:<44} {:>8.1}µs {:>8.1}µs {:>8.1}µs {:>8.1}µs {:>6.1}x {:>6.1}x",
            label,
            b50,
            b99,
            o50,
            o99,
            o50 / b50,
            o99 / b99
        );
    }
}
