//! Shared AWS client configuration.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The HTTPS client every SDK client uses: rustls on ring, the crypto reqwest already links, so
/// a function carries one TLS stack rather than ring and aws-lc both (docs/decisions/0027).
/// Anything that builds an SDK configuration by hand (the local runner, a test's client) gives
/// it this client too; [`load_config`] does.
pub fn https_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Loads the SDK configuration from the environment (honours `AWS_ENDPOINT_URL`, so the same
/// binaries talk to moto locally), with timeouts short enough that every call ends well inside a
/// Lambda invocation and few retries (the queue is the retry mechanism).
pub async fn load_config() -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    // Every request names the function in its user agent (`app/order-processor`): CloudTrail,
    // and `make bench`'s count at the emulator, can tell whose request it was.
    if let Some(name) = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .ok()
        .and_then(|n| aws_config::AppName::new(n).ok())
    {
        loader = loader.app_name(name);
    }
    loader
        .http_client(https_client())
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

pub use crate::settings::{setting, setting_or};
