//! Channels in memory: the twin the handler tests use, held to the same contract.

use std::collections::HashMap;
use std::sync::Mutex;

use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::{Channel, ChannelDirectory, PutChannelError, hash_api_key};

/// Channels in memory.
#[derive(Debug, Default)]
pub struct InMemoryChannelDirectory {
    channels: Mutex<HashMap<ChannelName, Channel>>,
    keys: Mutex<HashMap<String, ChannelName>>,
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
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError> {
        let name = self
            .keys
            .lock()
            .unwrap()
            .get(&hash_api_key(secret))
            .cloned();
        match name {
            Some(name) => self.get(&name).await,
            None => Ok(None),
        }
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

    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError> {
        self.keys
            .lock()
            .unwrap()
            .insert(hash.to_string(), name.clone());
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Channel>, ServiceError> {
        let mut all: Vec<Channel> = self.channels.lock().unwrap().values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }
}
