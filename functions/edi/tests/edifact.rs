//! `POST /v1/edi/edifact` and the ORDRSP acknowledger over in-memory ports, fed the samples of
//! `shared/edifact`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use edi::acknowledger::{Acknowledged, Acknowledger};
use edi::{EdiApi, Ports};
use serde_json::{Value, json};
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, EdifactPartner, InMemoryChannelDirectory,
    TradingPartner, hash_api_key,
};
use switchyard_edi_outbox::InMemoryEdiStore;
use switchyard_edifact::write::{Action, ContrlReport};
use switchyard_edifact::{Document, parse_interchange, read_message};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, HttpResponse, Intake};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::{OrderAccepted, OrderRejected};
use switchyard_model::{ChannelName, ExternalId, OrderId};
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue};
use switchyard_quarantine::InMemoryQuarantine;
use switchyard_throttle::InMemoryRateLimiter;

/// The key of `hypermarkt` (UNB sender 5412345000013:14, the EANCOM samples' buyer).
const KEY: &str = "sy_edifact_partner_key";
/// The key of `acme-edifact` (UNB sender ACMEBUYER:ZZZ, the D.96A sample's buyer).
const ACME_KEY: &str = "sy_edifact_acme_key";
/// The key of an X12 partner.
const X12_KEY: &str = "sy_x12_partner_key";

const D96A: &[u8] = include_bytes!("../../../shared/edifact/samples/orders-d96a-una.edi");
const EANCOM: &[u8] = include_bytes!("../../../shared/edifact/samples/orders-eancom-d01b.edi");
const MALFORMED: &[u8] = include_bytes!("../../../shared/edifact/samples/orders-malformed.edi");

struct App {
    api: EdiApi,
    acknowledger: Acknowledger,
    queue: Arc<InMemoryQueue>,
    quarantine: Arc<InMemoryQuarantine>,
}

fn edifact_channel(name: &str, qualifier: &str, id: &str) -> Channel {
    Channel {
        default_customer: Some("HYPER-001".into()),
        edifact_partner: Some(EdifactPartner::new(qualifier, id)),
        ..Channel::new(
            ChannelName::try_from(name).unwrap(),
            ChannelKind::Edifact,
            Utc::now(),
        )
    }
}

async fn app() -> App {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let x12 = Channel {
        trading_partner: Some(TradingPartner::new("ZZ", "ACMEBUYER")),
        ..Channel::new(
            ChannelName::try_from("acme-edi").unwrap(),
            ChannelKind::X12,
            Utc::now(),
        )
    };
    for (channel, key) in [
        (edifact_channel("hypermarkt", "14", "5412345000013"), KEY),
        (
            edifact_channel("acme-edifact", "ZZZ", "ACMEBUYER"),
            ACME_KEY,
        ),
        (x12, X12_KEY),
    ] {
        channels.put(&channel).await.unwrap();
        channels
            .add_api_key(&channel.name, &hash_api_key(key))
            .await
            .unwrap();
    }
    let queue = Arc::new(InMemoryQueue::new());
    let quarantine = Arc::new(InMemoryQuarantine::new());
    let edi = Arc::new(InMemoryEdiStore::new());
    let ports = Ports {
        channels,
        intake: Intake::new(
            Arc::new(InMemoryOrderStore::new()),
            Arc::new(InMemoryIdempotencyStore::new()),
            queue.clone(),
        ),
        edi: edi.clone(),
        quarantine: quarantine.clone(),
        limiter: Arc::new(InMemoryRateLimiter::new()),
    };
    App {
        api: EdiApi::new(ports),
        acknowledger: Acknowledger::new(
            edi,
            switchyard_failures::FailureRecorder::in_memory(
                edi::acknowledger::FLOW,
                "edi-acknowledger",
            ),
        ),
        queue,
        quarantine,
    }
}

impl App {
    async fn call(&self, method: &str, path: &str, key: &str, body: &[u8]) -> HttpResponse {
        self.call_as(method, path, key, "application/edifact", body)
            .await
    }

