//! Dead-letter queues as an operator sees them: list, show, redrive, purge (`switchyard dlq …`).
//!
//! Every function takes an SQS client and the ops ports ([`FailureStore`], [`AuditLog`]) so the
//! CLI and the tests call the same code. Nothing here consumes a message unless asked to:
//! [`show`] and a dry-run [`redrive`] receive with a visibility timeout long enough to scan the
//! queue once (so a batch is not returned twice), then release every message at once
//! (`ChangeMessageVisibility` 0).
//!
//! A redrive is message by message: send to the source queue (body and message attributes
//! kept), *then* delete from the DLQ. Interrupted at any point, nothing is lost; a message sent
//! but not yet deleted when the process died is sent again by the next run, and the consumers
//! are idempotent (they de-duplicate on the envelope id), so that duplicate does no harm.
//! `StartMessageMoveTask` would move blindly (no filter, no audit) and the emulator lacks it,
//! so this path is the only one.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::{
    Message, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchyard_failures::{AuditEntry, AuditLog, FailureKey, FailureRecord, FailureStore};

/// Why a DLQ operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DlqError {
    /// SQS refused or could not be reached.
    #[error("SQS {operation}: {message}")]
    Sqs {
        /// The SQS call.
        operation: &'static str,
        /// The SDK's error, with its source chain.
        message: String,
    },
    /// A failure store or audit log call failed.
    #[error("ops table: {0}")]
    Ops(String),
    /// The request cannot be carried out as given (unknown queue, no source queue, bad filter).
    #[error("{0}")]
    Usage(String),
}

fn sqs_error<E: std::error::Error + 'static>(operation: &'static str, error: E) -> DlqError {
    DlqError::Sqs {
        operation,
        message: aws_sdk_sqs::error::DisplayErrorContext(error).to_string(),
    }
}

/// The failure store and audit log the commands read and write.
#[derive(Clone)]
pub struct OpsPorts {
    /// Failure records.
    pub failures: Arc<dyn FailureStore>,
    /// The audit trail.
    pub audit: Arc<dyn AuditLog>,
}

/// The flow a DLQ belongs to: its name without the stack prefix (and its dash) and `-dlq`.
pub fn flow_of(queue_name: &str, prefix: Option<&str>) -> String {
    let name = queue_name.strip_suffix("-dlq").unwrap_or(queue_name);
    prefix
        .and_then(|p| name.strip_prefix(p))
        .map(|rest| rest.trim_start_matches('-'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name)
        .to_string()
}

/// The envelope in a message body: the body itself, or an EventBridge event's `detail`.
fn envelope_of(body: &Value) -> Option<&Value> {
    if body.get("detail-type").is_some() {
        body.get("detail")
    } else if body.get("id").is_some() && body.get("payload").is_some() {
        Some(body)
    } else {
        None
    }
}

/// The failure key of a DLQ message: the one its consumer recorded it under
/// ([`switchyard_failures::subject_of`], shared with every consumer, so the two always agree).
pub fn failure_key_of(flow: &str, body: &str) -> Option<FailureKey> {
    Some(FailureKey::new(flow, switchyard_failures::subject_of(body)))
}

/// One `--filter`: all given must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// The envelope's channel.
    Channel(String),
    /// The failure record's class (`transient`, `business`, `poison`, `bug`).
    Class(String),
    /// The envelope's `type`.
    Type(String),
    /// Sent to the queue at least this long ago.
    OlderThan(Duration),
}

impl std::str::FromStr for Filter {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| format!("a filter is NAME=VALUE, not `{text}`"))?;
        match name {
            "channel" => Ok(Self::Channel(value.into())),
            "class" => Ok(Self::Class(value.into())),
            "type" => Ok(Self::Type(value.into())),
            "older-than" => humantime::parse_duration(value)
                .map(Self::OlderThan)
                .map_err(|e| format!("older-than={value}: {e}")),
            other => Err(format!(
                "unknown filter `{other}` (channel, class, type, older-than)"
            )),
        }
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Channel(v) => write!(f, "channel={v}"),
            Self::Class(v) => write!(f, "class={v}"),
            Self::Type(v) => write!(f, "type={v}"),
            Self::OlderThan(d) => write!(f, "older-than={}", humantime::format_duration(*d)),
        }
    }
}

