//! An in-memory store with the same semantics as the DynamoDB one, for fast handler tests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::{
    Claim, Held, IdempotencyError, IdempotencyStore, Lease, NextAction, epoch_ms, new_owner,
    refused,
};

#[derive(Debug, Clone)]
struct Record {
    payload_hash: String,
    owner: String,
    lease_until_ms: u64,
    expires_at_ms: u64,
    result: Option<serde_json::Value>,
}

/// Idempotency records in a mutex-guarded map.
#[derive(Debug, Default)]
pub struct InMemoryIdempotencyStore {
    records: Mutex<HashMap<String, Record>>,
}

impl InMemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for InMemoryIdempotencyStore {
    async fn claim(&self, claim: Claim<'_>) -> Result<NextAction, IdempotencyError> {
        let now = epoch_ms(SystemTime::now());
        let mut records = self.records.lock().unwrap();
        if let Some(old) = records.get(claim.key) {
            let claimable =
                old.expires_at_ms < now || (old.result.is_none() && old.lease_until_ms < now);
            if !claimable {
                return Ok(refused(
                    Held {
                        payload_hash: Some(&old.payload_hash),
                        result: old.result.clone(),
                        lease_until_ms: Some(old.lease_until_ms),
                    },
                    claim.payload_hash,
                    now,
                ));
            }
        }
        let lease = Lease {
            key: claim.key.to_string(),
            owner: new_owner(),
            until_ms: epoch_ms(claim.lease_until),
        };
        records.insert(
            claim.key.to_string(),
            Record {
                payload_hash: claim.payload_hash.to_string(),
                owner: lease.owner.clone(),
                lease_until_ms: lease.until_ms,
                expires_at_ms: now + claim.retention.as_millis() as u64,
                result: None,
            },
        );
        Ok(NextAction::Proceed(lease))
    }

    async fn complete(
        &self,
        lease: &Lease,
        result: &serde_json::Value,
        retention: Duration,
    ) -> Result<(), IdempotencyError> {
        let mut records = self.records.lock().unwrap();
        match records.get_mut(&lease.key) {
            Some(r) if r.owner == lease.owner && r.result.is_none() => {
                r.result = Some(result.clone());
                r.expires_at_ms = epoch_ms(SystemTime::now()) + retention.as_millis() as u64;
                Ok(())
            }
            _ => Err(IdempotencyError::LeaseLost {
                key: lease.key.clone(),
            }),
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), IdempotencyError> {
        let mut records = self.records.lock().unwrap();
        match records.get(&lease.key) {
            Some(r) if r.owner == lease.owner => {
                records.remove(&lease.key);
                Ok(())
            }
            _ => Err(IdempotencyError::LeaseLost {
                key: lease.key.clone(),
            }),
        }
    }
}
