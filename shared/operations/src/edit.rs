//! `switchyard dlq edit`: fix one dead-lettered message's body and send it back.
//!
//! The edited body must read as the message its queue's consumer expects, or nothing happens:
//! on the orders queue one of the processor's envelopes (`OrderSubmitted`,
//! `OrderCancellationRequested`, `ReturnRequested`); elsewhere the same envelope `type` as the
//! original, parsed as the model's payload of that type (a bare envelope or an EventBridge event
//! around one, as the original was). Then it is sent to the source queue with the original's
//! message attributes, and only then is the original deleted from the DLQ; the audit entry
//! (`dlq.edit`) keeps both bodies.

use serde::Serialize;
use serde_json::{Value, json};
use switchyard_failures::AuditEntry;
use switchyard_model::catalog_events::{CustomerPriceListChanged, InventoryChanged, PriceChanged};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_model::events::{
    OrderAccepted, OrderCancellationFailed, OrderCancellationRequested, OrderCancelled,
    OrderRejected, OrderSubmitted,
};
use switchyard_model::fulfilment_events::{
    InvoicePosted, OrderInvoiced, OrderShipped, ReturnReceived, ShipmentDispatched,
};
use switchyard_model::returns::{ReturnRequested, ReturnStatusChanged};

use crate::dlq::{Dlq, OpsPorts};
use crate::peek::Peek;

/// Why an edit was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The edited body is not what the consumer reads: nothing was sent or deleted.
    #[error("the edited body is refused, nothing was sent: {0}")]
    Invalid(String),
    /// The body was not changed.
    #[error("the body is unchanged: nothing to send")]
    Unchanged,
    /// No message with that id in the DLQ.
    #[error("{0}")]
    NotFound(String),
    /// SQS or the ops table failed.
    #[error("{0}")]
    Service(String),
}

/// What an edit did.
#[derive(Debug, Clone, Serialize)]
pub struct Edited {
    /// The DLQ.
    pub queue: String,
    /// Where the edited message went.
    pub target: String,
    /// The original's message id (deleted from the DLQ).
    pub message_id: String,
    /// The new message's id in the source queue.
    pub new_message_id: Option<String>,
    /// The envelope type the body was validated as.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The audit entry (`dlq.edit`).
    pub audit_id: String,
}

/// The envelope inside a body: the body itself, or an EventBridge event's `detail`.
fn envelope_in(body: &Value) -> Option<(&Value, bool)> {
    if body.get("detail-type").is_some() {
        body.get("detail").map(|d| (d, true))
    } else if body.get("id").is_some() && body.get("payload").is_some() {
        Some((body, false))
    } else {
        None
    }
}