/// A DLQ of the stack.
#[derive(Debug, Clone, Serialize)]
pub struct DlqSummary {
    /// Queue name.
    pub name: String,
    /// Queue URL.
    pub url: String,
    /// Visible messages (`ApproximateNumberOfMessages`).
    pub depth: u64,
    /// Messages received by someone and not yet deleted or released.
    pub in_flight: u64,
    /// Seconds since the oldest message seen by a peek was first sent (see [`list`]).
    pub oldest_age_seconds: Option<i64>,
    /// Queues whose redrive policy names this DLQ.
    pub sources: Vec<String>,
}

struct QueueInfo {
    name: String,
    url: String,
    arn: String,
    depth: u64,
    in_flight: u64,
    dead_letter_target: Option<String>,
}

fn name_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

async fn queue_urls(
    sqs: &aws_sdk_sqs::Client,
    prefix: Option<&str>,
) -> Result<Vec<String>, DlqError> {
    let mut urls = Vec::new();
    let mut token = None;
    loop {
        let page = sqs
            .list_queues()
            .set_queue_name_prefix(prefix.map(str::to_string))
            .set_next_token(token)
            .max_results(1000)
            .send()
            .await
            .map_err(|e| sqs_error("ListQueues", e))?;
        urls.extend(page.queue_urls.unwrap_or_default());
        token = page.next_token;
        if token.is_none() {
            return Ok(urls);
        }
    }
}

