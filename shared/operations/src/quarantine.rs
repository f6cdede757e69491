//! The intake quarantine as an operator sees it (`switchyard quarantine list|show|replay`): the
//! raw webhook and EDI bodies Switchyard authenticated but could not read (decision 0011), and
//! their replay once the channel's mapping is fixed.
//!
//! `list` and `show` consume nothing: messages are received with a hold for one pass and
//! released at once. A replay re-reads the kept body with the same reader the intake function
//! used and, when it now reads, captures it through the same [`Intake`] under the same business
//! key the function uses (`webhook:<delivery id>`), so a replay, a second replay and the
//! sender's own retry all converge on one order (the order store claims the external id per
//! channel). Only then is the quarantined message deleted: a crash in between replays the same
//! capture again, which matches the order already made. A body that still does not read is kept
//! again with its new reason (sent first, then the old message deleted).
//!
//! The quarantine queue may have a dead-letter queue of its own (Terraform gives every queue
//! one): each peek counts as a receive, so after `maxReceiveCount` looks SQS moves a kept body
//! there. The commands therefore read the quarantine *and* its DLQ ([`queues`]) as one
//! quarantine, and a replay deletes the message from whichever holds it.
//!
//! The signature is not checked again: only bodies that passed it are quarantined, and the
//! channel's secrets may have rotated since. The intake's delivery-id claim (`once`) is not
//! taken either: the failed delivery gave it up, and the capture's own key is what de-duplicates.

use std::sync::Arc;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use switchyard_channels::{ChannelDirectory, ChannelKind};
use switchyard_failures::{AuditEntry, AuditLog};
use switchyard_intake::{Captured, HttpRequest, Intake};
use switchyard_model::{ChannelName, OrderId};
use switchyard_quarantine::{Quarantine, QuarantinedDelivery};
use switchyard_webhooks::{shopify, woocommerce};

use crate::peek::Peek;

/// Why a quarantine command failed.
#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    /// No message with that id in the quarantine.
    #[error("{0}")]
    NotFound(String),
    /// SQS, the channels table or the intake failed.
    #[error("{0}")]
    Service(String),
}

/// The quarantine queue and, when its redrive policy names one, its dead-letter queue.
pub async fn queues(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Result<Vec<String>, QuarantineError> {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .map_err(|e| service(crate::peek::sqs_message("GetQueueAttributes", e)))?
        .attributes
        .unwrap_or_default();
    let mut urls = vec![queue_url.to_string()];
    let dlq_name = attributes
        .get(&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|p| p["deadLetterTargetArn"].as_str().map(str::to_string))
        .and_then(|arn| arn.rsplit(':').next().map(str::to_string));
    if let Some(name) = dlq_name {
        let url = sqs
            .get_queue_url()
            .queue_name(&name)
            .send()
            .await
            .map_err(|e| service(crate::peek::sqs_message("GetQueueUrl", e)))?
            .queue_url
            .unwrap_or_default();
        urls.push(url);
    }
    Ok(urls)
}

fn queue_name(url: &str) -> String {
    url.rsplit('/').next().unwrap_or(url).to_string()
}

/// One quarantined delivery with its queue metadata.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineItem {
    /// The SQS message id (what `show` and `replay` take).
    pub message_id: String,
    /// The queue holding it: the quarantine, or its DLQ after many looks.
    pub queue: String,
    /// When it was put in the quarantine.
    pub sent_at: Option<DateTime<Utc>>,
    /// The delivery as kept; `None` when the message is not one (then `raw` holds it).
    pub delivery: Option<QuarantinedDelivery>,
    /// The message body when it is not a quarantined delivery.
    pub raw: Option<String>,
}

impl QuarantineItem {
    fn of(message: &Message, queue_url: &str) -> Self {
        let body = message.body.clone().unwrap_or_default();
        let delivery = serde_json::from_str::<QuarantinedDelivery>(&body).ok();
        QuarantineItem {
            message_id: message.message_id.clone().unwrap_or_default(),
            queue: queue_name(queue_url),
            sent_at: message
                .attributes
                .as_ref()
                .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                .and_then(|t| t.parse().ok())
                .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
            raw: delivery.is_none().then_some(body),
            delivery,
        }
    }

