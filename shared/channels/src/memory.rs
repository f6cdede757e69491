//! Channels in memory: the twin the handler tests use, held to the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::{ApiKey, Channel, ChannelDirectory, KeyCheck, PutChannelError, hash_api_key};

/// Channels in memory.
#[derive(Debug, Default)]
pub struct InMemoryChannelDirectory {
    channels: Mutex<HashMap<ChannelName, Channel>>,
    /// Key records by hash.
    keys: Mutex<HashMap<String, ApiKey>>,
}

impl InMemoryChannelDirectory {
    fn named_by_alias(&self, alias: &str) -> Option<ChannelName> {
        self.channels
            .lock()
            .unwrap()
            .values()
            .find(|c| c.aliases().iter().any(|a| a == alias))
            .map(|c| c.name.clone())
    }
}

impl InMemoryChannelDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ChannelDirectory for InMemoryChannelDirectory {
    async fn check_api_key(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyCheck, ServiceError> {
        let key = {
            let mut keys = self.keys.lock().unwrap();
            let Some(key) = keys.get_mut(&hash_api_key(secret)) else {
                return Ok(KeyCheck::Unknown);
            };
            let found = key.clone();
            if found.state(now) == crate::KeyState::Active && found.use_is_due(now) {
                key.last_used_at = Some(now);
            }
            found
        };
        let channel = self.get(&key.channel).await?;
        Ok(KeyCheck::of(&key, channel, now))
    }

    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError> {
        Ok(self.channels.lock().unwrap().get(name).cloned())
    }

    async fn by_alias(&self, alias: &str) -> Result<Option<Channel>, ServiceError> {
        match self.named_by_alias(alias) {
            Some(name) => self.get(&name).await,
            None => Ok(None),
        }
    }

    async fn put(&self, channel: &Channel) -> Result<(), PutChannelError> {
        // One lock over the check and the write: two channels claiming one partner id at once
        // must not both win.
        let mut channels = self.channels.lock().unwrap();
        for alias in channel.aliases() {
            let owner = channels
                .values()
                .find(|c| c.aliases().contains(&alias))
                .map(|c| c.name.clone());
            if owner.is_some_and(|owner| owner != channel.name) {
                return Err(PutChannelError::AliasTaken { alias });
            }
        }
        channels.insert(channel.name.clone(), channel.clone());
        Ok(())
    }

    async fn put_api_key(&self, key: &ApiKey) -> Result<(), ServiceError> {
        self.keys
            .lock()
            .unwrap()
            .insert(key.hash.clone(), key.clone());
        Ok(())
    }

    async fn api_keys(&self, name: &ChannelName) -> Result<Vec<ApiKey>, ServiceError> {
        let mut keys: Vec<ApiKey> = self
            .keys
            .lock()
            .unwrap()
            .values()
            .filter(|k| &k.channel == name)
            .cloned()
            .collect();
        keys.sort_by(|a, b| (a.created_at, &a.hash).cmp(&(b.created_at, &b.hash)));
        Ok(keys)
    }

    async fn revoke_api_key(&self, hash: &str, at: DateTime<Utc>) -> Result<bool, ServiceError> {
        match self.keys.lock().unwrap().get_mut(hash) {
            Some(key) if key.revoked_at.is_none() => {
                key.revoked_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn list(&self) -> Result<Vec<Channel>, ServiceError> {
        let mut all: Vec<Channel> = self.channels.lock().unwrap().values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }
}
