//! The SP-API client of each Amazon channel, built from its record and kept for reuse, so the
//! access token and the rate-limit buckets survive across invocations of a warm function.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchyard_amazon::{AmazonOrders, LwaCredentials, Secret, SpApiClient, SpApiConfig};
use switchyard_channels::Channel;
use switchyard_secrets::SecretStore;

/// Gives the SP-API client for a channel.
#[async_trait::async_trait]
pub trait SellerApis: Send + Sync {
    /// The client for `channel`; an error says what is missing in its configuration.
    async fn for_channel(&self, channel: &Channel) -> Result<Arc<dyn AmazonOrders>, String>;
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

    async fn secret(&self, parameter: &str) -> Result<Secret, String> {
        match self.secrets.get(parameter).await {
            Ok(Some(value)) => Ok(Secret::new(value)),
            Ok(None) => Err(format!("secret {parameter} is missing")),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[async_trait::async_trait]
impl SellerApis for SpApiSellers {
    async fn for_channel(&self, channel: &Channel) -> Result<Arc<dyn AmazonOrders>, String> {
        let Some(seller) = &channel.amazon else {
            return Err(format!(
                "channel {} has no Amazon seller settings",
                channel.name
            ));
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
        .map_err(|e| e.to_string())?;
        let client = Arc::new(client);
        self.clients.lock().unwrap().insert(key, client.clone());
        Ok(client)
    }
}
