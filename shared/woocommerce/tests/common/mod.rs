//! The woo-sandbox in-process on 127.0.0.1:0 and the real client against it, with the sandbox's
//! `/_sandbox` routes as the contract's probe.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use switchyard_inventory::contract::ChannelUnderTest;
use switchyard_woocommerce::{
    ChannelLevel, ChannelStock, ConsumerSecret, LevelOutcome, PushError, WooConfig, WooInventory,
};
use woo_sandbox::{WooSandboxConfig, router};

pub const KEY: &str = "ck_test";
pub const SECRET: &str = "cs_test_secret";

/// Starts a sandbox; returns its address.
pub async fn start(config: WooSandboxConfig) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(config)).await });
    addr
}

pub fn sandbox_config() -> WooSandboxConfig {
    WooSandboxConfig::new(KEY, SECRET)
}

/// Client settings for `addr`, with short waits so throttling tests take milliseconds.
pub fn client_config(addr: SocketAddr) -> WooConfig {
    let mut config = WooConfig::new(format!("http://{addr}"), KEY, ConsumerSecret::new(SECRET));
    config.timeout = Duration::from_secs(5);
    config.max_retry_after = Duration::from_millis(300);
    config
}

/// A store and the client pointed at it.
pub struct Woo {
    pub addr: SocketAddr,
    pub client: WooInventory,
    http: reqwest::Client,
    /// `list` creates variations (of one variable product per SKU prefix) instead of simple
    /// products.
    variations: bool,
}

impl Woo {
    pub async fn with(config: WooSandboxConfig, variations: bool) -> Self {
        let addr = start(config).await;
        Self::at(
            addr,
            WooInventory::new(client_config(addr)).unwrap(),
            variations,
        )
    }

    pub fn at(addr: SocketAddr, client: WooInventory, variations: bool) -> Self {
        Woo {
            addr,
            client,
            http: reqwest::Client::new(),
            variations,
        }
    }

    pub async fn simple() -> Self {
        Self::with(sandbox_config(), false).await
    }

    pub async fn variations() -> Self {
        Self::with(sandbox_config(), true).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Creates a product (or, with `parent`, a variation of that variable product).
    pub async fn create(&self, sku: &str, quantity: i64, parent: Option<&str>) -> Value {
        let response = self
            .http
            .post(self.url("/_sandbox/products"))
            .json(&json!({"sku": sku, "stock_quantity": quantity, "parent_sku": parent}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "creating {sku}");
        response.json().await.unwrap()
    }

    pub async fn delete(&self, sku: &str) {
        let status = self
            .http
            .delete(self.url(&format!("/_sandbox/products/{sku}")))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204, "deleting {sku}");
    }

    pub async fn fail_next(&self, count: usize, status: u16) {
        let response = self
            .http
            .post(self.url("/_sandbox/faults"))
            .json(&json!({"count": count, "status": status}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }

    pub async fn calls(&self) -> Vec<Value> {
        self.http
            .get(self.url("/_sandbox/calls"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

pub fn level(sku: &str, quantity: i64) -> ChannelLevel {
    ChannelLevel {
        sku: sku.to_string(),
        quantity,
        idempotency_key: format!("{sku}:{quantity}"),
    }
}

pub fn run() -> String {
    ulid::Ulid::new().to_string()
}

#[async_trait::async_trait]
impl ChannelStock for Woo {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        self.client.set_levels(levels).await
    }
}

#[async_trait::async_trait]
impl ChannelUnderTest for Woo {
    async fn list(&self, sku: &str, quantity: i64) {
        let parent = self.variations.then(|| {
            format!(
                "{}-PARENT",
                sku.rsplit_once('-').map_or(sku, |(run, _)| run)
            )
        });
        self.create(sku, quantity, parent.as_deref()).await;
    }

    async fn shown(&self, sku: &str) -> Option<i64> {
        let response = self
            .http
            .get(self.url(&format!("/_sandbox/stock/{sku}")))
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 404 {
            return None;
        }
        let body: Value = response.json().await.unwrap();
        body["stock_quantity"].as_i64()
    }

    async fn change_behind_our_back(&self, sku: &str, quantity: i64) {
        let status = self
            .http
            .put(self.url(&format!("/_sandbox/stock/{sku}")))
            .json(&json!({"stock_quantity": quantity}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204, "changing {sku}");
    }
}
