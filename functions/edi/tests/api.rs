//! The EDI API and the 855 acknowledger over in-memory ports.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use edi::acknowledger::{AckError, Acknowledged, Acknowledger};
use edi::{EdiApi, Ports};
use serde_json::{Value, json};
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, TradingPartner, hash_api_key,
};
use switchyard_edi_outbox::InMemoryEdiStore;
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, HttpResponse, Intake};
use switchyard_model::envelope::Envelope;
use switchyard_model::events::OrderAccepted;
use switchyard_model::{ChannelName, ExternalId, OrderId};
use switchyard_orders::InMemoryOrderStore;
use switchyard_orders::InMemoryQueue;
use switchyard_quarantine::InMemoryQuarantine;
use switchyard_throttle::InMemoryRateLimiter;
use switchyard_x12::{Document, parse_interchange, read_document};

const KEY: &str = "sy_edi_partner_key";
const OTHER_KEY: &str = "sy_api_channel_key";

struct App {
    api: EdiApi,
    channels: Arc<InMemoryChannelDirectory>,
    acknowledger: Acknowledger,
    queue: Arc<InMemoryQueue>,
    quarantine: Arc<InMemoryQuarantine>,
}

async fn app() -> App {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let partner = Channel {
        default_customer: Some("ACME-001".into()),
        trading_partner: Some(TradingPartner::new("ZZ", "ACMEBUYER")),
        ..Channel::new(
            ChannelName::try_from("acme-edi").unwrap(),
            ChannelKind::X12,
            Utc::now(),
        )
    };
    let api_channel = Channel::new(
        ChannelName::try_from("shop").unwrap(),
        ChannelKind::Api,
        Utc::now(),
    );
    for (channel, key) in [(&partner, KEY), (&api_channel, OTHER_KEY)] {
        channels.put(channel).await.unwrap();
        channels
            .add_api_key(&channel.name, &hash_api_key(key))
            .await
            .unwrap();
    }
    let queue = Arc::new(InMemoryQueue::new());
    let quarantine = Arc::new(InMemoryQuarantine::new());
    let edi = Arc::new(InMemoryEdiStore::new());
    let channels_handle = channels.clone();
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
        channels: channels_handle,
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
    async fn call(&self, method: &str, path: &str, key: &str, body: &str) -> HttpResponse {
        let request = HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: vec![
                ("authorization".into(), format!("Bearer {key}")),
                ("content-type".into(), "application/edi-x12".into()),
            ],
            body: body.as_bytes().to_vec(),
            host: Some("api.test".into()),
            query: vec![],
        };
        self.api
            .handle(&request, SystemTime::now() + Duration::from_secs(10))
            .await
    }
}

/// An 850 interchange from `sender`; `se01_delta` makes the SE01 count wrong on purpose.
fn interchange_850(sender: &str, isa13: u32, po: &str, se01_delta: i32) -> String {
    let body = [
        format!("BEG*00*SA*{po}**20261127"),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*4400 Commerce Pkwy".into(),
        "N4*Solon*OH*44139*US".into(),
        "PO1*1*10*EA*9.25**VN*WIDGET-S*UP*012345678905".into(),
        "PID*F****Widget, small".into(),
        "PO1*2*4*EA*14.50**BP*B-77*VP*WIDGET-M".into(),
        "PO1*3*1*EA*34.99**VN*WIDGET-L".into(),
        "CTT*3*15".into(),
    ];
    let count = body.len() as i32 + 2 + se01_delta;
    format!(
        "ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*SWITCHYARD     *261127*1030*U*00401*{isa13:09}*0*P*>~\n\
         GS*PO*{sender}*SWITCHYARD*20261127*1030*{isa13}*X*004010~\n\
         ST*850*0001~\n{}~\nSE*{count}*0001~\nGE*1*{isa13}~\nIEA*1*{isa13:09}~\n",
        body.join("~\n")
    )
}

