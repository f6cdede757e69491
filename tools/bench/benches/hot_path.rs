//! Hot path per order, with criterion: what each way in costs per order in CPU, each against a
//! baseline measured in the same run on the same bytes.
//!
//! - v1 API order: strict JSON read + `parse_order` (validate, canonicalise into an `Order`)
//!   + the payload hash, as `POST /v1/orders` does; baseline: untyped `serde_json` parse.
//! - Shopify order webhook: HMAC verify + read + map; baseline: untyped `serde_json` parse.
//! - X12 850: parse + envelope checks + read + map; baseline: a naive split of the same
//!   interchange into segments and elements.
//! - `GET /v1/inventory` for 100 SKUs from the projection, through the whole handler
//!   (authentication, batched projection read, allocation, body, ETag); baseline:
//!   `GET /v1/orders/{id}` through the same handler, the cheapest authenticated read it serves.
//!
//! Each group holds `ours` and one `baseline: <what>` function; `bench/sections/hot-path.sh`
//! turns criterion's estimates into the bench table's rows.

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use switchyard_bench::{channel, interchange, inventory_api, request, shopify_body, v1_body};
use switchyard_intake::capture::payload_hash;
use switchyard_intake::http::json_body;
use switchyard_model::contract::v1::{CaptureContext, parse_order};
use switchyard_model::{Currency, OrderId, Sku};
use switchyard_webhooks::signature::{sign_shopify, verify_shopify};
use switchyard_webhooks::{MapContext, shopify};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::{OrderContext, parse_interchange, to_order};

const UNTYPED: &str = "baseline: untyped serde_json parse";

fn v1_orders(c: &mut Criterion) {
    for lines in [2, 50] {
        let body = v1_body(lines);
        let mut group = c.benchmark_group(format!(
            "v1 API order, {lines} lines: read + validate + canonicalise + hash"
        ));
        group.bench_function(UNTYPED, |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap())
        });
        group.bench_function("ours", |b| {
            b.iter(|| {
                // What the handler's read_order and submit do with the body, in order.
                let value = json_body(black_box(&body)).unwrap();
                let ctx = CaptureContext {
                    order_id: OrderId::generate(),
                    channel: channel(),
                    default_customer: None,
                };
                let order = parse_order(&value, &ctx).unwrap();
                let hash = payload_hash(&serde_json::to_vec(&value).unwrap());
                (order, hash)
            })
        });
        group.finish();
    }
}

fn shopify_orders(c: &mut Criterion) {
    let secret = b"shopify-app-secret";
    for lines in [2, 50, 250] {
        let body = shopify_body(lines);
        let signature = sign_shopify(secret, &body);
        let mut group =
            c.benchmark_group(format!("Shopify order, {lines} lines: verify + read + map"));
        group.bench_function(UNTYPED, |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap())
        });
        group.bench_function("ours", |b| {
            b.iter(|| {
                verify_shopify(secret, black_box(&body), Some(&signature)).unwrap();
                let ctx = MapContext {
                    order_id: OrderId::generate(),
                    channel: channel(),
                    default_customer: Some("DEMO-SHOP".into()),
                    custom_item_sku: None,
                };
                shopify::read_order(&body, &ctx).unwrap()
            })
        });
        group.finish();
    }
}

fn x12_orders(c: &mut Criterion) {
    let usd = Currency::from_code("USD").unwrap();
    for lines in [3, 50, 500] {
        let x12 = interchange(lines);
        let mut group =
            c.benchmark_group(format!("X12 850, {lines} PO1: parse + check + read + map"));
        group.bench_function("baseline: naive split into segments and elements", |b| {
            b.iter(|| {
                black_box(&x12)
                    .split('~')
                    .map(|s| s.trim().split('*').collect::<Vec<&str>>())
                    .collect::<Vec<_>>()
            })
        });
        group.bench_function("ours", |b| {
            b.iter(|| {
                let ic = parse_interchange(black_box(x12.as_bytes())).unwrap();
                let po = PurchaseOrder::read(&ic.groups[0].transaction_sets[0]).unwrap();
                let mut ctx = OrderContext::new(OrderId::generate(), channel(), usd);
                ctx.default_customer = Some("ACME-001".into());
                to_order(&po, &ctx).unwrap()
            })
        });
        group.finish();
    }
}

fn inventory_reads(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let skus: Vec<Sku> = (0..100)
        .map(|n| Sku::try_from(format!("SKU-{n:05}")).unwrap())
        .collect();
    let api = runtime.block_on(inventory_api(&skus));
    let deadline = SystemTime::now() + Duration::from_secs(24 * 3600);
    let created =
        runtime.block_on(api.handle(&request("POST", "/v1/orders", vec![], v1_body(1)), deadline));
    assert_eq!(created.status, 202, "{}", created.body);
    let id = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let order_read = request("GET", &format!("/v1/orders/{id}"), vec![], vec![]);
    let sku_query: Vec<(String, String)> = skus
        .iter()
        .map(|s| ("sku".to_string(), s.to_string()))
        .collect();
    let mut by_warehouse = sku_query.clone();
    by_warehouse.push(("by".into(), "warehouse".into()));
    for (label, query) in [("", sku_query), (", by=warehouse", by_warehouse)] {
        let inventory = request("GET", "/v1/inventory", query, vec![]);
        let mut group = c.benchmark_group(format!(
            "GET /v1/inventory, 100 SKUs{label}, from the projection (in memory)"
        ));
        let serve = |r| {
            let response = runtime.block_on(api.handle(r, deadline));
            assert_eq!(response.status, 200, "{}", response.body);
            response
        };
        group.bench_function(
            "baseline: GET /v1/orders/{id} through the same handler",
            |b| b.iter(|| serve(black_box(&order_read))),
        );
        group.bench_function("ours", |b| b.iter(|| serve(black_box(&inventory))));
        group.finish();
    }
}

criterion_group!(
    hot_path,
    v1_orders,
    shopify_orders,
    x12_orders,
    inventory_reads
);
criterion_main!(hot_path);
