//! [`WooInventory`]: the reqwest client behind [`ChannelStock`] for one WooCommerce store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use switchyard_inventory::{ChannelLevel, ChannelStock, LevelOutcome, PushError};

/// Most objects WooCommerce accepts in one batch request (and most ids or SKUs we put in one
/// list request: `per_page` is at most 100 too).
pub const BATCH_LIMIT: usize = 100;
/// Pages followed for one list request; 100 SKUs fit on one page, so more means a loop.
const MAX_PAGES: usize = 20;

/// A consumer secret (`cs_…`). `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsumerSecret(String);

impl ConsumerSecret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        ConsumerSecret(value.into())
    }

    /// The secret itself; only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ConsumerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for ConsumerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Settings of a [`WooInventory`].
#[derive(Debug, Clone)]
pub struct WooConfig {
    /// The store's address without a trailing slash (`https://shop.example.com`); the API is
    /// under `/wp-json/wc/v3`.
    pub site_url: String,
    /// The REST API consumer key (`ck_…`); not secret on its own.
    pub consumer_key: String,
    /// The REST API consumer secret.
    pub consumer_secret: ConsumerSecret,
    /// Whole-request timeout, connection included.
    pub timeout: Duration,
    /// How many times one request is retried after `429` before [`PushError::Throttled`].
    pub max_retries: u32,
    /// Longest wait honoured between retries (a longer `Retry-After` is cut to this and then
    /// reported in [`PushError::Throttled`]): the pusher runs in a Lambda with a deadline.
    pub max_retry_after: Duration,
}

impl WooConfig {
    /// Settings with the defaults: 10 s timeout, 3 retries on 429, waits of up to 5 s.
    pub fn new(
        site_url: impl Into<String>,
        consumer_key: impl Into<String>,
        consumer_secret: ConsumerSecret,
    ) -> Self {
        WooConfig {
            site_url: site_url.into().trim_end_matches('/').to_string(),
            consumer_key: consumer_key.into(),
            consumer_secret,
            timeout: Duration::from_secs(10),
            max_retries: 3,
            max_retry_after: Duration::from_secs(5),
        }
    }
}

/// Where a SKU lives in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Location {
    id: u64,
    /// The variable product a variation belongs to; `None` for a top-level product.
    parent: Option<u64>,
}

/// What the store shows for one SKU right now.
#[derive(Debug, Clone, Copy)]
struct Current {
    at: Location,
    manage_stock: bool,
    stock: Option<i64>,
}

/// A product or variation as the REST API answers it (the fields a stock push reads).
#[derive(Debug, Deserialize)]
struct WooProduct {
    id: u64,
    #[serde(default)]
    parent_id: u64,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    sku: String,
    /// `true`/`false`, or `"parent"` on a variation whose stock its parent manages.
    #[serde(default)]
    manage_stock: Value,
    #[serde(default)]
    stock_quantity: Option<i64>,
}

impl WooProduct {
    fn current(&self) -> Current {
        let parent = (self.kind == "variation" || self.parent_id != 0).then_some(self.parent_id);
        Current {
            at: Location {
                id: self.id,
                parent,
            },
            manage_stock: self.manage_stock == Value::Bool(true),
            stock: self.stock_quantity,
        }
    }
}

/// The WooCommerce inventory client for one store.
pub struct WooInventory {
    http: reqwest::Client,
    config: WooConfig,
    /// SKU → where it lives; filled by SKU lookups, emptied of ids the store no longer has.
    locations: Mutex<HashMap<String, Location>>,
}

impl std::fmt::Debug for WooInventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's secret is a `ConsumerSecret`, which prints redacted.
        f.debug_struct("WooInventory")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One answer the caller handles itself: a success, or a `404`.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    total_pages: usize,
    pub(crate) body: Value,
}

