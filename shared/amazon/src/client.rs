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
//! Secrets never reach a log line or a `Debug` string: they live in [`Secret`](crate::Secret)s.
//! The token exchange, pacing and retries live in `transport`, shared with the Listings client.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;

use crate::credentials::LwaCredentials;
use crate::orders::{AmazonOrder, AmazonOrderItem, GetOrderItemsResponse, GetOrderResponse};
use crate::rate_limit::TokenBucket;
use crate::transport::Transport;

/// SP-API's North America endpoint.
pub const NA_ENDPOINT: &str = "https://sellingpartnerapi-na.amazon.com";
/// SP-API's Europe endpoint.
pub const EU_ENDPOINT: &str = "https://sellingpartnerapi-eu.amazon.com";
/// SP-API's Far East endpoint.
pub const FE_ENDPOINT: &str = "https://sellingpartnerapi-fe.amazon.com";
/// Login-with-Amazon's token endpoint.
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

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

/// The SP-API Orders v0 client over reqwest.
pub struct SpApiClient {
    // The LWA token cache, pacing and retries every SP-API client shares.
    transport: Transport,
    get_order_bucket: TokenBucket,
    get_order_items_bucket: TokenBucket,
}

impl std::fmt::Debug for SpApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's secrets are `Secret`s; the cached access token is left out altogether.
        f.debug_struct("SpApiClient")
            .field("config", &self.transport.config)
            .field("get_order_bucket", &self.get_order_bucket)
            .field("get_order_items_bucket", &self.get_order_items_bucket)
            .finish_non_exhaustive()
    }
}

impl SpApiClient {
    /// A client with SP-API's documented rate limits (0.5 requests/s, burst 30, per operation).
    pub fn new(config: SpApiConfig) -> Result<Self, SpApiError> {
        Ok(SpApiClient {
            transport: Transport::new(config)?,
            get_order_bucket: TokenBucket::get_order_default(),
            get_order_items_bucket: TokenBucket::get_order_items_default(),
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

    /// One GET, paced by the operation's bucket and retried on 429; returns the success body.
    async fn get(
        &self,
        op: Operation,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<String, SpApiError> {
        let url = self.transport.url(path)?;
        self.transport
            .send(op.name(), self.bucket(op), Method::GET, url, query, None)
            .await
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Secret;

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
