//! Property tests: nothing panics on hostile input, and everything written parses back.

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use rust_decimal::Decimal;
use switchyard_model::{ChannelName, Currency, OrderId};
use switchyard_x12::documents::Party;
use switchyard_x12::documents::{Document, ProductId, read_document};
use switchyard_x12::write::{
    AckType, AdviceLine, Carrier, ControlNumbers, InventoryAdvice, InvoiceLine, Lading, LineStatus,
    OutboundEnvelope, OutboundInvoice, OutboundShipNotice, PartnerId, PoAck, PoAckLine, SetResult,
    ShippedItem, functional_acknowledgment, inventory_advice, invoice,
    purchase_order_acknowledgment, ship_notice,
};
use switchyard_x12::{
    Delimiters, Interchange, OrderContext, Segment, TransactionSet, parse_interchange, to_order,
};

const FIXTURES: [&[u8]; 7] = [
    include_bytes!("fixtures/850_crlf_00401.x12"),
    include_bytes!("fixtures/850_two_groups_00501.x12"),
    include_bytes!("fixtures/850_lf_terminator.x12"),
    include_bytes!("fixtures/855_received.x12"),
    include_bytes!("fixtures/856_received.x12"),
    include_bytes!("fixtures/810_received.x12"),
    include_bytes!("fixtures/997_received.x12"),
];

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 2, 29)
        .unwrap()
        .and_hms_opt(23, 59, 0)
        .unwrap()
}

fn context() -> OrderContext {
    OrderContext::new(
        OrderId::generate(),
        ChannelName::try_from("edi-partner").unwrap(),
        Currency::from_code("USD").unwrap(),
    )
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
    ]
}

fn mutate(mut raw: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = raw.len().max(1);
        match *m {
            Mutation::Flip(i, b) if !raw.is_empty() => raw[i % len] ^= b | 1,
            Mutation::Insert(i, b) => raw.insert(i % (raw.len() + 1), b),
            Mutation::Delete(i) if !raw.is_empty() => {
                raw.remove(i % len);
            }
            _ => {}
        }
    }
    raw
}

/// Reads every set and maps every 850, and answers with a 997 that must parse back cleanly.
fn exercise(ic: &Interchange) -> Result<(), TestCaseError> {
    for set in ic.groups.iter().flat_map(|g| &g.transaction_sets) {
        if let Ok(Document::PurchaseOrder(po)) = read_document(set) {
            let _ = to_order(&po, &context());
        }
    }
    let ours = PartnerId::new("ZZ", "SWITCHYARD");
    let control = ControlNumbers {
        interchange: 7,
        group: 7,
    };
    // Acknowledgment groups are never acknowledged, so only the others get a 997 group.
    let acknowledged = ic.groups.iter().filter(|g| !g.is_acknowledgment()).count();
    let written = functional_acknowledgment(ic, &ours, control, now(), &SetResult::from_parser(ic));
    let Some(text) = written else {
        prop_assert_eq!(acknowledged, 0, "no 997 although groups need one");
        return Ok(());
    };
    let back = parse_interchange(text.as_bytes());
    prop_assert!(back.is_ok(), "{back:?}\n{text:?}");
    let back = back.unwrap();
    prop_assert!(back.is_clean(), "{back:#?}\n{text:?}");
    prop_assert_eq!(back.groups.len(), acknowledged);
    Ok(())
}

fn element_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z0-9 .-]{0,6}",
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?",
        "(19|20|99)[0-9]{2}(0[0-9]|1[0-3])[0-3][0-9]",
        Just(String::new()),
        any::<String>(),
    ]
}

fn segment() -> impl Strategy<Value = Segment> {
    let ids = prop::sample::select(vec![
        "BEG", "REF", "DTM", "CUR", "N1", "N3", "N4", "PO1", "PID", "CTT", "BAK", "ACK", "BSN",
        "HL", "LIN", "BIG", "IT1", "TDS", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9", "ZZZ",
    ]);
    (
        ids,
        prop::collection::vec(prop::collection::vec(element_text(), 1..3), 0..12),
    )
        .prop_map(|(id, elements)| {
            let elements: Vec<Vec<&str>> = elements
                .iter()
                .map(|c| c.iter().map(String::as_str).collect())
                .collect();
            Segment::composite(id, &elements)
        })
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..8).prop_map(|(n, scale)| Decimal::new(n, scale))
}

