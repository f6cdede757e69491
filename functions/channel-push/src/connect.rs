//! How each channel kind's client is built from its channel record and the secret store.

use std::sync::Arc;

use switchyard_amazon::{LwaCredentials, Secret, SpApiConfig, SpApiListings, SpApiShipments};
use switchyard_channels::{Channel, StockPush};
use switchyard_fulfilment::ChannelFulfilment;
use switchyard_inventory::ChannelStock;
use switchyard_platform::ServiceError;
use switchyard_secrets::SecretStore;
use switchyard_shopify::{AccessToken, ShopifyConfig, ShopifyFulfilment, ShopifyInventory};
use switchyard_woocommerce::{ConsumerSecret, WooConfig, WooFulfilment, WooInventory};

/// A client, or why the channel's record cannot make one (left to an operator: retrying does
/// not help until the record is fixed).
pub type Connected = Result<Arc<dyn ChannelStock>, String>;

/// A fulfilment client, or why the channel's record cannot make one.
pub type ConnectedFulfilment = Result<Arc<dyn ChannelFulfilment>, String>;

/// Builds a channel's clients from its record: the same connection (endpoint, credential)
/// serves stock and fulfilment.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    /// The stock client for `channel`; `Err` only when the secret store failed (worth retrying).
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError>;

    /// The fulfilment client for `channel`; `Err` only when the secret store failed.
    async fn connect_fulfilment(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<ConnectedFulfilment, ServiceError>;
}

fn stock_push(channel: &Channel) -> Result<&StockPush, String> {
    channel
        .stock_push
        .as_ref()
        .ok_or_else(|| "no stock push configured".to_string())
}

/// The value of `parameter`: `Ok(Err)` when it is missing.
async fn secret(
    secrets: &dyn SecretStore,
    parameter: Option<&str>,
    what: &str,
) -> Result<Result<String, String>, ServiceError> {
    let Some(parameter) = parameter else {
        return Ok(Err(format!("no {what} parameter (stock_push.credential)")));
    };
    Ok(secrets
        .get(parameter)
        .await?
        .ok_or_else(|| format!("parameter {parameter} ({what}) has no value")))
}

/// Shopify: `stock_push.endpoint` is the shop URL, `location_id` the location it sells from,
/// the credential the Admin API access token.
pub struct Shopify;

impl Shopify {
    async fn config(
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Result<ShopifyConfig, String>, ServiceError> {
        let push = match stock_push(channel) {
            Ok(push) => push,
            Err(reason) => return Ok(Err(reason)),
        };
        let token = match secret(secrets, push.credential.as_deref(), "access token").await? {
            Ok(token) => token,
            Err(reason) => return Ok(Err(reason)),
        };
        Ok((|| {
            let shop = push
                .endpoint
                .clone()
                .ok_or("no shop URL (stock_push.endpoint)")?;
            let location = push
                .location_id
                .clone()
                .ok_or("no Shopify location (stock_push.location_id)")?;
            Ok(ShopifyConfig::new(shop, AccessToken::new(token), location))
        })())
    }
}

#[async_trait::async_trait]
impl Connector for Shopify {
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError> {
        Ok(Self::config(channel, secrets).await?.and_then(|config| {
            ShopifyInventory::new(config)
                .map(|c| Arc::new(c) as Arc<dyn ChannelStock>)
                .map_err(|e| e.to_string())
        }))
    }

    async fn connect_fulfilment(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<ConnectedFulfilment, ServiceError> {
        Ok(Self::config(channel, secrets).await?.and_then(|config| {
            ShopifyFulfilment::new(config)
                .map(|c| Arc::new(c) as Arc<dyn ChannelFulfilment>)
                .map_err(|e| e.to_string())
        }))
    }
}

/// WooCommerce: `stock_push.endpoint` is the site URL, the credential
/// `consumer_key:consumer_secret`.
pub struct WooCommerce;

impl WooCommerce {
    async fn config(
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Result<WooConfig, String>, ServiceError> {
        let push = match stock_push(channel) {
            Ok(push) => push,
            Err(reason) => return Ok(Err(reason)),
        };
        let credential = match secret(secrets, push.credential.as_deref(), "REST API key").await? {
            Ok(credential) => credential,
            Err(reason) => return Ok(Err(reason)),
        };
        Ok((|| {
            let site = push
                .endpoint
                .clone()
                .ok_or("no site URL (stock_push.endpoint)")?;
            let (key, secret) = credential
                .split_once(':')
                .ok_or("the credential is not consumer_key:consumer_secret")?;
            Ok(WooConfig::new(site, key, ConsumerSecret::new(secret)))
        })())
    }
}

#[async_trait::async_trait]
impl Connector for WooCommerce {
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError> {
        Ok(Self::config(channel, secrets).await?.and_then(|config| {
            WooInventory::new(config)
                .map(|c| Arc::new(c) as Arc<dyn ChannelStock>)
                .map_err(|e| e.to_string())
        }))
    }

    async fn connect_fulfilment(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<ConnectedFulfilment, ServiceError> {
        Ok(Self::config(channel, secrets).await?.and_then(|config| {
            WooFulfilment::new(config)
                .map(|c| Arc::new(c) as Arc<dyn ChannelFulfilment>)
                .map_err(|e| e.to_string())
        }))
    }
}

/// Amazon: the channel's seller settings (endpoint, LWA credentials by reference), its
/// marketplace's listings and orders.
pub struct Amazon;

impl Amazon {
    /// The SP-API configuration and the seller's (seller id, marketplace id).
    async fn config(
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Result<(SpApiConfig, String, String), String>, ServiceError> {
        let Some(seller) = &channel.amazon else {
            return Ok(Err("no Amazon seller settings".into()));
        };
        let client_secret =
            match secret(secrets, Some(&seller.client_secret), "LWA client secret").await? {
                Ok(value) => value,
                Err(reason) => return Ok(Err(reason)),
            };
        let refresh_token =
            match secret(secrets, Some(&seller.refresh_token), "LWA refresh token").await? {
                Ok(value) => value,
                Err(reason) => return Ok(Err(reason)),
            };
        let config = SpApiConfig::new(
            &seller.endpoint,
            &seller.token_url,
            LwaCredentials {
                client_id: seller.client_id.clone(),
                client_secret: Secret::new(client_secret),
                refresh_token: Secret::new(refresh_token),
            },
        );
        Ok(Ok((
            config,
            seller.seller_id.clone(),
            seller.marketplace_id.clone(),
        )))
    }
}

#[async_trait::async_trait]
impl Connector for Amazon {
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError> {
        Ok(Self::config(channel, secrets)
            .await?
            .and_then(|(config, seller, marketplace)| {
                SpApiListings::new(config, &seller, &marketplace)
                    .map(|client| Arc::new(client) as Arc<dyn ChannelStock>)
                    .map_err(|e| e.to_string())
            }))
    }

    async fn connect_fulfilment(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<ConnectedFulfilment, ServiceError> {
        Ok(Self::config(channel, secrets)
            .await?
            .and_then(|(config, _, marketplace)| {
                SpApiShipments::new(config, marketplace)
                    .map(|client| Arc::new(client) as Arc<dyn ChannelFulfilment>)
                    .map_err(|e| e.to_string())
            }))
    }
}