    async fn call_as(
        &self,
        method: &str,
        path: &str,
        key: &str,
        content_type: &str,
        body: &[u8],
    ) -> HttpResponse {
        let request = HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: vec![
                ("authorization".into(), format!("Bearer {key}")),
                ("content-type".into(), content_type.into()),
            ],
            body: body.to_vec(),
            host: Some("api.test".into()),
            query: vec![],
        };
        self.api
            .handle(&request, SystemTime::now() + Duration::from_secs(10))
            .await
    }

    async fn post(&self, key: &str, body: &[u8]) -> HttpResponse {
        self.call("POST", "/v1/edi/edifact", key, body).await
    }

    /// (kind, id) of every document waiting for the partner with `key`.
    async fn outbox(&self, key: &str) -> Vec<(String, String)> {
        let listed = self.call("GET", "/v1/edi/outbox", key, b"").await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        let documents: Value = serde_json::from_str(&listed.body).unwrap();
        documents["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["type"].as_str().unwrap().to_string(),
                    d["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    async fn fetch(&self, key: &str, id: &str) -> HttpResponse {
        let fetched = self
            .call("GET", &format!("/v1/edi/outbox/{id}"), key, b"")
            .await;
        assert_eq!(fetched.status, 200, "{}", fetched.body);
        assert_eq!(fetched.header("content-type"), Some("application/edifact"));
        fetched
    }
}

/// The CONTRL report in `edifact`, checked to read back cleanly.
fn report(edifact: &str) -> ContrlReport {
    let ic = parse_interchange(edifact.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.errors);
    let Ok(Document::Contrl(report)) = read_message(&ic.messages[0], &ic.delimiters) else {
        panic!("not a CONTRL: {edifact}");
    };
    *report
}

fn segments(edifact: &str) -> Vec<String> {
    edifact
        .split_inclusive('\'')
        .map(|s| s.trim().to_string())
        .collect()
}

/// `sample` under UNB/UNZ control reference `reference` instead of its own.
fn with_reference(sample: &[u8], own: &str, reference: &str) -> Vec<u8> {
    String::from_utf8(sample.to_vec())
        .unwrap()
        .replace(&format!("+{own}"), &format!("+{reference}"))
        .into_bytes()
}

#[tokio::test]
async fn an_orders_is_captured_once_and_accepted_by_a_contrl_in_the_answer_and_the_outbox() {
    let app = app().await;
    let response = app.post(KEY, EANCOM).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/edifact"));
    assert_eq!(response.header("x-switchyard-contrl-action"), Some("7"));
    let s = segments(&response.body);
    assert!(
        s.contains(&"UCI+EAN00001+5412345000013:14+5400000000003:14+7'".to_string()),
        "{s:?}"
    );
    assert!(
        s[1].starts_with("UNB+UNOC:3+5400000000003:14+5412345000013:14+"),
        "the CONTRL goes back to the sender: {s:?}"
    );

    let queued = app.queue.submitted.lock().unwrap().clone();
    assert_eq!(queued.len(), 1);
    let order = &queued[0].payload.order;
    assert_eq!(order.external_id.as_str(), "ORD-2024-0042");
    assert_eq!(order.channel.as_str(), "hypermarkt");
    assert_eq!(order.lines.len(), 2);
    assert_eq!(
        response.header("x-switchyard-order-ids"),
        Some(order.id.to_string().as_str())
    );

    let outbox = app.outbox(KEY).await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].0, "CONTRL");
    assert_eq!(
        app.fetch(KEY, &outbox[0].1).await.body,
        response.body,
        "the outbox holds the CONTRL the answer carried"
    );

    // The same interchange again: the same answer, nothing captured twice.
    let again = app.post(KEY, EANCOM).await;
    assert_eq!(again.body, response.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
    assert_eq!(app.outbox(KEY).await.len(), 1);
}

#[tokio::test]
async fn the_d96a_sample_with_una_keeps_its_decimal_comma_in_the_contrl() {
    let app = app().await;
    let response = app.post(ACME_KEY, D96A).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let s = segments(&response.body);
    assert_eq!(s[0], "UNA:+,? '", "the answer uses the sender's delimiters");
    assert!(s.contains(&"UCI+IC4471+ACMEBUYER:ZZZ+SWITCHYARD:ZZZ+7'".to_string()));
    let queued = app.queue.submitted.lock().unwrap().clone();
    assert_eq!(queued[0].payload.order.external_id.as_str(), "PO-4471");
    assert_eq!(
        queued[0].payload.order.lines[0]
            .unit_price
            .amount
            .to_string(),
        "9.25"
    );
}

