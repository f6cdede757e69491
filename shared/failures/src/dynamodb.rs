//! Failure records and the audit log in one DynamoDB ops table (string hash key `pk`, string
//! range key `sk`).
//!
//! - A failure record is the item `pk = failure#<flow>`, `sk = <subject>`: the record as a JSON
//!   string in `doc`, a write counter in `version` (every write is conditional on it, so
//!   concurrent writers never lose each other's attempts), and copies of what filters need
//!   (`is_open`, `channel`, `last_failed_at`).
//! - An audit entry is the item `pk = audit#<YYYY-MM-DD>` (the day of `at`, UTC),
//!   `sk = <at>#<id>`, the entry in `doc`; with it, a guard item `pk = audit-id#<id>`,
//!   `sk = id`, written in the same transaction, so an id is never used twice whatever its time.
//!
//! Times in keys and filter attributes are RFC 3339 in UTC with nine fractional digits, so they
//! sort as strings in time order.
//!
//! The per-call timeouts and SDK retries are the client's (`switchyard_platform::aws::load_config`:
//! every call ends well inside a Lambda invocation).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use switchyard_platform::ServiceError;

use crate::memory::fold;
use crate::{
    AuditEntry, AuditLog, Failure, FailureFilter, FailureKey, FailureRecord, FailureStore,
    Resolution,
};

/// How many times a read-fold-write is tried before giving up when other writers keep winning
/// the version race (each loss means another writer's update landed, so this bounds contention
/// on one key, not failures).
const WRITE_ATTEMPTS: u32 = 12;

/// With no `since`, or one older than this, the audit list scans instead of querying day by day.
const AUDIT_QUERY_DAYS: u64 = 31;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn dynamo_err(e: impl std::error::Error + 'static) -> ServiceError {
    ServiceError::new("dynamodb", DisplayErrorContext(e))
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

/// A time as it sorts in keys and filters.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

fn to_doc(value: &impl Serialize) -> Result<AttributeValue, ServiceError> {
    serde_json::to_string(value)
        .map(s)
        .map_err(|e| ServiceError::new("dynamodb", format!("encode doc: {e}")))
}

fn from_doc<T: DeserializeOwned>(
    item: &HashMap<String, AttributeValue>,
) -> Result<T, ServiceError> {
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| ServiceError::new("dynamodb", "ops item without doc"))?;
    serde_json::from_str(doc).map_err(|e| ServiceError::new("dynamodb", format!("ops doc: {e}")))
}

/// Backs off after losing a version race; jittered so racing writers spread out.
async fn back_off(attempt: u32) {
    let base = 5u64 << attempt.min(5);
    let jitter = (ulid::Ulid::new().random() % 1000) as u64 * base / 1000;
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

/// Failure records in the ops table.
///
/// `list` reads with a Query when the filter names a flow and a Scan otherwise, then sorts in
/// memory: failure records are what operators look at, a few hundred at most, so a Scan of them
/// is cheap and no index is needed.
#[derive(Debug, Clone)]
pub struct DynamoDbFailureStore {
    client: Client,
    table: String,
}

impl DynamoDbFailureStore {
    /// A store over the ops `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn key_item(key: &FailureKey) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), s(format!("failure#{}", key.flow))),
            ("sk".to_string(), s(&key.subject)),
        ])
    }

    /// The key's record and the version it was written at (0: no item).
    async fn read(&self, key: &FailureKey) -> Result<Option<(FailureRecord, u64)>, ServiceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_item(key)))
            // A fold must start from the latest write, or its conditional write fails needlessly.
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_err)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let version = item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| ServiceError::new("dynamodb", "failure item without version"))?;
        Ok(Some((from_doc(&item)?, version)))
    }

    /// Writes `record` as the version after `read` (0: the item must not exist); false when
    /// another writer got there first.
    async fn write(&self, record: &FailureRecord, read: u64) -> Result<bool, ServiceError> {
        let mut item = Self::key_item(&record.key);
        item.insert("version".into(), AttributeValue::N((read + 1).to_string()));
        item.insert("doc".into(), to_doc(record)?);
        item.insert("is_open".into(), AttributeValue::Bool(record.is_open()));
        item.insert("last_failed_at".into(), s(stamp(record.last_failed_at)));
        if let Some(channel) = &record.channel {
            item.insert("channel".into(), s(channel));
        }
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = if read == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("version = :read")
                .expression_attribute_values(":read", AttributeValue::N(read.to_string()))
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(dynamo_err(e)),
        }
    }

    fn contended(key: &FailureKey) -> ServiceError {
        ServiceError::new(
            "dynamodb",
            format!(
                "failure record {}/{}: other writers kept winning after {WRITE_ATTEMPTS} attempts",
                key.flow, key.subject
            ),
        )
    }
}