fn typed<T: Message>(envelope: &str) -> Result<(), String> {
    Envelope::<T>::parse(envelope)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Parses `envelope` as the model's message of type `kind`; `None` for a type the model does
/// not define (then only the envelope itself was checked).
fn check_payload(kind: &str, envelope: &str) -> Option<Result<(), String>> {
    Some(match kind {
        OrderSubmitted::TYPE => typed::<OrderSubmitted>(envelope),
        OrderAccepted::TYPE => typed::<OrderAccepted>(envelope),
        OrderRejected::TYPE => typed::<OrderRejected>(envelope),
        OrderCancellationRequested::TYPE => typed::<OrderCancellationRequested>(envelope),
        OrderCancelled::TYPE => typed::<OrderCancelled>(envelope),
        OrderCancellationFailed::TYPE => typed::<OrderCancellationFailed>(envelope),
        InventoryChanged::TYPE => typed::<InventoryChanged>(envelope),
        PriceChanged::TYPE => typed::<PriceChanged>(envelope),
        CustomerPriceListChanged::TYPE => typed::<CustomerPriceListChanged>(envelope),
        ShipmentDispatched::TYPE => typed::<ShipmentDispatched>(envelope),
        InvoicePosted::TYPE => typed::<InvoicePosted>(envelope),
        ReturnReceived::TYPE => typed::<ReturnReceived>(envelope),
        OrderShipped::TYPE => typed::<OrderShipped>(envelope),
        OrderInvoiced::TYPE => typed::<OrderInvoiced>(envelope),
        ReturnRequested::TYPE => typed::<ReturnRequested>(envelope),
        ReturnStatusChanged::TYPE => typed::<ReturnStatusChanged>(envelope),
        _ => return None,
    })
}

/// The messages the order processor reads from the orders queue.
const ORDERS_QUEUE_TYPES: [&str; 3] = [
    OrderSubmitted::TYPE,
    OrderCancellationRequested::TYPE,
    ReturnRequested::TYPE,
];

/// Checks an edited body of a message of `flow` whose original body was `original`; returns
/// the envelope type it reads as (`None` for a message that is not an envelope, such as an
/// Amazon notification, which must stay a JSON object).
pub fn validate(flow: &str, original: &str, edited: &str) -> Result<Option<String>, String> {
    let value: Value = serde_json::from_str(edited).map_err(|e| format!("not JSON: {e}"))?;
    let before: Option<Value> = serde_json::from_str(original).ok();
    let before_envelope = before.as_ref().and_then(envelope_in);
    let Some((envelope, wrapped)) = envelope_in(&value) else {
        if flow == crate::orders::FLOW || before_envelope.is_some() {
            return Err(
                "not a message envelope (`id`, `type`, `version`, `payload`, …) as the consumer reads"
                    .into(),
            );
        }
        return if value.is_object() {
            Ok(None)
        } else {
            Err("not a JSON object".into())
        };
    };
    if let Some((_, was_wrapped)) = before_envelope
        && was_wrapped != wrapped
    {
        return Err(if was_wrapped {
            "the original is an EventBridge event around the envelope (`detail`); keep that shape"
                .into()
        } else {
            "the original is a bare envelope; keep that shape".into()
        });
    }
    let text = envelope.to_string();
    let head: Envelope<Value> =
        serde_json::from_str(&text).map_err(|e| format!("malformed envelope: {e}"))?;
    if flow == crate::orders::FLOW && !ORDERS_QUEUE_TYPES.contains(&head.kind.as_str()) {
        return Err(format!(
            "the order processor reads {}, not {}",
            ORDERS_QUEUE_TYPES.join(", "),
            head.kind
        ));
    }
    if let Some(original_kind) = before_envelope
        .and_then(|(e, _)| e.get("type"))
        .and_then(Value::as_str)
        && flow != crate::orders::FLOW
        && original_kind != head.kind
    {
        return Err(format!(
            "the original is a {original_kind}; its consumer does not read {}",
            head.kind
        ));
    }
    if let Some(checked) = check_payload(&head.kind, &text) {
        checked?;
    }
    Ok(Some(head.kind))
}

/// The original body of a DLQ message, for the editor (consumes nothing).
pub async fn body_of(
    sqs: &aws_sdk_sqs::Client,
    dlq: &Dlq,
    message_id: &str,
) -> Result<String, EditError> {
    let mut peek = Peek::new(sqs, &dlq.url);
    let found = peek.find(message_id).await;
    peek.release().await.map_err(EditError::Service)?;
    found
        .map_err(EditError::Service)?
        .and_then(|m| m.body)
        .ok_or_else(|| not_found(dlq, message_id))
}

fn not_found(dlq: &Dlq, message_id: &str) -> EditError {
    EditError::NotFound(format!("no message {message_id} in {}", dlq.name))
}

/// Validates `new_body` ([`validate`]), sends it to `target` with the original's message
/// attributes, then deletes the original from the DLQ, and audits `dlq.edit` with both bodies.
/// A refused body changes nothing (the original is released at once).
pub async fn edit(
    sqs: &aws_sdk_sqs::Client,
    ports: &OpsPorts,
    actor: &str,
    dlq: &Dlq,
    target: &str,
    message_id: &str,
    new_body: &str,
) -> Result<Edited, EditError> {
    let mut peek = Peek::new(sqs, &dlq.url);
    let outcome = edit_held(&mut peek, ports, actor, dlq, target, message_id, new_body).await;
    let released = peek.release().await.map_err(EditError::Service);
    let outcome = outcome?;
    released?;
    Ok(outcome)
}

async fn edit_held(
    peek: &mut Peek<'_>,
    ports: &OpsPorts,
    actor: &str,
    dlq: &Dlq,
    target: &str,
    message_id: &str,
    new_body: &str,
) -> Result<Edited, EditError> {
    let message = peek
        .find(message_id)
        .await
        .map_err(EditError::Service)?
        .ok_or_else(|| not_found(dlq, message_id))?;
    let original = message.body.clone().unwrap_or_default();
    if original == new_body {
        return Err(EditError::Unchanged);
    }
    let kind = validate(&dlq.flow, &original, new_body).map_err(EditError::Invalid)?;
    let target_url = if target.contains("://") {
        target.to_string()
    } else {
        crate::dlq::resolve(peek_client(peek), target, None)
            .await
            .map_err(|e| EditError::Service(e.to_string()))?
            .url
    };
    let group = message
        .attributes
        .as_ref()
        .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId))
        .cloned();
    let sent = peek_client(peek)
        .send_message()
        .queue_url(&target_url)
        .message_body(new_body)
        .set_message_attributes(Some(crate::dlq::attributes_to_send(&message, "edit")))
        .set_message_group_id(group.clone())
        .set_message_deduplication_id(group.and(message.message_id.clone()))
        .send()
        .await
        .map_err(|e| EditError::Service(crate::peek::sqs_message("SendMessage", e)))?;
    peek.delete(&message).await.map_err(EditError::Service)?;
    let mut entry = AuditEntry::new(actor, "dlq.edit", &dlq.name);
    entry.count = 1;
    entry.outcome = "ok".into();
    entry.details = json!({
        "message_id": message_id,
        "new_message_id": sent.message_id,
        "target": target_url.rsplit('/').next().unwrap_or(&target_url),
        "type": kind,
        "original_body": original,
        "new_body": new_body,
    });
    ports
        .audit
        .append(&entry)
        .await
        .map_err(|e| EditError::Service(e.to_string()))?;
    Ok(Edited {
        queue: dlq.name.clone(),
        target: target_url
            .rsplit('/')
            .next()
            .unwrap_or(&target_url)
            .to_string(),
        message_id: message_id.to_string(),
        new_message_id: sent.message_id,
        kind,
        audit_id: entry.id,
    })
}

