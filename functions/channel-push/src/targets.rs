//! [`DirectoryTargets`]: the channels of one kind from the channel directory, with a client each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchyard_channels::{Channel, ChannelDirectory, ChannelKind};
use switchyard_inventory::ChannelStock;
use switchyard_inventory::pusher::{PushTargets, Target};
use switchyard_platform::ServiceError;
use switchyard_secrets::SecretStore;

use crate::connect::{Connected, Connector};

/// How long the channel list is reused: a changed channel record (a new allocation, a rotated
/// token) is picked up within this.
const REFRESH_AFTER: Duration = Duration::from_secs(30);

/// The channels of one kind that have a stock push configured.
pub struct DirectoryTargets {
    channels: Arc<dyn ChannelDirectory>,
    secrets: Arc<dyn SecretStore>,
    kind: ChannelKind,
    connector: Box<dyn Connector>,
    cached: Mutex<Option<(Instant, Vec<Target>)>>,
    // Clients outlive a refresh while their channel's record is unchanged, so what they cache
    // (Shopify's SKU → inventory item lookups, SP-API tokens) survives.
    clients: Mutex<HashMap<String, Target>>,
}

impl DirectoryTargets {
    /// The `kind` channels of `channels`, connected by `connector`.
    pub fn new(
        channels: Arc<dyn ChannelDirectory>,
        secrets: Arc<dyn SecretStore>,
        kind: ChannelKind,
        connector: Box<dyn Connector>,
    ) -> Self {
        Self {
            channels,
            secrets,
            kind,
            connector,
            cached: Mutex::new(None),
            clients: Mutex::new(HashMap::new()),
        }
    }

    async fn client(&self, channel: &Channel) -> Result<Connected, ServiceError> {
        let name = channel.name.to_string();
        if let Some((known, client)) = self.clients.lock().unwrap().get(&name)
            && known == channel
        {
            return Ok(Ok(client.clone()));
        }
        let client: Arc<dyn ChannelStock> = match self
            .connector
            .connect(channel, self.secrets.as_ref())
            .await?
        {
            Ok(client) => client,
            Err(reason) => return Ok(Err(reason)),
        };
        self.clients
            .lock()
            .unwrap()
            .insert(name, (channel.clone(), client.clone()));
        Ok(Ok(client))
    }
}

#[async_trait::async_trait]
impl PushTargets for DirectoryTargets {
    async fn targets(&self) -> Result<Vec<Target>, ServiceError> {
        if let Some((at, targets)) = self.cached.lock().unwrap().as_ref()
            && at.elapsed() < REFRESH_AFTER
        {
            return Ok(targets.clone());
        }
        let mut targets = vec![];
        for channel in self.channels.list().await? {
            if channel.kind != self.kind || channel.stock_push.is_none() {
                continue;
            }
            match self.client(&channel).await? {
                Ok(client) => targets.push((channel, client)),
                // One misconfigured channel must not stop the others' stock.
                Err(reason) => {
                    tracing::error!(channel = %channel.name, %reason, "cannot connect to the channel; its stock is not pushed")
                }
            }
        }
        *self.cached.lock().unwrap() = Some((Instant::now(), targets.clone()));
        Ok(targets)
    }
}