    /// The same item with the body left out (for `list`).
    fn without_body(mut self) -> Self {
        if let Some(d) = &mut self.delivery {
            d.body = format!("<{} bytes>", d.body.len());
        }
        self
    }
}

fn service(e: impl std::fmt::Display) -> QuarantineError {
    QuarantineError::Service(e.to_string())
}

/// Every quarantined delivery (bodies left out), oldest first, consuming none.
pub async fn list(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Result<Vec<QuarantineItem>, QuarantineError> {
    let mut items = Vec::new();
    for url in queues(sqs, queue_url).await? {
        let mut peek = Peek::new(sqs, &url);
        let scanned = peek.scan(None).await;
        peek.release().await.map_err(service)?;
        items.extend(
            scanned
                .map_err(service)?
                .iter()
                .map(|m| QuarantineItem::of(m, &url).without_body()),
        );
    }
    items.sort_by_key(|i| i.sent_at);
    Ok(items)
}

/// One quarantined delivery with its body, consuming nothing.
pub async fn show(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    message_id: &str,
) -> Result<QuarantineItem, QuarantineError> {
    for url in queues(sqs, queue_url).await? {
        let mut peek = Peek::new(sqs, &url);
        let found = peek.find(message_id).await;
        peek.release().await.map_err(service)?;
        if let Some(message) = found.map_err(service)? {
            return Ok(QuarantineItem::of(&message, &url));
        }
    }
    Err(not_found(message_id))
}

fn not_found(message_id: &str) -> QuarantineError {
    QuarantineError::NotFound(format!("no message {message_id} in the quarantine"))
}

/// What a replay needs: the channels (for the mapping), the intake, the quarantine itself (to
/// keep a body that still fails) and the audit log.
#[derive(Clone)]
pub struct ReplayPorts {
    /// Channel records.
    pub channels: Arc<dyn ChannelDirectory>,
    /// The order intake, as the webhooks function has it.
    pub intake: Intake,
    /// The quarantine queue as a port (for keeping again).
    pub quarantine: Arc<dyn Quarantine>,
    /// The audit trail.
    pub audit: Arc<dyn AuditLog>,
}

/// What a replay found or did.
#[derive(Debug, Clone, Serialize)]
pub struct Replayed {
    /// The quarantined message.
    pub message_id: String,
    /// The channel it was addressed to.
    pub channel: String,
    /// Its source (`shopify:orders/create`, `x12`).
    pub source: String,
    /// False for a dry run.
    pub executed: bool,
    /// `created` / `matched` (an order), `cancellation-requested`, `ignored`, `still-unreadable`,
    /// `resend-needed`, or for a dry run `would-capture` / `would-cancel` / `would-ignore`.
    pub result: String,
    /// The order it became (or matched).
    pub order_id: Option<String>,
    /// The channel's id for the order, when the body now reads.
    pub external_id: Option<String>,
    /// Why it still fails (or what to do), when it does.
    pub reason: Option<String>,
    /// Whether the quarantined message was deleted (it read) or replaced (its new reason kept).
    pub quarantine: String,
    /// The audit entry (none for a dry run).
    pub audit_id: Option<String>,
}

/// What the kept body asks for now, read with the intake function's own reader.
enum Reading {
    /// A webhook: what it asks for, with its channel's kind.
    Webhook(Result<(switchyard_channels::ChannelKind, webhooks::delivery::Intent), String>),
    /// X12: the interchange now parses (or why not).
    X12(Result<(), String>),
}

fn raw_body(delivery: &QuarantinedDelivery) -> Result<Vec<u8>, String> {
    if delivery.body_base64 {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&delivery.body)
            .map_err(|e| format!("the kept body is not valid base64: {e}"))
    } else {
        Ok(delivery.body.clone().into_bytes())
    }
}