fn peek_client<'a>(peek: &Peek<'a>) -> &'a aws_sdk_sqs::Client {
    peek.client()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted() -> String {
        json!({
            "id": "01J0000000000000000000000A", "type": "OrderSubmitted", "version": 1,
            "occurred_at": "2026-01-01T00:00:00Z", "correlation_id": "o-1", "channel": "shop",
            "payload": {"order": {"id": "o-1"}}
        })
        .to_string()
    }

    #[test]
    fn an_orders_body_must_be_one_of_the_processors_envelopes() {
        let original = submitted();
        assert!(
            validate("orders", &original, "{nope")
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(
            validate("orders", &original, "{}")
                .unwrap_err()
                .contains("envelope")
        );
        let mut accepted: Value = serde_json::from_str(&original).unwrap();
        accepted["type"] = json!("OrderAccepted");
        assert!(
            validate("orders", &original, &accepted.to_string())
                .unwrap_err()
                .contains("order processor reads")
        );
        // The right type with a payload that is not an order is refused by the payload type.
        assert!(
            validate("orders", &original, &original)
                .unwrap_err()
                .contains("malformed envelope")
        );
    }

    #[test]
    fn elsewhere_the_type_and_shape_of_the_original_are_kept() {
        let event = json!({"detail-type": "OrderSubmitted", "detail": serde_json::from_str::<Value>(&submitted()).unwrap()});
        let bare = submitted();
        assert!(
            validate("order-events", &event.to_string(), &bare)
                .unwrap_err()
                .contains("EventBridge")
        );
        let mut other: Value = serde_json::from_str(&bare).unwrap();
        other["type"] = json!("SomethingElse");
        assert!(
            validate("order-events", &bare, &other.to_string())
                .unwrap_err()
                .contains("does not read")
        );
        // A body that was never an envelope (an Amazon notification) must stay a JSON object.
        assert_eq!(
            validate("amazon-notifications", "{\"a\":1}", "{\"a\":2}"),
            Ok(None)
        );
        assert!(validate("amazon-notifications", "{\"a\":1}", "[1]").is_err());
    }
}