impl WooInventory {
    /// A client for the store in `config`.
    pub fn new(config: WooConfig) -> Result<Self, PushError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!(
                "switchyard-woocommerce/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| PushError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(WooInventory {
            http,
            config,
            locations: Mutex::new(HashMap::new()),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/wp-json/wc/v3{path}", self.config.site_url)
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, HashMap<String, Location>> {
        // A map of ids; a panic elsewhere cannot leave it torn.
        self.locations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One request, retried on `429` within the bounds of the config; a success or a `404`
    /// comes back, everything else is a [`PushError`].
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, PushError> {
        let url = self.url(path);
        let mut retries = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .basic_auth(
                    &self.config.consumer_key,
                    Some(self.config.consumer_secret.expose()),
                )
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| PushError::Unavailable(format!("{method} {path}: {}", describe(e))))?;
            let status = response.status();
            tracing::debug!(%method, path, status = status.as_u16(), retries, "WooCommerce call");
            if status == StatusCode::TOO_MANY_REQUESTS {
                let asked = retry_after(response.headers());
                let wait = asked
                    .unwrap_or_else(|| Duration::from_millis(500) * 2u32.saturating_pow(retries))
                    .min(self.config.max_retry_after);
                if retries >= self.config.max_retries {
                    tracing::warn!(path, retries, "WooCommerce still throttling");
                    return Err(PushError::Throttled {
                        retry_after: asked.unwrap_or(wait),
                    });
                }
                retries += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            let total_pages = response
                .headers()
                .get("x-wp-totalpages")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let text = response
                .text()
                .await
                .map_err(|e| PushError::Unavailable(format!("{method} {path}: {}", describe(e))))?;
            if status.is_success() || status == StatusCode::NOT_FOUND {
                let body = serde_json::from_str(&text).map_err(|_| {
                    PushError::Unavailable(format!(
                        "{method} {path} answered {} with a body that is not JSON",
                        status.as_u16()
                    ))
                })?;
                return Ok(Answer {
                    status,
                    total_pages,
                    body,
                });
            }
            let why = woo_error(&text);
            return Err(if status.is_server_error() {
                PushError::Unavailable(format!("{method} {path} answered {}{why}", status.as_u16()))
            } else {
                // 401/403 (credentials, permissions), 400/413 (a request the store will not
                // take as it stands): retrying the same push cannot help.
                PushError::Refused(format!("{method} {path} answered {}{why}", status.as_u16()))
            });
        }
    }

    /// Every product or variation a list request returns, all pages read.
    async fn list(
        &self,
        path: &str,
        query: Vec<(&str, String)>,
    ) -> Result<Option<Vec<WooProduct>>, PushError> {
        let mut found = Vec::new();
        for page in 1..=MAX_PAGES {
            let mut q = query.clone();
            q.push(("per_page", BATCH_LIMIT.to_string()));
            q.push(("page", page.to_string()));
            let answer = self.call(Method::GET, path, &q, None).await?;
            if answer.status == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let items: Vec<WooProduct> = serde_json::from_value(answer.body).map_err(|e| {
                PushError::Unavailable(format!("GET {path}: not a list of products: {e}"))
            })?;
            found.extend(items);
            if page >= answer.total_pages {
                return Ok(Some(found));
            }
        }
        Err(PushError::Unavailable(format!(
            "GET {path} did not end within {MAX_PAGES} pages"
        )))
    }

    /// What the store shows for each of `skus` that it lists.
    async fn read(&self, skus: &[&str]) -> Result<HashMap<String, Current>, PushError> {
        let mut current = HashMap::new();
        let mut unknown: Vec<&str> = Vec::new();
        // Cached ids, read by id: top-level products together, variations per parent.
        let mut by_parent: BTreeMap<Option<u64>, Vec<(&str, u64)>> = BTreeMap::new();
        {
            let cached = self.cached();
            for sku in skus {
                match cached.get(*sku) {
                    Some(at) => by_parent.entry(at.parent).or_default().push((sku, at.id)),
                    None => unknown.push(sku),
                }
            }
        }
        for (parent, entries) in by_parent {
            let path = match parent {
                None => "/products".to_string(),
                Some(parent) => format!("/products/{parent}/variations"),
            };
            for chunk in entries.chunks(BATCH_LIMIT) {
                let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
                let found = self.list(&path, vec![("include", ids.join(","))]).await?;
                let found: HashMap<u64, WooProduct> = found
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p.id, p))
                    .collect();
                for (sku, id) in chunk {
                    match found.get(id) {
                        // Still there, and still this SKU.
                        Some(p) if p.sku == *sku => {
                            let mut now = p.current();
                            now.at.parent = parent;
                            current.insert(sku.to_string(), now);
                        }
                        _ => {
                            tracing::info!(
                                sku,
                                id,
                                "cached WooCommerce id is gone; looking the SKU up again"
                            );
                            self.cached().remove(*sku);
                            unknown.push(sku);
                        }
                    }
                }
            }
        }
        current.extend(self.look_up(&unknown).await?);
        Ok(current)
    }

    /// Looks SKUs up by SKU (finding products and variations alike) and caches where they are.
    async fn look_up(&self, skus: &[&str]) -> Result<HashMap<String, Current>, PushError> {
        // WooCommerce splits the filter on commas: a SKU holding one is asked for alone (the
        // store then also matches the whole string).
        let (alone, plain): (Vec<&str>, Vec<&str>) = skus.iter().partition(|s| s.contains(','));
        let mut requests: Vec<Vec<&str>> =
            plain.chunks(BATCH_LIMIT).map(<[&str]>::to_vec).collect();
        requests.extend(alone.into_iter().map(|s| vec![s]));
        let mut current = HashMap::new();
        for chunk in requests {
            let found = self
                .list("/products", vec![("sku", chunk.join(","))])
                .await?
                .unwrap_or_default();
            for product in found {
                if chunk.contains(&product.sku.as_str()) {
                    let now = product.current();
                    self.cached().insert(product.sku.clone(), now.at);
                    current.insert(product.sku, now);
                }
            }
        }
        Ok(current)
    }

    /// Writes `updates` (SKU → quantity) in batches; returns the SKUs whose id the store no
    /// longer knows (deleted since they were read).
    async fn write(&self, updates: &[(String, Location, i64)]) -> Result<Vec<String>, PushError> {
        let mut by_parent: BTreeMap<Option<u64>, Vec<&(String, Location, i64)>> = BTreeMap::new();
        for update in updates {
            by_parent.entry(update.1.parent).or_default().push(update);
        }
        let mut gone = Vec::new();
        for (parent, entries) in by_parent {
            let path = match parent {
                None => "/products/batch".to_string(),
                Some(parent) => format!("/products/{parent}/variations/batch"),
            };
            for chunk in entries.chunks(BATCH_LIMIT) {
                let items: Vec<Value> = chunk
                    .iter()
                    .map(|(_, at, quantity)| {
                        json!({"id": at.id, "manage_stock": true, "stock_quantity": quantity})
                    })
                    .collect();
                let answer = self
                    .call(Method::POST, &path, &[], Some(&json!({ "update": items })))
                    .await?;
                if answer.status == StatusCode::NOT_FOUND {
                    // The variable product itself is gone, and its variations with it.
                    gone.extend(chunk.iter().map(|(sku, _, _)| sku.clone()));
                    continue;
                }
                let results = answer.body["update"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let by_id: HashMap<u64, &Value> = results
                    .iter()
                    .filter_map(|r| Some((r["id"].as_u64()?, r)))
                    .collect();
                for (sku, at, quantity) in chunk {
                    let Some(result) = by_id.get(&at.id) else {
                        return Err(PushError::Unavailable(format!(
                            "POST {path} answered without item {}",
                            at.id
                        )));
                    };
                    if let Some(error) = result.get("error") {
                        let code = error["code"].as_str().unwrap_or("");
                        if code.ends_with("_invalid_id") {
                            gone.push(sku.clone());
                            continue;
                        }
                        return Err(PushError::Refused(format!(
                            "WooCommerce refused {sku}: {code}: {}",
                            error["message"].as_str().unwrap_or("")
                        )));
                    }
                    if result["stock_quantity"].as_i64() != Some(*quantity) {
                        return Err(PushError::Refused(format!(
                            "WooCommerce did not keep {quantity} for {sku} (shows {})",
                            result["stock_quantity"]
                        )));
                    }
                }
            }
        }
        for sku in &gone {
            self.cached().remove(sku);
        }
        Ok(gone)
    }
}

