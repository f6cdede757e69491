//! Per-channel request rate limits (`rate_limit_per_second` on the channel record).
//!
//! A fixed one-second window per channel, counted in DynamoDB so that every Lambda instance sees
//! the same count: one conditional `UpdateItem` per request admits it while the window's count is
//! under the limit. Counter items expire after a minute (TTL). Fixed windows can let up to twice
//! the limit through across a window edge; that is fine for protecting the intake, and the orders
//! queue protects the ERP regardless.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use switchyard_model::ChannelName;

use crate::ServiceError;

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

/// Counters in a DynamoDB table with a `pk` hash key and TTL on `expires_at` (the idempotency
/// table has both).
#[derive(Debug, Clone)]
pub struct DynamoDbRateLimiter {
    client: Client,
    table: String,
}

impl DynamoDbRateLimiter {
    /// A limiter counting in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for DynamoDbRateLimiter {
    async fn admit(
        &self,
        channel: &ChannelName,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        let second = now.timestamp();
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(format!("RATE#{channel}#{second}")))
            .update_expression("ADD n :one SET expires_at = :expires")
            .condition_expression("attribute_not_exists(n) OR n < :limit")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .expression_attribute_values(":expires", AttributeValue::N((second + 60).to_string()))
            .send()
            .await;
        match counted {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(ServiceError::new("dynamodb", DisplayErrorContext(e))),
        }
    }
}

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