#[async_trait::async_trait]
impl FailureStore for DynamoDbFailureStore {
    async fn record(&self, failure: &Failure) -> Result<FailureRecord, ServiceError> {
        for attempt in 0..WRITE_ATTEMPTS {
            let current = self.read(&failure.key).await?;
            let record = fold(current.as_ref().map(|(r, _)| r), failure);
            if self.write(&record, current.map_or(0, |(_, v)| v)).await? {
                return Ok(record);
            }
            back_off(attempt).await;
        }
        Err(Self::contended(&failure.key))
    }

    async fn resolve(
        &self,
        key: &FailureKey,
        how: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        for attempt in 0..WRITE_ATTEMPTS {
            let Some((mut record, version)) = self.read(key).await? else {
                return Ok(false);
            };
            if !record.is_open() {
                return Ok(false);
            }
            record.resolution = Some(Resolution {
                at,
                how: how.to_string(),
            });
            if self.write(&record, version).await? {
                return Ok(true);
            }
            back_off(attempt).await;
        }
        Err(Self::contended(key))
    }

    async fn get(&self, key: &FailureKey) -> Result<Option<FailureRecord>, ServiceError> {
        Ok(self.read(key).await?.map(|(record, _)| record))
    }

    async fn list(&self, filter: &FailureFilter) -> Result<Vec<FailureRecord>, ServiceError> {
        // What DynamoDB can drop before sending: fewer bytes on the wire. `admits` below is the
        // rule either way.
        let mut conditions = Vec::new();
        let mut values = HashMap::new();
        if let Some(open) = filter.open {
            conditions.push("is_open = :open");
            values.insert(":open".to_string(), AttributeValue::Bool(open));
        }
        if let Some(channel) = &filter.channel {
            conditions.push("#channel = :channel");
            values.insert(":channel".to_string(), s(channel));
        }
        if let Some(since) = filter.since {
            conditions.push("last_failed_at >= :since");
            values.insert(":since".to_string(), s(stamp(since)));
        }
        // `channel` is named through a placeholder: DynamoDB refuses some plain names, and a
        // placeholder is never wrong.
        let names = filter
            .channel
            .is_some()
            .then(|| HashMap::from([("#channel".to_string(), "channel".to_string())]));
        let mut items = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let (page, next) = match &filter.flow {
                Some(flow) => {
                    let mut values = values.clone();
                    values.insert(":pk".to_string(), s(format!("failure#{flow}")));
                    let out = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("pk = :pk")
                        .set_filter_expression(
                            (!conditions.is_empty()).then(|| conditions.join(" AND ")),
                        )
                        .set_expression_attribute_names(names.clone())
                        .set_expression_attribute_values(Some(values))
                        .consistent_read(true)
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .map_err(dynamo_err)?;
                    (out.items.unwrap_or_default(), out.last_evaluated_key)
                }
                None => {
                    let mut values = values.clone();
                    values.insert(":prefix".to_string(), s("failure#"));
                    let mut all = vec!["begins_with(pk, :prefix)"];
                    all.extend(&conditions);
                    let out = self
                        .client
                        .scan()
                        .table_name(&self.table)
                        .filter_expression(all.join(" AND "))
                        .set_expression_attribute_names(names.clone())
                        .set_expression_attribute_values(Some(values))
                        .consistent_read(true)
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .map_err(dynamo_err)?;
                    (out.items.unwrap_or_default(), out.last_evaluated_key)
                }
            };
            items.extend(page);
            match next {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let record: FailureRecord = from_doc(item)?;
            if filter.admits(&record) {
                out.push(record);
            }
        }
        out.sort_by(|a, b| (b.last_failed_at, &b.key).cmp(&(a.last_failed_at, &a.key)));
        if filter.limit > 0 {
            out.truncate(filter.limit);
        }
        Ok(out)
    }
}

/// The audit trail in the ops table.
///
/// `list` with a recent `since` queries one partition per day, newest first, and stops once it
/// has `limit` entries; with no `since` (all entries) or one more than a month back it scans the
/// audit items and sorts in memory (operators' actions are few).
#[derive(Debug, Clone)]
pub struct DynamoDbAuditLog {
    client: Client,
    table: String,
}

