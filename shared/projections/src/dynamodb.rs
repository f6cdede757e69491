//! Projections in one DynamoDB table: hash key `pk`, range key `sk`, the document as a JSON
//! string in `doc`, its version in `version` and the version's tiebreak in `observed`.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use switchyard_platform::ServiceError;

use crate::{Applied, Key, ProjectionStore, Stored, Version};

/// BatchGetItem's limit of keys per request.
const BATCH_GET_LIMIT: usize = 100;
/// How many times unprocessed keys (throttled by DynamoDB) are asked for again.
const UNPROCESSED_RETRIES: u32 = 5;

/// Versioned documents in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoDbProjectionStore {
    client: Client,
    table: String,
}

impl DynamoDbProjectionStore {
    /// A store over `table` (hash key `pk`, range key `sk`, both strings).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn key_item(key: &Key) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_string(), AttributeValue::S(key.pk.clone())),
        ("sk".to_string(), AttributeValue::S(key.sk.clone())),
    ])
}

fn versioned_item(
    key: &Key,
    version: Version,
    doc: &serde_json::Value,
) -> HashMap<String, AttributeValue> {
    let mut item = key_item(key);
    item.insert(
        "version".into(),
        AttributeValue::N(version.value.to_string()),
    );
    item.insert(
        "observed".into(),
        AttributeValue::N(version.observed.to_string()),
    );
    item.insert("doc".into(), AttributeValue::S(doc.to_string()));
    item
}

fn dynamo_err(e: impl std::error::Error + 'static) -> ServiceError {
    ServiceError::new("dynamodb", DisplayErrorContext(e))
}

fn read_item(item: &HashMap<String, AttributeValue>) -> Result<(Key, Stored), ServiceError> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) => Ok(s.clone()),
        Some(AttributeValue::N(n)) => Ok(n.clone()),
        _ => Err(ServiceError::new(
            "dynamodb",
            format!("projection item without {name}"),
        )),
    };
    let number = |name: &str| -> Result<i64, ServiceError> {
        text(name)?
            .parse()
            .map_err(|e| ServiceError::new("dynamodb", format!("projection {name}: {e}")))
    };
    let version = Version {
        value: number("version")?,
        observed: number("observed")?,
    };
    let doc = serde_json::from_str(&text("doc")?)
        .map_err(|e| ServiceError::new("dynamodb", format!("projection doc: {e}")))?;
    Ok((Key::new(text("pk")?, text("sk")?), Stored { version, doc }))
}

#[async_trait::async_trait]
impl ProjectionStore for DynamoDbProjectionStore {
    async fn put_if_newer(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<Applied, ServiceError> {
        let item = versioned_item(key, version, doc);
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR version < :version \
                 OR (version = :version AND observed < :observed)",
            )
            .expression_attribute_values(":version", AttributeValue::N(version.value.to_string()))
            .expression_attribute_values(
                ":observed",
                AttributeValue::N(version.observed.to_string()),
            )
            .send()
            .await;
        match written {
            Ok(_) => Ok(Applied::Written),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(Applied::Stale)
            }
            Err(e) => Err(dynamo_err(e)),
        }
    }

    async fn put(
        &self,
        key: &Key,
        version: Version,
        doc: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        let item = versioned_item(key, version, doc);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map(|_| ())
            .map_err(dynamo_err)
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Stored>>, ServiceError> {
        // BatchGetItem refuses a request that names a key twice.
        let mut unique: Vec<&Key> = keys.iter().collect();
        unique.sort();
        unique.dedup();
        let mut found: HashMap<Key, Stored> = HashMap::new();
        for chunk in unique.chunks(BATCH_GET_LIMIT) {
            let mut pending = KeysAndAttributes::builder()
                .set_keys(Some(chunk.iter().map(|k| key_item(k)).collect()))
                .build()
                .map_err(dynamo_err)?;
            for attempt in 0..=UNPROCESSED_RETRIES {
                let answer = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, pending.clone())
                    .send()
                    .await
                    .map_err(dynamo_err)?;
                for item in answer
                    .responses()
                    .and_then(|tables| tables.get(&self.table))
                    .into_iter()
                    .flatten()
                {
                    let (key, stored) = read_item(item)?;
                    found.insert(key, stored);
                }
                match answer
                    .unprocessed_keys()
                    .and_then(|tables| tables.get(&self.table))
                {
                    Some(rest) if !rest.keys().is_empty() => {
                        if attempt == UNPROCESSED_RETRIES {
                            return Err(ServiceError::new(
                                "dynamodb",
                                "BatchGetItem kept keys unprocessed (throttled)",
                            ));
                        }
                        // DynamoDB throttled part of the batch: back off before asking again.
                        tokio_sleep(attempt).await;
                        pending = rest.clone();
                    }
                    _ => break,
                }
            }
        }
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }
}

async fn tokio_sleep(attempt: u32) {
    let millis = 20u64 << attempt.min(6);
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}
