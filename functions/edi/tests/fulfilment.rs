//! The 856 and 810 of an X12 order: an 850 comes in through the API, the ERP accepts, ships and
//! invoices it, and the partner finds one document per shipment and per invoice in its outbox.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{NaiveDate, Utc};
use edi::acknowledger::{Acknowledged, Acknowledger};
use edi::{EdiApi, Ports};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use switchyard_channels::{
    Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, TradingPartner, hash_api_key,
};
use switchyard_edi_outbox::{EdiStore, InMemoryEdiStore};
use switchyard_idempotency::InMemoryIdempotencyStore;
use switchyard_intake::{HttpRequest, HttpResponse, Intake};
use switchyard_model::envelope::{Envelope, Message};
use switchyard_model::events::OrderAccepted;
use switchyard_model::fulfilment_events::{
    Invoice, InvoiceKind, InvoiceTax, InvoicedLine, OrderInvoiced, OrderShipped, Shipment,
    ShippedLine,
};
use switchyard_model::{ChannelName, Currency, ExternalId, OrderId, OrderStatus, Sku};
use switchyard_orders::{InMemoryOrderStore, InMemoryQueue};
use switchyard_quarantine::InMemoryQuarantine;
use switchyard_throttle::InMemoryRateLimiter;
use switchyard_x12::documents::ShipNotice;
use switchyard_x12::{Document, parse_interchange, read_document};

const KEY: &str = "sy_edi_partner_key";

struct App {
    api: EdiApi,
    acknowledger: Acknowledger,
    edi: Arc<InMemoryEdiStore>,
}

async fn app() -> App {
    let channels = Arc::new(InMemoryChannelDirectory::new());
    let partner = Channel {
        default_customer: Some("ACME-001".into()),
        trading_partner: Some(TradingPartner::new("ZZ", "ACMEBUYER")),
        ..Channel::new(channel(), ChannelKind::X12, Utc::now())
    };
    channels.put(&partner).await.unwrap();
    channels
        .add_api_key(&partner.name, &hash_api_key(KEY))
        .await
        .unwrap();
    let edi = Arc::new(InMemoryEdiStore::new());
    let ports = Ports {
        channels,
        intake: Intake::new(
            Arc::new(InMemoryOrderStore::new()),
            Arc::new(InMemoryIdempotencyStore::new()),
            Arc::new(InMemoryQueue::new()),
        ),
        edi: edi.clone(),
        quarantine: Arc::new(InMemoryQuarantine::new()),
        limiter: Arc::new(InMemoryRateLimiter::new()),
    };
    App {
        api: EdiApi::new(ports),
        acknowledger: Acknowledger::new(
            edi.clone(),
            switchyard_failures::FailureRecorder::in_memory(
                edi::acknowledger::FLOW,
                "edi-acknowledger",
            ),
        ),
        edi,
    }
}

fn channel() -> ChannelName {
    ChannelName::try_from("acme-edi").unwrap()
}