#[async_trait::async_trait]
impl ChannelStock for WooInventory {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        // The pusher coalesces; should a SKU still come twice, the last level wins.
        let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
        for level in levels {
            wanted.insert(level.sku.as_str(), level.quantity);
        }
        let mut outcomes: HashMap<String, LevelOutcome> = HashMap::new();
        let mut pending: Vec<&str> = wanted.keys().copied().collect();
        let mut current = self.read(&pending).await?;
        // Round two only for SKUs deleted between our read and our write; a third deletion in
        // a row is left to the next push.
        for round in 0..2 {
            let mut updates = Vec::new();
            for sku in &pending {
                let quantity = wanted[sku];
                let outcome = match current.get(*sku) {
                    None => LevelOutcome::NotListed {
                        sku: sku.to_string(),
                    },
                    Some(now) if now.manage_stock && now.stock == Some(quantity) => {
                        LevelOutcome::Unchanged {
                            sku: sku.to_string(),
                        }
                    }
                    Some(now) => {
                        updates.push((sku.to_string(), now.at, quantity));
                        LevelOutcome::Set {
                            sku: sku.to_string(),
                            previous: if now.manage_stock { now.stock } else { None },
                        }
                    }
                };
                outcomes.insert(sku.to_string(), outcome);
            }
            let gone = self.write(&updates).await?;
            if gone.is_empty() {
                break;
            }
            if round == 1 {
                return Err(PushError::Unavailable(format!(
                    "{} products were deleted while we wrote them; retry",
                    gone.len()
                )));
            }
            let gone_refs: Vec<&str> = gone.iter().map(String::as_str).collect();
            current = self.look_up(&gone_refs).await?;
            pending.retain(|sku| gone.iter().any(|g| g == sku));
        }
        Ok(levels
            .iter()
            .map(|level| outcomes[&level.sku].clone())
            .collect())
    }
}

