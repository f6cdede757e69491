//! `POST /v1/edi/x12`: one interchange in, its 850s captured, a 997 back.

use std::time::SystemTime;

use chrono::Utc;
use switchyard_channels::{Channel, x12_alias};
use switchyard_edi_outbox::OutboxDocument;
use switchyard_intake::capture::payload_hash;
use switchyard_intake::http::check_body_size;
use switchyard_intake::problem::unavailable;
use switchyard_intake::{Captured, HttpRequest, HttpResponse, Once, Problem};
use switchyard_model::{Currency, OrderId};
use switchyard_quarantine::{MAX_KEPT_BODY_BYTES, QuarantinedDelivery};
use switchyard_x12::documents::PurchaseOrder;
use switchyard_x12::error::set_codes;
use switchyard_x12::write::{
    ControlNumbers, PartnerId, SetResult, SetStatus, functional_acknowledgment,
};
use switchyard_x12::{
    Interchange, OrderContext, SetError, TransactionSet, parse_interchange, read_document, to_order,
};

use crate::api::{EdiApi, Outcome};
use crate::pending::PendingAck;

/// Largest interchange accepted in one request.
pub const MAX_INTERCHANGE_BYTES: usize = 1024 * 1024;

/// PO1 qualifiers holding the SKU when the channel names none.
pub(crate) const DEFAULT_SKU_QUALIFIERS: [&str; 2] = ["VN", "VP"];

/// What happened to the sets of one interchange.
struct Outcomes {
    results: Vec<SetResult>,
    order_ids: Vec<OrderId>,
}

impl EdiApi {
    pub(crate) async fn receive(&self, request: &HttpRequest, deadline: SystemTime) -> Outcome {
        let channel = self.partner(request).await?;
        check_body_size(request, MAX_INTERCHANGE_BYTES)?;
        if let Some(ct) = request.header("content-type") {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !matches!(
                essence.as_str(),
                "application/edi-x12"
                    | "application/edi"
                    | "text/plain"
                    | "application/octet-stream"
            ) {
                return Err(Problem::new(
                    415,
                    "unsupported-media-type",
                    "Unsupported media type",
                    format!("send the raw interchange as application/edi-x12, not {essence}"),
                ));
            }
        }
        let interchange = match parse_interchange(&request.body) {
            Ok(interchange) => interchange,
            Err(e) => return Err(self.quarantine(&channel, request, e.to_string()).await),
        };
        let header = &interchange.header;
        let sender = x12_alias(&header.sender_qualifier, &header.sender_id);
        if !channel.aliases().contains(&sender) {
            return Err(Problem::new(
                403,
                "unknown-sender",
                "Unknown interchange sender",
                format!(
                    "ISA sender {}:{} is not channel {}'s trading partner",
                    header.sender_qualifier.trim(),
                    header.sender_id.trim(),
                    channel.name
                ),
            ));
        }
        // A partner that resends an interchange resends its control number: answer it the same.
        let key = format!("edi#{}#{}", channel.name, header.control_number);
        let hash = payload_hash(&request.body);
        let once = Once {
            key: &key,
            payload_hash: &hash,
            deadline,
            key_name: "interchange control number (ISA13)",
        };
        self.ports
            .intake
            .once(once, || self.acknowledge(&channel, &interchange))
            .await
    }

