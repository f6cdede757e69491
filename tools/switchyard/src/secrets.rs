//! Channel secrets: generated values and where they are stored.

use anyhow::Context;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use switchyard_model::ChannelName;
use switchyard_platform::channels::{ChannelKind, SecretRef};
use switchyard_platform::secrets::SecretStore;

/// A new signing secret in the form the channel kind uses: `whsec_<base64>` for Standard
/// Webhooks, 64 hex digits for Shopify and WooCommerce (both take any shared string).
pub fn new_secret_value(kind: ChannelKind) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    match kind {
        ChannelKind::StandardWebhooks => format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        _ => hex::encode(bytes),
    }
}

/// Stores `value` as `<prefix>/channels/<name>/<purpose>-<timestamp>` and names it.
pub async fn store_secret(
    store: &dyn SecretStore,
    prefix: &str,
    channel: &ChannelName,
    purpose: &str,
    value: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<SecretRef> {
    let parameter = format!(
        "{prefix}/channels/{channel}/{purpose}-{}",
        now.format("%Y%m%dT%H%M%S%3f")
    );
    store
        .put(&parameter, value)
        .await
        .with_context(|| format!("storing {parameter} in the secret store"))?;
    Ok(SecretRef {
        parameter,
        created_at: now,
        expires_at: None,
    })
}
