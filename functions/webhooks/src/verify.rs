//! Signature verification with a channel's active secrets, before anything reads the body.

use chrono::{DateTime, Utc};
use switchyard_channels::{Channel, ChannelKind};
use switchyard_intake::HttpRequest;
use switchyard_platform::ServiceError;
use switchyard_secrets::SecretStore;
use switchyard_webhooks::SignatureError;
use switchyard_webhooks::signature::{
    DEFAULT_TOLERANCE, SHOPIFY_HMAC_HEADER, StandardSecret, WEBHOOK_ID_HEADER,
    WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WOOCOMMERCE_SIGNATURE_HEADER,
    verify_shopify, verify_standard, verify_woocommerce,
};

/// A storefront scheme's check of a body MAC: `(secret, body, header value)`.
type BodyMacCheck = fn(&[u8], &[u8], Option<&str>) -> Result<(), SignatureError>;

/// Why a delivery was not verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The signature is missing, malformed, stale or wrong.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The channel has no usable secret (none configured, or every one unreadable).
    #[error("the channel has no webhook secret configured")]
    NoSecret,
    /// The secret store failed.
    #[error(transparent)]
    Store(#[from] ServiceError),
}

/// The values of the channel's active secrets, newest first. A referenced secret missing from
/// the store is skipped (and logged) so that one bad reference does not block the others.
async fn secret_values(
    channel: &Channel,
    store: &dyn SecretStore,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ServiceError> {
    let mut values = Vec::new();
    for secret in channel.active_secrets(now) {
        match store.get(&secret.parameter).await? {
            Some(v) => values.push(v),
            None => tracing::error!(
                channel = %channel.name,
                parameter = %secret.parameter,
                "a channel secret is missing from the secret store"
            ),
        }
    }
    Ok(values)
}

/// Verifies `request` as the channel's kind signs it; any active secret may match.
pub async fn verify(
    channel: &Channel,
    store: &dyn SecretStore,
    request: &HttpRequest,
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let values = secret_values(channel, store, now).await?;
    if values.is_empty() {
        return Err(VerifyError::NoSecret);
    }
    let body = &request.body;
    match channel.kind {
        ChannelKind::Shopify | ChannelKind::Woocommerce => {
            let (header, check): (_, BodyMacCheck) = if channel.kind == ChannelKind::Shopify {
                (SHOPIFY_HMAC_HEADER, verify_shopify)
            } else {
                (WOOCOMMERCE_SIGNATURE_HEADER, verify_woocommerce)
            };
            let presented = request.header(header);
            let mut last = SignatureError::Mismatch;
            for value in &values {
                match check(value.as_bytes(), body, presented) {
                    Ok(()) => return Ok(()),
                    Err(e) => last = e,
                }
            }
            Err(last.into())
        }
        ChannelKind::StandardWebhooks => {
            let secrets: Vec<StandardSecret> = values
                .iter()
                .filter_map(|v| StandardSecret::try_from(v.as_str()).ok())
                .collect();
            if secrets.is_empty() {
                return Err(VerifyError::NoSecret);
            }
            Ok(verify_standard(
                &secrets,
                request.header(WEBHOOK_ID_HEADER),
                request.header(WEBHOOK_TIMESTAMP_HEADER),
                request.header(WEBHOOK_SIGNATURE_HEADER),
                body,
                now,
                DEFAULT_TOLERANCE,
            )?)
        }
        // Other kinds never reach verification: the handler answers 404 for them.
        _ => Err(VerifyError::NoSecret),
    }
}
