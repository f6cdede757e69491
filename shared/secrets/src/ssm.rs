//! Secrets as SSM SecureString parameters, cached per process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;
use aws_sdk_ssm::types::ParameterType;
use switchyard_platform::ServiceError;

use crate::SecretStore;

/// How long a value read from SSM is reused.
const CACHE_FOR: Duration = Duration::from_secs(60);

/// Secrets as SSM SecureString parameters.
#[derive(Debug)]
pub struct SsmSecretStore {
    client: Client,
    cache: Mutex<HashMap<String, (Instant, String)>>,
}

impl SsmSecretStore {
    /// A store over SSM.
    pub fn new(client: Client) -> Self {
        SsmSecretStore {
            client,
            cache: Mutex::default(),
        }
    }
}

#[async_trait::async_trait]
impl SecretStore for SsmSecretStore {
    async fn get(&self, name: &str) -> Result<Option<String>, ServiceError> {
        if let Some((at, value)) = self.cache.lock().unwrap().get(name)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(Some(value.clone()));
        }
        let out = self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await;
        let value = match out {
            Ok(out) => out.parameter.and_then(|p| p.value),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                None
            }
            Err(e) => return Err(ServiceError::new("ssm", DisplayErrorContext(e))),
        };
        if let Some(v) = &value {
            self.cache
                .lock()
                .unwrap()
                .insert(name.to_string(), (Instant::now(), v.clone()));
        }
        Ok(value)
    }

    async fn put(&self, name: &str, value: &str) -> Result<(), ServiceError> {
        self.client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| ServiceError::new("ssm", DisplayErrorContext(e)))?;
        self.cache.lock().unwrap().remove(name);
        Ok(())
    }
}