async fn queue_info(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<QueueInfo, DlqError> {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(|e| sqs_error("GetQueueAttributes", e))?
        .attributes
        .unwrap_or_default();
    let number = |name: QueueAttributeName| {
        attributes
            .get(&name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let dead_letter_target = attributes
        .get(&QueueAttributeName::RedrivePolicy)
        .and_then(|policy| serde_json::from_str::<Value>(policy).ok())
        .and_then(|policy| policy["deadLetterTargetArn"].as_str().map(str::to_string));
    Ok(QueueInfo {
        name: name_of(url).to_string(),
        url: url.to_string(),
        arn: attributes
            .get(&QueueAttributeName::QueueArn)
            .cloned()
            .unwrap_or_default(),
        depth: number(QueueAttributeName::ApproximateNumberOfMessages),
        in_flight: number(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        dead_letter_target,
    })
}

fn sent_at(message: &Message) -> Option<DateTime<Utc>> {
    let millis: i64 = message
        .attributes
        .as_ref()?
        .get(&MessageSystemAttributeName::SentTimestamp)?
        .parse()
        .ok()?;
    Utc.timestamp_millis_opt(millis).single()
}

/// Every DLQ of the stack (queues named `…-dlq`, among those starting with `prefix` when
/// given), with its depth, its source queues (found from their redrive policies) and the age
/// of its oldest message.
///
/// SQS has no `ApproximateAgeOfOldestMessage` attribute (it is a CloudWatch metric, which the
/// emulator lacks), so the age is that of the oldest `SentTimestamp` in one peek of up to ten
/// messages with visibility timeout 0 (nothing is hidden from anyone): exact for a DLQ of at
/// most ten messages, a lower bound past that. A message moved to a DLQ keeps its original
/// `SentTimestamp`, so the age counts from when the work was first enqueued.
pub async fn list(
    sqs: &aws_sdk_sqs::Client,
    prefix: Option<&str>,
) -> Result<Vec<DlqSummary>, DlqError> {
    let mut queues = Vec::new();
    for url in queue_urls(sqs, prefix).await? {
        queues.push(queue_info(sqs, &url).await?);
    }
    let mut dlqs = Vec::new();
    for dlq in queues.iter().filter(|q| q.name.ends_with("-dlq")) {
        let peek = sqs
            .receive_message()
            .queue_url(&dlq.url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|e| sqs_error("ReceiveMessage", e))?;
        let oldest = peek.messages().iter().filter_map(sent_at).min();
        let mut sources: Vec<String> = queues
            .iter()
            .filter(|q| q.dead_letter_target.as_deref() == Some(dlq.arn.as_str()))
            .map(|q| q.name.clone())
            .collect();
        sources.sort();
        dlqs.push(DlqSummary {
            name: dlq.name.clone(),
            url: dlq.url.clone(),
            depth: dlq.depth,
            in_flight: dlq.in_flight,
            oldest_age_seconds: oldest.map(|t| (Utc::now() - t).num_seconds().max(0)),
            sources,
        });
    }
    dlqs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(dlqs)
}

/// A DLQ message as `show` and a dry run print it.
#[derive(Debug, Clone, Serialize)]
pub struct DlqMessage {
    /// The SQS message id (changes when a message is redriven).
    pub message_id: String,
    /// When it was first sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Deliveries so far.
    pub receive_count: Option<u32>,
    /// The envelope `type`, when the body is an envelope.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The envelope's channel.
    pub channel: Option<String>,
    /// The failure key derived from the body ([`failure_key_of`]).
    pub key: Option<FailureKey>,
    /// Its failure record, if one was recorded.
    pub failure: Option<FailureRecord>,
    /// The body as it is in the queue.
    pub body: String,
    /// Message attribute names and string values (binary ones as `<binary>`).
    pub attributes: BTreeMap<String, String>,
    #[serde(skip)]
    raw: Message,
}

/// A resolved DLQ: its URL and flow.
#[derive(Debug, Clone)]
pub struct Dlq {
    /// Queue URL.
    pub url: String,
    /// Queue name.
    pub name: String,
    /// Its flow ([`flow_of`]).
    pub flow: String,
}

/// Finds a DLQ by name or URL.
pub async fn resolve(
    sqs: &aws_sdk_sqs::Client,
    queue: &str,
    prefix: Option<&str>,
) -> Result<Dlq, DlqError> {
    let url = if queue.contains("://") {
        queue.to_string()
    } else {
        sqs.get_queue_url()
            .queue_name(queue)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|se| se.is_queue_does_not_exist())
                {
                    // The operator's mistake, not an outage: say so, and where to look.
                    DlqError::Usage(format!(
                        "no queue named {queue}; `switchyard dlq list` shows the DLQs"
                    ))
                } else {
                    sqs_error("GetQueueUrl", e)
                }
            })?
            .queue_url
            .unwrap_or_default()
    };
    let name = name_of(&url).to_string();
    Ok(Dlq {
        flow: flow_of(&name, prefix),
        url,
        name,
    })
}

fn describe(dlq: &Dlq, raw: Message) -> DlqMessage {
    let body_text = raw.body.clone().unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_str(&body_text).ok();
    let envelope = parsed.as_ref().and_then(envelope_of);
    let text = |field: &str| {
        envelope
            .and_then(|e| e.get(field))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let attributes = raw
        .message_attributes
        .as_ref()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| {
                    let shown = value
                        .string_value
                        .clone()
                        .unwrap_or_else(|| "<binary>".into());
                    (name.clone(), shown)
                })
                .collect()
        })
        .unwrap_or_default();
    DlqMessage {
        message_id: raw.message_id.clone().unwrap_or_default(),
        sent_at: sent_at(&raw),
        receive_count: raw
            .attributes
            .as_ref()
            .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
            .and_then(|c| c.parse().ok()),
        kind: text("type"),
        channel: text("channel"),
        key: failure_key_of(&dlq.flow, &body_text),
        failure: None,
        body: body_text,
        attributes,
        raw,
    }
}

fn admits(filters: &[Filter], message: &DlqMessage, now: DateTime<Utc>) -> bool {
    filters.iter().all(|filter| match filter {
        Filter::Channel(c) => message.channel.as_deref() == Some(c.as_str()),
        Filter::Type(t) => message.kind.as_deref() == Some(t.as_str()),
        Filter::Class(c) => message
            .failure
            .as_ref()
            .is_some_and(|f| f.class.as_str() == c),
        Filter::OlderThan(age) => message.sent_at.is_some_and(|sent| {
            chrono::Duration::from_std(*age).is_ok_and(|age| now - sent >= age)
        }),
    })
}

/// Receives the DLQ's messages one batch at a time, hidden for `hold`, each message once
/// (by message id: a batch may return one again if its visibility lapsed). Ends when a receive
/// brings nothing new.
struct Scan<'a> {
    sqs: &'a aws_sdk_sqs::Client,
    dlq: &'a Dlq,
    hold: i32,
    seen: HashSet<String>,
    /// Receipt handles of everything received and not deleted, released at the end.
    held: Vec<String>,
    done: bool,
}

