//! How each channel kind's client is built from a channel record and its credential.

use std::sync::Arc;

use switchyard_channels::Channel;
use switchyard_inventory::ChannelStock;
use switchyard_shopify::{AccessToken, ShopifyConfig, ShopifyInventory};

/// A Shopify channel: `stock_push.endpoint` is the shop URL, `location_id` the location it sells
/// from, the credential the Admin API access token.
pub fn shopify(channel: &Channel, token: Option<String>) -> Result<Arc<dyn ChannelStock>, String> {
    let push = channel
        .stock_push
        .as_ref()
        .ok_or("no stock push configured")?;
    let shop = push
        .endpoint
        .clone()
        .ok_or("no shop URL (stock_push.endpoint)")?;
    let location = push
        .location_id
        .clone()
        .ok_or("no Shopify location (stock_push.location_id)")?;
    let token = token.ok_or("no access token (stock_push.credential)")?;
    let client = ShopifyInventory::new(ShopifyConfig::new(shop, AccessToken::new(token), location))
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(client))
}
