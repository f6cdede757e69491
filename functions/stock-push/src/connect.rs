//! How each channel kind's client is built from its channel record and the secret store.

use std::sync::Arc;

use switchyard_amazon::{LwaCredentials, Secret, SpApiConfig, SpApiListings};
use switchyard_channels::{Channel, StockPush};
use switchyard_inventory::ChannelStock;
use switchyard_platform::ServiceError;
use switchyard_secrets::SecretStore;
use switchyard_shopify::{AccessToken, ShopifyConfig, ShopifyInventory};
use switchyard_woocommerce::{ConsumerSecret, WooConfig, WooInventory};

/// A client, or why the channel's record cannot make one (left to an operator: retrying does
/// not help until the record is fixed).
pub type Connected = Result<Arc<dyn ChannelStock>, String>;

/// Builds a channel's client.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    /// The client for `channel`; `Err` only when the secret store failed (worth retrying).
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError>;
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

#[async_trait::async_trait]
impl Connector for Shopify {
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError> {
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
            let client =
                ShopifyInventory::new(ShopifyConfig::new(shop, AccessToken::new(token), location))
                    .map_err(|e| e.to_string())?;
            Ok(Arc::new(client) as Arc<dyn ChannelStock>)
        })())
    }
}

/// WooCommerce: `stock_push.endpoint` is the site URL, the credential
/// `consumer_key:consumer_secret`.
pub struct WooCommerce;

#[async_trait::async_trait]
impl Connector for WooCommerce {
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError> {
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
            let client = WooInventory::new(WooConfig::new(site, key, ConsumerSecret::new(secret)))
                .map_err(|e| e.to_string())?;
            Ok(Arc::new(client) as Arc<dyn ChannelStock>)
        })())
    }
}

/// Amazon: the channel's seller settings (endpoint, LWA credentials by reference), its
/// marketplace's listings.
pub struct Amazon;

#[async_trait::async_trait]
impl Connector for Amazon {
    async fn connect(
        &self,
        channel: &Channel,
        secrets: &dyn SecretStore,
    ) -> Result<Connected, ServiceError> {
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
        Ok(
            SpApiListings::new(config, &seller.seller_id, &seller.marketplace_id)
                .map(|client| Arc::new(client) as Arc<dyn ChannelStock>)
                .map_err(|e| e.to_string()),
        )
    }
}
