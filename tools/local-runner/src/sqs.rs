//! SQS event source mappings: pollers that batch messages, invoke the function and delete
//! what it processed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::SqsMapping;
use crate::runtime_api::{FunctionRuntime, InvokeError};

/// Longest long poll SQS allows.
const MAX_WAIT_SECONDS: u64 = 20;

/// What to do with a batch after the invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Everything succeeded: delete every message.
    DeleteAll,
    /// Delete every message except these message ids.
    DeleteExcept(HashSet<String>),
    /// The whole batch failed: delete nothing.
    DeleteNone,
}

/// Interprets an invocation result like Lambda's SQS poller does.
pub fn interpret(
    report_batch_item_failures: bool,
    result: &Result<Value, InvokeError>,
    message_ids: &[String],
) -> BatchOutcome {
    let value = match result {
        Ok(v) => v,
        Err(_) => return BatchOutcome::DeleteNone,
    };
    if !report_batch_item_failures {
        return BatchOutcome::DeleteAll;
    }
    let obj = match value {
        Value::Null => return BatchOutcome::DeleteAll,
        Value::Object(o) => o,
        // Not an object: an invalid response, so the whole batch failed.
        _ => return BatchOutcome::DeleteNone,
    };
    let failures = match obj.get("batchItemFailures") {
        None | Some(Value::Null) => return BatchOutcome::DeleteAll,
        Some(Value::Array(items)) => items,
        Some(_) => return BatchOutcome::DeleteNone,
    };
    if failures.is_empty() {
        return BatchOutcome::DeleteAll;
    }
    let known: HashSet<&str> = message_ids.iter().map(String::as_str).collect();
    let mut failed = HashSet::new();
    for item in failures {
        match item.get("itemIdentifier") {
            Some(Value::String(id)) if known.contains(id.as_str()) => {
                failed.insert(id.clone());
            }
            // Missing, null, empty or unknown identifier: the whole batch failed.
            _ => return BatchOutcome::DeleteNone,
        }
    }
    BatchOutcome::DeleteExcept(failed)
}

