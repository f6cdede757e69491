//! The SP-API client of each Amazon channel, built from its record and kept for reuse, so the
//! access token and the rate-limit buckets survive across invocations of a warm function.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchyard_amazon::{AmazonOrders, LwaCredentials, Secret, SpApiClient, SpApiConfig};
use switchyard_channels::Channel;
use switchyard_platform::ServiceError;
use switchyard_secrets::SecretStore;

/// Why no SP-API client could be made for a channel: the consumer retries one and dead-letters
/// the other, so the two must never be confused.
#[derive(Debug, thiserror::Error)]
pub enum SellerError {
    /// The channel's record or its secrets are incomplete: retrying cannot help until an
    /// operator fixes the channel and redrives.
    #[error("{0}")]
    Misconfigured(String),
    /// The secret store could not be read (SSM throttled or down): worth retrying.
    #[error(transparent)]
    Unavailable(#[from] ServiceError),
}

/// Gives the SP-API client for a channel.
#[async_trait::async_trait]
pub trait SellerApis: Send + Sync {
    /// The client for `channel`.
    async fn for_channel(&self, channel: &Channel) -> Result<Arc<dyn AmazonOrders>, SellerError>;
}

/// Real SP-API clients, credentials from the secret store.
pub struct SpApiSellers {
    secrets: Arc<dyn SecretStore>,
    clients: Mutex<HashMap<String, Arc<SpApiClient>>>,
}

impl SpApiSellers {
    /// Clients whose credentials come from `secrets`.
    pub fn new(secrets: Arc<dyn SecretStore>) -> Self {
        SpApiSellers {
            secrets,
            clients: Mutex::default(),
        }
    }

    async fn secret(&self, parameter: &str) -> Result<Secret, SellerError> {
        match self.secrets.get(parameter).await? {
            Some(value) => Ok(Secret::new(value)),
            None => Err(SellerError::Misconfigured(format!(
                "secret {parameter} is missing"
            ))),
        }
    }
}

#[async_trait::async_trait]
impl SellerApis for SpApiSellers {
    async fn for_channel(&self, channel: &Channel) -> Result<Arc<dyn AmazonOrders>, SellerError> {
        let Some(seller) = &channel.amazon else {
            return Err(SellerError::Misconfigured(format!(
                "channel {} has no Amazon seller settings",
                channel.name
            )));
        };
        // Keyed by everything that shapes the client, so an edited record gets a new one.
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            channel.name,
            seller.endpoint,
            seller.token_url,
            seller.client_id,
            seller.client_secret,
            seller.refresh_token
        );
        if let Some(client) = self.clients.lock().unwrap().get(&key) {
            return Ok(client.clone());
        }
        let credentials = LwaCredentials {
            client_id: seller.client_id.clone(),
            client_secret: self.secret(&seller.client_secret).await?,
            refresh_token: self.secret(&seller.refresh_token).await?,
        };
        let client = SpApiClient::new(SpApiConfig::new(
            &seller.endpoint,
            &seller.token_url,
            credentials,
        ))
        .map_err(|e| SellerError::Misconfigured(e.to_string()))?;
        let client = Arc::new(client);
        self.clients.lock().unwrap().insert(key, client.clone());
        Ok(client)
    }
}
