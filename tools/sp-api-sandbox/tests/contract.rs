//! The `AmazonOrders` contract against the real `SpApiClient` talking to the sandbox, which
//! serves `local/sp-api` in-process on an ephemeral port (no running service needed). The same
//! cases run against the in-memory twin in `shared/amazon/tests/contract.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use sp_api_sandbox::{ListingsPlan, SandboxConfig, ShipmentsPlan, router};
use switchyard_amazon::contract::{Backend, Recorded};
use switchyard_amazon::{LwaCredentials, Secret, SpApiClient, SpApiConfig, TokenBucket};

async fn start(data_dir: PathBuf, rate_per_second: f64, burst: u32) -> SocketAddr {
    let app = router(SandboxConfig {
        data_dir,
        rate_per_second,
        burst,
        listings: ListingsPlan::default(),
        shipments: ShipmentsPlan::default(),
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn client(addr: SocketAddr) -> SpApiClient {
    SpApiClient::new(SpApiConfig::new(
        format!("http://{addr}"),
        format!("http://{addr}/auth/o2/token"),
        LwaCredentials {
            client_id: "amzn1.application-oa2-client.local".into(),
            client_secret: Secret::new("local-secret"),
            refresh_token: Secret::new("Atzr|local"),
        },
    ))
    .unwrap()
}

/// The client with SP-API's usage plan, against a sandbox with SP-API's usage plan.
async fn healthy() -> Backend {
    let addr = start(Recorded::local_sp_api().data_dir, 0.5, 30).await;
    Arc::new(client(addr))
}

/// A sandbox whose one token per operation is already spent and refills in hours, so every
/// call and every retry of the client is answered `429 QuotaExceeded`. The client's own buckets
/// are fast, so its retries take milliseconds instead of SP-API's two seconds each.
async fn throttled() -> Backend {
    let addr = start(Recorded::local_sp_api().data_dir, 0.0001, 1).await;
    let recorded = Recorded::local_sp_api();
    let http = reqwest::Client::new();
    for path in [
        format!("/orders/v0/orders/{}", recorded.unshipped),
        format!("/orders/v0/orders/{}/orderItems", recorded.unshipped),
    ] {
        let status = http
            .get(format!("http://{addr}{path}"))
            .header("x-amz-access-token", "Atza|spend-the-burst")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 200, "spending the burst of {path}");
    }
    let fast = || TokenBucket::new(1000.0, 30).unwrap();
    Arc::new(client(addr).with_rate_limits(fast(), fast()))
}

/// A client pointed at a port nobody listens on any more: connections are refused, as when
/// SP-API (or the network to it) is down.
async fn unavailable() -> Backend {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    Arc::new(client(addr))
}

switchyard_amazon::amazon_orders_contract! {
    recorded: Recorded::local_sp_api(),
    healthy: healthy().await,
    throttled: throttled().await,
    unavailable: unavailable().await,
}

/// The pagination case only means something if the recording really spans pages.
#[tokio::test]
async fn the_paginated_recording_really_spans_three_pages() {
    let recorded = Recorded::local_sp_api();
    let addr = start(recorded.data_dir, 0.5, 30).await;
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut request = http
            .get(format!(
                "http://{addr}/orders/v0/orders/{}/orderItems",
                recorded.paginated
            ))
            .header("x-amz-access-token", "Atza|x");
        if let Some(token) = &next {
            request = request.query(&[("NextToken", token)]);
        }
        let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
        pages.push(body["payload"]["OrderItems"].as_array().unwrap().len());
        next = body["payload"]["NextToken"].as_str().map(String::from);
        if next.is_none() || pages.len() > 10 {
            break;
        }
    }
    assert_eq!(pages, [2, 2, 1]);
}