impl DynamoDbAuditLog {
    /// A log over the ops `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn day_pk(day: NaiveDate) -> String {
        format!("audit#{}", day.format("%Y-%m-%d"))
    }

    /// One day's entries at or after `since`, newest first.
    async fn query_day(
        &self,
        day: NaiveDate,
        since: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk >= :since")
                .expression_attribute_values(":pk", s(Self::day_pk(day)))
                .expression_attribute_values(":since", s(stamp(since)))
                .scan_index_forward(false)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(dynamo_err)?;
            for item in page.items() {
                out.push(from_doc(item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(out),
            }
        }
    }

    /// Every entry at or after `since` (all when `None`), in no particular order.
    async fn scan(&self, since: Option<DateTime<Utc>>) -> Result<Vec<AuditEntry>, ServiceError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let mut scan = self
                .client
                .scan()
                .table_name(&self.table)
                .expression_attribute_values(":prefix", s("audit#"))
                .consistent_read(true)
                .set_exclusive_start_key(start);
            scan = match since {
                Some(since) => scan
                    .filter_expression("begins_with(pk, :prefix) AND sk >= :since")
                    .expression_attribute_values(":since", s(stamp(since))),
                None => scan.filter_expression("begins_with(pk, :prefix)"),
            };
            let page = scan.send().await.map_err(dynamo_err)?;
            for item in page.items() {
                out.push(from_doc(item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(out),
            }
        }
    }
}

#[async_trait::async_trait]
impl AuditLog for DynamoDbAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<(), ServiceError> {
        let doc = to_doc(entry)?;
        let put = |pk: String, sk: String| -> Result<TransactWriteItem, ServiceError> {
            let put = Put::builder()
                .table_name(&self.table)
                .item("pk", s(pk))
                .item("sk", s(sk))
                .item("doc", doc.clone())
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(dynamo_err)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        let written = self
            .client
            .transact_write_items()
            .transact_items(put(
                Self::day_pk(entry.at.date_naive()),
                format!("{}#{}", stamp(entry.at), entry.id),
            )?)
            // The id guard: the day item's key holds the time, so only this catches an id reused
            // with another time.
            .transact_items(put(format!("audit-id#{}", entry.id), entry.id.clone())?)
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(e) => match e.into_service_error() {
                // Cancelled by one of our conditions (not by a conflict or throttling): the id,
                // or the time and id, are taken.
                TransactWriteItemsError::TransactionCanceledException(cancelled)
                    if cancelled
                        .cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(ServiceError::new(
                        "audit",
                        format!("entry {} exists; entries are never overwritten", entry.id),
                    ))
                }
                other => Err(dynamo_err(other)),
            },
        }
    }

    async fn list(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        let now = Utc::now();
        let recent = since.filter(|t| *t + Days::new(AUDIT_QUERY_DAYS) >= now);
        let mut out = match recent {
            Some(since) => {
                // From tomorrow (a writer's clock may run ahead) back to the day of `since`.
                let mut day = (now + Days::new(1)).date_naive();
                let first = since.date_naive();
                let mut out = Vec::new();
                while day >= first && (limit == 0 || out.len() < limit) {
                    out.extend(self.query_day(day, since).await?);
                    match day.pred_opt() {
                        Some(before) => day = before,
                        None => break,
                    }
                }
                out
            }
            None => self.scan(since).await?,
        };
        out.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
        if limit > 0 {
            out.truncate(limit);
        }
        Ok(out)
    }
}

impl crate::FailureRecorder {
    /// The recorder a Lambda consumer of `flow` uses: the ops table named by
    /// `SWITCHYARD_OPS_TABLE`, its queue dead-lettering after `SWITCHYARD_MAX_RECEIVE_COUNT`
    /// receives (default 10, as Terraform sets it).
    pub fn from_environment(
        client: aws_sdk_dynamodb::Client,
        flow: &str,
        function: &str,
    ) -> anyhow::Result<Self> {
        use switchyard_platform::settings::{setting, setting_or};
        Ok(Self::new(
            std::sync::Arc::new(DynamoDbFailureStore::new(
                client,
                setting("SWITCHYARD_OPS_TABLE")?,
            )),
            flow,
            function,
            setting_or("SWITCHYARD_MAX_RECEIVE_COUNT", 10)?,
        ))
    }
}
