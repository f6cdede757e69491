//! The port channels are found and managed through.

use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::Channel;

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
    /// The channel an API key belongs to.
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError>;
    /// A channel by name.
    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError>;
    /// Creates or replaces a channel record, all or nothing: its partner ids are claimed for
    /// it, and the ones its previous record had and this one dropped are released.
    async fn put(&self, channel: &Channel) -> Result<(), PutChannelError>;
    /// Lets a key (by hash) authenticate as the channel.
    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError>;
    /// Every channel.
    async fn list(&self) -> Result<Vec<Channel>, ServiceError>;
    /// The channel a partner id currently belongs to (see [`Channel::aliases`]).
    async fn by_alias(&self, alias: &str) -> Result<Option<Channel>, ServiceError>;
}