/// The request the webhooks function read, rebuilt from what the quarantine kept: the body,
/// its content type, the topic (in `source`) and the delivery id.
fn webhook_request(
    kind: ChannelKind,
    delivery: &QuarantinedDelivery,
    body: Vec<u8>,
) -> HttpRequest {
    let mut headers = Vec::new();
    if let Some(ct) = &delivery.content_type {
        headers.push(("content-type".to_string(), ct.clone()));
    }
    let topic = delivery
        .source
        .split_once(':')
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    match kind {
        ChannelKind::Shopify => headers.push((shopify::TOPIC_HEADER.to_ascii_lowercase(), topic)),
        ChannelKind::Woocommerce => {
            headers.push((woocommerce::TOPIC_HEADER.to_ascii_lowercase(), topic))
        }
        _ => {}
    }
    HttpRequest {
        method: "POST".into(),
        path: format!("/v1/webhooks/{}", delivery.channel),
        headers,
        body,
        host: None,
        query: Vec::new(),
    }
}

async fn read(
    ports: &ReplayPorts,
    delivery: &QuarantinedDelivery,
) -> Result<Reading, QuarantineError> {
    let body = match raw_body(delivery) {
        Ok(body) => body,
        Err(reason) => return Ok(Reading::Webhook(Err(reason))),
    };
    if delivery.source == "x12" {
        return Ok(Reading::X12(
            switchyard_x12::parse_interchange(&body)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ));
    }
    let name = ChannelName::try_from(delivery.channel.as_str()).map_err(service)?;
    let Some(channel) = ports.channels.get(&name).await.map_err(service)? else {
        return Ok(Reading::Webhook(Err(format!(
            "channel {} no longer exists",
            delivery.channel
        ))));
    };
    let request = webhook_request(channel.kind, delivery, body);
    Ok(Reading::Webhook(
        webhooks::delivery::read(&channel, &request, OrderId::generate())
            .map(|intent| (channel.kind, intent))
            .map_err(|e| e.to_string()),
    ))
}

/// The capture key the webhooks function uses for this delivery, so that a replay and the
/// sender's retry are one order.
fn capture_key(delivery: &QuarantinedDelivery) -> String {
    match &delivery.delivery_id {
        Some(id) => format!("webhook:{id}"),
        None => format!(
            "quarantine:{}",
            switchyard_intake::capture::payload_hash(delivery.body.as_bytes())
        ),
    }
}

/// Replays one quarantined delivery: a dry run (unless `execute`) says what it would become;
/// executed, it captures it (deleting it from the quarantine) or keeps it again with its new
/// reason. Audited as `quarantine.replay` when executed.
pub async fn replay(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    ports: &ReplayPorts,
    actor: &str,
    message_id: &str,
    execute: bool,
) -> Result<Replayed, QuarantineError> {
    for url in queues(sqs, queue_url).await? {
        let mut peek = Peek::new(sqs, &url);
        let outcome = replay_held(&mut peek, ports, actor, message_id, execute).await;
        let released = peek.release().await.map_err(service);
        match outcome {
            Err(QuarantineError::NotFound(_)) => released?,
            outcome => {
                released?;
                return outcome;
            }
        }
    }
    Err(not_found(message_id))
}

