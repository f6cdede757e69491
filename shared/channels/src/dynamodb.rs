//! Channels in DynamoDB.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use chrono::{DateTime, SecondsFormat, Utc};
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::{
    ApiKey, Channel, ChannelCache, ChannelDirectory, KeyCheck, KeyState, PutChannelError,
    hash_api_key, last_used_cutoff,
};

/// Channels in a DynamoDB table (hash key `pk`): `CHANNEL#<name>` (the record), `APIKEY#<sha256>`
/// (a key that authenticates as the channel: `channel`, `created_at`, and when set `expires_at`,
/// `revoked_at`, `last_used_at`, RFC 3339) and `ALIAS#<partner id>` (which channel a partner id
/// belongs to; one channel per partner id).
#[derive(Debug, Clone)]
pub struct DynamoDbChannelDirectory {
    client: Client,
    table: String,
    cache: Option<Arc<ChannelCache>>,
}

impl DynamoDbChannelDirectory {
    /// A directory over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            cache: None,
        }
    }

    /// Reuses each channel record read for `ttl` (keys are still read on every request): for
    /// the functions on the request path, where every request reads its channel. A zero `ttl`
    /// caches nothing.
    pub fn with_channel_cache(mut self, ttl: Duration) -> Self {
        self.cache = (!ttl.is_zero()).then(|| Arc::new(ChannelCache::new(ttl)));
        self
    }

    /// [`Self::with_channel_cache`] for `SWITCHYARD_CHANNEL_CACHE_SECONDS` (default
    /// [`ChannelCache::DEFAULT_TTL`]; `0` turns it off).
    pub fn with_channel_cache_from_env(self) -> Self {
        let ttl = std::env::var("SWITCHYARD_CHANNEL_CACHE_SECONDS")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map_or(ChannelCache::DEFAULT_TTL, Duration::from_secs);
        self.with_channel_cache(ttl)
    }

    async fn get_item(
        &self,
        pk: String,
    ) -> Result<Option<HashMap<String, AttributeValue>>, ServiceError> {
        self.read_item(pk, false).await
    }

    /// `consistent`: a write just made must be seen (what `put` decides on), at twice the cost.
    async fn read_item(
        &self,
        pk: String,
        consistent: bool,
    ) -> Result<Option<HashMap<String, AttributeValue>>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(out.item)
    }

    /// The channel a partner id's item names, read consistently.
    async fn alias_owner(&self, alias: &str) -> Result<Option<ChannelName>, ServiceError> {
        Ok(self
            .read_item(format!("ALIAS#{alias}"), true)
            .await?
            .and_then(|item| item.get("channel").and_then(|v| v.as_s().ok()).cloned())
            .and_then(|name| ChannelName::try_from(name.as_str()).ok()))
    }

    /// The channel's current record, read consistently.
    async fn current(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        self.read_item(format!("CHANNEL#{name}"), true)
            .await?
            .map(|item| channel_from(&item))
            .transpose()
    }

    /// How `channel`'s put must treat each partner id: claim it (naming a stale owner, whose
    /// current record no longer lists it, so the claim may take the item over) and release the
    /// ones its previous record had that are still this channel's.
    async fn alias_plan(&self, channel: &Channel) -> Result<AliasPlan, PutChannelError> {
        let aliases = channel.aliases();
        let mut claims = Vec::new();
        for alias in &aliases {
            let stale_owner = match self.alias_owner(alias).await? {
                Some(owner) if owner != channel.name => {
                    let still_listed = self
                        .current(&owner)
                        .await?
                        .is_some_and(|c| c.aliases().contains(alias));
                    if still_listed {
                        return Err(PutChannelError::AliasTaken {
                            alias: alias.clone(),
                        });
                    }
                    Some(owner)
                }
                _ => None,
            };
            claims.push((alias.clone(), stale_owner));
        }
        let mut releases = Vec::new();
        let previous = self.current(&channel.name).await?;
        for old in previous.map(|p| p.aliases()).unwrap_or_default() {
            if !aliases.contains(&old)
                && self.alias_owner(&old).await?.as_ref() == Some(&channel.name)
            {
                releases.push(old);
            }
        }
        Ok(AliasPlan { claims, releases })
    }

    async fn write(&self, channel: &Channel, plan: &AliasPlan) -> Result<(), PutChannelError> {
        let me = AttributeValue::S(channel.name.to_string());
        let mut items = Vec::new();
        for (alias, stale_owner) in &plan.claims {
            let mut claim = Put::builder()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(format!("ALIAS#{alias}")))
                .item("channel", me.clone())
                .expression_attribute_values(":me", me.clone());
            claim = match stale_owner {
                Some(stale) => claim
                    .condition_expression(
                        "attribute_not_exists(pk) OR channel = :me OR channel = :stale",
                    )
                    .expression_attribute_values(":stale", AttributeValue::S(stale.to_string())),
                None => claim.condition_expression("attribute_not_exists(pk) OR channel = :me"),
            };
            let claim = claim.build().expect("put is complete");
            items.push(TransactWriteItem::builder().put(claim).build());
        }
        for alias in &plan.releases {
            let release = Delete::builder()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(format!("ALIAS#{alias}")))
                .condition_expression("channel = :me")
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
        let reasons: Vec<Option<String>> = e
            .as_service_error()
            .and_then(|se| match se {
                TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
                _ => None,
            })
            .map(|c| {
                c.cancellation_reasons()
                    .iter()
                    .map(|r| r.code().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        // A failed condition on a claim: the partner id was taken since the plan was made.
        if let Some(i) = reasons
            .iter()
            .take(plan.claims.len())
            .position(|r| r.as_deref() == Some("ConditionalCheckFailed"))
        {
            return Err(PutChannelError::AliasTaken {
                alias: plan.claims[i].0.clone(),
            });
        }
        Err(ServiceError::new("dynamodb", DisplayErrorContext(e)).into())
    }
}

/// What a put does with partner ids, decided from consistent reads just before it.
struct AliasPlan {
    /// Each partner id to claim, with the stale owner it may take the item over from.
    claims: Vec<(String, Option<ChannelName>)>,
    /// Partner ids the previous record had, still held by this channel, to release.
    releases: Vec<String>,
}

fn channel_from(item: &HashMap<String, AttributeValue>) -> Result<Channel, ServiceError> {
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| ServiceError::new("dynamodb", "channel item without doc"))?;
    serde_json::from_str(doc)
        .map_err(|e| ServiceError::new("dynamodb", format!("unreadable channel: {e}")))
}

