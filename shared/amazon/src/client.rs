//! The Orders API port ([`AmazonOrders`]) and its HTTP adapter ([`SpApiClient`]).
//!
//! The adapter does what every SP-API caller has to do:
//! - exchanges the seller's refresh token for a Login-with-Amazon access token, caches it until
//!   about a minute before it expires, and sends it as `x-amz-access-token`;
//! - keeps each operation inside its usage plan with a local [`TokenBucket`];
//! - retries `429 QuotaExceeded` a few times (after the bucket refills, or after `Retry-After`
//!   when the server sends one) before giving up with [`SpApiError::RateLimited`];
//! - follows `NextToken` until every order item is read.
//!
//! Secrets never reach a log line or a `Debug` string: they live in [`Secret`]s.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::{LwaCredentials, Secret};
use crate::orders::{
    AmazonOrder, AmazonOrderItem, ErrorList, GetOrderItemsResponse, GetOrderResponse,
};
use crate::rate_limit::TokenBucket;

/// SP-API's North America endpoint.
pub const NA_ENDPOINT: &str = "https://sellingpartnerapi-na.amazon.com";
/// SP-API's Europe endpoint.
pub const EU_ENDPOINT: &str = "https://sellingpartnerapi-eu.amazon.com";
/// SP-API's Far East endpoint.
pub const FE_ENDPOINT: &str = "https://sellingpartnerapi-fe.amazon.com";
/// Login-with-Amazon's token endpoint.
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

/// A cached token is replaced this long before it expires, so it never expires in flight.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Most `getOrderItems` pages followed; an order has at most a few hundred lines, so more means
/// the server is looping.
pub(crate) const MAX_PAGES: usize = 100;

/// Why an SP-API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpApiError {
    /// The order does not exist (or not for this seller).
    #[error("SP-API: not found")]
    NotFound,
    /// Still throttled after the retries.
    #[error("SP-API: rate limited (429 QuotaExceeded) after retries")]
    RateLimited,
    /// The request was refused (a 4xx other than 404/429, or a refused token exchange).
    #[error("SP-API refused the request: {code}: {message}")]
    Rejected {
        /// SP-API's error code (`InvalidInput`, `Unauthorized`) or LWA's (`invalid_grant`).
        code: String,
        /// SP-API's message.
        message: String,
    },
    /// The service could not be reached or failed (5xx, timeout, connection error).
    #[error("SP-API unavailable: {0}")]
    Unavailable(String),
    /// A success answer that is not the documented shape.
    #[error("SP-API answered an unexpected body: {0}")]
    InvalidResponse(String),
}

impl SpApiError {
    /// True when the same call may succeed later (throttling, outages), so the message should be
    /// retried rather than dead-lettered.
    pub fn is_transient(&self) -> bool {
        matches!(self, SpApiError::RateLimited | SpApiError::Unavailable(_))
    }
}

/// Reads orders from Amazon. The port the order consumer depends on; tests substitute fakes.
#[async_trait]
pub trait AmazonOrders: Send + Sync {
    /// `getOrder`: the order with this Amazon order id.
    async fn get_order(&self, id: &str) -> Result<AmazonOrder, SpApiError>;
    /// `getOrderItems`: every line of the order, all pages read.
    async fn get_order_items(&self, id: &str) -> Result<Vec<AmazonOrderItem>, SpApiError>;
}

/// Settings of an [`SpApiClient`].
#[derive(Debug, Clone)]
pub struct SpApiConfig {
    /// SP-API endpoint without a trailing slash ([`NA_ENDPOINT`], or the local sandbox).
    pub base_url: String,
    /// Login-with-Amazon token URL ([`LWA_TOKEN_URL`], or the sandbox's `/auth/o2/token`).
    pub token_url: String,
    /// The application's credentials and the seller's refresh token.
    pub credentials: LwaCredentials,
    /// Whole-request timeout, connection included.
    pub timeout: Duration,
    /// How many times a 429 is retried before [`SpApiError::RateLimited`].
    pub max_retries: u32,
    /// Longest `Retry-After` honoured; a longer one is cut to this (the Lambda has a deadline).
    pub max_retry_after: Duration,
}

impl SpApiConfig {
    /// Settings with the defaults: 10 s timeout, 3 retries on 429, `Retry-After` up to 10 s.
    pub fn new(
        base_url: impl Into<String>,
        token_url: impl Into<String>,
        credentials: LwaCredentials,
    ) -> Self {
        SpApiConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            token_url: token_url.into(),
            credentials,
            timeout: Duration::from_secs(10),
            max_retries: 3,
            max_retry_after: Duration::from_secs(10),
        }
    }
}

/// The two Orders v0 operations, each with its own usage plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    GetOrder,
    GetOrderItems,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::GetOrder => "getOrder",
            Operation::GetOrderItems => "getOrderItems",
        }
    }
}

struct CachedToken {
    value: Secret,
    expires_at: Instant,
}

