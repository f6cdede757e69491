//! The rate limiter port.

use chrono::{DateTime, Utc};
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

/// Admits or refuses a channel's request under its rate limit.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request of `channel` at `now`; false when the second's `limit` is used up.
    async fn admit(
        &self,
        channel: &ChannelName,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError>;
}
