//! Channel authentication by API key.

use chrono::Utc;
use switchyard_channels::{Channel, ChannelDirectory, KeyCheck};
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

/// The channel whose API key the request presents, or a 401 problem: no key, an unknown one,
/// or one revoked or expired (the detail says which, and names the key by its id, never by
/// itself). The key's use is recorded by the directory, at most once per key per interval.
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
    let refused = |detail: String| {
        Err(Problem::new(
            401,
            "unauthenticated",
            "Authentication required",
            detail,
        ))
    };
    match channels.check_api_key(key, Utc::now()).await {
        Ok(KeyCheck::Valid(channel)) => Ok(*channel),
        Ok(KeyCheck::Unknown) => refused("the API key is not valid".into()),
        Ok(KeyCheck::Revoked { key_id, at }) => refused(format!(
            "the API key {key_id} was revoked at {}; ask the operator for a new one",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
        Ok(KeyCheck::Expired { key_id, at }) => refused(format!(
            "the API key {key_id} expired at {}; ask the operator for a new one",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use switchyard_channels::{ApiKey, ChannelKind, InMemoryChannelDirectory, IssuedApiKey};
    use switchyard_model::ChannelName;

    fn bearer(key: &str) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            path: "/v1/orders".into(),
            headers: vec![("authorization".into(), format!("Bearer {key}"))],
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_revoked_or_expired_key_gets_a_401_problem_saying_so_without_the_key() {
        let directory = InMemoryChannelDirectory::new();
        let name = ChannelName::try_from("demo-shop").unwrap();
        let channel = Channel::new(name.clone(), ChannelKind::Api, Utc::now());
        directory.put(&channel).await.unwrap();
        let (revoked, expired, live) = (
            IssuedApiKey::generate(),
            IssuedApiKey::generate(),
            IssuedApiKey::generate(),
        );
        let now = Utc::now();
        for (key, expires) in [
            (&revoked, None),
            (&expired, Some(now - Duration::seconds(1))),
            (&live, Some(now + Duration::days(90))),
        ] {
            directory
                .put_api_key(&ApiKey::new(name.clone(), &key.hash, now, expires))
                .await
                .unwrap();
        }
        directory.revoke_api_key(&revoked.hash, now).await.unwrap();

        assert_eq!(
            authenticate(&directory, &bearer(&live.secret))
                .await
                .unwrap()
                .name,
            name
        );
        for (key, word) in [(&revoked, "revoked"), (&expired, "expired")] {
            let problem = authenticate(&directory, &bearer(&key.secret))
                .await
                .unwrap_err();
            let response = crate::problem::respond(Err(problem.clone()));
            assert_eq!(response.status, 401);
            assert_eq!(
                response.header("content-type"),
                Some("application/problem+json")
            );
            assert!(
                problem.detail.contains(word)
                    && problem
                        .detail
                        .contains(switchyard_channels::key_id(&key.hash)),
                "{}",
                problem.detail
            );
            assert!(
                !response.body.contains(&key.secret),
                "the key is not echoed"
            );
        }
        let unknown = authenticate(&directory, &bearer("sy_nothing"))
            .await
            .unwrap_err();
        assert_eq!(unknown.detail, "the API key is not valid");
    }
}
