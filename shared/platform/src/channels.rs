//! Sales channels and their API keys.
//!
//! An API key is shown once, when it is issued; only its SHA-256 is stored. Keys are 256 random
//! bits, so a fast hash is enough (there is nothing to brute-force, unlike a password).

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use switchyard_model::ChannelName;

use crate::ServiceError;

/// How a channel talks to Switchyard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// Calls the canonical HTTP API.
    Api,
    /// Shopify webhooks.
    Shopify,
    /// WooCommerce webhooks.
    Woocommerce,
    /// Standard Webhooks partner portal.
    StandardWebhooks,
    /// X12 EDI trading partner.
    X12,
    /// Amazon SP-API notifications.
    AmazonSpApi,
}

impl std::str::FromStr for ChannelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            format!("unknown channel kind {s:?}: use api, shopify, woocommerce, standard-webhooks, x12 or amazon-sp-api")
        })
    }
}

/// A channel's configuration record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Unique name (`demo-shop`).
    pub name: ChannelName,
    /// How it connects.
    pub kind: ChannelKind,
    /// ERP customer used when an order names none.
    pub default_customer: Option<String>,
    /// Requests per second the channel may make (informational until throttling lands).
    pub rate_limit_per_second: Option<u32>,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
}

/// A freshly issued API key: the secret to hand to the channel, and the hash to store.
#[derive(Clone)]
pub struct IssuedApiKey {
    /// The key itself. Shown once; never stored or logged.
    pub secret: String,
    /// Its SHA-256, hex.
    pub hash: String,
}

impl std::fmt::Debug for IssuedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedApiKey")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl IssuedApiKey {
    /// A new random key, `sy_` followed by 64 hex digits.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("sy_{}", hex::encode(bytes));
        let hash = hash_api_key(&secret);
        IssuedApiKey { secret, hash }
    }
}

/// The stored form of an API key.
pub fn hash_api_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Finds and manages channels.
#[async_trait::async_trait]
pub trait ChannelDirectory: Send + Sync {
    /// The channel an API key belongs to.
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError>;
    /// A channel by name.
    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError>;
    /// Creates or replaces a channel record.
    async fn put(&self, channel: &Channel) -> Result<(), ServiceError>;
    /// Lets a key (by hash) authenticate as the channel.
    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError>;
    /// Every channel.
    async fn list(&self) -> Result<Vec<Channel>, ServiceError>;
}

/// Channels in a DynamoDB table (hash key `pk`): `CHANNEL#<name>` and `APIKEY#<sha256>`.
#[derive(Debug, Clone)]
pub struct DynamoDbChannelDirectory {
    client: Client,
    table: String,
}

impl DynamoDbChannelDirectory {
    /// A directory over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn get_item(
        &self,
        pk: String,
    ) -> Result<Option<HashMap<String, AttributeValue>>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(out.item)
    }
}

fn channel_from(item: &HashMap<String, AttributeValue>) -> Result<Channel, ServiceError> {
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| ServiceError::new("dynamodb", "channel item without doc"))?;
    serde_json::from_str(doc)
        .map_err(|e| ServiceError::new("dynamodb", format!("unreadable channel: {e}")))
}

#[async_trait::async_trait]
impl ChannelDirectory for DynamoDbChannelDirectory {
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError> {
        let Some(key) = self
            .get_item(format!("APIKEY#{}", hash_api_key(secret)))
            .await?
        else {
            return Ok(None);
        };
        let Some(name) = key.get("channel").and_then(|v| v.as_s().ok()) else {
            return Ok(None);
        };
        let Ok(name) = ChannelName::try_from(name.as_str()) else {
            return Ok(None);
        };
        self.get(&name).await
    }

    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        self.get_item(format!("CHANNEL#{name}"))
            .await?
            .map(|item| channel_from(&item))
            .transpose()
    }

    async fn put(&self, channel: &Channel) -> Result<(), ServiceError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("CHANNEL#{}", channel.name)))
            .item(
                "doc",
                AttributeValue::S(serde_json::to_string(channel).expect("channels serialise")),
            )
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("APIKEY#{hash}")))
            .item("channel", AttributeValue::S(name.to_string()))
            .item("created_at", AttributeValue::S(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Channel>, ServiceError> {
        let mut channels = Vec::new();
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(pk, :prefix)")
            .expression_attribute_values(":prefix", AttributeValue::S("CHANNEL#".into()))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
            channels.push(channel_from(&item)?);
        }
        channels.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(channels)
    }
}

/// Channels in memory.
#[derive(Debug, Default)]
pub struct InMemoryChannelDirectory {
    channels: Mutex<HashMap<ChannelName, Channel>>,
    keys: Mutex<HashMap<String, ChannelName>>,
}

impl InMemoryChannelDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ChannelDirectory for InMemoryChannelDirectory {
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError> {
        let name = self
            .keys
            .lock()
            .unwrap()
            .get(&hash_api_key(secret))
            .cloned();
        match name {
            Some(name) => self.get(&name).await,
            None => Ok(None),
        }
    }

    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        Ok(self.channels.lock().unwrap().get(name).cloned())
    }

    async fn put(&self, channel: &Channel) -> Result<(), ServiceError> {
        self.channels
            .lock()
            .unwrap()
            .insert(channel.name.clone(), channel.clone());
        Ok(())
    }

    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError> {
        self.keys
            .lock()
            .unwrap()
            .insert(hash.to_string(), name.clone());
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Channel>, ServiceError> {
        let mut all: Vec<Channel> = self.channels.lock().unwrap().values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_are_random_and_only_their_hash_matches() {
        let a = IssuedApiKey::generate();
        let b = IssuedApiKey::generate();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with("sy_") && a.secret.len() == 67);
        assert_eq!(hash_api_key(&a.secret), a.hash);
        assert!(
            !format!("{a:?}").contains(&a.secret),
            "Debug must not print the secret"
        );
    }

    #[test]
    fn kinds_parse_by_their_documented_names() {
        for k in [
            "api",
            "shopify",
            "woocommerce",
            "standard-webhooks",
            "x12",
            "amazon-sp-api",
        ] {
            assert!(k.parse::<ChannelKind>().is_ok(), "{k}");
        }
        assert!("ftp".parse::<ChannelKind>().is_err());
    }
}
