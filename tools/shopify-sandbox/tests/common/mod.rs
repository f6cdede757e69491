//! Starting a sandbox in-process and driving its `/_sandbox` routes.
#![allow(dead_code)]

use std::net::SocketAddr;

use serde_json::{Value, json};
use shopify_sandbox::{DEMO_LOCATION_ID, SandboxConfig, router};
use switchyard_shopify::{AccessToken, ShopifyConfig, ShopifyInventory};

pub const TOKEN: &str = "shpat_test_token_0123456789";

/// A sandbox on an ephemeral port with this bucket.
pub async fn start(bucket_size: f64, restore_rate: f64) -> SocketAddr {
    let mut config = SandboxConfig::new(TOKEN);
    config.bucket_size = bucket_size;
    config.restore_rate = restore_rate;
    let app = router(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

pub fn client_with(addr: SocketAddr, token: &str, version: &str) -> ShopifyInventory {
    let mut config = ShopifyConfig::new(
        format!("http://{addr}"),
        AccessToken::new(token),
        DEMO_LOCATION_ID,
    );
    config.api_version = version.into();
    ShopifyInventory::new(config).unwrap()
}

pub fn client(addr: SocketAddr) -> ShopifyInventory {
    client_with(addr, TOKEN, "2026-04")
}

/// The sandbox's admin side.
#[derive(Clone)]
pub struct Admin {
    pub base: String,
    pub http: reqwest::Client,
}

impl Admin {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
        }
    }

    pub async fn list(&self, sku: &str, quantity: i64) {
        let status = self
            .http
            .post(format!("{}/_sandbox/products", self.base))
            .json(&json!({ "sku": sku, "quantity": quantity }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 201, "listing {sku}");
    }

    pub async fn shown(&self, sku: &str) -> Option<i64> {
        let response = self
            .http
            .get(format!("{}/_sandbox/inventory/{sku}", self.base))
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 404 {
            return None;
        }
        let body: Value = response.json().await.unwrap();
        body["available"].as_i64()
    }

    pub async fn set(&self, sku: &str, quantity: i64) {
        let status = self
            .http
            .put(format!("{}/_sandbox/inventory/{sku}", self.base))
            .json(&json!({ "available": quantity }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 200, "setting {sku}");
    }

    pub async fn item_id(&self, sku: &str) -> String {
        let body: Value = self
            .http
            .get(format!("{}/_sandbox/inventory/{sku}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["inventory_item_id"].as_str().unwrap().to_string()
    }

    pub async fn faults(&self, count: usize) {
        let status = self
            .http
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&json!({ "count": count }))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success());
    }

    pub async fn race(&self, sku: &str, available: i64) {
        let status = self
            .http
            .post(format!("{}/_sandbox/race", self.base))
            .json(&json!({ "sku": sku, "available": available }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204);
    }

    pub async fn race_times(&self, sku: &str, available: i64, times: u32) {
        let status = self
            .http
            .post(format!("{}/_sandbox/race", self.base))
            .json(&json!({ "sku": sku, "available": available, "times": times }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204);
    }

    pub async fn calls(&self) -> Vec<Value> {
        let body: Value = self
            .http
            .get(format!("{}/_sandbox/calls", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["calls"].as_array().unwrap().clone()
    }

    /// Calls `/admin/api/{version}/graphql.json` directly; returns the status and the body.
    pub async fn graphql(
        &self,
        version: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/admin/api/{version}/graphql.json", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.header("X-Shopify-Access-Token", token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql("2026-04", Some(TOKEN), query, variables).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}
