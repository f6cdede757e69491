//! `POST /v1/edi/edifact`: one UN/EDIFACT interchange in, its ORDERS captured, a CONTRL back.
//!
//! The flow is the one `switchyard-edifact` documents (docs/decisions/0020): parse → the
//! partner is the channel whose UNB sender (S002 id and qualifier) is the interchange's →
//! read and map each ORDERS → a CONTRL reporting what was wrong, with the 0085 codes and
//! positions the partner's translator acts on.
//!
//! * The body is the raw interchange, sent as `application/edifact` (the type RFC 1767
//!   registers); `application/edi-edifact`, `text/plain` and `application/octet-stream` are
//!   taken too, because translators and `curl` send those, and the body is read the same.
//! * An interchange that parses is answered `200` with the CONTRL, whatever it reports
//!   (action 7 accepted, 4 rejected with codes), and the same CONTRL goes into the partner
//!   outbox (kind `CONTRL`). Every clean ORDERS is captured once, keyed by channel, UNB 0020
//!   and UNH 0062; a message with errors is reported and not captured.
//! * One that cannot be parsed is a `400` problem, kept in quarantine; when its UNB can still be
//!   read and names this partner, a rejecting CONTRL goes into the outbox too.
//! * A UNB sender other than the key's partner is a `403` problem, and a CONTRL rejecting the
//!   interchange with 23 (unknown interchange sender) goes into the key's partner's outbox.
//! * A control reference received before with another body is a `422` problem and a CONTRL
//!   rejecting it with 26 (duplicate detected); the same body again replays the first answer.
//! * An interchange of CONTRL messages only (the partner acknowledging what we sent) is read and
//!   logged, never acknowledged (ISO 9735-1 §8: a CONTRL is not answered with a CONTRL): `202`.
//!
//! Each captured order keeps a [`PendingOrdrsp`]: once the ERP decides, the acknowledger
//! writes the ORDRSP from it ([`crate::acknowledger`]).

use std::time::SystemTime;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use switchyard_channels::{Channel, ChannelKind, edifact_alias};
use switchyard_edi_outbox::OutboxDocument;
use switchyard_edifact::write::{
    Action, ContrlReport, LineStatus, OrderResponse, OutboundEnvelope, ServiceError, contrl,
    order_response,
};
use switchyard_edifact::{
    Document, Interchange, InterchangeHeader, OrderContext, SyntaxError, SyntaxErrorCode,
    parse_interchange, read_header, read_message, to_order,
};
use switchyard_intake::auth::{admit, authenticate};
use switchyard_intake::capture::payload_hash;
use switchyard_intake::http::check_body_size;
use switchyard_intake::problem::unavailable;
use switchyard_intake::{Captured, HttpRequest, HttpResponse, Once, Problem};
use switchyard_model::{Currency, OrderId};
use switchyard_quarantine::{MAX_KEPT_BODY_BYTES, QuarantinedDelivery};

use crate::api::{EdiApi, Outcome};
use crate::interchange::MAX_INTERCHANGE_BYTES;
use crate::pending::Decision;

/// The media type of EDIFACT bodies, as RFC 1767 registers it.
pub const EDIFACT_MEDIA_TYPE: &str = "application/edifact";

/// Outbox document kind of a CONTRL.
pub const CONTRL_KIND: &str = "CONTRL";

/// Outbox document kind of an ORDRSP.
pub const ORDRSP_KIND: &str = "ORDRSP";

/// Currency of orders without a CUX when the channel names none: EDIFACT partners are mostly
/// European.
const DEFAULT_CURRENCY: &str = "EUR";

/// The problem type the intake answers a control reference reused with another body with.
const REUSED_KEY_PROBLEM: &str = "/problems/idempotency-key-reused";