/// The SP-API Orders v0 client over reqwest.
pub struct SpApiClient {
    http: reqwest::Client,
    config: SpApiConfig,
    get_order_bucket: TokenBucket,
    get_order_items_bucket: TokenBucket,
    // An async mutex held across the token exchange: concurrent callers wait for one exchange
    // instead of each spending one.
    token: Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for SpApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's secrets are `Secret`s; the cached access token is left out altogether.
        f.debug_struct("SpApiClient")
            .field("config", &self.config)
            .field("get_order_bucket", &self.get_order_bucket)
            .field("get_order_items_bucket", &self.get_order_items_bucket)
            .finish_non_exhaustive()
    }
}

impl SpApiClient {
    /// A client with SP-API's documented rate limits (0.5 requests/s, burst 30, per operation).
    pub fn new(config: SpApiConfig) -> Result<Self, SpApiError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            // SP-API asks callers to identify themselves this way.
            .user_agent(concat!(
                "switchyard-amazon/",
                env!("CARGO_PKG_VERSION"),
                " (Language=Rust)"
            ))
            .build()
            .map_err(|e| SpApiError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(SpApiClient {
            http,
            config,
            get_order_bucket: TokenBucket::get_order_default(),
            get_order_items_bucket: TokenBucket::get_order_items_default(),
            token: Mutex::new(None),
        })
    }

    /// Replaces the rate limits (a seller with a higher usage plan, or tests).
    pub fn with_rate_limits(
        mut self,
        get_order: TokenBucket,
        get_order_items: TokenBucket,
    ) -> Self {
        self.get_order_bucket = get_order;
        self.get_order_items_bucket = get_order_items;
        self
    }

    fn bucket(&self, op: Operation) -> &TokenBucket {
        match op {
            Operation::GetOrder => &self.get_order_bucket,
            Operation::GetOrderItems => &self.get_order_items_bucket,
        }
    }

    /// A valid access token, from the cache or a fresh exchange.
    async fn access_token(&self) -> Result<Secret, SpApiError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() + TOKEN_REFRESH_MARGIN < token.expires_at
        {
            return Ok(token.value.clone());
        }
        let creds = &self.config.credentials;
        let response = self
            .http
            .post(&self.config.token_url)
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", creds.refresh_token.expose()),
                ("client_id", creds.client_id.as_str()),
                ("client_secret", creds.client_secret.expose()),
            ])
            .send()
            .await
            .map_err(|e| SpApiError::Unavailable(format!("LWA token exchange: {e}")))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| SpApiError::Unavailable(format!("LWA token exchange: {e}")))?;
        if !status.is_success() {
            return Err(lwa_error(status, &body));
        }
        let token: TokenResponse = serde_json::from_str(&body).map_err(|e| {
            // serde's message can quote the input, and the input holds the token: say less.
            SpApiError::InvalidResponse(format!(
                "LWA token response is not the documented shape (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if token.access_token.is_empty() {
            return Err(SpApiError::InvalidResponse(
                "LWA token response has an empty access_token".into(),
            ));
        }
        tracing::info!(
            expires_in = token.expires_in,
            "obtained an LWA access token"
        );
        let value = Secret::new(token.access_token);
        *cached = Some(CachedToken {
            value: value.clone(),
            expires_at: Instant::now() + Duration::from_secs(token.expires_in),
        });
        Ok(value)
    }

    async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    /// One GET, paced by the operation's bucket and retried on 429; returns the success body.
    async fn get(
        &self,
        op: Operation,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<String, SpApiError> {
        let url = format!("{}{}", self.config.base_url, path);
        let mut retries = 0;
        let mut token_refreshed = false;
        loop {
            self.bucket(op).acquire().await;
            let token = self.access_token().await?;
            let response = self
                .http
                .get(&url)
                .header("x-amz-access-token", token.expose())
                .query(query)
                .send()
                .await
                .map_err(|e| SpApiError::Unavailable(format!("{}: {e}", op.name())))?;
            let status = response.status();
            tracing::debug!(
                operation = op.name(),
                status = status.as_u16(),
                retries,
                "SP-API call"
            );
            match status {
                s if s.is_success() => {
                    return response
                        .text()
                        .await
                        .map_err(|e| SpApiError::Unavailable(format!("{}: {e}", op.name())));
                }
                StatusCode::NOT_FOUND => return Err(SpApiError::NotFound),
                StatusCode::TOO_MANY_REQUESTS => {
                    // The quota is shared with every other caller of this seller's account:
                    // believe the server, not the local bucket.
                    self.bucket(op).drain();
                    if retries >= self.config.max_retries {
                        tracing::warn!(operation = op.name(), retries, "SP-API still throttling");
                        return Err(SpApiError::RateLimited);
                    }
                    retries += 1;
                    if let Some(wait) = retry_after(response.headers()) {
                        tokio::time::sleep(wait.min(self.config.max_retry_after)).await;
                    }
                }
                // An access token revoked or expired early: exchange it once more, then give up.
                StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED if !token_refreshed => {
                    token_refreshed = true;
                    self.forget_token().await;
                }
                s if s.is_client_error() => {
                    let body = response.text().await.unwrap_or_default();
                    return Err(sp_api_rejection(s, &body));
                }
                s => {
                    return Err(SpApiError::Unavailable(format!(
                        "{} answered {}",
                        op.name(),
                        s.as_u16()
                    )));
                }
            }
        }
    }
}

#[async_trait]
impl AmazonOrders for SpApiClient {
    async fn get_order(&self, id: &str) -> Result<AmazonOrder, SpApiError> {
        check_order_id(id)?;
        let body = self
            .get(Operation::GetOrder, &format!("/orders/v0/orders/{id}"), &[])
            .await?;
        let response: GetOrderResponse = serde_json::from_str(&body)
            .map_err(|e| SpApiError::InvalidResponse(format!("getOrder: {e}")))?;
        Ok(response.payload)
    }

    async fn get_order_items(&self, id: &str) -> Result<Vec<AmazonOrderItem>, SpApiError> {
        check_order_id(id)?;
        let path = format!("/orders/v0/orders/{id}/orderItems");
        let mut items = Vec::new();
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let query: Vec<(&str, &str)> = match &next_token {
                Some(token) => vec![("NextToken", token.as_str())],
                None => vec![],
            };
            let body = self.get(Operation::GetOrderItems, &path, &query).await?;
            let page: GetOrderItemsResponse = serde_json::from_str(&body)
                .map_err(|e| SpApiError::InvalidResponse(format!("getOrderItems: {e}")))?;
            items.extend(page.payload.order_items);
            match page.payload.next_token.filter(|t| !t.is_empty()) {
                None => return Ok(items),
                Some(token) if Some(&token) == next_token.as_ref() => {
                    return Err(SpApiError::InvalidResponse(
                        "getOrderItems returned the same NextToken twice".into(),
                    ));
                }
                Some(token) => next_token = Some(token),
            }
        }
        Err(SpApiError::InvalidResponse(format!(
            "getOrderItems did not finish within {MAX_PAGES} pages"
        )))
    }
}

/// Order ids go into the URL path: only letters, digits and `-` are let through, so an id from
/// a notification can never change which resource is called.
pub(crate) fn check_order_id(id: &str) -> Result<(), SpApiError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(SpApiError::Rejected {
            code: "InvalidInput".into(),
            message: "an Amazon order id is 1 to 64 letters, digits and dashes".into(),
        })
    }
}

