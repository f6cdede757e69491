//! Channel secrets: generated values and where they are stored.

use anyhow::Context;
use chrono::{DateTime, Utc};
use switchyard_channels::{ChannelKind, SecretRef};
use switchyard_model::ChannelName;
use switchyard_secrets::SecretStore;
use switchyard_webhooks::signature::{generate_shared_secret, generate_standard_secret};

/// A new signing secret in the form the channel kind uses: `whsec_<base64>` for Standard
/// Webhooks, 64 hex digits for Shopify and WooCommerce (both take any shared string).
pub fn new_secret_value(kind: ChannelKind) -> String {
    match kind {
        ChannelKind::StandardWebhooks => generate_standard_secret(),
        _ => generate_shared_secret(),
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
