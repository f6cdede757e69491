//! `make bench` (`cargo run --release -p switchyard-bench`): what one connector delivery costs in CPU, against a baseline
//! measured in the same run — the least any reader must do with the same bytes (split an
//! interchange into segments and elements; parse a webhook body as untyped JSON).
//!
//! Prints a table: ns per delivery and the ratio to its baseline. Then [`reads`]: the p50/p99 of
//! the channel read API's `GET /v1/inventory` against `GET /v1/orders/{id}`, in the same run.

#![forbid(unsafe_code)]

mod reads;

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchyard_model::{ChannelName, Currency, OrderId};
use switchyard_webhooks::signature::{sign_shopify, verify_shopify};
use switchyard_webhooks::{MapContext, shopify};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::{OrderContext, parse_interchange, to_order};

/// Median nanoseconds per call of `f` over several timed rounds.
fn measure(mut f: impl FnMut()) -> f64 {
    // Size a round to ~20 ms.
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        if start.elapsed() > Duration::from_millis(20) {
            break;
        }
        n *= 2;
    }
    let mut rounds: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    rounds.sort_by(|a, b| a.total_cmp(b));
    rounds[rounds.len() / 2]
}

fn interchange(lines: usize) -> String {
    let mut body = vec![
        "BEG*00*SA*PO-4471**20261127".to_string(),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
    ];
    for i in 1..=lines {
        body.push(format!("PO1*{i}*{i}*EA*9.25**VN*WIDGET-S*UP*012345678905"));
        body.push("PID*F****Widget, small".into());
    }
    body.push(format!("CTT*{lines}"));
    format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*000000101*0*P*>~\n\
         GS*PO*ACMEBUYER*SWITCHYARD*20261127*1030*101*X*004010~\nST*850*0001~\n{}~\nSE*{}*0001~\nGE*1*101~\nIEA*1*000000101~\n",
        body.join("~\n"),
        body.len() + 2
    )
}

fn shopify_body(lines: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..lines)
        .map(|i| {
            serde_json::json!({"id": i, "sku": "WIDGET-S", "quantity": 2, "price": "9.25",
            "total_discount": "0.00", "variant_id": null, "title": "Widget"})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "id": 5_678_901_234_567_890_123u64, "name": "#1001", "currency": "USD",
        "email": "jane@example.com", "customer": {"first_name": "Jane", "last_name": "Doe"},
        "shipping_address": {"name": "Jane Doe", "address1": "1 Main St", "city": "Solon",
            "province_code": "OH", "zip": "44139", "country_code": "US"},
        "line_items": items
    }))
    .unwrap()
}

fn main() {
    let channel = ChannelName::try_from("bench").unwrap();
    let usd = Currency::from_code("USD").unwrap();
    println!(
        "{:<44} {:>12} {:>12} {:>8}",
        "delivery", "baseline ns", "ours ns", "ratio"
    );
    for lines in [3, 50, 500] {
        let x12 = interchange(lines);
        let baseline = measure(|| {
            let segments: Vec<Vec<&str>> = x12
                .split('~')
                .map(|s| s.trim().split('*').collect())
                .collect();
            black_box(segments);
        });
        let ours = measure(|| {
            let ic = parse_interchange(black_box(x12.as_bytes())).unwrap();
            let po = PurchaseOrder::read(&ic.groups[0].transaction_sets[0]).unwrap();
            let mut ctx = OrderContext::new(OrderId::generate(), channel.clone(), usd);
            ctx.default_customer = Some("ACME-001".into());
            black_box(to_order(&po, &ctx).unwrap());
        });
        println!(
            "{:<44} {:>12.0} {:>12.0} {:>7.1}x",
            format!("X12 850, {lines} PO1: parse+check+read+map"),
            baseline,
            ours,
            ours / baseline
        );
    }
    let secret = b"shopify-app-secret";
    for lines in [2, 50, 250] {
        let body = shopify_body(lines);
        let signature = sign_shopify(secret, &body);
        let baseline = measure(|| {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).unwrap());
        });
        let ours = measure(|| {
            verify_shopify(secret, black_box(&body), Some(&signature)).unwrap();
            let ctx = MapContext {
                order_id: OrderId::generate(),
                channel: channel.clone(),
                default_customer: Some("DEMO-SHOP".into()),
                custom_item_sku: None,
            };
            black_box(shopify::read_order(&body, &ctx).unwrap());
        });
        println!(
            "{:<44} {:>12.0} {:>12.0} {:>7.1}x",
            format!("Shopify order, {lines} lines: verify+map"),
            baseline,
            ours,
            ours / baseline
        );
    }
    reads::run();
}