/// What the ORDRSP of an EDIFACT order needs once the ERP has decided, kept at capture.
///
/// Stored as the order's EDI context under the key `edifact`, which tells it apart from an
/// X12 [`crate::pending::PendingAck`] (see [`EdiContext`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOrdrsp {
    /// The envelope of the answer: us and the partner as the ORDERS addressed them, its
    /// syntax, delimiters (and so decimal mark) and test indicator. Control reference and time
    /// are set when the ORDRSP is written.
    pub envelope: OutboundEnvelope,
    /// The response with every line accepted as ordered; the decision sets the statuses.
    pub response: OrderResponse,
}

impl PendingOrdrsp {
    /// The ORDRSP interchange for `decision`, under control reference `control`. The ERP takes
    /// or refuses an order whole, so every line gets the same status.
    pub fn render(
        &self,
        decision: &Decision,
        control: &str,
        now: chrono::NaiveDateTime,
    ) -> Vec<u8> {
        let mut response = self.response.clone();
        match decision {
            Decision::Accepted { erp_reference } => {
                response.seller_order_number = Some(erp_reference.clone());
                response.decide_all(LineStatus::Accepted);
            }
            Decision::Rejected => response.decide_all(LineStatus::NotAccepted),
        }
        let mut envelope = self.envelope.clone();
        envelope.control_reference = control.to_string();
        envelope.application_reference = ORDRSP_KIND.into();
        envelope.now = now;
        order_response(&envelope, &response)
    }
}

/// An order's EDI context as stored: an X12 one (the bare [`crate::pending::PendingAck`]) or
/// an EDIFACT one (`{"edifact": PendingOrdrsp}`).
pub enum EdiContext {
    /// From an X12 850.
    X12(serde_json::Value),
    /// From an EDIFACT ORDERS.
    Edifact(Box<PendingOrdrsp>),
}

impl EdiContext {
    /// Tells the stored context `value` apart; an EDIFACT one that cannot be read is an error.
    pub fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        match value.get("edifact") {
            Some(edifact) => Ok(EdiContext::Edifact(Box::new(serde_json::from_value(
                edifact.clone(),
            )?))),
            None => Ok(EdiContext::X12(value)),
        }
    }

    /// The stored form of an EDIFACT context.
    pub fn edifact_value(pending: &PendingOrdrsp) -> serde_json::Value {
        serde_json::json!({ "edifact": pending })
    }
}

/// The text an outbox document keeps for `bytes` written in the UNB character set: as is when
/// it is UTF-8 (UNOA/UNOB are ASCII, UNOW/UNOY UTF-8), else one byte a character (UNOC is
/// ISO 8859-1), since the outbox holds text.
pub(crate) fn outbox_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
    }
}

impl EdiApi {
    /// The EDIFACT channel whose API key the request presents.
    async fn edifact_partner(&self, request: &HttpRequest) -> Result<Channel, Problem> {
        let channel = authenticate(self.ports.channels.as_ref(), request).await?;
        admit(self.ports.limiter.as_ref(), &channel).await?;
        if channel.kind != ChannelKind::Edifact || channel.edifact_partner.is_none() {
            return Err(Problem::new(
                403,
                "not-an-edifact-partner",
                "Not an EDIFACT trading partner",
                format!(
                    "channel {} is not an EDIFACT trading partner; EDIFACT needs an edifact channel with its UNB sender id",
                    channel.name
                ),
            ));
        }
        Ok(channel)
    }

