//! Shopify's GraphQL Admin API for the inventory pusher: [`ShopifyInventory`] implements
//! [`ChannelStock`] with `inventorySetQuantities` at one location.
//!
//! Per push it finds each SKU's inventory item through its variant (cached: the link does not
//! change), reads the current `available` quantities, and sets the ones that differ with
//! `changeFromQuantity` = what it read (compare-and-swap) under an `@idempotent(key:)` derived
//! from the levels and those compared quantities: a retried identical request is deduplicated by
//! Shopify, while a re-read-and-retry after `CHANGE_FROM_QUANTITY_STALE` compares against new
//! quantities and so is a new request. It splits writes at Shopify's 250-item input limit, and
//! paces itself by `extensions.cost.throttleStatus`: a short wait is waited out, a long one is
//! returned as [`PushError::Throttled`].
//!
//! For the fulfilment pusher, [`ShopifyFulfilment`] implements [`ChannelFulfilment`] with
//! `fulfillmentCreate` over the order's fulfillment orders (see [`fulfilment`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod fulfilment;

pub use fulfilment::ShopifyFulfilment;
pub use switchyard_fulfilment::ChannelFulfilment;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use switchyard_inventory::{ChannelLevel, ChannelStock, LevelOutcome, PushError};

/// The API version the client speaks (the first with mandatory idempotency for inventory).
pub const DEFAULT_API_VERSION: &str = "2026-04";

/// Shopify's limit on any input array, so on quantities per `inventorySetQuantities`.
pub const MAX_QUANTITIES_PER_CALL: usize = 250;

/// SKUs per variant lookup: keeps the search string short and the query cheap (~2 points each).
const SKUS_PER_LOOKUP: usize = 50;

/// Items per level read (~3 points each, well under the 1,000-point single-query limit).
const ITEMS_PER_READ: usize = 100;

/// An Admin API access token. Never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where and how to reach one shop.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    /// `https://{shop}.myshopify.com` (or a sandbox's base URL).
    pub shop_url: String,
    /// The Admin API version, e.g. `2026-04`.
    pub api_version: String,
    /// The app's Admin API access token.
    pub access_token: AccessToken,
    /// The location whose `available` quantities the channel sells, as a GID.
    pub location_id: String,
    /// The longest throttle wait taken in-line; longer ones become [`PushError::Throttled`].
    pub max_throttle_wait: Duration,
    /// How many times a stale compare is re-read and retried before giving up (transiently).
    pub max_compare_retries: u32,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The `reason` Shopify records on each change.
    pub reason: String,
    /// The `referenceDocumentUri` Shopify shows in the inventory history.
    pub reference_document_uri: String,
}

impl ShopifyConfig {
    /// A config with the defaults: API 2026-04, waits of up to 5 s, 3 compare retries, 10 s timeout.
    pub fn new(
        shop_url: impl Into<String>,
        access_token: AccessToken,
        location_id: impl Into<String>,
    ) -> Self {
        Self {
            shop_url: shop_url.into(),
            api_version: DEFAULT_API_VERSION.into(),
            access_token,
            location_id: location_id.into(),
            max_throttle_wait: Duration::from_secs(5),
            max_compare_retries: 3,
            timeout: Duration::from_secs(10),
            reason: "correction".into(),
            reference_document_uri: "gid://switchyard/InventorySync/erp".into(),
        }
    }
}

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the Shopify HTTP client: {0}")]
pub struct BuildError(String);

/// What the client last learned about its cost bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    maximum: f64,
    available: f64,
    restore_rate: f64,
    at: Instant,
}

impl Bucket {
    /// Seconds until `cost` points are available (0 when they are now).
    fn wait_for(&self, cost: f64) -> Duration {
        let now = (self.available + self.at.elapsed().as_secs_f64() * self.restore_rate)
            .min(self.maximum);
        if cost <= now || self.restore_rate <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64((cost.min(self.maximum) - now) / self.restore_rate)
    }
}