fn ack_line() -> impl Strategy<Value = PoAckLine> {
    (
        any::<String>(),
        decimal(),
        any::<String>(),
        prop::option::of(decimal()),
        prop::collection::vec((any::<String>(), any::<String>()), 0..4),
        prop::sample::select(vec![
            LineStatus::Accepted,
            LineStatus::Rejected,
            LineStatus::Backordered,
            LineStatus::AcceptedWithChanges,
        ]),
        prop::option::of(decimal()),
    )
        .prop_map(
            |(line_number, quantity, uom, unit_price, ids, status, ack_quantity)| PoAckLine {
                line_number,
                quantity,
                uom,
                unit_price,
                product_ids: ids
                    .into_iter()
                    .map(|(qualifier, value)| ProductId { qualifier, value })
                    .collect(),
                status,
                ack_quantity,
                scheduled_ship: NaiveDate::from_ymd_opt(2024, 3, 1),
            },
        )
}

fn delimiters() -> impl Strategy<Value = Delimiters> {
    prop::sample::select(vec![
        Delimiters::default_outbound(),
        Delimiters {
            element: b'|',
            component: b'^',
            segment: b'\n',
            repetition: Some(b'{'),
        },
        Delimiters {
            element: 0x1D,
            component: 0x1F,
            segment: 0x1C,
            repetition: None,
        },
    ])
}