/// `Retry-After` in whole seconds (or fractions, which some proxies send).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::try_from_secs_f64(seconds).ok())
        .flatten()
}

/// `: code: message` from a WooCommerce error body, or nothing.
fn woo_error(body: &str) -> String {
    #[derive(Deserialize)]
    struct WooError {
        code: String,
        #[serde(default)]
        message: String,
    }
    serde_json::from_str::<WooError>(body)
        .map(|e| format!(": {}: {}", e.code, e.message))
        .unwrap_or_default()
}

/// A transport error in words.
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        error.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_secret() {
        let client = WooInventory::new(WooConfig::new(
            "https://shop.example.com/",
            "ck_visible",
            ConsumerSecret::new("cs_very_secret"),
        ))
        .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("cs_very_secret"), "{shown}");
        assert!(shown.contains("ck_visible"), "{shown}");
        assert_eq!(
            client.url("/products"),
            "https://shop.example.com/wp-json/wc/v3/products"
        );
    }

    #[test]
    fn a_variation_manages_its_own_stock_only_when_it_says_true() {
        let parse = |v: Value| serde_json::from_value::<WooProduct>(v).unwrap().current();
        let own = parse(
            json!({"id": 7, "parent_id": 3, "type": "variation", "sku": "A",
            "manage_stock": true, "stock_quantity": 4}),
        );
        assert!(own.manage_stock);
        assert_eq!(own.at.parent, Some(3));
        let inherited = parse(
            json!({"id": 8, "parent_id": 3, "type": "variation", "sku": "B",
            "manage_stock": "parent", "stock_quantity": 9}),
        );
        assert!(!inherited.manage_stock);
        let simple = parse(
            json!({"id": 9, "type": "simple", "sku": "C", "manage_stock": false,
            "stock_quantity": null}),
        );
        assert_eq!(simple.at.parent, None);
        assert_eq!(simple.stock, None);
    }
}