#[tokio::test]
async fn bad_messages_are_rejected_with_their_codes_and_only_the_clean_one_is_captured() {
    let app = app().await;
    let response = app.post(KEY, MALFORMED).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.header("x-switchyard-rejected-messages"),
        Some("M2,M3")
    );
    let report = report(&response.body);
    let actions: Vec<(&str, Action)> = report
        .all_messages()
        .map(|m| (m.reference.as_str(), m.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("M1", Action::Acknowledged),
            ("M2", Action::Rejected),
            ("M3", Action::Rejected)
        ]
    );
    let s = segments(&response.body);
    // M2: UNT count wrong (29), BGM number missing (13), 31 February (12), `ten` (12), `1,20`
    // in an interchange whose decimal mark is `.` (19).
    for expected in [
        "UCM+M2+ORDERS:D:01B:UN:EAN010+4+29+UNT+1'",
        "UCD+13+2:1'",
        "UCD+19+1:2'",
        "UCS+5+13'",
    ] {
        assert!(s.contains(&expected.to_string()), "{expected} in {s:?}");
    }
    let queued = app.queue.submitted.lock().unwrap().clone();
    let captured: Vec<&str> = queued
        .iter()
        .map(|q| q.payload.order.external_id.as_str())
        .collect();
    assert_eq!(captured, ["ORD-OK-1"]);
}