/// Builds the Lambda SQS event for a batch.
pub fn build_event(messages: &[Message], queue_arn: &str, region: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let mut attributes = Map::new();
            if let Some(attrs) = m.attributes() {
                for (k, v) in attrs {
                    attributes.insert(k.as_str().to_owned(), json!(v));
                }
            }
            let mut message_attributes = Map::new();
            if let Some(attrs) = m.message_attributes() {
                for (k, v) in attrs {
                    let mut a = Map::new();
                    if let Some(s) = v.string_value() {
                        a.insert("stringValue".into(), json!(s));
                    }
                    if let Some(b) = v.binary_value() {
                        a.insert("binaryValue".into(), json!(STANDARD.encode(b.as_ref())));
                    }
                    a.insert("stringListValues".into(), json!(v.string_list_values()));
                    let bins: Vec<String> = v
                        .binary_list_values()
                        .iter()
                        .map(|b| STANDARD.encode(b.as_ref()))
                        .collect();
                    a.insert("binaryListValues".into(), json!(bins));
                    a.insert("dataType".into(), json!(v.data_type()));
                    message_attributes.insert(k.clone(), Value::Object(a));
                }
            }
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body().unwrap_or_default(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": m.md5_of_body(),
                "md5OfMessageAttributes": m.md5_of_message_attributes(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// Runs all pollers of one mapping until shutdown.
pub async fn run_mapping(
    client: Client,
    mapping: SqsMapping,
    function: Arc<FunctionRuntime>,
    region: String,
    shutdown: watch::Receiver<bool>,
) {
    let mapping = Arc::new(mapping);
    let mut pollers = Vec::new();
    for n in 1..=mapping.maximum_concurrency {
        let poller = Poller {
            client: client.clone(),
            mapping: mapping.clone(),
            function: function.clone(),
            region: region.clone(),
            label: format!(
                "{}#{n}",
                mapping.queue_url.rsplit('/').next().unwrap_or("queue")
            ),
        };
        let mut shutdown = shutdown.clone();
        pollers.push(tokio::spawn(async move {
            tokio::select! {
                () = poller.run() => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
        }));
    }
    tracing::info!(queue = %mapping.queue_url, function = %function.name(), pollers = pollers.len(), "SQS event source mapping started");
    for p in pollers {
        let _ = p.await;
    }
}

struct Poller {
    client: Client,
    mapping: Arc<SqsMapping>,
    function: Arc<FunctionRuntime>,
    region: String,
    label: String,
}

impl Poller {
    async fn run(self) {
        loop {
            let batch = match self.collect_batch().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(poller = %self.label, error = %e, "ReceiveMessage failed; backing off");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if batch.is_empty() {
                continue;
            }
            self.process(batch).await;
        }
    }

    async fn receive(&self, max: u64, wait_seconds: u64) -> anyhow::Result<Vec<Message>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.mapping.queue_url)
            .max_number_of_messages(i32::try_from(max.clamp(1, 10)).unwrap_or(10))
            .wait_time_seconds(i32::try_from(wait_seconds.min(MAX_WAIT_SECONDS)).unwrap_or(1))
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| anyhow::anyhow!(aws_sdk_sqs::error::DisplayErrorContext(e).to_string()))?;
        Ok(out.messages.unwrap_or_default())
    }

    /// Receives until `batch_size` messages or the batching window (from the first message).
    async fn collect_batch(&self) -> anyhow::Result<Vec<Message>> {
        let batch_size = self.mapping.batch_size;
        let window = Duration::from_secs(self.mapping.maximum_batching_window_seconds);
        let mut batch: Vec<Message> = Vec::new();
        let mut first_at: Option<Instant> = None;
        loop {
            let want = batch_size - batch.len() as u64;
            let received = match first_at {
                None => {
                    let wait = self
                        .mapping
                        .maximum_batching_window_seconds
                        .clamp(1, MAX_WAIT_SECONDS);
                    self.receive(want, wait).await?
                }
                Some(start) => {
                    let remaining = window.saturating_sub(start.elapsed());
                    if remaining.is_zero() {
                        break;
                    }
                    let received = if remaining >= Duration::from_secs(1) {
                        self.receive(want, remaining.as_secs()).await
                    } else {
                        tokio::time::sleep(remaining).await;
                        self.receive(want, 0).await
                    };
                    match received {
                        Ok(r) => r,
                        // Keep what we have; the error is retried on the next batch.
                        Err(e) => {
                            tracing::warn!(poller = %self.label, error = %e, "ReceiveMessage failed while batching");
                            break;
                        }
                    }
                }
            };
            if !received.is_empty() && first_at.is_none() {
                first_at = Some(Instant::now());
            }
            for m in received {
                if !batch.iter().any(|b| b.message_id() == m.message_id()) {
                    batch.push(m);
                }
            }
            if batch.len() as u64 >= batch_size || (first_at.is_some() && window.is_zero()) {
                break;
            }
        }
        Ok(batch)
    }

    async fn process(&self, batch: Vec<Message>) {
        let ids: Vec<String> = batch
            .iter()
            .map(|m| m.message_id().unwrap_or_default().to_owned())
            .collect();
        let event = build_event(&batch, &self.mapping.queue_arn, &self.region);
        let result = self.function.invoke(event).await;
        if matches!(result, Err(InvokeError::Crashed)) {
            // Possibly no instance left: do not spin on the queue.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let outcome = interpret(self.mapping.report_batch_item_failures, &result, &ids);
        match (&result, &outcome) {
            (Err(e), _) => {
                tracing::warn!(poller = %self.label, messages = ids.len(), error = %e, "invocation failed; batch left to retry")
            }
            (Ok(_), BatchOutcome::DeleteNone) => {
                tracing::warn!(poller = %self.label, messages = ids.len(), "invalid batch response; whole batch left to retry")
            }
            (Ok(_), BatchOutcome::DeleteExcept(failed)) => {
                tracing::info!(poller = %self.label, messages = ids.len(), failed = failed.len(), "partial batch failure")
            }
            (Ok(_), BatchOutcome::DeleteAll) => {
                tracing::debug!(poller = %self.label, messages = ids.len(), "batch processed")
            }
        }
        let to_delete: Vec<&Message> = match &outcome {
            BatchOutcome::DeleteNone => return,
            BatchOutcome::DeleteAll => batch.iter().collect(),
            BatchOutcome::DeleteExcept(failed) => batch
                .iter()
                .filter(|m| !failed.contains(m.message_id().unwrap_or_default()))
                .collect(),
        };
        self.delete(&to_delete).await;
    }

    async fn delete(&self, messages: &[&Message]) {
        for chunk in messages.chunks(10) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .receipt_handle(m.receipt_handle().unwrap_or_default())
                        .build()
                        .ok()
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            match self
                .client
                .delete_message_batch()
                .queue_url(&self.mapping.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => {
                    for f in out.failed() {
                        tracing::warn!(poller = %self.label, id = %f.id(), code = %f.code(), "DeleteMessageBatch entry failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(poller = %self.label, error = %aws_sdk_sqs::error::DisplayErrorContext(e), "DeleteMessageBatch failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// An SQS client for the runner: region from the config, endpoint/credentials from the
/// environment, 2 attempts, bounded timeouts.
pub async fn client(region: &str) -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .http_client(switchyard_platform::aws::https_client())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(MAX_WAIT_SECONDS + 10))
                .build(),
        )
        .load()
        .await;
    Client::new(&config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::sqs::SqsEvent;
    use aws_sdk_sqs::primitives::Blob;
    use aws_sdk_sqs::types::MessageAttributeValue;

    fn ids() -> Vec<String> {
        vec!["m1".into(), "m2".into(), "m3".into()]
    }

    #[test]
    fn errors_delete_nothing() {
        for e in [
            InvokeError::Timeout,
            InvokeError::Crashed,
            InvokeError::FunctionError {
                error_type: "E".into(),
                message: "m".into(),
            },
        ] {
            assert_eq!(
                interpret(true, &Err(e.clone()), &ids()),
                BatchOutcome::DeleteNone
            );
            assert_eq!(interpret(false, &Err(e), &ids()), BatchOutcome::DeleteNone);
        }
    }

    #[test]
    fn success_shapes_delete_all() {
        for v in [
            Value::Null,
            json!({}),
            json!({"batchItemFailures": []}),
            json!({"batchItemFailures": null}),
        ] {
            assert_eq!(interpret(true, &Ok(v), &ids()), BatchOutcome::DeleteAll);
        }
        // Without ReportBatchItemFailures the response is ignored.
        let listed = json!({"batchItemFailures": [{"itemIdentifier": "m1"}]});
        assert_eq!(
            interpret(false, &Ok(listed), &ids()),
            BatchOutcome::DeleteAll
        );
    }

    #[test]
    fn listed_failures_are_kept() {
        let v = json!({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]});
        let expected: HashSet<String> = ["m1".to_owned(), "m3".to_owned()].into();
        assert_eq!(
            interpret(true, &Ok(v), &ids()),
            BatchOutcome::DeleteExcept(expected)
        );
    }

    #[test]
    fn invalid_responses_fail_the_whole_batch() {
        for v in [
            json!({"batchItemFailures": [{"itemIdentifier": "nope"}]}),
            json!({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": ""}]}),
            json!({"batchItemFailures": [{"itemIdentifier": null}]}),
            json!({"batchItemFailures": [{"id": "m1"}]}),
            json!({"batchItemFailures": "m1"}),
            json!("not a batch response"),
            json!([1, 2]),
        ] {
            assert_eq!(
                interpret(true, &Ok(v.clone()), &ids()),
                BatchOutcome::DeleteNone,
                "{v}"
            );
        }
    }

    #[test]
    fn event_round_trips_through_aws_lambda_events() {
        let m = Message::builder()
            .message_id("id-1")
            .receipt_handle("rh-1")
            .body(r#"{"order":1}"#)
            .md5_of_body("abc")
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "2")
            .attributes(MessageSystemAttributeName::SentTimestamp, "1520621625029")
            .message_attributes(
                "kind",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("order")
                    .build()
                    .unwrap(),
            )
            .message_attributes(
                "raw",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(Blob::new(vec![1u8, 2]))
                    .build()
                    .unwrap(),
            )
            .build();
        let event = build_event(&[m], "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1");
        let parsed: SqsEvent = serde_json::from_value(event.clone()).unwrap();
        let r = &parsed.records[0];
        assert_eq!(r.message_id.as_deref(), Some("id-1"));
        assert_eq!(r.receipt_handle.as_deref(), Some("rh-1"));
        assert_eq!(r.body.as_deref(), Some(r#"{"order":1}"#));
        assert_eq!(r.attributes["ApproximateReceiveCount"], "2");
        assert_eq!(r.attributes["SentTimestamp"], "1520621625029");
        assert_eq!(
            r.message_attributes["kind"].string_value.as_deref(),
            Some("order")
        );
        assert_eq!(
            r.message_attributes["kind"].data_type.as_deref(),
            Some("String")
        );
        assert_eq!(
            event["Records"][0]["messageAttributes"]["raw"]["binaryValue"],
            "AQI="
        );
        assert_eq!(r.event_source.as_deref(), Some("aws:sqs"));
        assert_eq!(
            r.event_source_arn.as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:q")
        );
        assert_eq!(r.aws_region.as_deref(), Some("us-east-1"));
    }
}