async fn replay_held(
    peek: &mut Peek<'_>,
    ports: &ReplayPorts,
    actor: &str,
    message_id: &str,
    execute: bool,
) -> Result<Replayed, QuarantineError> {
    let message = peek
        .find(message_id)
        .await
        .map_err(service)?
        .ok_or_else(|| not_found(message_id))?;
    let body = message.body.clone().unwrap_or_default();
    let delivery: QuarantinedDelivery = serde_json::from_str(&body).map_err(|e| {
        QuarantineError::Service(format!(
            "message {message_id} is not a quarantined delivery: {e}"
        ))
    })?;
    let mut replayed = Replayed {
        message_id: message_id.to_string(),
        channel: delivery.channel.clone(),
        source: delivery.source.clone(),
        executed: execute,
        result: String::new(),
        order_id: None,
        external_id: None,
        reason: None,
        quarantine: "kept".into(),
        audit_id: None,
    };
    let reading = read(ports, &delivery).await?;
    let still_failing = match reading {
        Reading::Webhook(Err(reason)) | Reading::X12(Err(reason)) => Some(reason),
        Reading::X12(Ok(())) => {
            // The 850s of an interchange go through the EDI API with the partner's own key and
            // answer with a 997 in its outbox: only the partner's resend can do that.
            replayed.result = "resend-needed".into();
            replayed.reason = Some(
                "the interchange now parses: ask the partner to resend it (its 997 goes to the partner's outbox); the quarantined copy is kept until then".into(),
            );
            None
        }
        Reading::Webhook(Ok((kind, intent))) => {
            use webhooks::delivery::Intent;
            match (intent, execute) {
                (Intent::Capture(order), false) => {
                    replayed.result = "would-capture".into();
                    replayed.external_id = Some(order.external_id.to_string());
                }
                (Intent::Capture(order), true) => {
                    replayed.external_id = Some(order.external_id.to_string());
                    let captured = ports
                        .intake
                        .capture(*order, &capture_key(&delivery), kind)
                        .await
                        .map_err(|p| service(p.detail))?;
                    replayed.result = match captured {
                        Captured::Duplicate(_) => "matched",
                        Captured::Queued(_) | Captured::AlreadyQueued(_) => "created",
                    }
                    .into();
                    replayed.order_id = Some(captured.order_id().to_string());
                }
                (Intent::Cancel { external_id, .. }, false) => {
                    replayed.result = "would-cancel".into();
                    replayed.external_id = Some(external_id.to_string());
                }
                (
                    Intent::Cancel {
                        external_id,
                        reason,
                    },
                    true,
                ) => {
                    let name = ChannelName::try_from(delivery.channel.as_str()).map_err(service)?;
                    let id = ports
                        .intake
                        .request_cancellation(&name, &external_id, reason)
                        .await
                        .map_err(|p| service(p.detail))?;
                    replayed.result = if id.is_some() {
                        "cancellation-requested"
                    } else {
                        "ignored"
                    }
                    .into();
                    replayed.order_id = id.map(|id| id.to_string());
                    replayed.external_id = Some(external_id.to_string());
                }
                (Intent::Ignore(why), execute) => {
                    replayed.result = if execute { "ignored" } else { "would-ignore" }.into();
                    replayed.reason = Some(why);
                }
            }
            if execute {
                peek.delete(&message).await.map_err(service)?;
                replayed.quarantine = "deleted".into();
            }
            None
        }
    };
    if let Some(reason) = still_failing {
        replayed.result = "still-unreadable".into();
        if execute {
            let mut kept = delivery.clone();
            kept.reason = reason.clone();
            ports.quarantine.keep(&kept).await.map_err(service)?;
            peek.delete(&message).await.map_err(service)?;
            replayed.quarantine = "kept again with the new reason".into();
        }
        replayed.reason = Some(reason);
    }
    if execute {
        let mut entry = AuditEntry::new(actor, "quarantine.replay", message_id);
        entry.count = u64::from(replayed.order_id.is_some());
        entry.outcome = match replayed.result.as_str() {
            "still-unreadable" | "resend-needed" => "failed",
            _ => "ok",
        }
        .into();
        entry.details = json!({
            "channel": replayed.channel,
            "source": replayed.source,
            "delivery_id": delivery.delivery_id,
            "result": replayed.result,
            "order_id": replayed.order_id,
            "external_id": replayed.external_id,
            "previous_reason": delivery.reason,
            "reason": replayed.reason,
        });
        ports.audit.append(&entry).await.map_err(service)?;
        replayed.audit_id = Some(entry.id);
    }
    Ok(replayed)
}