proptest! {
    #[test]
    fn parsing_arbitrary_bytes_never_panics(raw in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(ic) = parse_interchange(&raw) {
            exercise(&ic)?;
        }
    }

    #[test]
    fn parsing_junk_after_a_valid_isa_never_panics(
        fixture in 0..FIXTURES.len(),
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut raw = FIXTURES[fixture][..106].to_vec();
        raw.extend(tail);
        raw.extend_from_slice(b"~IEA*1*000000101~");
        if let Ok(ic) = parse_interchange(&raw) {
            exercise(&ic)?;
        }
    }

    #[test]
    fn mutated_interchanges_never_panic_and_are_answered_cleanly(
        fixture in 0..FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let raw = mutate(FIXTURES[fixture].to_vec(), &mutations);
        if let Ok(ic) = parse_interchange(&raw) {
            exercise(&ic)?;
        }
    }

    #[test]
    fn readers_never_panic_on_arbitrary_sets(
        segments in prop::collection::vec(segment(), 0..30),
    ) {
        for id in ["850", "855", "856", "810", "846", "997", "999", "998"] {
            let set = TransactionSet {
                id: id.to_string(),
                control_number: "0001".into(),
                version: "004010".into(),
                segments: segments.clone(),
                errors: Vec::new(),
            };
            match read_document(&set) {
                Ok(Document::PurchaseOrder(po)) => { let _ = to_order(&po, &context()); }
                Ok(Document::Other { set_id }) => prop_assert_eq!(set_id, "998"),
                Ok(_) => {}
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }

    #[test]
    fn written_855s_always_reparse(
        lines in prop::collection::vec(ack_line(), 0..6),
        po_number in "[A-Z0-9-]{1,22}",
        ours in (any::<String>(), any::<String>()),
        partner in (any::<String>(), any::<String>()),
        control in (any::<u32>(), any::<u32>()),
        version in prop::sample::select(vec!["00401", "00501"]),
        d in delimiters(),
    ) {
        let mut envelope = OutboundEnvelope::new(
            PartnerId::new(&ours.0, &ours.1),
            PartnerId::new(&partner.0, &partner.1),
            ControlNumbers { interchange: control.0, group: control.1 },
            now(),
        );
        envelope.interchange_version = version.to_string();
        envelope.delimiters = d;
        let ack = PoAck {
            po_number: po_number.clone(),
            po_date: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
            ack_type: AckType::from_lines(&lines),
            seller_order_number: Some("SO*1~".into()),
            lines: lines.clone(),
        };
        let text = purchase_order_acknowledgment(&envelope, &ack);
        let ic = parse_interchange(text.as_bytes());
        prop_assert!(ic.is_ok(), "{ic:?}\n{text:?}");
        let ic = ic.unwrap();
        prop_assert!(ic.is_clean(), "{ic:#?}\n{text:?}");
        let set = &ic.groups[0].transaction_sets[0];
        match read_document(set) {
            Ok(Document::PurchaseOrderAck(back)) => {
                prop_assert_eq!(back.po_number, po_number);
                prop_assert_eq!(back.lines.len(), lines.len());
                for (read, sent) in back.lines.iter().zip(&lines) {
                    prop_assert_eq!(read.item.quantity, sent.quantity.normalize());
                }
            }
            other => prop_assert!(false, "{other:?}\n{text:?}"),
        }
    }

    #[test]
    fn written_846s_always_reparse_with_every_item_and_quantity(
        lines in prop::collection::vec(advice_line(), 0..8),
        reference in any::<String>(),
        ours in (any::<String>(), any::<String>()),
        partner in (any::<String>(), any::<String>()),
        control in (any::<u32>(), any::<u32>()),
        version in prop::sample::select(vec!["00401", "00501"]),
        d in delimiters(),
    ) {
        let mut envelope = OutboundEnvelope::new(
            PartnerId::new(&ours.0, &ours.1),
            PartnerId::new(&partner.0, &partner.1),
            ControlNumbers { interchange: control.0, group: control.1 },
            now(),
        );
        envelope.interchange_version = version.to_string();
        envelope.delimiters = d;
        let advice = InventoryAdvice {
            // BIA03 is mandatory; an empty reference is the caller's bug, not a property here.
            reference: format!("R{reference}"),
            report_type: "MB".into(),
            quantity_qualifier: "33".into(),
            as_of: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            lines: lines.clone(),
        };
        let text = inventory_advice(&envelope, &advice);
        let ic = parse_interchange(text.as_bytes());
        prop_assert!(ic.is_ok(), "{ic:?}\n{text:?}");
        let ic = ic.unwrap();
        prop_assert!(ic.is_clean(), "{ic:#?}\n{text:?}");
        match read_document(&ic.groups[0].transaction_sets[0]) {
            Ok(Document::InventoryAdvice(back)) => {
                prop_assert_eq!(back.items.len(), lines.len());
                prop_assert_eq!(back.declared_line_count, Some(Decimal::from(lines.len())));
                for (read, sent) in back.items.iter().zip(&lines) {
                    let q = read.quantity("33");
                    prop_assert!(q.is_some(), "{read:?}");
                    prop_assert_eq!(q.unwrap().quantity, sent.quantity.normalize());
                    prop_assert!(read.id("VN").is_some());
                }
            }
            other => prop_assert!(false, "{other:?}\n{text:?}"),
        }
    }
}

fn advice_line() -> impl Strategy<Value = AdviceLine> {
    (
        "[A-Za-z0-9*~>^ -]{1,20}",
        prop::option::of("[A-Z0-9-]{1,12}"),
        0i64..10_000_000,
        0u32..4,
        prop::sample::select(vec!["EA", "KG", "LB"]),
    )
        .prop_map(|(sku, buyer, units, scale, unit)| AdviceLine {
            // A SKU is never blank (the model refuses one), so give it a letter to keep.
            vendor_item: format!("S{sku}"),
            buyer_item: buyer,
            quantity: Decimal::new(units, scale),
            unit: unit.to_string(),
        })
}

fn envelope_from(
    ours: (String, String),
    partner: (String, String),
    control: (u32, u32),
    version: &str,
    d: Delimiters,
) -> OutboundEnvelope {
    let mut envelope = OutboundEnvelope::new(
        PartnerId::new(&ours.0, &ours.1),
        PartnerId::new(&partner.0, &partner.1),
        ControlNumbers {
            interchange: control.0,
            group: control.1,
        },
        now(),
    );
    envelope.interchange_version = version.to_string();
    envelope.delimiters = d;
    envelope
}

fn product_ids() -> impl Strategy<Value = Vec<ProductId>> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["VN", "VP", "BP", "UP", "IN"]),
            "[A-Za-z0-9*~>^ -]{1,14}",
        ),
        0..4,
    )
    .prop_map(|ids| {
        ids.into_iter()
            .map(|(q, v)| ProductId {
                qualifier: q.to_string(),
                // Values are never blank once written (the 850 reader drops blank ones).
                value: format!("X{v}"),
            })
            .collect()
    })
}