    pub(crate) async fn receive_edifact(
        &self,
        request: &HttpRequest,
        deadline: SystemTime,
    ) -> Outcome {
        let channel = self.edifact_partner(request).await?;
        check_body_size(request, MAX_INTERCHANGE_BYTES)?;
        check_media_type(request)?;
        let interchange = match parse_interchange(&request.body) {
            Ok(interchange) => interchange,
            Err(e) => return Err(self.reject_unreadable_edifact(&channel, request, &e).await),
        };
        let header = &interchange.header;
        if !is_partner(&channel, header) {
            let mut problem = Problem::new(
                403,
                "unknown-sender",
                "Unknown interchange sender",
                format!(
                    "UNB sender {}:{} is not channel {}'s trading partner",
                    header.sender.id, header.sender.qualifier, channel.name
                ),
            );
            let mut report = ContrlReport::received(header);
            report.reject_interchange(unb_error(SyntaxErrorCode::UnknownSender, 2));
            let id = self
                .put_contrl(&channel, header, &interchange.delimiters, &report)
                .await?;
            note_on(&mut problem, SyntaxErrorCode::UnknownSender, Some(id));
            return Err(problem);
        }
        // A partner that resends an interchange resends its control reference: answer it the
        // same.
        let key = format!("edifact#{}#{}", channel.name, header.control_reference);
        let hash = payload_hash(&request.body);
        let once = Once {
            key: &key,
            payload_hash: &hash,
            deadline,
            key_name: "interchange control reference (UNB 0020)",
        };
        let answered = self
            .ports
            .intake
            .once(once, || self.acknowledge_edifact(&channel, &interchange))
            .await;
        match answered {
            Err(mut problem) if problem.kind == REUSED_KEY_PROBLEM => {
                // The partner's translator reads CONTRLs, not JSON: say the reference is taken
                // the way the standard says it.
                let mut report = ContrlReport::received(header);
                report.reject_interchange(unb_error(SyntaxErrorCode::Duplicate, 5));
                let id = self
                    .put_contrl(&channel, header, &interchange.delimiters, &report)
                    .await?;
                note_on(&mut problem, SyntaxErrorCode::Duplicate, Some(id));
                Err(problem)
            }
            other => other,
        }
    }

    /// Quarantines an interchange that cannot be parsed and, when its UNB still names this
    /// partner, puts a CONTRL rejecting it into the outbox.
    async fn reject_unreadable_edifact(
        &self,
        channel: &Channel,
        request: &HttpRequest,
        error: &SyntaxError,
    ) -> Problem {
        let mut problem = self
            .quarantine_edifact(channel, request, error.to_string())
            .await;
        if problem.status >= 500 {
            // Not kept: the partner will send it again, and be answered then.
            return problem;
        }
        let addressable = read_header(&request.body)
            .ok()
            .filter(|(_, h)| is_partner(channel, h));
        let Some((delimiters, header)) = addressable else {
            note_on(&mut problem, error.code(), None);
            return problem;
        };
        let report = ContrlReport::rejecting(&header, error);
        match self
            .put_contrl(channel, &header, &delimiters, &report)
            .await
        {
            Ok(id) => {
                note_on(&mut problem, error.code(), Some(id));
                problem
            }
            Err(unavailable) => unavailable,
        }
    }

