//! `POST /v1/edi/x12`: one interchange in, its 850s captured, a 997 (or 999) back.
//!
//! Answers follow the X12 acknowledgment rules (docs/decisions/0019):
//! * each functional group gets a 997 in its own version, or a 999 for partners configured for
//!   it; groups of 997s/999s and interchanges of TA1s are read and logged but never
//!   acknowledged, and then the request is answered 202;
//! * a TA1 goes into the partner outbox for envelope errors (TA104 `E`, the groups are still
//!   processed), when ISA14 asks for one (`A`/000), for an interchange that cannot be read
//!   but still names its sender (`R` with the note code), and for a control number reused with
//!   another body (`R`/025). The JSON problem the HTTP caller gets is unchanged, with the note
//!   code (`x12_note_code`) and the TA1's outbox id (`ta1_document_id`) added.

use std::time::SystemTime;

use chrono::Utc;
use switchyard_channels::X12Acknowledgment;
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
use switchyard_x12::error::ta1_codes;
use switchyard_x12::write::{
    AckKind, ControlNumbers, InterchangeAck, PartnerId, SetResult, SetStatus, Ta1Envelope,
    acknowledgment, interchange_acknowledgment,
};
use switchyard_x12::{
    Delimiters, Document, Interchange, InterchangeError, InterchangeHeader, OrderContext, SetError,
    TransactionSet, parse_interchange, read_document, salvage_header, to_order,
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
    /// What each captured order's 855 (and later 856, 810) will need, written with the 997.
    contexts: Vec<(OrderId, serde_json::Value)>,
}

impl EdiApi {
    pub(crate) async fn receive(&self, request: &HttpRequest, deadline: SystemTime) -> Outcome {
        let channel = self.partner(request).await?;
        if channel.trading_partner.is_none() {
            // An EDIFACT partner's key: it has its own endpoint.
            return Err(Problem::new(
                403,
                "not-an-edi-partner",
                "Not an X12 trading partner",
                format!(
                    "channel {} is an EDIFACT partner; send its interchanges to /v1/edi/edifact",
                    channel.name
                ),
            ));
        }
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
            Err(e) => {
                let problem = self.quarantine(&channel, request, e.to_string()).await;
                return Err(self.reject_unreadable(&channel, request, &e, problem).await);
            }
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
        let answered = self
            .ports
            .intake
            .once(once, || self.acknowledge(&channel, &interchange))
            .await;
        match answered {
            Err(mut problem) if problem.kind == REUSED_KEY_PROBLEM => {
                // The partner's translator reads TA1s, not JSON: tell it the control number
                // is taken, as the standard's duplicate note code.
                let ack = InterchangeAck::rejecting(header, ta1_codes::DUPLICATE_CONTROL_NUMBER);
                let id = self
                    .put_ta1(&channel, header, Some(interchange.delimiters), &ack)
                    .await?;
                note_on(&mut problem, ta1_codes::DUPLICATE_CONTROL_NUMBER, Some(id));
                Err(problem)
            }
            other => other,
        }
    }

    /// Adds the TA1 answer to the problem of an interchange that could not be parsed: into the
    /// outbox when what is left of the ISA names this channel's partner, in the problem always.
    async fn reject_unreadable(
        &self,
        channel: &Channel,
        request: &HttpRequest,
        error: &InterchangeError,
        mut problem: Problem,
    ) -> Problem {
        if problem.status >= 500 {
            // Not kept: the partner will send it again, and be answered then.
            return problem;
        }
        let code = error.note_code();
        let addressable = salvage_header(&request.body).filter(|h| {
            channel
                .aliases()
                .contains(&x12_alias(&h.sender_qualifier, &h.sender_id))
        });
        let Some(header) = addressable else {
            note_on(&mut problem, code, None);
            return problem;
        };
        let ack = InterchangeAck::rejecting(&header, code);
        match self.put_ta1(channel, &header, None, &ack).await {
            Ok(id) => {
                note_on(&mut problem, code, Some(id));
                problem
            }
            Err(unavailable) => unavailable,
        }
    }

