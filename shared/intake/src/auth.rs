//! Channel authentication by API key.

use chrono::Utc;
use switchyard_channels::{Channel, ChannelDirectory};
use switchyard_throttle::RateLimiter;

use crate::http::HttpRequest;
use crate::problem::{Problem, unavailable};

/// The API key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`.
pub fn presented_api_key(request: &HttpRequest) -> Option<&str> {
    request
        .header("authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .or_else(|| request.header("x-api-key"))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// The channel whose API key the request presents, or a 401 problem.
pub async fn authenticate(
    channels: &dyn ChannelDirectory,
    request: &HttpRequest,
) -> Result<Channel, Problem> {
    let Some(key) = presented_api_key(request) else {
        return Err(Problem::new(
            401,
            "unauthenticated",
            "Authentication required",
            "send the channel's API key as `Authorization: Bearer <key>` or `x-api-key`",
        ));
    };
    match channels.by_api_key(key).await {
        Ok(Some(channel)) => Ok(channel),
        Ok(None) => Err(Problem::new(
            401,
            "unauthenticated",
            "Authentication required",
            "the API key is not valid",
        )),
        Err(e) => Err(unavailable(e)),
    }
}

/// Counts the request against the channel's `rate_limit_per_second`; a 429 beyond it. A limiter
/// that fails lets the request through (logged): an outage of the counter must not stop orders.
pub async fn admit(limiter: &dyn RateLimiter, channel: &Channel) -> Result<(), Problem> {
    let Some(limit) = channel.rate_limit_per_second else {
        return Ok(());
    };
    match limiter.admit(&channel.name, limit, Utc::now()).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Problem::new(
            429,
            "rate-limited",
            "Too many requests",
            format!(
                "channel {} may make {limit} requests per second; retry after a second",
                channel.name
            ),
        )),
        Err(e) => {
            tracing::warn!(channel = %channel.name, error = %e, "rate limiter unavailable; request let through");
            Ok(())
        }
    }
}