impl<'a> Scan<'a> {
    fn new(sqs: &'a aws_sdk_sqs::Client, dlq: &'a Dlq, hold: Duration) -> Self {
        Self {
            sqs,
            dlq,
            hold: i32::try_from(hold.as_secs())
                .unwrap_or(43_200)
                .clamp(1, 43_200),
            seen: HashSet::new(),
            held: Vec::new(),
            done: false,
        }
    }

    async fn next_batch(&mut self) -> Result<Vec<Message>, DlqError> {
        // Three receives that bring nothing new end the scan: one empty long poll (which asks
        // every SQS server) is the usual end; re-received messages whose hold lapsed are not.
        for _ in 0..3 {
            if self.done {
                break;
            }
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.dlq.url)
                .max_number_of_messages(10)
                .visibility_timeout(self.hold)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .message_attribute_names("All")
                .send()
                .await
                .map_err(|e| sqs_error("ReceiveMessage", e))?
                .messages
                .unwrap_or_default();
            if received.is_empty() {
                self.done = true;
                break;
            }
            let mut fresh = Vec::new();
            for message in received {
                if let Some(handle) = &message.receipt_handle {
                    self.held.push(handle.clone());
                }
                let id = message.message_id.clone().unwrap_or_default();
                if self.seen.insert(id) {
                    fresh.push(message);
                }
            }
            if !fresh.is_empty() {
                return Ok(fresh);
            }
        }
        self.done = true;
        Ok(Vec::new())
    }

    fn forget(&mut self, handle: &str) {
        self.held.retain(|h| h != handle);
    }

    /// Makes every held message visible again at once.
    async fn release(self) -> Result<(), DlqError> {
        for handle in &self.held {
            match self
                .sqs
                .change_message_visibility()
                .queue_url(&self.dlq.url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
            {
                Ok(_) => {}
                // A stale handle (the message was received again since): the newer handle is
                // in the list too and releases it.
                Err(e) if e.as_service_error().is_some() => {}
                Err(e) => return Err(sqs_error("ChangeMessageVisibility", e)),
            }
        }
        Ok(())
    }
}

async fn with_failure(ports: &OpsPorts, mut message: DlqMessage) -> Result<DlqMessage, DlqError> {
    if let Some(key) = &message.key {
        message.failure = ports
            .failures
            .get(key)
            .await
            .map_err(|e| DlqError::Ops(e.to_string()))?;
    }
    Ok(message)
}

/// Up to `limit` (0: all) messages of the DLQ passing `filters`, each with its failure record,
/// without consuming any: every message received is released before this returns.
pub async fn show(
    sqs: &aws_sdk_sqs::Client,
    ports: &OpsPorts,
    dlq: &Dlq,
    filters: &[Filter],
    limit: usize,
) -> Result<Vec<DlqMessage>, DlqError> {
    let mut scan = Scan::new(sqs, dlq, Duration::from_secs(30));
    let outcome = collect(&mut scan, ports, filters, limit).await;
    scan.release().await?;
    outcome
}

async fn collect(
    scan: &mut Scan<'_>,
    ports: &OpsPorts,
    filters: &[Filter],
    limit: usize,
) -> Result<Vec<DlqMessage>, DlqError> {
    let now = Utc::now();
    let mut found = Vec::new();
    while limit == 0 || found.len() < limit {
        let batch = scan.next_batch().await?;
        if batch.is_empty() {
            break;
        }
        for raw in batch {
            let message = with_failure(ports, describe(scan.dlq, raw)).await?;
            if admits(filters, &message, now) && (limit == 0 || found.len() < limit) {
                found.push(message);
            }
        }
    }
    Ok(found)
}

/// What a redrive or purge is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Only messages passing all of these.
    pub filters: Vec<Filter>,
    /// At most this many (0: all).
    pub limit: usize,
    /// Messages per second (0: as fast as SQS answers).
    pub rate: f64,
    /// Really move/delete (otherwise a dry run: everything is released, nothing changes).
    pub execute: bool,
}

