//! Channel authentication by API key.

use switchyard_platform::channels::{Channel, ChannelDirectory};

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