/// Times are stored in one RFC 3339 form (UTC, milliseconds, `Z`), so that they compare as
/// strings in condition expressions.
fn time(at: DateTime<Utc>) -> AttributeValue {
    AttributeValue::S(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn time_of(item: &HashMap<String, AttributeValue>, name: &str) -> Option<DateTime<Utc>> {
    let text = item.get(name)?.as_s().ok()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// A key item as a record; `None` for one naming no valid channel. Items written before keys
/// had ids, expiries or last-used times carry only `channel` and `created_at`.
fn key_from(hash: String, item: &HashMap<String, AttributeValue>) -> Option<ApiKey> {
    let channel = item.get("channel")?.as_s().ok()?;
    let channel = ChannelName::try_from(channel.as_str()).ok()?;
    Some(ApiKey {
        hash,
        channel,
        // Every key item was written with one; an unreadable one must not lock the key out.
        created_at: time_of(item, "created_at").unwrap_or(DateTime::UNIX_EPOCH),
        expires_at: time_of(item, "expires_at"),
        revoked_at: time_of(item, "revoked_at"),
        last_used_at: time_of(item, "last_used_at"),
    })
}

fn is_condition_failed<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

impl DynamoDbChannelDirectory {
    /// Writes `now` as the key's last use, on the condition that the stored one is still older
    /// than the interval: of concurrent requests that all saw a stale time, one writes. A
    /// failure is logged, not returned: the request it rides on must not fail for it.
    async fn record_use(&self, key: &ApiKey, now: DateTime<Utc>) {
        let written = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(format!("APIKEY#{}", key.hash)))
            .update_expression("SET last_used_at = :now")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :cutoff)",
            )
            .expression_attribute_values(":now", time(now))
            .expression_attribute_values(":cutoff", time(last_used_cutoff(now)))
            .send()
            .await;
        match written {
            Ok(_) => {}
            Err(e) if is_condition_failed(&e) => {}
            Err(e) => tracing::warn!(
                key_id = key.id(),
                channel = %key.channel,
                error = %DisplayErrorContext(e),
                "could not record the API key's last use"
            ),
        }
    }
}

