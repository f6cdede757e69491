//! Counters in DynamoDB, shared by every Lambda instance.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::RateLimiter;

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
        // The condition below lets the first request of a second through whatever the limit
        // (`attribute_not_exists(n)`), so a limit of 0 would admit one a second: refuse here.
        if limit == 0 {
            return Ok(false);
        }
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