fn ack_statuses(x12: &str) -> Vec<String> {
    let interchange = parse_interchange(x12.as_bytes()).unwrap();
    assert!(interchange.is_clean(), "{:?}", interchange);
    let set = &interchange.groups[0].transaction_sets[0];
    set.segments
        .iter()
        .filter(|s| s.id() == "AK5" || s.id() == "AK9")
        .map(|s| format!("{}:{}", s.id(), s.element(1)))
        .collect()
}

#[tokio::test]
async fn an_850_is_acknowledged_captured_once_and_its_order_named() {
    let app = app().await;
    let x12 = interchange_850("ACMEBUYER", 101, "PO-4471", 0);
    let response = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/edi-x12"));
    assert_eq!(ack_statuses(&response.body), ["AK5:A", "AK9:A"]);
    let ack = parse_interchange(response.body.as_bytes()).unwrap();
    assert_eq!(
        ack.header.receiver_id.trim(),
        "ACMEBUYER",
        "the 997 goes back to the sender"
    );

    let order_ids = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .to_string();
    let queued = app.queue.submitted.lock().unwrap().clone();
    assert_eq!(queued.len(), 1);
    let order = &queued[0].payload.order;
    assert_eq!(order.id.to_string(), order_ids);
    assert_eq!(order.external_id, ExternalId::try_from("PO-4471").unwrap());
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
            ("WIDGET-S".into(), "10".into(), "9.25".into()),
            ("WIDGET-M".into(), "4".into(), "14.50".into()),
            ("WIDGET-L".into(), "1".into(), "34.99".into())
        ]
    );

    let again = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    assert_eq!(
        again.body, response.body,
        "a resent interchange gets the same 997"
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // The same PO in a new interchange is the same order.
    let resent = interchange_850("ACMEBUYER", 102, "PO-4471", 0);
    let matched = app.call("POST", "/v1/edi/x12", KEY, &resent).await;
    assert_eq!(
        matched.header("x-switchyard-order-ids"),
        Some(order_ids.as_str())
    );
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_segment_count_rejects_the_set_with_the_reason_and_queues_nothing() {
    let app = app().await;
    let x12 = interchange_850("ACMEBUYER", 201, "PO-9", -1);
    let response = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    assert_eq!(response.status, 200);
    let ack = parse_interchange(response.body.as_bytes()).unwrap();
    let ak5 = ack.groups[0].transaction_sets[0]
        .segments
        .iter()
        .find(|s| s.id() == "AK5")
        .unwrap()
        .clone();
    assert_eq!(ak5.element(1), "R");
    assert_eq!(
        ak5.element(2),
        "4",
        "number of included segments does not match"
    );
    assert!(
        response
            .header("x-switchyard-rejected-sets")
            .unwrap()
            .contains("ST 0001 (850): 4")
    );
    assert_eq!(response.header("x-switchyard-order-ids"), Some(""));
    assert!(app.queue.submitted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn senders_must_be_the_channels_partner_and_garbage_is_kept() {
    let app = app().await;
    let foreign = interchange_850("SOMEONEELSE", 301, "PO-1", 0);
    let refused = app.call("POST", "/v1/edi/x12", KEY, &foreign).await;
    assert_eq!(refused.status, 403);
    let not_edi = app
        .call(
            "POST",
            "/v1/edi/x12",
            OTHER_KEY,
            &interchange_850("ACMEBUYER", 302, "PO-1", 0),
        )
        .await;
    assert_eq!(not_edi.status, 403);
    assert_eq!(
        app.call("POST", "/v1/edi/x12", "sy_wrong", "ISA")
            .await
            .status,
        401
    );

    let garbage = app
        .call("POST", "/v1/edi/x12", KEY, "hello, this is not X12")
        .await;
    assert_eq!(garbage.status, 400);
    let problem: Value = serde_json::from_str(&garbage.body).unwrap();
    assert_eq!(problem["type"], "/problems/unreadable-interchange");
    assert_eq!(
        app.quarantine.kept.lock().unwrap()[0].body,
        "hello, this is not X12"
    );
    assert!(app.queue.submitted.lock().unwrap().is_empty());
}

fn accepted_event(order_id: OrderId, erp_reference: &str) -> String {
    accepted_event_of(order_id, erp_reference, "x12")
}

/// `OrderAccepted` for an order from a channel of `kind`.
fn accepted_event_of(order_id: OrderId, erp_reference: &str, kind: &str) -> String {
    let envelope = Envelope::new(
        "acme-edi",
        order_id.to_string(),
        OrderAccepted {
            order_id,
            channel: ChannelName::try_from("acme-edi").unwrap(),
            external_id: ExternalId::try_from("PO-4471").unwrap(),
            erp_reference: erp_reference.into(),
            accepted_at: Utc::now(),
            channel_kind: Some(kind.into()),
        },
    );
    json!({"version": "0", "id": "e1", "detail-type": "OrderAccepted",
        "source": "switchyard.orders", "detail": envelope})
    .to_string()
}

#[tokio::test]
async fn an_accepted_edi_order_gets_one_855_the_partner_collects() {
    let app = app().await;
    let response = app
        .call(
            "POST",
            "/v1/edi/x12",
            KEY,
            &interchange_850("ACMEBUYER", 401, "PO-4471", 0),
        )
        .await;
    let order_id: OrderId = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .parse()
        .unwrap();

    let event = accepted_event(order_id, "SO0042");
    let first = app.acknowledger.acknowledge(&event).await.unwrap();
    assert_eq!(first, Acknowledged::Written(format!("855-{order_id}")));
    app.acknowledger.acknowledge(&event).await.unwrap();
    // An order that did not come by EDI gets no 855.
    assert_eq!(
        app.acknowledger
            .acknowledge(&accepted_event_of(OrderId::generate(), "SO1", "api"))
            .await
            .unwrap(),
        Acknowledged::Skipped
    );
    // An EDI order whose context the intake has not written yet is retried, not skipped: its
    // partner would otherwise never get the 855.
    let early = OrderId::generate();
    let retried = app
        .acknowledger
        .acknowledge(&accepted_event(early, "SO2"))
        .await;
    assert!(
        matches!(retried, Err(AckError::ContextNotYetWritten(id)) if id == early),
        "{retried:?}"
    );

    let listed = app.call("GET", "/v1/edi/outbox", KEY, "").await;
    let documents: Value = serde_json::from_str(&listed.body).unwrap();
    let kinds: Vec<&str> = documents["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["997", "855"],
        "one 855 despite the redelivered event"
    );

    let path = format!("/v1/edi/outbox/855-{order_id}");
    let fetched = app.call("GET", &path, KEY, "").await;
    assert_eq!(fetched.status, 200);
    let interchange = parse_interchange(fetched.body.as_bytes()).unwrap();
    assert!(interchange.is_clean());
    let Document::PurchaseOrderAck(ack) =
        read_document(&interchange.groups[0].transaction_sets[0]).unwrap()
    else {
        panic!("not an 855");
    };
    let text = fetched.body.replace('\n', "");
    assert!(text.contains("BAK*00*AD*PO-4471*20261127"), "{text}");
    assert!(text.contains("SO0042"), "the ERP sale number is BAK08");
    assert_eq!(ack.lines.len(), 3);

    assert_eq!(app.call("DELETE", &path, KEY, "").await.status, 204);
    assert_eq!(app.call("GET", &path, KEY, "").await.status, 404);
    assert_eq!(app.call("DELETE", &path, KEY, "").await.status, 404);
    assert_eq!(
        app.call("GET", "/v1/edi/outbox", OTHER_KEY, "")
            .await
            .status,
        403
    );
}

/// `interchange_850` in another version: ISA12 00401 with ISA14 `ack`, GS08 `gs08`, and every
/// date written as that version writes it.
fn interchange_850_in(gs08: &str, isa13: u32, po: &str, ack: u8) -> String {
    let x12 = interchange_850("ACMEBUYER", isa13, po, 0);
    let x12 = x12.replacen(
        &format!("*{isa13:09}*0*P*"),
        &format!("*{isa13:09}*{ack}*P*"),
        1,
    );
    if gs08 < "004010" {
        x12.replace("*X*004010~", &format!("*X*{gs08}~"))
            .replace("*20261127*", "*261127*")
            .replace("**20261127~", "**261127~")
    } else {
        x12.replace("*X*004010~", &format!("*X*{gs08}~"))
    }
}

/// The partner's outbox: (type, id) of each waiting document.
async fn outbox(app: &App) -> Vec<(String, String)> {
    let listed = app.call("GET", "/v1/edi/outbox", KEY, "").await;
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

/// The TA1 segment of the outbox document `id`, without its terminator.
async fn ta1_segment(app: &App, id: &str) -> String {
    let fetched = app
        .call("GET", &format!("/v1/edi/outbox/{id}"), KEY, "")
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.header("x-switchyard-document-type"), Some("TA1"));
    let interchange = parse_interchange(fetched.body.as_bytes()).unwrap();
    assert!(interchange.is_clean(), "{}", fetched.body);
    assert!(interchange.groups.is_empty(), "a TA1 travels alone");
    assert_eq!(interchange.header.receiver_id, "ACMEBUYER");
    let segment = &interchange.interchange_acks[0];
    let elements: Vec<&str> = segment.elements().map(|e| e.value()).collect();
    format!("TA1*{}", elements.join("*"))
}

const A_997_FROM_THE_PARTNER: &str = "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*000000501*0*P*>~\nGS*FA*ACMEBUYER*SWITCHYARD*20261127*1030*501*X*004010~\nST*997*0001~\nAK1*IN*77~\nAK2*810*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~\nGE*1*501~\nIEA*1*000000501~\n";

#[tokio::test]
async fn a_997_sent_in_is_read_and_gets_no_997_back() {
    let app = app().await;
    let response = app
        .call("POST", "/v1/edi/x12", KEY, A_997_FROM_THE_PARTNER)
        .await;
    assert_eq!(response.status, 202, "{}", response.body);
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["acknowledged"], false);
    assert_eq!(body["functional_acks"][0]["acknowledged_group"], "77");
    assert_eq!(body["functional_acks"][0]["status"], "A");
    let waiting = outbox(&app).await;
    assert!(
        waiting.is_empty(),
        "nothing answers an acknowledgment: {waiting:?}"
    );
    assert!(app.queue.submitted.lock().unwrap().is_empty());
    // The same goes for a 999, and for an interchange carrying only a TA1.
    let a_999 = A_997_FROM_THE_PARTNER
        .replace("000000501", "000000502")
        .replace("ST*997*", "ST*999*")
        .replace("AK5*", "IK5*");
    let response = app.call("POST", "/v1/edi/x12", KEY, &a_999).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let ta1_only = "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*000000503*0*P*>~TA1*000000042*261127*1010*R*022~IEA*0*000000503~";
    let response = app.call("POST", "/v1/edi/x12", KEY, ta1_only).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["interchange_acks"][0]["note_code"], "022");
    let waiting = outbox(&app).await;
    assert!(waiting.is_empty(), "{waiting:?}");
    // An acknowledgment whose envelope is wrong still gets a TA1: it answers the envelope.
    let broken = A_997_FROM_THE_PARTNER
        .replace("000000501", "000000504")
        .replace("IEA*1*000000504", "IEA*1*000000505");
    let response = app.call("POST", "/v1/edi/x12", KEY, &broken).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let ta1 = response
        .header("x-switchyard-ta1-document-id")
        .unwrap()
        .to_string();
    assert_eq!(
        ta1_segment(&app, &ta1).await,
        "TA1*000000504*261127*1030*E*001"
    );
    let kinds: Vec<String> = outbox(&app).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["TA1"], "and still no 997");
}