#[tokio::test]
async fn a_truncated_interchange_is_rejected_whole_and_nothing_is_captured() {
    let app = app().await;
    let truncated = &EANCOM[..EANCOM.len() - 30];
    let response = app.post(KEY, truncated).await;
    let outbox = app.outbox(KEY).await;
    assert_eq!(outbox.len(), 1, "a rejecting CONTRL for the partner");
    assert_eq!(outbox[0].0, "CONTRL");
    let contrl = app.fetch(KEY, &outbox[0].1).await.body;
    assert!(
        segments(&contrl).contains(&"UCI+EAN00001+5412345000013:14+5400000000003:14+4+13'".into()),
        "{contrl}"
    );
    // Without its UNZ the interchange cannot be parsed: a problem, and the sample kept.
    assert_eq!(response.status, 400, "{}", response.body);
    let problem: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(problem["edifact_syntax_error_code"], "13");
    assert_eq!(problem["contrl_document_id"], outbox[0].1.as_str());
    assert_eq!(app.quarantine.kept.lock().unwrap().len(), 1);
    assert!(app.queue.submitted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn garbage_is_quarantined_and_answered_with_a_problem() {
    let app = app().await;
    let response = app.post(KEY, b"this is not EDIFACT").await;
    assert_eq!(response.status, 400, "{}", response.body);
    let problem: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(problem["type"], "/problems/unreadable-interchange");
    assert!(problem["edifact_syntax_error_code"].is_string());
    assert_eq!(app.quarantine.kept.lock().unwrap().len(), 1);
    assert!(
        app.outbox(KEY).await.is_empty(),
        "no UNB, nobody to address"
    );
}

#[tokio::test]
async fn a_sender_that_is_not_the_keys_partner_is_refused_with_a_contrl_23() {
    let app = app().await;
    // The EANCOM buyer's interchange, sent with the D.96A buyer's key.
    let response = app.post(ACME_KEY, EANCOM).await;
    assert_eq!(response.status, 403, "{}", response.body);
    let problem: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(problem["type"], "/problems/unknown-sender");
    assert_eq!(problem["edifact_syntax_error_code"], "23");
    let outbox = app.outbox(ACME_KEY).await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(problem["contrl_document_id"], outbox[0].1.as_str());
    let contrl = app.fetch(ACME_KEY, &outbox[0].1).await.body;
    assert_eq!(report(&contrl).action, Action::Rejected);
    assert!(contrl.contains("+4+23+UNB+2'"), "{contrl}");
    assert!(app.queue.submitted.lock().unwrap().is_empty());
    assert!(app.outbox(KEY).await.is_empty());

    // Keys of other kinds are not EDIFACT partners, and an EDIFACT key is not an X12 one.
    assert_eq!(app.post(X12_KEY, EANCOM).await.status, 403);
    let x12 = app
        .call_as("POST", "/v1/edi/x12", KEY, "application/edi-x12", b"ISA*")
        .await;
    assert_eq!(x12.status, 403, "{}", x12.body);
    assert_eq!(app.post("sy_nobody", EANCOM).await.status, 401);
}

#[tokio::test]
async fn a_control_reference_reused_with_another_body_gets_a_contrl_26_and_the_problem() {
    let app = app().await;
    assert_eq!(app.post(KEY, EANCOM).await.status, 200);
    // Another interchange (the malformed sample's messages) under EAN00001.
    let reused = with_reference(MALFORMED, "BAD0001", "EAN00001");
    let response = app.post(KEY, &reused).await;
    assert_eq!(response.status, 422, "{}", response.body);
    let problem: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(problem["edifact_syntax_error_code"], "26");
    let id = problem["contrl_document_id"].as_str().unwrap();
    let contrl = app.fetch(KEY, id).await.body;
    assert!(
        segments(&contrl)
            .contains(&"UCI+EAN00001+5412345000013:14+5400000000003:14+4+26+UNB+5'".into()),
        "{contrl}"
    );
    assert_eq!(
        app.queue.submitted.lock().unwrap().len(),
        1,
        "nothing of the second body is captured"
    );
}

#[tokio::test]
async fn media_types_other_than_edifact_and_plain_text_are_refused() {
    let app = app().await;
    for ok in ["text/plain; charset=iso-8859-1", "application/EDIFACT"] {
        let r = app
            .call_as(
                "POST",
                "/v1/edi/edifact",
                KEY,
                ok,
                &with_reference(EANCOM, "EAN00001", &format!("T{}", ok.len())),
            )
            .await;
        assert_eq!(r.status, 200, "{ok}: {}", r.body);
    }
    let refused = app
        .call_as("POST", "/v1/edi/edifact", KEY, "application/json", EANCOM)
        .await;
    assert_eq!(refused.status, 415);
}

fn event(order_id: OrderId, accepted: bool) -> String {
    let channel = ChannelName::try_from("hypermarkt").unwrap();
    let external_id = ExternalId::try_from("ORD-2024-0042").unwrap();
    let (kind, detail) = if accepted {
        (
            "OrderAccepted",
            serde_json::to_value(Envelope::new(
                "hypermarkt",
                order_id.to_string(),
                OrderAccepted {
                    order_id,
                    channel,
                    external_id,
                    erp_reference: "SO0042".into(),
                    accepted_at: Utc::now(),
                    channel_kind: Some("edifact".into()),
                },
            ))
            .unwrap(),
        )
    } else {
        (
            "OrderRejected",
            serde_json::to_value(Envelope::new(
                "hypermarkt",
                order_id.to_string(),
                OrderRejected {
                    order_id,
                    channel,
                    external_id,
                    code: "unknown_sku".into(),
                    message: "no such product".into(),
                    rejected_at: Utc::now(),
                    channel_kind: Some("edifact".into()),
                },
            ))
            .unwrap(),
        )
    };
    json!({"version": "0", "id": "e1", "detail-type": kind,
        "source": "switchyard.orders", "detail": detail})
    .to_string()
}

/// The ORDRSP of `order_id` from the outbox, read back.
async fn ordrsp(
    app: &App,
    order_id: OrderId,
) -> (String, switchyard_edifact::write::OrderResponse) {
    let fetched = app.fetch(KEY, &format!("ORDRSP-{order_id}")).await;
    assert_eq!(fetched.header("x-switchyard-document-type"), Some("ORDRSP"));
    let ic = parse_interchange(fetched.body.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.errors);
    assert_eq!(ic.header.recipient.id, "5412345000013");
    assert_eq!(ic.header.application_reference, "ORDRSP");
    let Ok(Document::OrderResponse(response)) = read_message(&ic.messages[0], &ic.delimiters)
    else {
        panic!("not an ORDRSP: {}", fetched.body);
    };
    (fetched.body, *response)
}

#[tokio::test]
async fn an_accepted_order_gets_one_ordrsp_with_the_erp_sale() {
    let app = app().await;
    let response = app.post(KEY, EANCOM).await;
    let order_id: OrderId = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .parse()
        .unwrap();
    let accepted = event(order_id, true);
    let written = app.acknowledger.acknowledge(&accepted).await.unwrap();
    assert_eq!(written, Acknowledged::Written(format!("ORDRSP-{order_id}")));
    app.acknowledger.acknowledge(&accepted).await.unwrap();
    let kinds: Vec<String> = app.outbox(KEY).await.into_iter().map(|d| d.0).collect();
    assert_eq!(
        kinds,
        ["CONTRL", "ORDRSP"],
        "one ORDRSP despite the redelivery"
    );

    let (text, r) = ordrsp(&app, order_id).await;
    assert_eq!(r.order_number, "ORD-2024-0042");
    assert_eq!(r.seller_order_number.as_deref(), Some("SO0042"));
    assert_eq!(r.response_type.code(), "29", "accepted without amendment");
    assert_eq!(r.lines.len(), 2);
    assert!(
        text.contains("EAN005"),
        "EANCOM ORDERS get the EANCOM ORDRSP: {text}"
    );
}

#[tokio::test]
async fn a_rejected_order_gets_an_ordrsp_refusing_every_line() {
    let app = app().await;
    let response = app.post(KEY, EANCOM).await;
    let order_id: OrderId = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .parse()
        .unwrap();
    app.acknowledger
        .acknowledge(&event(order_id, false))
        .await
        .unwrap();
    let (_, r) = ordrsp(&app, order_id).await;
    assert_eq!(r.response_type.code(), "27", "not accepted");
    assert!(r.lines.iter().all(|l| l.status.code() == "7"));
}

#[tokio::test]
async fn the_demo_sample_make_up_sends_is_one_clean_order_in_usd() {
    let app = app().await;
    let sample = include_bytes!("../../../local/samples/hypermarkt-orders.edi");
    let response = app.post(KEY, sample).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.header("x-switchyard-contrl-action"),
        Some("7"),
        "{}",
        response.body
    );
    assert_eq!(
        response.header("x-switchyard-rejected-messages"),
        None,
        "{}",
        response.body
    );
    let queued = app.queue.submitted.lock().unwrap().clone();
    let order = &queued[0].payload.order;
    assert_eq!(order.external_id.as_str(), "HM-PO-1001");
    assert_eq!(order.currency.code(), "USD");
    let lines: Vec<(String, String, String)> = order
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.to_string(),
                l.quantity.value().to_string(),
                l.unit_price.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("WIDGET-S".into(), "12".into(), "9.25".into()),
            ("WIDGET-M".into(), "6".into(), "14.5".into())
        ],
        "the decimal comma of the UNA is read"
    );
}