#[async_trait::async_trait]
impl ChannelDirectory for DynamoDbChannelDirectory {
    async fn check_api_key(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyCheck, ServiceError> {
        let hash = hash_api_key(secret);
        // Read consistently: a revocation must be seen by the very next request (same request
        // count as an eventually consistent read, twice the read units of a tiny item).
        let Some(item) = self.read_item(format!("APIKEY#{hash}"), true).await? else {
            return Ok(KeyCheck::Unknown);
        };
        let Some(key) = key_from(hash, &item) else {
            return Ok(KeyCheck::Unknown);
        };
        let channel = self.get(&key.channel).await?;
        if channel.is_some() && key.state(now) == KeyState::Active && key.use_is_due(now) {
            self.record_use(&key, now).await;
        }
        Ok(KeyCheck::of(&key, channel, now))
    }

    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        if let Some(cached) = self.cache.as_ref().and_then(|c| c.get(name)) {
            return Ok(cached);
        }
        let channel = self
            .get_item(format!("CHANNEL#{name}"))
            .await?
            .map(|item| channel_from(&item))
            .transpose()?;
        if let Some(cache) = &self.cache {
            cache.put(name, channel.clone());
        }
        Ok(channel)
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
        // The plan comes from reads, the write is one transaction conditioned on what they saw:
        // when someone changed a partner id in between, plan and write again. The plan must see
        // the stored record, not a cached one, and so must this process afterwards.
        if let Some(cache) = &self.cache {
            cache.forget(&channel.name);
        }
        let mut attempt = 1;
        loop {
            let plan = self.alias_plan(channel).await?;
            match self.write(channel, &plan).await {
                Err(PutChannelError::AliasTaken { .. } | PutChannelError::Service(_))
                    if attempt < 3 =>
                {
                    attempt += 1;
                }
                done => {
                    if let Some(cache) = &self.cache {
                        cache.forget(&channel.name);
                    }
                    return done;
                }
            }
        }
    }

    async fn put_api_key(&self, key: &ApiKey) -> Result<(), ServiceError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("APIKEY#{}", key.hash)))
            .item("channel", AttributeValue::S(key.channel.to_string()))
            .item("created_at", time(key.created_at));
        for (name, at) in [
            ("expires_at", key.expires_at),
            ("revoked_at", key.revoked_at),
            ("last_used_at", key.last_used_at),
        ] {
            if let Some(at) = at {
                put = put.item(name, time(at));
            }
        }
        put.send()
            .await
            .map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn api_keys(&self, name: &ChannelName) -> Result<Vec<ApiKey>, ServiceError> {
        // A scan: an operator's read (`channels show`, `revoke-key`), never a request's.
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .filter_expression("begins_with(pk, :prefix) AND channel = :channel")
            .expression_attribute_values(":prefix", AttributeValue::S("APIKEY#".into()))
            .expression_attribute_values(":channel", AttributeValue::S(name.to_string()))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| ServiceError::new("dynamodb", DisplayErrorContext(e)))?;
            let hash = item
                .get("pk")
                .and_then(|v| v.as_s().ok())
                .and_then(|pk| pk.strip_prefix("APIKEY#"))
                .map(str::to_string);
            if let Some(key) = hash.and_then(|hash| key_from(hash, &item)) {
                keys.push(key);
            }
        }
        keys.sort_by(|a, b| (a.created_at, &a.hash).cmp(&(b.created_at, &b.hash)));
        Ok(keys)
    }

    async fn revoke_api_key(&self, hash: &str, at: DateTime<Utc>) -> Result<bool, ServiceError> {
        let revoked = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(format!("APIKEY#{hash}")))
            .update_expression("SET revoked_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":at", time(at))
            .send()
            .await;
        match revoked {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(ServiceError::new("dynamodb", DisplayErrorContext(e))),
        }
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