#[tokio::test]
async fn a_003040_order_with_six_digit_dates_is_captured_and_answered_in_003040_with_the_ta1_it_asked_for()
 {
    let app = app().await;
    let x12 = interchange_850_in("003040", 601, "PO-3040", 1);
    let response = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("x-switchyard-document-type"), Some("997"));
    let text = response.body.replace('\n', "");
    assert!(
        text.contains("*X*003040~ST*997*0001~AK1*PO*601~AK2*850*0001~AK5*A~AK9*A*1*1*1~"),
        "the 997 is in the group's version, with no AK103: {text}"
    );
    assert!(text.contains("*U*00401*"), "ISA12 as received: {text}");
    let order_id: OrderId = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(app.queue.submitted.lock().unwrap().len(), 1);
    let ta1 = response
        .header("x-switchyard-ta1-document-id")
        .unwrap()
        .to_string();
    assert_eq!(
        ta1_segment(&app, &ta1).await,
        "TA1*000000601*261127*1030*A*000"
    );
    let kinds: Vec<String> = outbox(&app).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&"997".into()) && kinds.contains(&"TA1".into()),
        "{kinds:?}"
    );
    // BEG05 261127 was read as 27 November 2026: the 855 says so.
    app.acknowledger
        .acknowledge(&accepted_event(order_id, "SO3040"))
        .await
        .unwrap();
    let fetched = app
        .call("GET", &format!("/v1/edi/outbox/855-{order_id}"), KEY, "")
        .await;
    assert!(
        fetched.body.contains("*PO-3040*20261127"),
        "{}",
        fetched.body
    );
}

