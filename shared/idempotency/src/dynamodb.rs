//! The DynamoDB store: one conditional `PutItem` per claim.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure};

use crate::{
    Claim, Held, IdempotencyError, IdempotencyStore, Lease, NextAction, epoch_ms, new_owner,
    refused,
};

const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";

/// Claims keys in a DynamoDB table whose hash key is the string `pk`, with TTL on `expires_at`.
#[derive(Debug, Clone)]
pub struct DynamoDbIdempotencyStore {
    client: Client,
    table: String,
}

impl DynamoDbIdempotencyStore {
    /// A store over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

impl DynamoDbIdempotencyStore {
    /// The put that stores `claim.key` as already completed with `result`, under the same
    /// condition as [`IdempotencyStore::claim`] (the key is free: never claimed, expired, or its
    /// lease ran out), for a caller that writes its work and the claim in one transaction
    /// (decision 0026). The lease it returns releases the key again
    /// ([`IdempotencyStore::release`]) if what follows the transaction fails.
    pub fn completed_claim(&self, claim: &Claim<'_>, result: &serde_json::Value) -> (Put, Lease) {
        let now_ms = epoch_ms(SystemTime::now());
        let lease = Lease {
            key: claim.key.to_string(),
            owner: new_owner(),
            until_ms: epoch_ms(claim.lease_until),
        };
        let put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(claim.key))
            .item("status", s(COMPLETED))
            .item("owner", s(&lease.owner))
            .item("payload_hash", s(claim.payload_hash))
            .item("result", s(result.to_string()))
            .item(
                "expires_at",
                n((now_ms + claim.retention.as_millis() as u64) / 1000),
            )
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at < :now_s \
                 OR (#status = :in_progress AND lease_until < :now_ms)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now_s", n(now_ms / 1000))
            .expression_attribute_values(":now_ms", n(now_ms))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .build()
            .expect("the put names its table and item");
        (put, lease)
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn store_err<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: SdkError<E, R>,
) -> IdempotencyError {
    IdempotencyError::Store(DisplayErrorContext(e).to_string())
}

#[async_trait::async_trait]
impl IdempotencyStore for DynamoDbIdempotencyStore {
    async fn claim(&self, claim: Claim<'_>) -> Result<NextAction, IdempotencyError> {
        let now = SystemTime::now();
        let now_ms = epoch_ms(now);
        let lease = Lease {
            key: claim.key.to_string(),
            owner: new_owner(),
            until_ms: epoch_ms(claim.lease_until),
        };
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(claim.key))
            .item("status", s(IN_PROGRESS))
            .item("owner", s(&lease.owner))
            .item("payload_hash", s(claim.payload_hash))
            .item("lease_until", n(lease.until_ms))
            .item(
                "expires_at",
                n((now_ms + claim.retention.as_millis() as u64) / 1000),
            )
            // TTL deletes lag by hours: an expired record is claimable whatever TTL has done.
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at < :now_s \
                 OR (#status = :in_progress AND lease_until < :now_ms)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now_s", n(now_ms / 1000))
            .expression_attribute_values(":now_ms", n(now_ms))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match put {
            Ok(_) => Ok(NextAction::Proceed(lease)),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    let old = failed.item().cloned().unwrap_or_default();
                    Ok(decide(&old, claim.payload_hash, now_ms))
                }
                other => Err(IdempotencyError::Store(
                    DisplayErrorContext(other).to_string(),
                )),
            },
        }
    }

    async fn complete(
        &self,
        lease: &Lease,
        result: &serde_json::Value,
        retention: Duration,
    ) -> Result<(), IdempotencyError> {
        let expires_at = (epoch_ms(SystemTime::now()) + retention.as_millis() as u64) / 1000;
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&lease.key))
            .update_expression(
                "SET #status = :completed, #result = :result, expires_at = :exp REMOVE lease_until",
            )
            .condition_expression("#owner = :owner AND #status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#result", "result")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":result", s(result.to_string()))
            .expression_attribute_values(":exp", n(expires_at))
            .expression_attribute_values(":owner", s(&lease.owner))
            .send()
            .await;
        match update {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(IdempotencyError::LeaseLost {
                key: lease.key.clone(),
            }),
            Err(e) => Err(store_err(e)),
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), IdempotencyError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&lease.key))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", s(&lease.owner))
            .send()
            .await;
        match delete {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(IdempotencyError::LeaseLost {
                key: lease.key.clone(),
            }),
            Err(e) => Err(store_err(e)),
        }
    }
}

fn is_condition_failure<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

/// What an existing record means for a new claim that the condition refused.
fn decide(
    old: &std::collections::HashMap<String, AttributeValue>,
    payload_hash: &str,
    now_ms: u64,
) -> NextAction {
    let text = |k: &str| old.get(k).and_then(|v| v.as_s().ok()).map(String::as_str);
    let number = |k: &str| {
        old.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let result = (text("status") == Some(COMPLETED)).then(|| {
        text("result")
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or(serde_json::Value::Null)
    });
    refused(
        Held {
            payload_hash: text("payload_hash"),
            result,
            lease_until_ms: number("lease_until"),
        },
        payload_hash,
        now_ms,
    )
}
