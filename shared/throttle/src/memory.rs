//! Counters in memory: the twin the handler tests use, held to the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::RateLimiter;

/// Counters in memory.
#[derive(Debug, Default)]
pub struct InMemoryRateLimiter {
    counts: Mutex<HashMap<(ChannelName, i64), u32>>,
}

impl InMemoryRateLimiter {
    /// No requests counted yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl RateLimiter for InMemoryRateLimiter {
    async fn admit(
        &self,
        channel: &ChannelName,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        let mut counts = self.counts.lock().unwrap();
        let n = counts
            .entry((channel.clone(), now.timestamp()))
            .or_insert(0);
        if *n >= limit {
            return Ok(false);
        }
        *n += 1;
        Ok(true)
    }
}