    async fn quarantine_edifact(
        &self,
        channel: &Channel,
        request: &HttpRequest,
        reason: String,
    ) -> Problem {
        if request.body.len() > MAX_KEPT_BODY_BYTES {
            tracing::warn!(channel = %channel.name, bytes = request.body.len(), %reason, "unreadable EDIFACT interchange too large to quarantine");
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
            "edifact",
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

    /// Writes a CONTRL answering `header` into the partner's outbox; its id.
    async fn put_contrl(
        &self,
        channel: &Channel,
        header: &InterchangeHeader,
        delimiters: &switchyard_edifact::Delimiters,
        report: &ContrlReport,
    ) -> Result<String, Problem> {
        self.put_contrl_document(channel, header, delimiters, report, Vec::new(), &[])
            .await
            .map(|(id, _)| id)
    }

    async fn put_contrl_document(
        &self,
        channel: &Channel,
        header: &InterchangeHeader,
        delimiters: &switchyard_edifact::Delimiters,
        report: &ContrlReport,
        order_ids: Vec<String>,
        contexts: &[(OrderId, serde_json::Value)],
    ) -> Result<(String, String), Problem> {
        let edi = &self.ports.edi;
        let number = edi
            .next_control_number(&channel.name)
            .await
            .map_err(unavailable)?;
        let now = Utc::now();
        let envelope =
            OutboundEnvelope::answering(header, delimiters, &number.to_string(), now.naive_utc());
        let content = outbox_text(contrl(&envelope, report));
        let document = OutboxDocument {
            id: format!("{CONTRL_KIND}-{}", ulid::Ulid::new()),
            channel: channel.name.clone(),
            kind: CONTRL_KIND.into(),
            created_at: now,
            order_ids,
            content: content.clone(),
        };
        // The orders' contexts and the CONTRL in one write, as for X12 (decision 0026).
        edi.put_document_and_contexts(&document, contexts)
            .await
            .map_err(unavailable)?;
        tracing::info!(
            channel = %channel.name,
            document = %document.id,
            interchange = %header.control_reference,
            action = report.action.code(),
            code = report.error.as_ref().map(|e| e.code.code()).unwrap_or(""),
            "CONTRL written to the partner outbox"
        );
        Ok((document.id, content))
    }

    /// Captures the interchange's clean ORDERS and answers with the CONTRL.
    async fn acknowledge_edifact(&self, channel: &Channel, interchange: &Interchange) -> Outcome {
        let header = &interchange.header;
        let messages: Vec<_> = interchange.all_messages().collect();
        if !messages.is_empty()
            && interchange.errors.is_empty()
            && messages
                .iter()
                .all(|m| m.identifier.message_type == "CONTRL")
        {
            return Ok(contrls_received(channel, interchange));
        }
        let mut report = ContrlReport::from_interchange(interchange);
        let mut order_ids = Vec::new();
        let mut contexts = Vec::new();
        let mut rejected = Vec::new();
        for message in messages {
            let Some(r) = report.message_mut(&message.reference) else {
                continue; // the interchange itself is rejected: nothing below it is taken
            };
            let orders = match read_message(message, &interchange.delimiters) {
                Ok(Document::Orders(orders)) => orders,
                Ok(_) => continue, // read and acknowledged, nothing to capture
                Err(errors) => {
                    errors.iter().for_each(|e| r.reject(e));
                    rejected.push(message.reference.clone());
                    continue;
                }
            };
            let order = match to_order(&orders, &order_context(channel)) {
                Ok(order) => order,
                Err(problems) => {
                    problems.0.iter().for_each(|p| r.reject(p));
                    rejected.push(message.reference.clone());
                    continue;
                }
            };
            if r.action == Action::Rejected {
                rejected.push(message.reference.clone());
                continue;
            }
            let key = format!(
                "edifact:{}:{}:{}",
                channel.name, header.control_reference, message.reference
            );
            match self.ports.intake.capture(order, &key, channel.kind).await? {
                // As for X12: an earlier attempt may have stopped before the context.
                Captured::Queued(id) | Captured::AlreadyQueued(id) => {
                    let mut envelope = OutboundEnvelope::answering(
                        header,
                        &interchange.delimiters,
                        "",
                        Utc::now().naive_utc(),
                    );
                    envelope.application_reference = ORDRSP_KIND.into();
                    let mut response = OrderResponse::for_order(&orders);
                    if orders.association.starts_with("EAN") {
                        // The EANCOM ORDRSP subset answering EANCOM ORDERS.
                        response.association = "EAN005".into();
                    }
                    let pending = PendingOrdrsp { envelope, response };
                    contexts.push((id, EdiContext::edifact_value(&pending)));
                    order_ids.push(id);
                }
                // An order number sent before is that order: accepted, not captured twice.
                Captured::Duplicate(id) => order_ids.push(id),
            }
        }
        let order_ids: Vec<String> = order_ids.iter().map(OrderId::to_string).collect();
        let (id, content) = self
            .put_contrl_document(
                channel,
                header,
                &interchange.delimiters,
                &report,
                order_ids.clone(),
                &contexts,
            )
            .await?;
        let mut response = HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), EDIFACT_MEDIA_TYPE.into())],
            body: content,
        }
        .with_header("x-switchyard-order-ids", order_ids.join(","))
        .with_header("x-switchyard-document-id", id)
        .with_header("x-switchyard-document-type", CONTRL_KIND)
        .with_header("x-switchyard-contrl-action", report.action.code());
        if let Some(error) = &report.error {
            response = response.with_header("x-switchyard-syntax-error-code", error.code.code());
        }
        if !rejected.is_empty() {
            response = response.with_header("x-switchyard-rejected-messages", rejected.join(","));
        }
        Ok(response)
    }
}