/// What a redrive or purge did (also the `dlq-redrive` Lambda's answer, hence `Deserialize`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// `redrive` or `purge`.
    pub action: String,
    /// The DLQ.
    pub queue: String,
    /// Where messages went (redrive).
    pub target: Option<String>,
    /// False for a dry run.
    pub executed: bool,
    /// Messages that passed the filters (moved, deleted, or in a dry run: would be).
    pub matched: u64,
    /// Messages moved or deleted.
    pub done: u64,
    /// True when it stopped before the end (interrupted or an error).
    pub stopped_early: bool,
    /// The error that stopped it, if any.
    pub error: Option<String>,
    /// The messages (ids, keys, types) it handled or would handle.
    pub messages: Vec<Value>,
    /// The audit entry written (none for a dry run).
    pub audit_id: Option<String>,
}

/// Progress reports and interruption, as the CLI provides them (tests pass [`Quiet`]).
pub trait Progress: Send + Sync {
    /// One more message handled.
    fn tick(&self);
    /// True once the operator asked to stop (Ctrl-C): stop after the current message.
    fn interrupted(&self) -> bool;
}

/// No progress shown, never interrupted.
pub struct Quiet;

impl Progress for Quiet {
    fn tick(&self) {}
    fn interrupted(&self) -> bool {
        false
    }
}

/// The queue a DLQ's messages go back to: the one queue whose redrive policy names it.
pub async fn source_of(
    sqs: &aws_sdk_sqs::Client,
    dlq: &Dlq,
    prefix: Option<&str>,
) -> Result<String, DlqError> {
    let arn = queue_info(sqs, &dlq.url).await?.arn;
    let mut sources = Vec::new();
    for url in queue_urls(sqs, prefix).await? {
        if queue_info(sqs, &url).await?.dead_letter_target.as_deref() == Some(arn.as_str()) {
            sources.push(url);
        }
    }
    match sources.len() {
        1 => Ok(sources.remove(0)),
        0 => Err(DlqError::Usage(format!(
            "no queue's redrive policy names {}: say where to send with --to",
            dlq.name
        ))),
        _ => Err(DlqError::Usage(format!(
            "several queues dead-letter into {} ({}): choose one with --to",
            dlq.name,
            sources.join(", ")
        ))),
    }
}

fn summary(message: &DlqMessage) -> Value {
    json!({
        "message_id": message.message_id,
        "type": message.kind,
        "channel": message.channel,
        "key": message.key,
    })
}

/// The message's own attributes, plus the mark that says it is sent again by `how` (`redrive`,
/// `edit`): its consumer then resolves the failure that sent it to the DLQ.
pub(crate) fn attributes_to_send(
    raw: &Message,
    how: &str,
) -> std::collections::HashMap<String, MessageAttributeValue> {
    let mut attributes = raw.message_attributes.clone().unwrap_or_default();
    attributes.insert(
        switchyard_model::envelope::RESENT_ATTRIBUTE.to_string(),
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(how)
            .build()
            .expect("attribute is complete"),
    );
    attributes
}

/// Message by message, sends each DLQ message passing the plan's filters to `target` (body
/// and message attributes kept, marked resent) and then deletes it from the DLQ, at the plan's rate. A dry
/// run sends and deletes nothing. Appends one audit entry (`dlq.redrive`) when executed.
pub async fn redrive(
    sqs: &aws_sdk_sqs::Client,
    ports: &OpsPorts,
    actor: &str,
    dlq: &Dlq,
    target: &str,
    plan: &Plan,
    progress: &dyn Progress,
) -> Result<Outcome, DlqError> {
    let target_url = if target.contains("://") {
        target.to_string()
    } else {
        resolve(sqs, target, None).await?.url
    };
    if target_url == dlq.url {
        return Err(DlqError::Usage(format!(
            "{} cannot be redriven into itself",
            dlq.name
        )));
    }
    let mut outcome = Outcome {
        action: "redrive".into(),
        queue: dlq.name.clone(),
        target: Some(name_of(&target_url).to_string()),
        executed: plan.execute,
        matched: 0,
        done: 0,
        stopped_early: false,
        error: None,
        messages: Vec::new(),
        audit_id: None,
    };
    let sqs2 = sqs.clone();
    let target_for_send = target_url.clone();
    let step = move |raw: Message| {
        let sqs = sqs2.clone();
        let target = target_for_send.clone();
        async move {
            let group = raw
                .attributes
                .as_ref()
                .and_then(|a| a.get(&MessageSystemAttributeName::MessageGroupId))
                .cloned();
            sqs.send_message()
                .queue_url(&target)
                .message_body(raw.body.clone().unwrap_or_default())
                .set_message_attributes(Some(attributes_to_send(&raw, "redrive")))
                .set_message_group_id(group.clone())
                // FIFO: the original deduplication id would make SQS drop a resend within its
                // five-minute window; the DLQ message id is fresh, yet the same on a rerun, so
                // a resend from the crash window is the one SQS drops.
                .set_message_deduplication_id(group.and(raw.message_id.clone()))
                .send()
                .await
                .map_err(|e| sqs_error("SendMessage", e))?;
            Ok(())
        }
    };
    run(sqs, ports, dlq, plan, progress, &mut outcome, step).await?;
    if plan.execute {
        outcome.audit_id = Some(audit(ports, actor, "dlq.redrive", dlq, plan, &outcome).await?);
    }
    Ok(outcome)
}