impl App {
    async fn call(&self, method: &str, path: &str, body: &str) -> HttpResponse {
        let request = HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: vec![
                ("authorization".into(), format!("Bearer {KEY}")),
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

    /// Posts the 850 and has the ERP accept it (so the 855 is written first, as in production).
    async fn accepted_order(&self) -> OrderId {
        let response = self.call("POST", "/v1/edi/x12", PO_850).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let order_id: OrderId = response
            .header("x-switchyard-order-ids")
            .unwrap()
            .parse()
            .unwrap();
        let accepted = OrderAccepted {
            order_id,
            channel: channel(),
            external_id: ExternalId::try_from("PO-4471").unwrap(),
            erp_reference: "SO0042".into(),
            accepted_at: Utc::now(),
            channel_kind: Some("x12".into()),
        };
        let done = self
            .acknowledger
            .acknowledge(&bus(order_id, accepted))
            .await
            .unwrap();
        assert_eq!(done, Acknowledged::Written(format!("855-{order_id}")));
        order_id
    }

    /// The outbox document `id`, fetched as the partner fetches it.
    async fn fetch(&self, id: &str) -> String {
        let fetched = self.call("GET", &format!("/v1/edi/outbox/{id}"), "").await;
        assert_eq!(fetched.status, 200, "{id}: {}", fetched.body);
        fetched.body
    }

    async fn kinds(&self) -> Vec<String> {
        let listed = self.call("GET", "/v1/edi/outbox", "").await;
        let documents: Value = serde_json::from_str(&listed.body).unwrap();
        documents["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["type"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Line 1 WIDGET-S by VN (with a UPC), line 2 WIDGET-M by VP behind the buyer's BP, line 3
/// WIDGET-L by VN: our SKU sits under different qualifiers on different lines.
const PO_850: &str = "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*000000401*0*P*>~\n\
GS*PO*ACMEBUYER*SWITCHYARD*20261127*1030*401*X*004010~\n\
ST*850*0001~\n\
BEG*00*SA*PO-4471**20261127~\n\
N1*BY*Acme Retail Inc*92*ACME-001~\n\
N1*BT*Acme Retail AP*92*ACME-AP~\n\
N3*PO Box 900~\n\
N4*Cleveland*OH*44101*US~\n\
N1*ST*Acme DC 4*92*DC4~\n\
N3*4400 Commerce Pkwy~\n\
N4*Solon*OH*44139*US~\n\
PO1*1*10*EA*9.25**VN*WIDGET-S*UP*012345678905~\n\
PID*F****Widget, small~\n\
PO1*2*4*CA*14.50**BP*B-77*VP*WIDGET-M~\n\
PO1*3*1*EA*34.99**VN*WIDGET-L~\n\
CTT*3*15~\n\
SE*15*0001~\n\
GE*1*401~\n\
IEA*1*000000401~\n";

/// An EventBridge delivery of `payload`, as the queue holds it.
fn bus<T: Message + serde::Serialize>(order_id: OrderId, payload: T) -> String {
    let envelope = Envelope::new("acme-edi", order_id.to_string(), payload);
    json!({"version": "0", "id": "e1", "detail-type": T::TYPE,
        "source": "switchyard.orders", "detail": envelope})
    .to_string()
}

fn sku(s: &str) -> Sku {
    Sku::try_from(s).unwrap()
}

fn shipped(order_id: OrderId, shipment_id: &str, lines: &[(&str, i64)], kind: &str) -> String {
    bus(
        order_id,
        OrderShipped {
            order_id,
            channel: channel(),
            channel_kind: kind.into(),
            external_id: ExternalId::try_from("PO-4471").unwrap(),
            erp_reference: "SO0042".into(),
            shipment: Shipment {
                shipment_id: shipment_id.into(),
                lines: lines
                    .iter()
                    .map(|(s, q)| ShippedLine {
                        sku: sku(s),
                        quantity: Decimal::from(*q),
                    })
                    .collect(),
                carrier: Some("UPSN".into()),
                service: Some("Ground".into()),
                tracking_numbers: vec!["1Z999AA10123456784".into()],
                shipped_at: "2026-11-28T15:30:00Z".parse().unwrap(),
            },
            status: OrderStatus::Accepted,
            fully_shipped: false,
        },
    )
}

fn invoiced(order_id: OrderId, kind: &str) -> String {
    let line = |s: Option<&str>, description: &str, q: i64, price: &str| {
        let unit_price: Decimal = price.parse().unwrap();
        InvoicedLine {
            sku: s.map(sku),
            description: description.into(),
            quantity: Decimal::from(q),
            unit_price,
            amount: unit_price * Decimal::from(q),
        }
    };
    bus(
        order_id,
        OrderInvoiced {
            order_id,
            channel: channel(),
            channel_kind: kind.into(),
            external_id: ExternalId::try_from("PO-4471").unwrap(),
            erp_reference: "SO0042".into(),
            invoice: Invoice {
                invoice_id: "INV/0007".into(),
                kind: InvoiceKind::Invoice,
                invoice_date: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
                due_date: NaiveDate::from_ymd_opt(2026, 12, 29),
                currency: Currency::from_code("USD").unwrap(),
                lines: vec![
                    line(Some("WIDGET-S"), "Widget, small", 10, "9.25"),
                    line(Some("WIDGET-M"), "Widget, medium (case)", 4, "14.50"),
                    line(None, "Freight", 1, "12.00"),
                ],
                taxes: vec![InvoiceTax {
                    name: "Sales tax 8%".into(),
                    base: "162.50".parse().unwrap(),
                    amount: "13.00".parse().unwrap(),
                }],
                untaxed_amount: "162.50".parse().unwrap(),
                tax_amount: "13.00".parse().unwrap(),
                total_amount: "175.50".parse().unwrap(),
            },
            status: OrderStatus::Accepted,
        },
    )
}

fn read_856(text: &str) -> ShipNotice {
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{ic:#?}");
    assert_eq!(ic.groups[0].functional_id, "SH");
    assert_eq!(
        ic.header.receiver_id, "ACMEBUYER",
        "addressed to the partner"
    );
    assert_eq!(
        ic.header.sender_id, "SWITCHYARD",
        "from us as the 850 named us"
    );
    match read_document(&ic.groups[0].transaction_sets[0]).unwrap() {
        Document::ShipNotice(n) => n,
        other => panic!("not an 856: {other:?}"),
    }
}

/// (PO1 line, quantity, unit) of every item of the notice.
fn items(notice: &ShipNotice) -> Vec<(String, Decimal, String)> {
    notice
        .levels
        .iter()
        .filter(|l| l.level_code == "I")
        .map(|l| {
            let s = l.shipped.as_ref().unwrap();
            (s.line.clone(), s.quantity, s.unit.clone())
        })
        .collect()
}

#[tokio::test]
async fn a_shipment_delivered_twice_is_one_856_with_the_po_number_and_shipped_quantities() {
    let app = app().await;
    let order_id = app.accepted_order().await;
    let event = shipped(
        order_id,
        "CS7",
        &[("WIDGET-S", 10), ("WIDGET-M", 4), ("WIDGET-L", 1)],
        "x12",
    );
    for _ in 0..2 {
        assert_eq!(
            app.acknowledger.acknowledge(&event).await.unwrap(),
            Acknowledged::Written("856-CS7".into())
        );
    }
    assert_eq!(app.kinds().await, ["997", "855", "856"]);
    let text = app.fetch("856-CS7").await;
    let notice = read_856(&text);
    assert_eq!(notice.shipment_id, "CS7");
    let order = &notice.levels[notice.levels[0].children[0]];
    assert_eq!(
        order.purchase_order,
        Some(("PO-4471".into(), NaiveDate::from_ymd_opt(2026, 11, 27))),
        "PRF carries the partner's PO number and date"
    );
    assert_eq!(
        items(&notice),
        vec![
            ("1".into(), Decimal::from(10), "EA".into()),
            ("2".into(), Decimal::from(4), "CA".into()),
            ("3".into(), Decimal::ONE, "EA".into()),
        ]
    );
    let item_2 = notice.levels.iter().find(|l| l.product_id("VP").is_some());
    assert_eq!(
        item_2.unwrap().product_id("BP"),
        Some("B-77"),
        "the partner's own ids"
    );
    let shipment = &notice.levels[0];
    assert_eq!(shipment.references("BM"), vec!["CS7"]);
    assert_eq!(shipment.references("CN"), vec!["1Z999AA10123456784"]);
    assert_eq!(shipment.segment("TD5").unwrap().trimmed(3), "UPSN");
    assert_eq!(shipment.segment("N1").unwrap().trimmed(4), "DC4");
    assert_eq!(notice.declared_level_count, Some(Decimal::from(5)));
}

#[tokio::test]
async fn a_partial_shipment_lists_only_the_lines_it_carries() {
    let app = app().await;
    let order_id = app.accepted_order().await;
    let first = shipped(order_id, "CS8", &[("WIDGET-M", 3)], "x12");
    app.acknowledger.acknowledge(&first).await.unwrap();
    let second = shipped(order_id, "CS9", &[("WIDGET-M", 1), ("WIDGET-S", 6)], "x12");
    app.acknowledger.acknowledge(&second).await.unwrap();
    assert_eq!(
        items(&read_856(&app.fetch("856-CS8").await)),
        vec![("2".into(), Decimal::from(3), "CA".into())]
    );
    assert_eq!(
        items(&read_856(&app.fetch("856-CS9").await)),
        vec![
            ("1".into(), Decimal::from(6), "EA".into()),
            ("2".into(), Decimal::ONE, "CA".into())
        ],
        "in PO line order"
    );
    assert_eq!(app.kinds().await, ["997", "855", "856", "856"]);
}

#[tokio::test]
async fn an_invoice_is_one_810_whose_tds_is_the_total_in_cents() {
    let app = app().await;
    let order_id = app.accepted_order().await;
    let event = invoiced(order_id, "x12");
    for _ in 0..2 {
        assert_eq!(
            app.acknowledger.acknowledge(&event).await.unwrap(),
            Acknowledged::Written("810-INV_0007".into()),
            "the ERP number made fit for the outbox URL"
        );
    }
    assert_eq!(app.kinds().await, ["997", "855", "810"]);
    let text = app.fetch("810-INV_0007").await;
    assert!(text.contains("TDS*17550~"), "{text}");
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean());
    assert_eq!(ic.groups[0].functional_id, "IN");
    let Document::Invoice(back) = read_document(&ic.groups[0].transaction_sets[0]).unwrap() else {
        panic!("not an 810")
    };
    assert_eq!(back.total, Some("175.50".parse().unwrap()));
    assert_eq!(
        back.number, "INV/0007",
        "BIG02 is the ERP's number as it is"
    );
    assert_eq!(
        (back.po_number.as_str(), back.po_date),
        ("PO-4471", NaiveDate::from_ymd_opt(2026, 11, 27))
    );
    assert_eq!(back.net_due_date, NaiveDate::from_ymd_opt(2026, 12, 29));
    let entities: Vec<&str> = back.parties.iter().map(|p| p.entity.as_str()).collect();
    assert_eq!(entities, ["BT", "ST"]);
    let lines: Vec<(&str, &str, Option<&str>)> = back
        .lines
        .iter()
        .map(|l| (l.line_number(), l.uom(), l.product_id("BP")))
        .collect();
    assert_eq!(
        lines,
        [
            ("1", "EA", None),
            ("2", "CA", Some("B-77")),
            ("", "EA", None)
        ],
        "invoice lines on the partner's lines by SKU; freight on its own"
    );
    assert_eq!(back.taxes, vec![("TX".into(), Some("13".parse().unwrap()))]);
}

#[tokio::test]
async fn orders_that_are_not_x12_get_no_856_or_810() {
    let app = app().await;
    let order_id = app.accepted_order().await;
    // The same order id under another channel kind: the kind decides, not the context.
    for event in [
        shipped(order_id, "CS7", &[("WIDGET-S", 1)], "shopify"),
        invoiced(order_id, "api"),
        // An X12-kind event for an order with no EDI context (not captured by this API).
        shipped(OrderId::generate(), "CS1", &[("WIDGET-S", 1)], "x12"),
        invoiced(OrderId::generate(), "x12"),
    ] {
        assert_eq!(
            app.acknowledger.acknowledge(&event).await.unwrap(),
            Acknowledged::Skipped
        );
    }
    assert_eq!(app.kinds().await, ["997", "855"]);
}

#[tokio::test]
async fn one_erp_shipment_for_two_orders_gives_each_its_own_856() {
    let app = app().await;
    let first = app.accepted_order().await;
    // A second PO from the same partner (another interchange, another PO number).
    let second_850 = PO_850
        .replace("PO-4471", "PO-4472")
        .replace("000000401", "000000402")
        .replace("*401*", "*402*")
        .replace("GE*1*401", "GE*1*402");
    let response = app.call("POST", "/v1/edi/x12", &second_850).await;
    let second: OrderId = response
        .header("x-switchyard-order-ids")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(first, second);
    let a = shipped(first, "CS20", &[("WIDGET-S", 10)], "x12");
    let b = shipped(second, "CS20", &[("WIDGET-L", 1)], "x12");
    assert_eq!(
        app.acknowledger.acknowledge(&a).await.unwrap(),
        Acknowledged::Written("856-CS20".into())
    );
    let other = format!("856-CS20-{second}");
    for _ in 0..2 {
        assert_eq!(
            app.acknowledger.acknowledge(&b).await.unwrap(),
            Acknowledged::Written(other.clone())
        );
    }
    app.acknowledger.acknowledge(&a).await.unwrap();
    let second_doc = app.edi.document(&channel(), &other).await.unwrap().unwrap();
    let order = read_856(&second_doc.content);
    assert_eq!(
        order.levels[1].purchase_order.as_ref().unwrap().0,
        "PO-4472"
    );
    assert_eq!(app.kinds().await, ["997", "855", "997", "856", "856"]);
}
