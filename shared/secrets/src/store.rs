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

/// A secret setting of a function: read from the secret store when `<NAME>_PARAMETER` names a
/// parameter (on AWS, a SecureString), otherwise from the environment variable `<NAME>` (the
/// local stack). The value is never logged; the error names only the setting.
pub async fn secret_setting(store: &dyn SecretStore, name: &str) -> Result<String, String> {
    if let Ok(parameter) = std::env::var(format!("{name}_PARAMETER")) {
        return store
            .get(&parameter)
            .await
            .map_err(|e| format!("reading {name} from parameter {parameter}: {e}"))?
            .ok_or_else(|| format!("parameter {parameter} ({name}) has no value"));
    }
    std::env::var(name).map_err(|_| format!("{name} (or {name}_PARAMETER) is not set"))
}