/// [`ChannelStock`] on one Shopify location.
#[derive(Debug)]
pub struct ShopifyInventory {
    http: reqwest::Client,
    config: ShopifyConfig,
    endpoint: String,
    /// SKU → inventory item GID. Only found SKUs are kept: an unlisted one may be listed later.
    items: Mutex<HashMap<String, String>>,
    bucket: Mutex<Option<Bucket>>,
}

/// One GraphQL answer, after transport and top-level errors were dealt with.
type Data = Value;

/// What one SKU looks like to the push.
struct Current {
    item: String,
    available: Option<i64>,
}

impl ShopifyInventory {
    /// A client for the shop in `config`.
    pub fn new(config: ShopifyConfig) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        let endpoint = format!(
            "{}/admin/api/{}/graphql.json",
            config.shop_url.trim_end_matches('/'),
            config.api_version
        );
        Ok(Self {
            http,
            config,
            endpoint,
            items: Mutex::new(HashMap::new()),
            bucket: Mutex::new(None),
        })
    }

    /// Sends one GraphQL document, waiting out short throttles. `cost` is the client's estimate
    /// of the requested cost, used to pace before sending.
    pub(crate) async fn graphql(
        &self,
        query: &str,
        variables: Value,
        cost: f64,
    ) -> Result<Data, PushError> {
        // A throttled call changed nothing, so it is sent again as it was; the bound keeps a
        // bucket that never refills from holding the push forever.
        for _ in 0..8 {
            let wait = self
                .bucket
                .lock()
                .unwrap()
                .map_or(Duration::ZERO, |b| b.wait_for(cost));
            self.pause(wait).await?;
            let response = self
                .http
                .post(&self.endpoint)
                .header("X-Shopify-Access-Token", self.config.access_token.expose())
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .map_err(|e| {
                    PushError::Unavailable(format!("Shopify could not be reached: {e}"))
                })?;
            let status = response.status();
            if status.is_server_error() {
                return Err(PushError::Unavailable(format!("Shopify answered {status}")));
            }
            if status.as_u16() == 429 {
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<f64>().ok())
                    .map_or(Duration::from_secs(1), Duration::from_secs_f64);
                self.pause(retry_after).await?;
                continue;
            }
            if status.as_u16() == 401 || status.as_u16() == 403 {
                return Err(PushError::Refused(format!(
                    "Shopify refused the credentials ({status})"
                )));
            }
            if !status.is_success() {
                return Err(PushError::Refused(format!(
                    "Shopify answered {status} for {} (check the shop URL and API version)",
                    self.endpoint
                )));
            }
            let body: Value = response.json().await.map_err(|e| {
                PushError::Unavailable(format!("Shopify's answer was unreadable: {e}"))
            })?;
            let throttle = &body["extensions"]["cost"]["throttleStatus"];
            if let (Some(maximum), Some(available), Some(restore_rate)) = (
                throttle["maximumAvailable"].as_f64(),
                throttle["currentlyAvailable"].as_f64(),
                throttle["restoreRate"].as_f64(),
            ) {
                *self.bucket.lock().unwrap() = Some(Bucket {
                    maximum,
                    available,
                    restore_rate,
                    at: Instant::now(),
                });
            }
            let errors = body["errors"].as_array().cloned().unwrap_or_default();
            if errors.is_empty() {
                return Ok(body["data"].clone());
            }
            let code = |e: &Value| e["extensions"]["code"].as_str().unwrap_or("").to_string();
            if errors.iter().any(|e| code(e) == "THROTTLED") {
                // Paced from now on by the bucket Shopify just reported.
                let requested = body["extensions"]["cost"]["requestedQueryCost"]
                    .as_f64()
                    .unwrap_or(cost);
                let wait = self
                    .bucket
                    .lock()
                    .unwrap()
                    .map_or(Duration::from_secs(1), |b| b.wait_for(requested));
                self.pause(wait.max(Duration::from_millis(10))).await?;
                continue;
            }
            let summary: Vec<String> = errors
                .iter()
                .map(|e| format!("{} ({})", e["message"].as_str().unwrap_or("?"), code(e)))
                .collect();
            if errors.iter().all(|e| {
                matches!(
                    code(e).as_str(),
                    "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE"
                )
            }) {
                return Err(PushError::Unavailable(summary.join("; ")));
            }
            return Err(PushError::Refused(summary.join("; ")));
        }
        Err(PushError::Throttled {
            retry_after: Duration::from_secs(1),
        })
    }

    /// Waits `wait` if that is short enough; otherwise says how long to wait.
    async fn pause(&self, wait: Duration) -> Result<(), PushError> {
        if wait.is_zero() {
            return Ok(());
        }
        if wait > self.config.max_throttle_wait {
            return Err(PushError::Throttled { retry_after: wait });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Finds the inventory items of SKUs not yet cached.
    async fn resolve(&self, skus: &[&str]) -> Result<(), PushError> {
        let missing: Vec<&str> = {
            let items = self.items.lock().unwrap();
            let mut missing: Vec<&str> = skus
                .iter()
                .copied()
                .filter(|s| !items.contains_key(*s))
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        const QUERY: &str = "query VariantsBySku($first: Int!, $query: String!) { \
            productVariants(first: $first, query: $query) { \
              nodes { sku inventoryItem { id } } } }";
        for chunk in missing.chunks(SKUS_PER_LOOKUP) {
            let search = chunk
                .iter()
                .map(|sku| format!("sku:{}", quote(sku)))
                .collect::<Vec<_>>()
                .join(" OR ");
            // Room for a few variants sharing a SKU; the first one wins below.
            let first = (chunk.len() + 10).min(MAX_QUANTITIES_PER_CALL);
            let data = self
                .graphql(
                    QUERY,
                    json!({ "first": first, "query": search }),
                    2.0 + 2.0 * first as f64,
                )
                .await?;
            let nodes = data["productVariants"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut items = self.items.lock().unwrap();
            for node in nodes {
                // Search matches loosely; only an exact SKU counts.
                let (Some(sku), Some(item)) =
                    (node["sku"].as_str(), node["inventoryItem"]["id"].as_str())
                else {
                    continue;
                };
                if chunk.contains(&sku) {
                    items
                        .entry(sku.to_string())
                        .or_insert_with(|| item.to_string());
                }
            }
        }
        Ok(())
    }

    /// Reads `available` at the location for each SKU whose item is known.
    async fn read(&self, skus: &[&str]) -> Result<HashMap<String, Current>, PushError> {
        let known: Vec<(String, String)> = {
            let items = self.items.lock().unwrap();
            skus.iter()
                .filter_map(|s| items.get(*s).map(|i| (s.to_string(), i.clone())))
                .collect()
        };
        const QUERY: &str = "query Levels($ids: [ID!]!, $location: ID!) { \
            nodes(ids: $ids) { ... on InventoryItem { id \
              inventoryLevel(locationId: $location) { quantities(names: [\"available\"]) { name quantity } } } } }";
        let mut out = HashMap::new();
        for chunk in known.chunks(ITEMS_PER_READ) {
            let ids: Vec<&str> = chunk.iter().map(|(_, i)| i.as_str()).collect();
            let data = self
                .graphql(
                    QUERY,
                    json!({ "ids": ids, "location": self.config.location_id }),
                    3.0 * ids.len() as f64,
                )
                .await?;
            let nodes = data["nodes"].as_array().cloned().unwrap_or_default();
            for ((sku, item), node) in chunk
                .iter()
                .zip(nodes.iter().chain(std::iter::repeat(&Value::Null)))
            {
                if node.is_null() {
                    // The item is gone (variant deleted): forget it, so the next push looks again.
                    self.items.lock().unwrap().remove(sku);
                    continue;
                }
                let available = node["inventoryLevel"]["quantities"]
                    .as_array()
                    .and_then(|qs| qs.iter().find(|q| q["name"] == "available"))
                    .and_then(|q| q["quantity"].as_i64());
                out.insert(
                    sku.clone(),
                    Current {
                        item: item.clone(),
                        available,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Sets one batch. `Ok(true)` when set, `Ok(false)` when a compared quantity was stale (and
    /// nothing was set).
    async fn write(&self, batch: &[(&ChannelLevel, &Current)]) -> Result<bool, PushError> {
        let key = idempotency_key(&self.config.location_id, batch);
        let quantities: Vec<Value> = batch
            .iter()
            .map(|(level, current)| {
                json!({
                    "inventoryItemId": current.item,
                    "locationId": self.config.location_id,
                    "quantity": level.quantity,
                    "changeFromQuantity": current.available,
                })
            })
            .collect();
        // The key is a literal, as Shopify's examples write it; it is hex, so needs no escaping.
        let query = format!(
            "mutation SetAvailable($input: InventorySetQuantitiesInput!) {{ \
               inventorySetQuantities(input: $input) @idempotent(key: \"{key}\") {{ \
                 inventoryAdjustmentGroup {{ id }} userErrors {{ code field message }} }} }}"
        );
        let input = json!({
            "name": "available",
            "reason": self.config.reason,
            "referenceDocumentUri": self.config.reference_document_uri,
            "quantities": quantities,
        });
        let data = self
            .graphql(&query, json!({ "input": input }), 10.0)
            .await?;
        let payload = &data["inventorySetQuantities"];
        let errors = payload["userErrors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if errors.is_empty() {
            return Ok(true);
        }
        let codes: Vec<&str> = errors.iter().filter_map(|e| e["code"].as_str()).collect();
        if codes.iter().all(|c| *c == "CHANGE_FROM_QUANTITY_STALE") {
            return Ok(false);
        }
        let summary: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "{} ({})",
                    e["message"].as_str().unwrap_or("?"),
                    e["code"].as_str().unwrap_or("?")
                )
            })
            .collect();
        if codes.contains(&"IDEMPOTENCY_CONCURRENT_REQUEST") {
            return Err(PushError::Unavailable(summary.join("; ")));
        }
        if codes.iter().any(|c| {
            matches!(
                *c,
                "INVALID_INVENTORY_ITEM" | "ITEM_NOT_STOCKED_AT_LOCATION"
            )
        }) {
            // The cached link is stale: forget it so the retry looks the SKU up again.
            let mut items = self.items.lock().unwrap();
            for (level, _) in batch {
                items.remove(&level.sku);
            }
            return Ok(false);
        }
        Err(PushError::Refused(summary.join("; ")))
    }
}

/// A Shopify search value, quoted so SKUs with spaces or colons stay one term.
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The same levels compared against the same quantities give the same key (a retry Shopify
/// deduplicates); a re-read that found other quantities gives a new one.
fn idempotency_key(location: &str, batch: &[(&ChannelLevel, &Current)]) -> String {
    let mut hash = Sha256::new();
    hash.update(location.as_bytes());
    for (level, current) in batch {
        for part in [
            level.idempotency_key.as_str(),
            current.item.as_str(),
            &level.quantity.to_string(),
            &current.available.map_or("null".into(), |a| a.to_string()),
        ] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
    }
    format!("switchyard-{}", &hex::encode(hash.finalize())[..48])
}

#[async_trait::async_trait]
impl ChannelStock for ShopifyInventory {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        if let Some(bad) = levels.iter().find(|l| l.quantity < 0) {
            return Err(PushError::Refused(format!(
                "{} has a negative level ({}); a channel level is never negative",
                bad.sku, bad.quantity
            )));
        }
        // The pusher coalesces, but if a SKU appears twice the later level is the newer one.
        let mut latest: HashMap<&str, &ChannelLevel> = HashMap::new();
        for level in levels {
            latest.insert(level.sku.as_str(), level);
        }
        let mut outcome: HashMap<&str, LevelOutcome> = HashMap::new();
        let mut pending: Vec<&str> = levels
            .iter()
            .map(|l| l.sku.as_str())
            .filter(|s| latest.contains_key(s))
            .collect();
        pending.sort_unstable();
        pending.dedup();

        let mut attempt = 0;
        while !pending.is_empty() {
            if attempt > self.config.max_compare_retries {
                return Err(PushError::Unavailable(format!(
                    "the levels of {} kept changing on Shopify while we set them; try again",
                    pending.join(", ")
                )));
            }
            attempt += 1;
            self.resolve(&pending).await?;
            let current = self.read(&pending).await?;
            let mut to_write = Vec::new();
            for sku in &pending {
                let level = latest[sku];
                match current.get(*sku) {
                    None => {
                        outcome.insert(
                            sku,
                            LevelOutcome::NotListed {
                                sku: sku.to_string(),
                            },
                        );
                    }
                    // Not stocked at this location: the channel cannot sell it here.
                    Some(Current {
                        available: None, ..
                    }) => {
                        outcome.insert(
                            sku,
                            LevelOutcome::NotListed {
                                sku: sku.to_string(),
                            },
                        );
                    }
                    Some(c) if c.available == Some(level.quantity) => {
                        outcome.insert(
                            sku,
                            LevelOutcome::Unchanged {
                                sku: sku.to_string(),
                            },
                        );
                    }
                    Some(c) => to_write.push((level, c)),
                }
            }
            let mut retry = Vec::new();
            for batch in to_write.chunks(MAX_QUANTITIES_PER_CALL) {
                if self.write(batch).await? {
                    for (level, current) in batch {
                        outcome.insert(
                            level.sku.as_str(),
                            LevelOutcome::Set {
                                sku: level.sku.clone(),
                                previous: current.available,
                            },
                        );
                    }
                } else {
                    tracing::info!(
                        skus = batch.len(),
                        attempt,
                        "Shopify levels changed since read; re-reading"
                    );
                    retry.extend(batch.iter().map(|(level, _)| level.sku.as_str()));
                }
            }
            pending = retry;
        }
        Ok(levels
            .iter()
            .map(|l| {
                outcome
                    .get(l.sku.as_str())
                    .cloned()
                    .unwrap_or(LevelOutcome::NotListed { sku: l.sku.clone() })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(key: &str, quantity: i64) -> ChannelLevel {
        ChannelLevel {
            sku: "A".into(),
            quantity,
            idempotency_key: key.into(),
        }
    }

    fn current(available: Option<i64>) -> Current {
        Current {
            item: "gid://shopify/InventoryItem/1".into(),
            available,
        }
    }

    #[test]
    fn a_retry_of_the_same_compare_reuses_its_key_and_a_re_read_does_not() {
        let l = level("k1", 5);
        let (read, reread) = (current(Some(3)), current(Some(4)));
        let first = idempotency_key("loc", &[(&l, &read)]);
        assert_eq!(first, idempotency_key("loc", &[(&l, &read)]));
        assert_ne!(first, idempotency_key("loc", &[(&l, &reread)]));
        assert_ne!(first, idempotency_key("loc", &[(&level("k2", 5), &read)]));
        assert!(
            first.len() <= 255
                && first
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let config = ShopifyConfig::new(
            "http://x",
            AccessToken::new("shpat_secret"),
            "gid://shopify/Location/1",
        );
        let client = ShopifyInventory::new(config).unwrap();
        assert!(!format!("{client:?}").contains("shpat_secret"));
    }

    #[test]
    fn search_values_are_quoted() {
        assert_eq!(quote(r#"A "B"\C"#), r#""A \"B\"\\C""#);
    }
}