/// `Retry-After` in seconds (SP-API does not send the HTTP-date form).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    if seconds.is_finite() && seconds >= 0.0 {
        Duration::try_from_secs_f64(seconds).ok()
    } else {
        None
    }
}

fn sp_api_rejection(status: StatusCode, body: &str) -> SpApiError {
    match serde_json::from_str::<ErrorList>(body)
        .ok()
        .and_then(|list| list.errors.into_iter().next())
    {
        Some(error) => SpApiError::Rejected {
            code: error.code,
            message: error.message,
        },
        None => SpApiError::Rejected {
            code: format!("HTTP{}", status.as_u16()),
            message: "no SP-API error body".into(),
        },
    }
}

fn lwa_error(status: StatusCode, body: &str) -> SpApiError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return SpApiError::RateLimited;
    }
    if !status.is_client_error() {
        return SpApiError::Unavailable(format!("LWA token exchange answered {}", status.as_u16()));
    }
    match serde_json::from_str::<LwaError>(body) {
        Ok(e) => SpApiError::Rejected {
            code: e.error,
            message: e.error_description.unwrap_or_default(),
        },
        Err(_) => SpApiError::Rejected {
            code: format!("HTTP{}", status.as_u16()),
            message: "LWA refused the token exchange".into(),
        },
    }
}

/// LWA's token answer. No `Debug`: it holds the access token in clear.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

/// LWA's error answer (`{"error":"invalid_grant","error_description":"…"}`).
#[derive(Deserialize)]
struct LwaError {
    error: String,
    error_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_and_outages_are_transient() {
        assert!(SpApiError::RateLimited.is_transient());
        assert!(SpApiError::Unavailable("503".into()).is_transient());
        assert!(!SpApiError::NotFound.is_transient());
        assert!(!SpApiError::InvalidResponse("x".into()).is_transient());
        assert!(
            !SpApiError::Rejected {
                code: "InvalidInput".into(),
                message: String::new()
            }
            .is_transient()
        );
    }

    #[test]
    fn order_ids_cannot_steer_the_path() {
        assert!(check_order_id("111-0000001-0000001").is_ok());
        for bad in ["", "../x", "1/orderItems", "a b", "x?y=1", &"1".repeat(65)] {
            assert!(check_order_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let config = SpApiConfig::new(
            NA_ENDPOINT,
            LWA_TOKEN_URL,
            LwaCredentials {
                client_id: "amzn1.application-oa2-client.abc".into(),
                client_secret: Secret::new("very-secret"),
                refresh_token: Secret::new("Atzr|refresh-me"),
            },
        );
        let client = SpApiClient::new(config).unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("Atzr|"),
            "{shown}"
        );
        assert!(shown.contains("amzn1.application-oa2-client.abc"));
    }
}
