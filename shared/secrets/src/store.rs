//! The secret store port.

use switchyard_platform::ServiceError;

/// Reads and writes secret values by name.
#[async_trait::async_trait]
pub trait SecretStore: Send + Sync {
    /// The value of `name`, if it exists.
    async fn get(&self, name: &str) -> Result<Option<String>, ServiceError>;
    /// Stores `value` under `name`, replacing any earlier value.
    async fn put(&self, name: &str, value: &str) -> Result<(), ServiceError>;
}