/// Whether `header`'s UNB sender is `channel`'s partner.
fn is_partner(channel: &Channel, header: &InterchangeHeader) -> bool {
    channel
        .aliases()
        .contains(&edifact_alias(&header.sender.qualifier, &header.sender.id))
}

/// An error in the UNB, at element `element` (2: the sender, 5: the control reference).
fn unb_error(code: SyntaxErrorCode, element: usize) -> ServiceError {
    ServiceError {
        code,
        segment: Some("UNB".into()),
        element: Some(element),
        component: None,
    }
}

/// Puts the 0085 code, and the CONTRL's outbox id when one was written, on `problem`.
fn note_on(problem: &mut Problem, code: SyntaxErrorCode, contrl_document_id: Option<String>) {
    problem.extensions.insert(
        "edifact_syntax_error_code".into(),
        serde_json::Value::from(code.code()),
    );
    if let Some(id) = contrl_document_id {
        problem
            .extensions
            .insert("contrl_document_id".into(), serde_json::Value::from(id));
    }
}

fn check_media_type(request: &HttpRequest) -> Result<(), Problem> {
    let Some(ct) = request.header("content-type") else {
        return Ok(());
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if matches!(
        essence.as_str(),
        EDIFACT_MEDIA_TYPE | "application/edi-edifact" | "text/plain" | "application/octet-stream"
    ) {
        Ok(())
    } else {
        Err(Problem::new(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            format!("send the raw interchange as {EDIFACT_MEDIA_TYPE}, not {essence}"),
        ))
    }
}

fn order_context(channel: &Channel) -> OrderContext {
    let currency = channel
        .mapping
        .currency
        .as_deref()
        .and_then(Currency::from_code)
        .unwrap_or_else(|| Currency::from_code(DEFAULT_CURRENCY).expect("EUR is a currency"));
    let mut ctx = OrderContext::new(OrderId::generate(), channel.name.clone(), currency);
    ctx.default_customer = channel.default_customer.clone();
    if !channel.mapping.sku_qualifiers.is_empty() {
        ctx.sku_types = channel.mapping.sku_qualifiers.clone();
    }
    ctx
}

/// The answer to an interchange of CONTRLs only: 202, what was received, no CONTRL back.
fn contrls_received(channel: &Channel, interchange: &Interchange) -> HttpResponse {
    let reports: Vec<serde_json::Value> = interchange
        .all_messages()
        .map(
            |m| match read_message(m, &interchange.delimiters) {
                Ok(Document::Contrl(report)) => {
                    tracing::info!(
                        channel = %channel.name,
                        interchange = %report.interchange_reference,
                        action = report.action.code(),
                        "CONTRL received"
                    );
                    serde_json::json!({
                        "message_reference": m.reference,
                        "acknowledged_interchange": report.interchange_reference,
                        "action": report.action.code(),
                    })
                }
                _ => {
                    tracing::warn!(channel = %channel.name, message = %m.reference, "unreadable CONTRL received; not answered");
                    serde_json::json!({ "message_reference": m.reference, "action": null })
                }
            },
        )
        .collect();
    HttpResponse::json(
        202,
        &serde_json::json!({
            "acknowledged": false,
            "reason": "a CONTRL is not answered with a CONTRL (ISO 9735)",
            "contrl_reports": reports,
        }),
    )
}
