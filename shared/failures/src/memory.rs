//! In-memory twins of the failure store and the audit log.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use switchyard_platform::ServiceError;

use crate::{
    AuditEntry, AuditLog, Failure, FailureFilter, FailureKey, FailureRecord, FailureStore,
    Resolution,
};

/// Failure records in memory.
#[derive(Debug, Default)]
pub struct InMemoryFailureStore {
    records: Mutex<BTreeMap<FailureKey, FailureRecord>>,
}

impl InMemoryFailureStore {
    /// No failures yet.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Folds `failure` into `existing` (an open record of its key) or opens a new record.
pub(crate) fn fold(existing: Option<&FailureRecord>, failure: &Failure) -> FailureRecord {
    let dead_lettered = failure.dead_lettered.then_some(failure.at);
    match existing.filter(|r| r.is_open()) {
        Some(open) => FailureRecord {
            class: failure.class,
            error: failure.error.clone(),
            attempts: open.attempts + 1,
            last_failed_at: failure.at.max(open.last_failed_at),
            function: failure.function.clone(),
            queue: failure.queue.clone(),
            correlation_id: failure
                .correlation_id
                .clone()
                .or_else(|| open.correlation_id.clone()),
            channel: failure.channel.clone().or_else(|| open.channel.clone()),
            message_id: failure.message_id.clone(),
            dead_lettered_at: open.dead_lettered_at.or(dead_lettered),
            ..open.clone()
        },
        None => FailureRecord {
            key: failure.key.clone(),
            class: failure.class,
            error: failure.error.clone(),
            attempts: 1,
            first_failed_at: failure.at,
            last_failed_at: failure.at,
            function: failure.function.clone(),
            queue: failure.queue.clone(),
            correlation_id: failure.correlation_id.clone(),
            channel: failure.channel.clone(),
            message_id: failure.message_id.clone(),
            dead_lettered_at: dead_lettered,
            resolution: None,
        },
    }
}

#[async_trait::async_trait]
impl FailureStore for InMemoryFailureStore {
    async fn record(&self, failure: &Failure) -> Result<FailureRecord, ServiceError> {
        let mut records = self.records.lock().unwrap();
        let record = fold(records.get(&failure.key), failure);
        records.insert(failure.key.clone(), record.clone());
        Ok(record)
    }

    async fn resolve(
        &self,
        key: &FailureKey,
        how: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        let mut records = self.records.lock().unwrap();
        match records.get_mut(key) {
            Some(record) if record.is_open() => {
                record.resolution = Some(Resolution {
                    at,
                    how: how.to_string(),
                });
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn get(&self, key: &FailureKey) -> Result<Option<FailureRecord>, ServiceError> {
        Ok(self.records.lock().unwrap().get(key).cloned())
    }

    async fn list(&self, filter: &FailureFilter) -> Result<Vec<FailureRecord>, ServiceError> {
        let mut out: Vec<_> = self
            .records
            .lock()
            .unwrap()
            .values()
            .filter(|r| filter.admits(r))
            .cloned()
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.last_failed_at));
        if filter.limit > 0 {
            out.truncate(filter.limit);
        }
        Ok(out)
    }
}

/// The audit trail in memory.
#[derive(Debug, Default)]
pub struct InMemoryAuditLog {
    entries: Mutex<Vec<AuditEntry>>,
}

impl InMemoryAuditLog {
    /// No entries yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl AuditLog for InMemoryAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<(), ServiceError> {
        let mut entries = self.entries.lock().unwrap();
        if entries.iter().any(|e| e.id == entry.id) {
            return Err(ServiceError::new(
                "audit",
                format!("entry {} exists; entries are never overwritten", entry.id),
            ));
        }
        entries.push(entry.clone());
        Ok(())
    }

    async fn list(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        let mut out: Vec<_> = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .filter(|e| since.is_none_or(|t| e.at >= t))
            .cloned()
            .collect();
        out.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
        if limit > 0 {
            out.truncate(limit);
        }
        Ok(out)
    }
}
