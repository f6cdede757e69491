//! Shared AWS client configuration and function settings from the environment.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

/// Loads the SDK configuration from the environment (honours `AWS_ENDPOINT_URL`, so the same
/// binaries talk to moto locally), with timeouts short enough that every call ends well inside a
/// Lambda invocation and few retries (the queue is the retry mechanism).
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(8))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await
}

/// A required setting, with an error naming the variable when it is missing.
pub fn setting(name: &str) -> anyhow::Result<String> {
    std::env::var(name).map_err(|_| anyhow::anyhow!("environment variable {name} must be set"))
}

/// An optional numeric setting with a default.
pub fn setting_or<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("environment variable {name} has an invalid value {v:?}")),
        Err(_) => Ok(default),
    }
}
