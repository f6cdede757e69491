//! The port channels are found and managed through.

use switchyard_model::ChannelName;
use switchyard_platform::ServiceError;

use crate::Channel;

/// Finds and manages channels.
#[async_trait::async_trait]
pub trait ChannelDirectory: Send + Sync {
    /// The channel an API key belongs to.
    async fn by_api_key(&self, secret: &str) -> Result<Option<Channel>, ServiceError>;
    /// A channel by name.
    async fn get(&self, name: &ChannelName) -> Result<Option<Channel>, ServiceError>;
    /// Creates or replaces a channel record.
    async fn put(&self, channel: &Channel) -> Result<(), ServiceError>;
    /// Lets a key (by hash) authenticate as the channel.
    async fn add_api_key(&self, name: &ChannelName, hash: &str) -> Result<(), ServiceError>;
    /// Every channel.
    async fn list(&self) -> Result<Vec<Channel>, ServiceError>;
    /// The channel a partner id belongs to (see [`Channel::aliases`]).
    async fn by_alias(&self, alias: &str) -> Result<Option<Channel>, ServiceError>;
}
