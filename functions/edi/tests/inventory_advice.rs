//! `edi-inventory-advice` over the twins: the 846 a subscribed partner finds in its outbox, once
//! per period, with its allocation applied, reading back through our own X12 parser.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use switchyard_channels::{
    Allocation, Channel, ChannelDirectory, ChannelKind, InMemoryChannelDirectory, InventoryAdvice,
    TradingPartner,
};
use switchyard_edi_outbox::{EdiStore, InMemoryEdiStore};
use switchyard_inventory::stock::project_stock;
use switchyard_model::catalog_events::{InventoryChanged, WarehouseLevel};
use switchyard_model::{ChannelName, Sku};
use switchyard_projections::{InMemoryProjectionStore, ProjectionStore};
use switchyard_x12::documents::{Document, InventoryAdvice as Read846, read_document};
use switchyard_x12::parse_interchange;

use edi::inventory_advice::{InventoryAdviser, LastAdvice, Outcome, document_id, last_advice_key};

fn at(t: &str) -> DateTime<Utc> {
    t.parse().unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::try_from(s).unwrap()
}

fn name(s: &str) -> ChannelName {
    ChannelName::try_from(s).unwrap()
}

fn level(s: &str, available: i64, unit: &str, whole: bool, as_of: &str) -> InventoryChanged {
    InventoryChanged {
        sku: sku(s),
        on_hand: Decimal::from(available + 3),
        available: Decimal::from(available),
        warehouses: vec![
            WarehouseLevel {
                warehouse: "WH".into(),
                on_hand: Decimal::from(available),
                available: Decimal::from(available - 1),
                as_of: at(as_of),
            },
            WarehouseLevel {
                warehouse: "DC2".into(),
                on_hand: Decimal::from(3),
                available: Decimal::ONE,
                as_of: at(as_of),
            },
        ],
        unit: unit.into(),
        whole_units: whole,
        as_of: at(as_of),
        erp_version: 7,
        observed_at: at(as_of) + Duration::seconds(2),
    }
}

fn x12(channel: &str, isa_id: &str, advice: Option<InventoryAdvice>) -> Channel {
    let mut c = Channel::new(name(channel), ChannelKind::X12, at("2026-11-01T00:00:00Z"));
    c.trading_partner = Some(TradingPartner::new("ZZ", isa_id));
    c.inventory_advice = advice;
    c
}

struct World {
    channels: Arc<InMemoryChannelDirectory>,
    edi: Arc<InMemoryEdiStore>,
    projections: Arc<InMemoryProjectionStore>,
    adviser: InventoryAdviser,
}

async fn world(channels: Vec<Channel>) -> World {
    let directory = Arc::new(InMemoryChannelDirectory::new());
    for c in &channels {
        directory.put(c).await.unwrap();
    }
    let projections = Arc::new(InMemoryProjectionStore::new());
    for l in [
        level("WIDGET-S", 500, "u", true, "2026-12-01T12:40:00Z"),
        level("BOLT-M8", 7, "u", true, "2026-12-01T12:55:10Z"),
        level("ROPE-1", 10, "m", false, "2026-12-01T09:00:00Z"),
    ] {
        project_stock(projections.as_ref(), &l).await.unwrap();
    }
    let edi = Arc::new(InMemoryEdiStore::new());
    World {
        adviser: InventoryAdviser::new(directory.clone(), edi.clone(), projections.clone()),
        channels: directory,
        edi,
        projections,
    }
}

fn hourly(skus: &[&str]) -> InventoryAdvice {
    InventoryAdvice::new(60, skus.iter().map(|s| sku(s)).collect()).unwrap()
}

