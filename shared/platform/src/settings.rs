//! Function settings from the environment.

/// A required setting, with an error naming the variable when it is missing.
pub fn setting(name: &str) -> anyhow::Result<String> {
    std::env::var(name).map_err(|_| anyhow::anyhow!("environment variable {name} must be set"))
}

/// An optional numeric setting with a default.
pub fn setting_or<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("environment variable {name} has an invalid value {v:?}")),
        Err(_) => Ok(default),
    }
}