/// Deletes the DLQ messages passing the plan's filters, resolving their failure records
/// (`purged by …`). Refuses unless `plan.execute` (a purge has no dry run: use `show`).
/// Appends one audit entry (`dlq.purge`).
pub async fn purge(
    sqs: &aws_sdk_sqs::Client,
    ports: &OpsPorts,
    actor: &str,
    dlq: &Dlq,
    plan: &Plan,
    progress: &dyn Progress,
) -> Result<Outcome, DlqError> {
    if !plan.execute {
        return Err(DlqError::Usage(
            "purge deletes messages for good: pass --execute (see them first with `dlq show`)"
                .into(),
        ));
    }
    let mut outcome = Outcome {
        action: "purge".into(),
        queue: dlq.name.clone(),
        target: None,
        executed: true,
        matched: 0,
        done: 0,
        stopped_early: false,
        error: None,
        messages: Vec::new(),
        audit_id: None,
    };
    let step = |_raw: Message| async { Ok(()) };
    run(sqs, ports, dlq, plan, progress, &mut outcome, step).await?;
    let how = format!("purged from {} by {actor}", dlq.name);
    for message in &outcome.messages {
        if let Some(key) = message
            .get("key")
            .and_then(|k| serde_json::from_value::<FailureKey>(k.clone()).ok())
        {
            ports
                .failures
                .resolve(&key, &how, Utc::now())
                .await
                .map_err(|e| DlqError::Ops(e.to_string()))?;
        }
    }
    outcome.audit_id = Some(audit(ports, actor, "dlq.purge", dlq, plan, &outcome).await?);
    Ok(outcome)
}

/// The shared loop: scan, filter, `step` then delete each (when executing), at the rate.
/// An SQS error mid-way is kept in the outcome (stopped early), so the audit entry records
/// what was done before it.
async fn run<F, Fut>(
    sqs: &aws_sdk_sqs::Client,
    ports: &OpsPorts,
    dlq: &Dlq,
    plan: &Plan,
    progress: &dyn Progress,
    outcome: &mut Outcome,
    step: F,
) -> Result<(), DlqError>
where
    F: Fn(Message) -> Fut,
    Fut: std::future::Future<Output = Result<(), DlqError>>,
{
    let pause = (plan.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / plan.rate));
    // Hold each batch long enough to handle ten messages at the rate, with a margin.
    let hold = Duration::from_secs(30) + pause.unwrap_or_default() * 10;
    let mut scan = Scan::new(sqs, dlq, hold);
    let now = Utc::now();
    let result: Result<(), DlqError> = async {
        'scan: loop {
            let batch = scan.next_batch().await?;
            if batch.is_empty() {
                break;
            }
            for raw in batch {
                if plan.limit > 0 && outcome.matched as usize >= plan.limit {
                    break 'scan;
                }
                if progress.interrupted() {
                    outcome.stopped_early = true;
                    break 'scan;
                }
                let message = with_failure(ports, describe(dlq, raw)).await?;
                if !admits(&plan.filters, &message, now) {
                    continue;
                }
                outcome.matched += 1;
                outcome.messages.push(summary(&message));
                if !plan.execute {
                    progress.tick();
                    continue;
                }
                let handle = message.raw.receipt_handle.clone().unwrap_or_default();
                step(message.raw).await?;
                sqs.delete_message()
                    .queue_url(&dlq.url)
                    .receipt_handle(&handle)
                    .send()
                    .await
                    .map_err(|e| sqs_error("DeleteMessage", e))?;
                scan.forget(&handle);
                outcome.done += 1;
                progress.tick();
                if let Some(pause) = pause {
                    tokio::time::sleep(pause).await;
                }
            }
        }
        Ok(())
    }
    .await;
    if let Err(error) = result {
        outcome.stopped_early = true;
        outcome.error = Some(error.to_string());
    }
    scan.release().await
}

