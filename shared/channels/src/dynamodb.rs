//! Channels in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::{Channel, ChannelDirectory, hash_api_key};

/// Channels in a DynamoDB table (hash key `pk`): `CHANNEL#<name>` and `APIKEY#<sha256>`.
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
        self.get(&name).await
    }

    async fn put(&self, channel: &Channel) -> Result<(), ServiceError> {
        // Claim the partner ids first: one ISA sender or seller id belongs to one channel only.
        for alias in channel.aliases() {
            let claimed = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(format!("ALIAS#{alias}")))
                .item("channel", AttributeValue::S(channel.name.to_string()))
                .condition_expression("attribute_not_exists(pk) OR channel = :me")
                .expression_attribute_values(":me", AttributeValue::S(channel.name.to_string()))
                .send()
                .await;
            if let Err(e) = claimed {
                let taken = e
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception());
                return Err(if taken {
                    ServiceError::new(
                        "dynamodb",
                        format!("{alias} already belongs to another channel"),
                    )
                } else {
                    ServiceError::new("dynamodb", DisplayErrorContext(e))
                });
            }
        }
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("CHANNEL#{}", channel.name)))
            .item(
                "doc",
                AttributeValue::S(serde_json::to_string(channel).expect("channels serialise")),
            )
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(())
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
