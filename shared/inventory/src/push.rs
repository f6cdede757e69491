//! The port every channel pusher implements: tell a channel how many of each SKU it may sell.
//!
//! The pusher coalesces before it calls: it hands over only the latest level per SKU, so one call
//! carries a burst. Adapters speak the channel's API (Shopify GraphQL, WooCommerce REST, SP-API
//! Listings) at the channel's rate limits.

use std::time::Duration;

/// The quantity one channel may sell of one SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelLevel {
    /// The SKU, as the ERP and the channel both name it.
    pub sku: String,
    /// Whole units the channel may sell (after its allocation); never negative.
    pub quantity: i64,
    /// Stable for the same SKU, channel and ERP level: a repeated push with the same key is a
    /// no-op on channels that support idempotency keys (Shopify's `@idempotent(key:)`).
    pub idempotency_key: String,
}

/// What happened to one [`ChannelLevel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelOutcome {
    /// The channel now shows `quantity`; it showed `previous` before (when the channel says).
    Set {
        /// The SKU.
        sku: String,
        /// The level before the push, if the channel reported it.
        previous: Option<i64>,
    },
    /// The channel already showed this quantity; nothing was written.
    Unchanged {
        /// The SKU.
        sku: String,
    },
    /// The channel has no listing for this SKU: nothing to update (not an error: a channel
    /// rarely sells the whole catalogue).
    NotListed {
        /// The SKU.
        sku: String,
    },
}

/// Why a push did not complete. Every variant leaves the channel consistent: a level is either
/// set or untouched, so the whole push may be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// The channel throttled us; try again after the delay.
    #[error("throttled by the channel; retry after {retry_after:?}")]
    Throttled {
        /// How long the channel asked us to wait (or our estimate from its cost headers).
        retry_after: Duration,
    },
    /// The channel failed or could not be reached (5xx, timeout); retry later.
    #[error("channel unavailable: {0}")]
    Unavailable(String),
    /// The channel refused the request as it stands (bad credentials, a malformed request):
    /// retrying will not help until someone fixes the cause.
    #[error("channel refused the push: {0}")]
    Refused(String),
}

impl PushError {
    /// True when retrying the same push later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Unavailable(_))
    }
}

/// Sets sellable quantities on one channel.
#[async_trait::async_trait]
pub trait ChannelStock: Send + Sync {
    /// Sets each level, in as few calls as the channel allows. Returns one outcome per level,
    /// in order. On error, the levels already set stay set; retrying the whole call is safe.
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError>;
}
