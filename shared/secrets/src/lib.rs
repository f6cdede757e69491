//! Secret values (webhook signing secrets, SP-API credentials) kept outside the channel records.
//!
//! Channel records only name a secret; its value lives in SSM Parameter Store as a SecureString,
//! so neither DynamoDB exports, Terraform state nor logs ever hold it. Values are cached for a
//! minute per process: a webhook burst costs one SSM call, and a rotation's grace period (hours)
//! is far longer than the cache.
//!
//! Adapters: SSM (feature `ssm`) and an in-memory twin that passes the same contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
mod memory;
mod store;

#[cfg(feature = "ssm")]
mod ssm;

pub use memory::InMemorySecretStore;
#[cfg(feature = "ssm")]
pub use ssm::SsmSecretStore;
pub use store::{SecretStore, secret_setting};