/// The outbox document read back through `parse_interchange`, envelopes checked.
fn read_back(content: &str) -> (switchyard_x12::Interchange, Read846) {
    let ic = parse_interchange(content.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{ic:#?}\n{content}");
    let Document::InventoryAdvice(advice) =
        read_document(&ic.groups[0].transaction_sets[0]).unwrap()
    else {
        panic!("not an 846: {content}")
    };
    (ic, advice)
}

fn quantities(advice: &Read846) -> Vec<(String, Decimal, String)> {
    advice
        .items
        .iter()
        .map(|i| {
            let q = i.quantity("33").expect("QTY*33");
            (i.id("VN").unwrap().to_string(), q.quantity, q.unit.clone())
        })
        .collect()
}

#[tokio::test]
async fn a_subscribed_partner_gets_its_allocated_quantities_and_unknown_skus_are_left_out() {
    let mut acme = x12(
        "acme-edi",
        "ACMEBUYER",
        Some(hourly(&["BOLT-M8", "NEVER-SEEN", "WIDGET-S", "ROPE-1"])),
    );
    acme.allocation = Some(Allocation::new(Decimal::from(80), Decimal::ZERO, None).unwrap());
    let w = world(vec![acme]).await;
    let now = at("2026-12-01T13:00:42Z");
    let report = w.adviser.run(now).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(
        report.advised,
        vec![(
            name("acme-edi"),
            Outcome::Written {
                document: "846-20261201T1300Z".into(),
                lines: 3
            }
        )]
    );

    let docs = w.edi.documents(&name("acme-edi")).await.unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0].id.as_str(), docs[0].kind.as_str()),
        ("846-20261201T1300Z", "846")
    );
    let (ic, advice) = read_back(&docs[0].content);
    assert_eq!(ic.header.sender_id, "SWITCHYARD");
    assert_eq!(ic.header.receiver_id, "ACMEBUYER");
    assert_eq!(ic.header.control_number, "000000001");
    assert_eq!(ic.groups[0].functional_id, "IB");
    assert_eq!(
        (advice.purpose.as_str(), advice.report_type.as_str()),
        ("00", "MB")
    );
    assert_eq!(advice.reference, "202612011300");
    // 80 % of the total available, whole units rounded down; metres keep their fraction.
    assert_eq!(
        quantities(&advice),
        vec![
            ("BOLT-M8".into(), Decimal::from(5), "EA".into()),
            ("WIDGET-S".into(), Decimal::from(400), "EA".into()),
            ("ROPE-1".into(), Decimal::from(8), "MR".into()),
        ]
    );
    assert_eq!(advice.declared_line_count, Some(Decimal::from(3)));
    assert!(
        docs[0].content.contains("DTM*007*20261201*125510*UT~"),
        "as of the newest ERP change among the advised levels: {}",
        docs[0].content
    );

    let last = w
        .projections
        .get_many(&[last_advice_key(&name("acme-edi"))])
        .await
        .unwrap()
        .pop()
        .flatten()
        .expect("the period is recorded");
    let last: LastAdvice = serde_json::from_value(last.doc).unwrap();
    assert_eq!(last.period_start, at("2026-12-01T13:00:00Z"));
    assert_eq!(last.document.as_deref(), Some("846-20261201T1300Z"));
}

#[tokio::test]
async fn one_advice_per_period_and_the_next_period_gets_a_new_control_number() {
    let w = world(vec![x12(
        "acme-edi",
        "ACMEBUYER",
        Some(hourly(&["WIDGET-S"])),
    )])
    .await;
    let acme = name("acme-edi");
    w.adviser.run(at("2026-12-01T13:00:05Z")).await.unwrap();
    // Every minute for the rest of the hour, the schedule runs again: nothing more is written.
    for minute in 1..60 {
        let report = w
            .adviser
            .run(at("2026-12-01T13:00:05Z") + Duration::minutes(minute))
            .await
            .unwrap();
        assert!(
            report.advised.is_empty(),
            "minute {minute}: {:?}",
            report.advised
        );
    }
    assert_eq!(w.edi.documents(&acme).await.unwrap().len(), 1);

    // The stock moves; the next hour's advice says so, under a new id and control number.
    project_stock(
        w.projections.as_ref(),
        &InventoryChanged {
            erp_version: 8,
            ..level("WIDGET-S", 120, "u", true, "2026-12-01T13:30:00Z")
        },
    )
    .await
    .unwrap();
    let report = w.adviser.run(at("2026-12-01T14:00:30Z")).await.unwrap();
    assert_eq!(
        report.advised,
        vec![(
            acme.clone(),
            Outcome::Written {
                document: "846-20261201T1400Z".into(),
                lines: 1
            }
        )]
    );
    let docs = w.edi.documents(&acme).await.unwrap();
    assert_eq!(docs.len(), 2);
    let (first, _) = read_back(&docs[0].content);
    let (second, advice) = read_back(&docs[1].content);
    assert_eq!(first.header.control_number, "000000001");
    assert_eq!(second.header.control_number, "000000002");
    assert_eq!(second.groups[0].control_number, "2");
    assert_eq!(
        quantities(&advice),
        vec![("WIDGET-S".into(), Decimal::from(120), "EA".into())]
    );
}