fn quantity() -> impl Strategy<Value = Decimal> {
    (1i64..10_000_000, 0u32..4).prop_map(|(n, scale)| Decimal::new(n, scale))
}

fn party_strategy() -> impl Strategy<Value = Party> {
    (
        prop::sample::select(vec!["ST", "SF", "BT", "RE"]),
        any::<String>(),
        prop::option::of("[A-Z0-9]{1,10}"),
        prop::collection::vec(any::<String>(), 0..3),
        any::<String>(),
    )
        .prop_map(|(entity, name, id, lines, city)| Party {
            entity: entity.to_string(),
            name,
            id_qualifier: if id.is_some() {
                "92".into()
            } else {
                String::new()
            },
            id: id.unwrap_or_default(),
            address_lines: lines,
            city,
            state: "OH".into(),
            postal_code: "44139".into(),
            country: String::new(),
        })
}

fn shipped_item() -> impl Strategy<Value = ShippedItem> {
    (
        "[0-9]{1,3}",
        product_ids(),
        quantity(),
        prop::sample::select(vec!["EA", "CA", "KG", ""]),
    )
        .prop_map(|(line_number, product_ids, quantity, unit)| ShippedItem {
            line_number,
            product_ids,
            quantity,
            unit: unit.to_string(),
        })
}

fn invoice_line() -> impl Strategy<Value = InvoiceLine> {
    (
        prop::option::of("[0-9]{1,3}"),
        product_ids(),
        quantity(),
        (0i64..100_000_000, 0u32..5),
        prop::option::of(any::<String>()),
    )
        .prop_map(
            |(line, product_ids, quantity, (price, scale), description)| InvoiceLine {
                line_number: line.unwrap_or_default(),
                quantity,
                unit: "EA".into(),
                unit_price: Decimal::new(price, scale),
                product_ids,
                description,
            },
        )
}