async fn audit(
    ports: &OpsPorts,
    actor: &str,
    action: &str,
    dlq: &Dlq,
    plan: &Plan,
    outcome: &Outcome,
) -> Result<String, DlqError> {
    let mut entry = AuditEntry::new(actor, action, &dlq.name);
    entry.count = outcome.done;
    entry.outcome = match (&outcome.error, outcome.stopped_early) {
        (Some(_), _) if outcome.done == 0 => "failed",
        (Some(_), _) | (None, true) => "partial",
        (None, false) => "ok",
    }
    .into();
    entry.details = json!({
        "filters": plan.filters.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "limit": plan.limit,
        "rate": plan.rate,
        "target": outcome.target,
        "matched": outcome.matched,
        "error": outcome.error,
        "messages": outcome.messages,
    });
    ports
        .audit
        .append(&entry)
        .await
        .map_err(|e| DlqError::Ops(e.to_string()))?;
    Ok(entry.id)
}

/// Who is acting, for the audit trail: the STS caller ARN; `$USER@local` only when STS cannot
/// be reached at all (a local stack without it). Any other STS error is an error.
pub async fn actor(sts: &aws_sdk_sts::Client) -> Result<String, DlqError> {
    match sts.get_caller_identity().send().await {
        Ok(identity) => Ok(identity.arn.unwrap_or_else(|| "unknown".into())),
        Err(e) if e.as_service_error().is_none() && e.raw_response().is_none() => {
            let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
            Ok(format!("{user}@local"))
        }
        Err(e) => Err(DlqError::Sqs {
            operation: "STS GetCallerIdentity",
            message: aws_sdk_sts::error::DisplayErrorContext(e).to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_is_the_queue_name_without_prefix_and_dlq() {
        assert_eq!(
            flow_of("switchyard-local-orders-dlq", Some("switchyard-local")),
            "orders"
        );
        assert_eq!(
            flow_of(
                "switchyard-local-stock-shopify-dlq",
                Some("switchyard-local")
            ),
            "stock-shopify"
        );
        assert_eq!(
            flow_of("other-orders-dlq", Some("switchyard-local")),
            "other-orders"
        );
        assert_eq!(flow_of("orders-dlq", None), "orders");
    }

    #[test]
    fn the_failure_key_is_the_one_its_consumer_recorded() {
        let order = json!({
            "id": "01J0000000000000000000000A", "type": "OrderSubmitted", "version": 1,
            "correlation_id": "o-9", "channel": "shop", "payload": {"order": {"id": "o-9"}}
        });
        let event =
            json!({"detail-type": "OrderAccepted", "source": "switchyard", "detail": order});
        for body in [order.to_string(), event.to_string(), "not json".to_string()] {
            assert_eq!(
                failure_key_of("orders", &body),
                Some(FailureKey::new(
                    "orders",
                    switchyard_failures::subject_of(&body)
                ))
            );
        }
        assert_eq!(
            failure_key_of("orders", &order.to_string())
                .unwrap()
                .subject,
            "o-9"
        );
    }

    #[test]
    fn filters_parse_and_print_back() {
        for text in [
            "channel=shop-a",
            "class=poison",
            "type=OrderSubmitted",
            "older-than=2h",
        ] {
            assert_eq!(text.parse::<Filter>().expect(text).to_string(), text);
        }
        assert!("channel".parse::<Filter>().is_err());
        assert!("size=3".parse::<Filter>().is_err());
    }
}