#[tokio::test]
async fn a_run_that_finds_this_periods_document_written_adds_no_second_one() {
    let w = world(vec![x12(
        "acme-edi",
        "ACMEBUYER",
        Some(hourly(&["WIDGET-S"])),
    )])
    .await;
    let acme = name("acme-edi");
    let now = at("2026-12-01T13:00:05Z");
    w.adviser.run(now).await.unwrap();
    // As if the record of the period had been lost after the document was written (a crash
    // between the two writes): the next run finds the document and only records it.
    w.projections
        .put(
            &last_advice_key(&acme),
            switchyard_projections::Version::new(0),
            &serde_json::to_value(LastAdvice {
                period_start: at("2026-12-01T12:00:00Z"),
                document: None,
                lines: 0,
                written_at: now,
            })
            .unwrap(),
        )
        .await
        .unwrap();
    let report = w.adviser.run(now + Duration::minutes(1)).await.unwrap();
    assert_eq!(
        report.advised,
        vec![(acme.clone(), Outcome::AlreadyAdvised)]
    );
    assert_eq!(w.edi.documents(&acme).await.unwrap().len(), 1);
    assert_eq!(
        w.edi.next_control_number(&acme).await.unwrap(),
        2,
        "no control number was spent on a document that was not written"
    );
    assert_eq!(
        document_id(at("2026-12-01T13:00:00Z")),
        "846-20261201T1300Z"
    );
}

#[tokio::test]
async fn channels_without_a_subscription_of_other_kinds_or_with_no_known_sku_get_nothing() {
    let mut shop = Channel::new(name("demo-shop"), ChannelKind::Shopify, Utc::now());
    // A subscription on a non-X12 channel (not something the CLI stores) is still ignored.
    shop.inventory_advice = Some(hourly(&["WIDGET-S"]));
    let w = world(vec![
        x12("plain-edi", "PLAINBUYER", None),
        shop,
        x12(
            "ghost-edi",
            "GHOSTBUYER",
            Some(hourly(&["NOT-A-SKU", "NOR-THIS"])),
        ),
    ])
    .await;
    let now = at("2026-12-01T13:00:05Z");
    let report = w.adviser.run(now).await.unwrap();
    assert_eq!(
        report.advised,
        vec![(name("ghost-edi"), Outcome::NothingKnown)]
    );
    for c in ["plain-edi", "demo-shop", "ghost-edi"] {
        assert!(w.edi.documents(&name(c)).await.unwrap().is_empty(), "{c}");
    }
    // Nothing is recorded for an empty period: once the ERP reports a subscribed SKU (the
    // projections were still filling), the partner gets its 846 in the same period.
    project_stock(
        w.projections.as_ref(),
        &level("NOT-A-SKU", 12, "u", true, "2026-12-01T13:01:00Z"),
    )
    .await
    .unwrap();
    let again = w.adviser.run(now + Duration::minutes(5)).await.unwrap();
    assert!(
        matches!(&again.advised[..], [(c, Outcome::Written { .. })] if *c == name("ghost-edi")),
        "{:?}",
        again.advised
    );
    assert_eq!(w.edi.documents(&name("ghost-edi")).await.unwrap().len(), 1);
    assert_eq!(w.channels.list().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_partner_on_a_five_minute_schedule_is_advised_every_five_minutes() {
    let every_five = InventoryAdvice::new(5, vec![sku("WIDGET-S")]).unwrap();
    let w = world(vec![x12("fast-edi", "FASTBUYER", Some(every_five))]).await;
    let start = at("2026-12-01T13:00:00Z");
    for minute in 0..30 {
        w.adviser
            .run(start + Duration::minutes(minute) + Duration::seconds(17))
            .await
            .unwrap();
    }
    let ids: Vec<String> = w
        .edi
        .documents(&name("fast-edi"))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(
        ids,
        [
            "846-20261201T1300Z",
            "846-20261201T1305Z",
            "846-20261201T1310Z",
            "846-20261201T1315Z",
            "846-20261201T1320Z",
            "846-20261201T1325Z"
        ]
    );
}