#[tokio::test]
async fn a_shipment_of_an_edifact_order_writes_nothing_and_fails_nothing() {
    use switchyard_model::fulfilment_events::{OrderShipped, Shipment, ShippedLine};
    let app = app().await;
    let response = app.post(KEY, EANCOM).await;
    let order_id: OrderId = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .parse()
        .unwrap();
    // Even mislabelled as an X12 order, its EDIFACT context is not read as an 850's.
    for kind in ["edifact", "x12"] {
        let shipped = Envelope::new(
            "hypermarkt",
            order_id.to_string(),
            OrderShipped {
                order_id,
                channel: ChannelName::try_from("hypermarkt").unwrap(),
                channel_kind: kind.into(),
                external_id: ExternalId::try_from("ORD-2024-0042").unwrap(),
                erp_reference: "SO0042".into(),
                shipment: Shipment {
                    shipment_id: "CS1".into(),
                    lines: vec![ShippedLine {
                        sku: switchyard_model::Sku::try_from("ART-1001").unwrap(),
                        quantity: 48.into(),
                    }],
                    carrier: None,
                    service: None,
                    tracking_numbers: vec![],
                    shipped_at: Utc::now(),
                },
                status: switchyard_model::OrderStatus::Accepted,
                fully_shipped: true,
            },
        );
        let event = json!({"version": "0", "id": "e1", "detail-type": "OrderShipped",
            "source": "switchyard.orders", "detail": envelope_value(&shipped)})
        .to_string();
        assert_eq!(
            app.acknowledger.acknowledge(&event).await.unwrap(),
            Acknowledged::Skipped,
            "{kind}"
        );
    }
    assert_eq!(app.outbox(KEY).await.len(), 1, "only the CONTRL");
}

fn envelope_value<T: serde::Serialize>(envelope: &T) -> Value {
    serde_json::to_value(envelope).unwrap()
}
