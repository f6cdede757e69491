//! What every SP-API call shares, whichever API it belongs to: the Login-with-Amazon access
//! token (exchanged once, cached until a minute before it expires, sent as
//! `x-amz-access-token`), pacing by the operation's [`TokenBucket`], retries on
//! `429 QuotaExceeded`, one token refresh on `401`/`403`, and the mapping of answers onto
//! [`SpApiError`]. The Orders client ([`crate::SpApiClient`]) and the Listings client
//! ([`crate::SpApiListings`]) both call through it.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::client::{SpApiConfig, SpApiError};
use crate::credentials::Secret;
use crate::orders::ErrorList;
use crate::rate_limit::TokenBucket;

/// A cached token is replaced this long before it expires, so it never expires in flight.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

struct CachedToken {
    value: Secret,
    expires_at: Instant,
}

/// The HTTP client, the settings and the cached LWA token of one seller authorisation.
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) config: SpApiConfig,
    // An async mutex held across the token exchange: concurrent callers wait for one exchange
    // instead of each spending one.
    token: Mutex<Option<CachedToken>>,
}

impl Transport {
    pub(crate) fn new(config: SpApiConfig) -> Result<Self, SpApiError> {
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
        Ok(Transport {
            http,
            config,
            token: Mutex::new(None),
        })
    }

    /// `base_url` + `path`, as a URL whose path segments can be appended (percent-encoded).
    pub(crate) fn url(&self, path: &str) -> Result<reqwest::Url, SpApiError> {
        reqwest::Url::parse(&format!("{}{}", self.config.base_url, path))
            .map_err(|e| SpApiError::Unavailable(format!("bad SP-API endpoint: {e}")))
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

    /// One call, paced by `bucket` and retried on 429; returns the success body.
    pub(crate) async fn send(
        &self,
        operation: &str,
        bucket: &TokenBucket,
        method: Method,
        url: reqwest::Url,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<String, SpApiError> {
        let mut retries = 0;
        let mut token_refreshed = false;
        loop {
            bucket.acquire().await;
            let token = self.access_token().await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header("x-amz-access-token", token.expose())
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| SpApiError::Unavailable(format!("{operation}: {e}")))?;
            let status = response.status();
            tracing::debug!(operation, status = status.as_u16(), retries, "SP-API call");
            match status {
                s if s.is_success() => {
                    return response
                        .text()
                        .await
                        .map_err(|e| SpApiError::Unavailable(format!("{operation}: {e}")));
                }
                StatusCode::NOT_FOUND => return Err(SpApiError::NotFound),
                StatusCode::TOO_MANY_REQUESTS => {
                    // The quota is shared with every other caller of this seller's account:
                    // believe the server, not the local bucket.
                    bucket.drain();
                    if retries >= self.config.max_retries {
                        tracing::warn!(operation, retries, "SP-API still throttling");
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
                        "{operation} answered {}",
                        s.as_u16()
                    )));
                }
            }
        }
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
