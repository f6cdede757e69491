//! The port channels are found and managed through.

use chrono::{DateTime, Utc};
use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::{ApiKey, Channel, KeyCheck};

/// Why a channel record was not stored.
#[derive(Debug, thiserror::Error)]
pub enum PutChannelError {
    /// One of the channel's partner ids (an X12 sender, an Amazon seller id) belongs to another
    /// channel; nothing was stored. Retrying cannot help.
    #[error("{alias} already belongs to another channel")]
    AliasTaken {
        /// The partner id (see [`Channel::aliases`]).
        alias: String,
    },
    /// The store failed; nothing or everything was stored, and retrying is safe.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Finds and manages channels.
#[async_trait::async_trait]
pub trait ChannelDirectory: Send + Sync {
    /// The channel an API key in force belongs to (a revoked or expired key finds none).
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError> {
        Ok(self.check_api_key(secret, Utc::now()).await?.channel())
    }
    /// What the key `secret` is at `now`: in force (its channel), revoked, expired or unknown.
    /// A key in force has its use recorded when [`ApiKey::use_is_due`]: at most one
    /// conditional write per key per [`crate::LAST_USED_INTERVAL`]; a failed write does not
    /// fail the check (the time is advisory). A revocation is seen by the next check after
    /// [`ChannelDirectory::revoke_api_key`] returned ([`crate::REVOCATION_DELAY`]).
    async fn check_api_key(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyCheck, ServiceError>;
    /// A channel by name.
    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError>;
    /// Creates or replaces a channel record, all or nothing: its partner ids are claimed for
    /// it, and the ones its previous record had and this one dropped are released.
    async fn put(&self, channel: &Channel) -> Result<(), PutChannelError>;
    /// Lets a key (by hash) authenticate as the channel, from now on, without expiry.
    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError> {
        self.put_api_key(&ApiKey::new(name.clone(), hash, Utc::now(), None))
            .await
    }
    /// Stores a new key record (its hash, channel, creation and expiry times).
    async fn put_api_key(&self, key: &ApiKey) -> Result<(), ServiceError>;
    /// The channel's key records, revoked and expired ones included, oldest first.
    async fn api_keys(&self, name: &ChannelName) -> Result<Vec<ApiKey>, ServiceError>;
    /// Revokes the key with this hash at `at`; false when there is no such key or it was
    /// revoked already (its first revocation time is kept).
    async fn revoke_api_key(&self, hash: &str, at: DateTime<Utc>) -> Result<bool, ServiceError>;
    /// Every channel.
    async fn list(&self) -> Result<Vec<Channel>, ServiceError>;
    /// The channel a partner id currently belongs to (see [`Channel::aliases`]).
    async fn by_alias(&self, alias: &str) -> Result<Option<Channel>, ServiceError>;
}
