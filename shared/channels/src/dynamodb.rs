//! Channels in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use chrono::Utc;
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::{Channel, ChannelDirectory, PutChannelError, hash_api_key};

/// Channels in a DynamoDB table (hash key `pk`): `CHANNEL#<name>` (the record), `APIKEY#<sha256>`
/// (a key that authenticates as the channel) and `ALIAS#<partner id>` (which channel a partner id
/// belongs to; one channel per partner id).
#[derive(Debug, Clone)]
pub struct DynamoDbChannelDirectory {
    client: Client,
    table: String,
}

impl DynamoDbChannelDirectory {
    /// A directory over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn get_item(
        &self,
        pk: String,
    ) -> Result<Option<HashMap<String, AttributeValue>>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(out.item)
    }
}

fn channel_from(item: &HashMap<String, AttributeValue>) -> Result<Channel, ServiceError> {
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| ServiceError::new("dynamodb", "channel item without doc"))?;
    serde_json::from_str(doc)
        .map_err(|e| ServiceError::new("dynamodb", format!("unreadable channel: {e}")))
}

#[async_trait::async_trait]
impl ChannelDirectory for DynamoDbChannelDirectory {
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError> {
        let Some(key) = self
            .get_item(format!("APIKEY#{}", hash_api_key(secret)))
            .await?
        else {
            return Ok(None);
        };
        let Some(name) = key.get("channel").and_then(|v| v.as_s().ok()) else {
            return Ok(None);
        };
        let Ok(name) = ChannelName::try_from(name.as_str()) else {
            return Ok(None);
        };
        self.get(&name).await
    }

    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        self.get_item(format!("CHANNEL#{name}"))
            .await?
            .map(|item| channel_from(&item))
            .transpose()
    }

    async fn by_alias(&self, alias: &str) -> Result<Option<Channel>, ServiceError> {
        let Some(item) = self.get_item(format!("ALIAS#{alias}")).await? else {
            return Ok(None);
        };
        let Some(name) = item.get("channel").and_then(|v| v.as_s().ok()) else {
            return Ok(None);
        };
        let Ok(name) = ChannelName::try_from(name.as_str()) else {
            return Ok(None);
        };
        // The alias item may outlive the channel's use of it (a record written before aliases
        // were released): only the channel's current record has the last word.
        Ok(self
            .get(&name)
            .await?
            .filter(|channel| channel.aliases().iter().any(|a| a == alias)))
    }

    async fn put(&self, channel: &Channel) -> Result<(), PutChannelError> {
        let me = AttributeValue::S(channel.name.to_string());
        let aliases = channel.aliases();
        let released: Vec<String> = self
            .get(&channel.name)
            .await?
            .map(|previous| previous.aliases())
            .unwrap_or_default()
            .into_iter()
            .filter(|old| !aliases.contains(old))
            .collect();
        // One transaction: the partner ids are claimed, the dropped ones released and the record
        // written together, so a refused claim leaves nothing behind.
        let mut items = Vec::new();
        for alias in &aliases {
            let claim = Put::builder()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(format!("ALIAS#{alias}")))
                .item("channel", me.clone())
                .condition_expression("attribute_not_exists(pk) OR channel = :me")
                .expression_attribute_values(":me", me.clone())
                .build()
                .expect("put is complete");
            items.push(TransactWriteItem::builder().put(claim).build());
        }
        for alias in &released {
            let release = Delete::builder()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(format!("ALIAS#{alias}")))
                .condition_expression("attribute_not_exists(pk) OR channel = :me")
                .expression_attribute_values(":me", me.clone())
                .build()
                .expect("delete is complete");
            items.push(TransactWriteItem::builder().delete(release).build());
        }
        let record = Put::builder()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("CHANNEL#{}", channel.name)))
            .item(
                "doc",
                AttributeValue::S(serde_json::to_string(channel).expect("channels serialise")),
            )
            .build()
            .expect("put is complete");
        items.push(TransactWriteItem::builder().put(record).build());
        let written = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let Err(e) = written else {
            return Ok(());
        };
        // A failed condition on one of the claims names the partner id that is taken.
        let taken = e
            .as_service_error()
            .filter(|se| se.is_transaction_canceled_exception())
            .and_then(|se| match se {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
                _ => None,
            })
            .and_then(|c| {
                c.cancellation_reasons()
                    .iter()
                    .take(aliases.len())
                    .position(|r| r.code() == Some("ConditionalCheckFailed"))
            });
        match taken {
            Some(i) => Err(PutChannelError::AliasTaken {
                alias: aliases[i].clone(),
            }),
            None => Err(ServiceError::new("dynamodb", DisplayErrorContext(e)).into()),
        }
    }

    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("APIKEY#{hash}")))
            .item("channel", AttributeValue::S(name.to_string()))
            .item("created_at", AttributeValue::S(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Channel>, ServiceError> {
        let mut channels = Vec::new();
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(pk, :prefix)")
            .expression_attribute_values(":prefix", AttributeValue::S("CHANNEL#".into()))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
            channels.push(channel_from(&item)?);
        }
        channels.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(channels)
    }
}