proptest! {
    #[test]
    fn written_856s_always_reparse_with_every_level_and_quantity(
        items in prop::collection::vec(shipped_item(), 0..8),
        shipment_id in "[A-Z0-9]{2,12}",
        po_number in "[A-Z0-9-]{1,22}",
        carrier in (prop::option::of("[A-Z]{4}"), prop::option::of(any::<String>()), prop::option::of(any::<String>())),
        lading in (prop::option::of(0u32..500), prop::option::of(quantity())),
        tracking in prop::collection::vec(any::<String>(), 0..3),
        parties in prop::collection::vec(party_strategy(), 0..3),
        ours in (any::<String>(), any::<String>()),
        partner in (any::<String>(), any::<String>()),
        control in (any::<u32>(), any::<u32>()),
        version in prop::sample::select(vec!["00401", "00501"]),
        d in delimiters(),
    ) {
        let envelope = envelope_from(ours, partner, control, version, d);
        let notice = OutboundShipNotice {
            shipment_id: shipment_id.clone(),
            shipped_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            lading: Lading {
                packages: lading.0,
                gross_weight: lading.1.map(|w| (w, "LB".to_string())),
            },
            carrier: Carrier { scac: carrier.0, name: carrier.1, service: carrier.2 },
            tracking_numbers: tracking,
            parties,
            po_number: po_number.clone(),
            po_date: NaiveDate::from_ymd_opt(2024, 2, 29),
            seller_order_number: Some("SO*1~".into()),
            items: items.clone(),
        };
        let text = ship_notice(&envelope, &notice);
        let ic = parse_interchange(text.as_bytes());
        prop_assert!(ic.is_ok(), "{ic:?}\n{text:?}");
        let ic = ic.unwrap();
        prop_assert!(ic.is_clean(), "{ic:#?}\n{text:?}");
        prop_assert_eq!(ic.groups[0].functional_id.as_str(), "SH");
        match read_document(&ic.groups[0].transaction_sets[0]) {
            Ok(Document::ShipNotice(back)) => {
                prop_assert_eq!(&back.shipment_id, &shipment_id);
                prop_assert_eq!(back.levels.len(), items.len() + 2);
                prop_assert_eq!(back.declared_level_count, Some(Decimal::from(items.len() + 2)));
                let order = back.children(0);
                prop_assert_eq!(order.len(), 1);
                prop_assert_eq!(order[0].purchase_order.as_ref().map(|p| p.0.as_str()), Some(po_number.as_str()));
                let read_items = back.children(1);
                prop_assert_eq!(read_items.len(), items.len());
                for (read, sent) in read_items.iter().zip(&items) {
                    prop_assert_eq!(read.level_code.as_str(), "I");
                    let shipped = read.shipped.as_ref();
                    prop_assert!(shipped.is_some(), "{read:?}");
                    prop_assert_eq!(shipped.unwrap().quantity, sent.quantity.normalize());
                    prop_assert_eq!(read.product_ids.len(), sent.product_ids.len());
                }
            }
            other => prop_assert!(false, "{other:?}\n{text:?}"),
        }
    }

    #[test]
    fn written_810s_always_reparse_with_every_line_and_the_total_in_cents(
        lines in prop::collection::vec(invoice_line(), 0..8),
        number in "[A-Z0-9-]{1,22}",
        po_number in "[A-Z0-9-]{1,22}",
        total in (any::<i64>(), 0u32..4),
        tax in (-1_000_000i64..1_000_000, 0u32..3),
        due_in in prop::option::of(-5i64..2000),
        credit in any::<bool>(),
        parties in prop::collection::vec(party_strategy(), 0..3),
        ours in (any::<String>(), any::<String>()),
        partner in (any::<String>(), any::<String>()),
        control in (any::<u32>(), any::<u32>()),
        version in prop::sample::select(vec!["00401", "00501"]),
        d in delimiters(),
    ) {
        let envelope = envelope_from(ours, partner, control, version, d);
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let total = Decimal::new(total.0 / 1000, total.1);
        let sent = OutboundInvoice {
            number: number.clone(),
            date,
            po_number: po_number.clone(),
            po_date: NaiveDate::from_ymd_opt(2024, 2, 1),
            credit,
            currency: "USD".into(),
            seller_order_number: Some("SO0042".into()),
            parties,
            due_date: due_in.map(|d| date + chrono::Duration::days(d)),
            lines: lines.clone(),
            tax_amount: Decimal::new(tax.0, tax.1),
            total,
        };
        let text = invoice(&envelope, &sent);
        let ic = parse_interchange(text.as_bytes());
        prop_assert!(ic.is_ok(), "{ic:?}\n{text:?}");
        let ic = ic.unwrap();
        prop_assert!(ic.is_clean(), "{ic:#?}\n{text:?}");
        prop_assert_eq!(ic.groups[0].functional_id.as_str(), "IN");
        match read_document(&ic.groups[0].transaction_sets[0]) {
            Ok(Document::Invoice(back)) => {
                prop_assert_eq!(&back.number, &number);
                prop_assert_eq!(&back.po_number, &po_number);
                prop_assert_eq!(back.lines.len(), lines.len());
                prop_assert_eq!(back.declared_line_count, Some(Decimal::from(lines.len())));
                prop_assert_eq!(back.total, Some(total.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)));
                prop_assert_eq!(back.net_due_date, sent.due_date);
                prop_assert_eq!(back.transaction_type.as_str(), if credit { "CR" } else { "" });
                for (read, line) in back.lines.iter().zip(&lines) {
                    prop_assert_eq!(read.quantity, line.quantity.normalize());
                    prop_assert_eq!(read.unit_price, Some(line.unit_price.normalize()));
                }
            }
            other => prop_assert!(false, "{other:?}\n{text:?}"),
        }
    }
}