    async fn acknowledge(&self, channel: &Channel, interchange: &Interchange) -> Outcome {
        let outcomes = self.take_sets(channel, interchange).await?;
        let edi = &self.ports.edi;
        let number = edi
            .next_control_number(&channel.name)
            .await
            .map_err(unavailable)?;
        let header = &interchange.header;
        let ours = PartnerId::new(&header.receiver_qualifier, &header.receiver_id);
        let control = ControlNumbers {
            interchange: number,
            group: number,
        };
        let now = Utc::now();
        let ack = functional_acknowledgment(
            interchange,
            &ours,
            control,
            now.naive_utc(),
            &outcomes.results,
        );
        let order_ids: Vec<String> = outcomes.order_ids.iter().map(|id| id.to_string()).collect();
        let document = OutboxDocument {
            id: format!("997-{}", ulid::Ulid::new()),
            channel: channel.name.clone(),
            kind: "997".into(),
            created_at: now,
            order_ids: order_ids.clone(),
            content: ack.clone(),
        };
        edi.put_document(&document).await.map_err(unavailable)?;
        let rejected: Vec<String> = outcomes
            .results
            .iter()
            .filter(|r| r.status == SetStatus::Rejected)
            .map(|r| describe(interchange, r))
            .collect();
        let mut response = HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/edi-x12".into())],
            body: ack,
        }
        .with_header("x-switchyard-order-ids", order_ids.join(","))
        .with_header("x-switchyard-document-id", document.id);
        if !rejected.is_empty() {
            response = response.with_header("x-switchyard-rejected-sets", rejected.join("; "));
        }
        Ok(response)
    }

    /// Judges every set: envelope errors reject it; a valid 850 is captured; other documents
    /// (855, 856, 810, 997 from the partner) are accepted once they read.
    async fn take_sets(
        &self,
        channel: &Channel,
        interchange: &Interchange,
    ) -> Result<Outcomes, Problem> {
        let mut results = SetResult::from_parser(interchange);
        let mut order_ids = Vec::new();
        for result in &mut results {
            if result.status == SetStatus::Rejected {
                continue;
            }
            let Some(set) = interchange
                .groups
                .get(result.group_index)
                .and_then(|g| g.transaction_sets.get(result.set_index))
            else {
                continue;
            };
            if set.id != "850" {
                if let Err(errors) = read_document(set) {
                    errors.into_iter().for_each(|e| result.reject(e));
                }
                continue;
            }
            let po = match PurchaseOrder::read(set) {
                Ok(po) => po,
                Err(errors) => {
                    errors.into_iter().for_each(|e| result.reject(e));
                    continue;
                }
            };
            let context = order_context(channel);
            let order = match to_order(&po, &context) {
                Ok(order) => order,
                Err(errors) => {
                    result.reject(SetError::new(
                        set_codes::SEGMENTS_IN_ERROR,
                        errors.to_string(),
                    ));
                    continue;
                }
            };
            let key = capture_key(interchange, result, set);
            match self.ports.intake.capture(order.clone(), &key).await? {
                Captured::Queued(id) => {
                    let header = &interchange.header;
                    let pending = PendingAck::for_order(
                        &po,
                        PartnerId::new(&header.receiver_qualifier, &header.receiver_id),
                        PartnerId::new(&header.sender_qualifier, &header.sender_id),
                        header.usage_indicator == "T",
                        &context.sku_qualifiers,
                    );
                    self.ports
                        .edi
                        .put_pending_ack(
                            id,
                            &serde_json::to_value(&pending).expect("acks serialise"),
                        )
                        .await
                        .map_err(unavailable)?;
                    order_ids.push(id);
                }
                // A PO number sent before is that order: accepted, not captured twice.
                Captured::AlreadyQueued(id) | Captured::Duplicate(id) => order_ids.push(id),
            }
        }
        Ok(Outcomes { results, order_ids })
    }

    async fn quarantine(
        &self,
        channel: &Channel,
        request: &HttpRequest,
        reason: String,
    ) -> Problem {
        if request.body.len() > MAX_KEPT_BODY_BYTES {
            // Too big for the quarantine queue: say so rather than pretend it was kept.
            tracing::warn!(channel = %channel.name, bytes = request.body.len(), %reason, "unreadable interchange too large to quarantine");
            return Problem::new(
                400,
                "unreadable-interchange",
                "The interchange could not be read",
                format!(
                    "{reason}; at {} bytes it is too large to keep for an operator, so fix it and send it again",
                    request.body.len()
                ),
            );
        }
        let kept = QuarantinedDelivery::received(
            channel.name.as_str(),
            "x12",
            None,
            reason.clone(),
            request.header("content-type"),
            &request.body,
        );
        match self.ports.quarantine.keep(&kept).await {
            Ok(()) => Problem::new(
                400,
                "unreadable-interchange",
                "The interchange could not be read",
                format!("{reason}; it was kept for an operator"),
            ),
            Err(e) => unavailable(e),
        }
    }
}

fn order_context(channel: &Channel) -> OrderContext {
    let currency = channel
        .mapping
        .currency
        .as_deref()
        .and_then(Currency::from_code)
        .unwrap_or_else(|| Currency::from_code("USD").expect("USD is a currency"));
    let mut ctx = OrderContext::new(OrderId::generate(), channel.name.clone(), currency);
    ctx.default_customer = channel.default_customer.clone();
    ctx.sku_qualifiers = if channel.mapping.sku_qualifiers.is_empty() {
        DEFAULT_SKU_QUALIFIERS
            .iter()
            .map(|q| q.to_string())
            .collect()
    } else {
        channel.mapping.sku_qualifiers.clone()
    };
    ctx
}

/// The business key of one set: sender, interchange, group and set control numbers.
fn capture_key(interchange: &Interchange, result: &SetResult, set: &TransactionSet) -> String {
    let group = interchange
        .groups
        .get(result.group_index)
        .map(|g| g.control_number.as_str())
        .unwrap_or("");
    format!(
        "x12:{}:{}:{}:{}",
        interchange.header.sender_id.trim(),
        interchange.header.control_number,
        group,
        set.control_number
    )
}

/// `ST 0002 (850): 4 number of included segments does not match …` for the response header.
fn describe(interchange: &Interchange, result: &SetResult) -> String {
    let set = interchange
        .groups
        .get(result.group_index)
        .and_then(|g| g.transaction_sets.get(result.set_index));
    let reasons: Vec<String> = result
        .errors
        .iter()
        .map(|e| format!("{} {}", e.code, e.reason))
        .collect();
    let text = format!(
        "ST {} ({}): {}",
        set.map(|s| s.control_number.as_str()).unwrap_or("?"),
        set.map(|s| s.id.as_str()).unwrap_or("?"),
        reasons.join(", ")
    );
    // Header values must stay printable ASCII.
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect()
}