#[tokio::test]
async fn an_eight_digit_date_in_a_003040_group_is_rejected_as_an_invalid_date() {
    let app = app().await;
    let x12 = interchange_850("ACMEBUYER", 602, "PO-BAD", 0).replace("*X*004010~", "*X*003040~");
    let response = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .body
            .contains("AK3*BEG*2**8~AK4*5**8*20261127~AK5*R*5~"),
        "{}",
        response.body
    );
    assert!(app.queue.submitted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_iea_control_number_mismatch_gets_a_ta1_with_note_001_beside_the_997() {
    let app = app().await;
    let x12 = interchange_850("ACMEBUYER", 701, "PO-701", 0)
        .replace("IEA*1*000000701~", "IEA*1*000000799~");
    let response = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let ta1 = response
        .header("x-switchyard-ta1-document-id")
        .unwrap()
        .to_string();
    assert_eq!(
        ta1_segment(&app, &ta1).await,
        "TA1*000000701*261127*1030*E*001"
    );
    let x12 = interchange_850("ACMEBUYER", 702, "PO-702", 0)
        .replace("IEA*1*000000702~", "IEA*3*000000702~");
    let response = app.call("POST", "/v1/edi/x12", KEY, &x12).await;
    let ta1 = response
        .header("x-switchyard-ta1-document-id")
        .unwrap()
        .to_string();
    assert_eq!(
        ta1_segment(&app, &ta1).await,
        "TA1*000000702*261127*1030*E*021"
    );
    let clean = app
        .call(
            "POST",
            "/v1/edi/x12",
            KEY,
            &interchange_850("ACMEBUYER", 703, "PO-703", 0),
        )
        .await;
    assert_eq!(
        clean.header("x-switchyard-ta1-document-id"),
        None,
        "ISA14 0 and no error"
    );
}

#[tokio::test]
async fn a_control_number_reused_with_another_body_gets_a_ta1_025_and_the_json_problem() {
    let app = app().await;
    let first = app
        .call(
            "POST",
            "/v1/edi/x12",
            KEY,
            &interchange_850("ACMEBUYER", 801, "PO-801", 0),
        )
        .await;
    assert_eq!(first.status, 200);
    let reused = app
        .call(
            "POST",
            "/v1/edi/x12",
            KEY,
            &interchange_850("ACMEBUYER", 801, "PO-OTHER", 0),
        )
        .await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    let problem: Value = serde_json::from_str(&reused.body).unwrap();
    assert_eq!(problem["type"], "/problems/idempotency-key-reused");
    assert_eq!(problem["x12_note_code"], "025");
    let ta1 = problem["ta1_document_id"].as_str().unwrap();
    assert_eq!(
        ta1_segment(&app, ta1).await,
        "TA1*000000801*261127*1030*R*025"
    );
    assert_eq!(
        app.queue.submitted.lock().unwrap().len(),
        1,
        "only the first order"
    );
}

#[tokio::test]
async fn an_unreadable_interchange_gets_a_ta1_when_its_sender_can_still_be_read() {
    let app = app().await;
    let x12 = interchange_850("ACMEBUYER", 901, "PO-901", 0);
    let truncated = &x12[..x12.find("IEA").unwrap()];
    let response = app.call("POST", "/v1/edi/x12", KEY, truncated).await;
    assert_eq!(response.status, 400);
    let problem: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(problem["type"], "/problems/unreadable-interchange");
    assert_eq!(problem["x12_note_code"], "023");
    let ta1 = problem["ta1_document_id"].as_str().unwrap();
    assert_eq!(
        ta1_segment(&app, ta1).await,
        "TA1*000000901*261127*1030*R*023"
    );
    let bad_date = x12.replacen("*261127*1030*", "*261327*1030*", 1);
    let response = app.call("POST", "/v1/edi/x12", KEY, &bad_date).await;
    let problem: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(problem["x12_note_code"], "014");
    assert!(problem["detail"].as_str().unwrap().contains("ISA09"));
    // Nothing to address a TA1 to: the problem alone says what was wrong.
    let before = outbox(&app).await.len();
    let garbage = app
        .call("POST", "/v1/edi/x12", KEY, "ISA!not an interchange")
        .await;
    assert_eq!(garbage.status, 400);
    let problem: Value = serde_json::from_str(&garbage.body).unwrap();
    assert!(problem["x12_note_code"].is_string());
    assert!(problem.get("ta1_document_id").is_none());
    assert_eq!(outbox(&app).await.len(), before);
    // An ISA naming another sender is not this partner's to answer.
    let foreign = interchange_850("SOMEONEELSE", 902, "PO-902", 0);
    let foreign = &foreign[..foreign.find("IEA").unwrap()];
    let response = app.call("POST", "/v1/edi/x12", KEY, foreign).await;
    assert_eq!(response.status, 400);
    assert_eq!(outbox(&app).await.len(), before);
}

#[tokio::test]
async fn a_partner_configured_for_999_gets_a_999() {
    let app = app().await;
    let name = ChannelName::try_from("acme-edi").unwrap();
    let mut channel = app.channels.get(&name).await.unwrap().unwrap();
    channel.trading_partner.as_mut().unwrap().acknowledgment =
        switchyard_channels::X12Acknowledgment::ImplementationAck;
    app.channels.put(&channel).await.unwrap();
    let response = app
        .call(
            "POST",
            "/v1/edi/x12",
            KEY,
            &interchange_850("ACMEBUYER", 1001, "PO-1001", 0),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("x-switchyard-document-type"), Some("999"));
    let text = response.body.replace('\n', "");
    assert!(text.contains("*^*00501*"), "{text}");
    assert!(
        text.contains("*X*005010X231A1~ST*999*0001*005010X231A1~AK1*PO*1001*004010~AK2*850*0001~IK5*A~AK9*A*1*1*1~"),
        "{text}"
    );
    let kinds: Vec<String> = outbox(&app).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["999"]);
}