    /// Writes a TA1 interchange answering `header` into the partner's outbox; its id.
    async fn put_ta1(
        &self,
        channel: &Channel,
        header: &InterchangeHeader,
        delimiters: Option<Delimiters>,
        ack: &InterchangeAck,
    ) -> Result<String, Problem> {
        let edi = &self.ports.edi;
        let number = edi
            .next_control_number(&channel.name)
            .await
            .map_err(unavailable)?;
        let now = Utc::now();
        let envelope = Ta1Envelope::answering(header, delimiters, number, now.naive_utc());
        let document = OutboxDocument {
            id: format!("TA1-{}", ulid::Ulid::new()),
            channel: channel.name.clone(),
            kind: "TA1".into(),
            created_at: now,
            order_ids: Vec::new(),
            content: interchange_acknowledgment(ack, &envelope),
        };
        edi.put_document(&document).await.map_err(unavailable)?;
        tracing::info!(
            channel = %channel.name,
            document = %document.id,
            interchange = %ack.control_number,
            status = ack.status.code(),
            note_code = %ack.note_code,
            "TA1 written to the partner outbox"
        );
        Ok(document.id)
    }

    async fn acknowledge(&self, channel: &Channel, interchange: &Interchange) -> Outcome {
        let outcomes = self.take_sets(channel, interchange).await?;
        let header = &interchange.header;
        let ta1 = match InterchangeAck::for_interchange(interchange) {
            Some(ack) => Some(
                self.put_ta1(channel, header, Some(interchange.delimiters), &ack)
                    .await?,
            ),
            None => None,
        };
        if !interchange.groups.iter().any(|g| !g.is_acknowledgment()) {
            return Ok(acknowledgments_received(interchange, ta1));
        }
        let kind = match channel
            .trading_partner
            .as_ref()
            .map(|p| p.acknowledgment)
            .unwrap_or_default()
        {
            X12Acknowledgment::FunctionalAck => AckKind::FunctionalAck,
            X12Acknowledgment::ImplementationAck => AckKind::ImplementationAck,
        };
        let edi = &self.ports.edi;
        let number = edi
            .next_control_number(&channel.name)
            .await
            .map_err(unavailable)?;
        let ours = PartnerId::new(&header.receiver_qualifier, &header.receiver_id);
        let control = ControlNumbers {
            interchange: number,
            group: number,
        };
        let now = Utc::now();
        let ack = acknowledgment(
            kind,
            interchange,
            &ours,
            control,
            now.naive_utc(),
            &outcomes.results,
        )
        .ok_or_else(|| unavailable("a group to acknowledge wrote no acknowledgment"))?;
        let order_ids: Vec<String> = outcomes.order_ids.iter().map(|id| id.to_string()).collect();
        let document = OutboxDocument {
            id: format!("{}-{}", kind.set_id(), ulid::Ulid::new()),
            channel: channel.name.clone(),
            kind: kind.set_id().into(),
            created_at: now,
            order_ids: order_ids.clone(),
            content: ack.clone(),
        };
        // The orders' EDI contexts and the 997 in one write (decision 0026). The orders are
        // already queued; an acknowledger that gets to one first waits for its context.
        edi.put_document_and_contexts(&document, &outcomes.contexts)
            .await
            .map_err(unavailable)?;
        let rejected: Vec<String> = outcomes
            .results
            .iter()
            .filter(|r| r.status == SetStatus::Rejected)
            .filter(|r| {
                interchange
                    .groups
                    .get(r.group_index)
                    .is_some_and(|g| !g.is_acknowledgment())
            })
            .map(|r| describe(interchange, r))
            .collect();
        let mut response = HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/edi-x12".into())],
            body: ack,
        }
        .with_header("x-switchyard-order-ids", order_ids.join(","))
        .with_header("x-switchyard-document-id", document.id)
        .with_header("x-switchyard-document-type", kind.set_id());
        if let Some(ta1) = ta1 {
            response = response.with_header("x-switchyard-ta1-document-id", ta1);
        }
        if !rejected.is_empty() {
            response = response.with_header("x-switchyard-rejected-sets", rejected.join("; "));
        }
        Ok(response)
    }

    /// Judges every set: envelope errors reject it; a valid 850 is captured; other documents
    /// (855, 856, 810 from the partner) are accepted once they read. Acknowledgments (997,
    /// 999, TA1) are read and logged only: nothing answers them.
    async fn take_sets(
        &self,
        channel: &Channel,
        interchange: &Interchange,
    ) -> Result<Outcomes, Problem> {
        log_acknowledgments(channel, interchange);
        let mut results = SetResult::from_parser(interchange);
        let mut order_ids = Vec::new();
        let mut contexts = Vec::new();
        for result in &mut results {
            let in_ack_group = interchange
                .groups
                .get(result.group_index)
                .is_some_and(|g| g.is_acknowledgment());
            if result.status == SetStatus::Rejected || in_ack_group {
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
            match self
                .ports
                .intake
                .capture(order.clone(), &key, channel.kind)
                .await?
            {
                // Queued, or queued by an earlier attempt at this interchange that may have
                // stopped before writing the context: (re)written from this 850, the same.
                Captured::Queued(id) | Captured::AlreadyQueued(id) => {
                    let header = &interchange.header;
                    let pending = PendingAck::for_order(
                        &po,
                        PartnerId::new(&header.receiver_qualifier, &header.receiver_id),
                        PartnerId::new(&header.sender_qualifier, &header.sender_id),
                        header.usage_indicator == "T",
                        &context.sku_qualifiers,
                    );
                    contexts.push((id, serde_json::to_value(&pending).expect("acks serialise")));
                    order_ids.push(id);
                }
                // A PO number sent before is that order: accepted, not captured twice; its
                // context is the first 850's.
                Captured::Duplicate(id) => order_ids.push(id),
            }
        }
        Ok(Outcomes {
            results,
            order_ids,
            contexts,
        })
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

/// The problem type the intake answers a control number reused with another body with.
const REUSED_KEY_PROBLEM: &str = "/problems/idempotency-key-reused";

/// Puts the TA1 note code, and the TA1's outbox id when one was written, on `problem`.
fn note_on(problem: &mut Problem, code: &str, ta1_document_id: Option<String>) {
    problem
        .extensions
        .insert("x12_note_code".into(), serde_json::Value::from(code));
    if let Some(id) = ta1_document_id {
        problem
            .extensions
            .insert("ta1_document_id".into(), serde_json::Value::from(id));
    }
}

/// Logs the partner's acknowledgments of what we sent: TA1s and each 997/999 group's verdict.
fn log_acknowledgments(channel: &Channel, interchange: &Interchange) {
    for segment in &interchange.interchange_acks {
        match InterchangeAck::read(segment) {
            Some(ack) => tracing::info!(
                channel = %channel.name,
                interchange = %ack.control_number,
                status = ack.status.code(),
                note_code = %ack.note_code,
                "TA1 received"
            ),
            None => tracing::warn!(channel = %channel.name, "unreadable TA1 received"),
        }
    }
    for group in interchange.groups.iter().filter(|g| g.is_acknowledgment()) {
        for set in &group.transaction_sets {
            match read_document(set) {
                Ok(Document::FunctionalAck(ack)) => tracing::info!(
                    channel = %channel.name,
                    set_id = %set.id,
                    group = %ack.group_control_number,
                    functional_id = %ack.functional_id,
                    status = %ack.group_status,
                    "functional acknowledgment received"
                ),
                Ok(_) => {
                    tracing::warn!(channel = %channel.name, set_id = %set.id, "unexpected set in an FA group")
                }
                Err(errors) => {
                    tracing::warn!(channel = %channel.name, set_id = %set.id, errors = errors.len(), "unreadable acknowledgment received; not answered, as X12 requires")
                }
            }
        }
    }
}

/// The answer to an interchange of acknowledgments only: 202, what was received, no 997.
fn acknowledgments_received(interchange: &Interchange, ta1: Option<String>) -> HttpResponse {
    let functional: Vec<serde_json::Value> = interchange
        .groups
        .iter()
        .flat_map(|g| g.transaction_sets.iter().map(move |s| (g, s)))
        .map(|(g, s)| {
            let (acknowledged_group, status) = match read_document(s) {
                Ok(Document::FunctionalAck(ack)) => (ack.group_control_number, ack.group_status),
                _ => (String::new(), String::new()),
            };
            serde_json::json!({
                "set_id": s.id,
                "group_control_number": g.control_number,
                "acknowledged_group": acknowledged_group,
                "status": status,
            })
        })
        .collect();
    let interchange_acks: Vec<serde_json::Value> = interchange
        .interchange_acks
        .iter()
        .filter_map(InterchangeAck::read)
        .map(|a| {
            serde_json::json!({
                "control_number": a.control_number,
                "status": a.status.code(),
                "note_code": a.note_code,
            })
        })
        .collect();
    let mut response = HttpResponse::json(
        202,
        &serde_json::json!({
            "acknowledged": false,
            "reason": "acknowledgments are not acknowledged (X12)",
            "functional_acks": functional,
            "interchange_acks": interchange_acks,
            "ta1_document_id": ta1.clone(),
        }),
    );
    if let Some(id) = ta1 {
        response = response.with_header("x-switchyard-ta1-document-id", id);
    }
    response
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
