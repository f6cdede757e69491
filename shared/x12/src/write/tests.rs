use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::*;
use crate::documents::{Document, ProductId, read_document};
use crate::error::{SetError, set_codes};
use crate::interchange::Interchange;
use crate::parse::parse_interchange;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, 5)
        .unwrap()
        .and_hms_opt(14, 7, 0)
        .unwrap()
}

fn ours() -> PartnerId {
    PartnerId::new("ZZ", "SWITCHYARD")
}

fn control() -> ControlNumbers {
    ControlNumbers {
        interchange: 42,
        group: 900,
    }
}

fn parsed(raw: &[u8]) -> Interchange {
    parse_interchange(raw).unwrap()
}

/// Parses what was written and insists it is clean.
fn reparse(text: &str) -> Interchange {
    let ic = parse_interchange(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(ic.is_clean(), "{ic:#?}\n{text}");
    ic
}

fn ack_of(ic: &Interchange, group: usize) -> crate::documents::FunctionalAck {
    match read_document(&ic.groups[group].transaction_sets[0]).unwrap() {
        Document::FunctionalAck(ack) => ack,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_997_for_a_clean_850_accepts_it_and_mirrors_the_envelope() {
    let received = parsed(include_bytes!("../../tests/fixtures/850_crlf_00401.x12"));
    let text = functional_acknowledgment(
        &received,
        &ours(),
        control(),
        now(),
        &SetResult::from_parser(&received),
    )
    .expect("an 850 is acknowledged");
    assert!(text.starts_with(
        "ISA*00*          *00*          *ZZ*SWITCHYARD     *ZZ*ACMEBUYER      *240105*1407*U*00401*000000042*0*P*>~"
    ), "{text}");
    assert!(text.contains("GS*FA*SWITCHYARD*ACMEBUYER*20240105*1407*900*X*004010~"));
    assert!(
        text.contains("AK1*PO*2001~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~"),
        "{text}"
    );
    let ic = reparse(&text);
    assert_eq!(ic.header.sender_id, "SWITCHYARD");
    assert_eq!(ic.header.receiver_id, "ACMEBUYER");
    assert_eq!(ic.groups[0].functional_id, "FA");
}

#[test]
fn a_997_reports_envelope_errors_and_business_rejections() {
    let raw =
        String::from_utf8(include_bytes!("../../tests/fixtures/850_two_groups_00501.x12").to_vec())
            .unwrap()
            .replace("SE*9*1001", "SE*8*1001")
            .replace("GE*1*12", "GE*1*13");
    let received = parsed(raw.as_bytes());
    let mut results = SetResult::from_parser(&received);
    // The caller refuses set 1002 for a business reason, with an AK3/AK4 location.
    let set = &received.groups[0].transaction_sets[1];
    let read_errors = match crate::documents::PurchaseOrder::read(set) {
        Ok(_) => vec![SetError::new(
            set_codes::SEGMENTS_IN_ERROR,
            "unknown SKU qualifier",
        )],
        Err(e) => e,
    };
    for e in read_errors {
        results[1].reject(e);
    }
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &results).unwrap();
    let ic = reparse(&text);
    assert_eq!(ic.delimiters.repetition, Some(b'^'));
    assert_eq!(ic.delimiters.component, b':');
    assert_eq!(ic.groups.len(), 2, "one 997 group per received group");
    assert_eq!(ic.groups[1].control_number, "901");
    let first = ack_of(&ic, 0);
    assert_eq!(first.group_control_number, "11");
    let statuses: Vec<(&str, &str, Vec<String>)> = first
        .sets
        .iter()
        .map(|s| {
            (
                s.control_number.as_str(),
                s.status.as_str(),
                s.codes.clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("1001", "R", vec!["4".into()]),
            ("1002", "R", vec!["5".into()])
        ]
    );
    assert_eq!(first.group_status, "R");
    assert_eq!(first.counts, ("2".into(), "2".into(), "0".into()));
    let second = ack_of(&ic, 1);
    assert_eq!(
        second.sets[0].status, "R",
        "a set in a refused group is refused with it: the partner resends the group whole"
    );
    assert_eq!(second.group_status, "R", "GE02 mismatch rejects the group");
    assert_eq!(second.group_codes, vec!["4".to_string()]);
    assert!(
        text.contains("AK1*PO*12*005010~"),
        "AK103 from 00501 on: {text}"
    );
}

#[test]
fn a_997_carries_ak3_and_ak4_for_located_errors() {
    let raw = String::from_utf8(include_bytes!("../../tests/fixtures/850_crlf_00401.x12").to_vec())
        .unwrap()
        .replace("PO1*2*3*CA", "PO1*2*three*CA");
    let received = parsed(raw.as_bytes());
    let mut results = SetResult::from_parser(&received);
    for e in
        crate::documents::PurchaseOrder::read(&received.groups[0].transaction_sets[0]).unwrap_err()
    {
        results[0].reject(e);
    }
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &results).unwrap();
    assert!(
        text.contains("AK3*PO1*16**8~AK4*2**6*three~AK5*R*5~AK9*R*1*1*0~"),
        "{text}"
    );
    let ack = ack_of(&reparse(&text), 0);
    assert_eq!(ack.sets[0].notes[0].elements[0].2, "three");
}

#[test]
fn accepted_with_errors_and_partial_acceptance() {
    let received = parsed(include_bytes!(
        "../../tests/fixtures/850_two_groups_00501.x12"
    ));
    let mut results = SetResult::from_parser(&received);
    results[0].status = SetStatus::AcceptedWithErrors;
    results[0].errors.push(SetError::new(
        set_codes::SEGMENTS_IN_ERROR,
        "price differs from contract",
    ));
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &results).unwrap();
    let ack = ack_of(&reparse(&text), 0);
    assert_eq!(
        (ack.sets[0].status.as_str(), ack.group_status.as_str()),
        ("E", "E")
    );
    results[1].reject(SetError::new(set_codes::NOT_SUPPORTED, "no"));
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &results).unwrap();
    let ack = ack_of(&reparse(&text), 0);
    assert_eq!(ack.sets[1].codes, vec!["1".to_string()]);
    assert_eq!(ack.group_status, "P");
    assert_eq!(ack.counts.2, "1");
}

#[test]
fn a_997_answers_a_line_feed_terminated_interchange_in_kind() {
    let received = parsed(include_bytes!("../../tests/fixtures/850_lf_terminator.x12"));
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &[]).unwrap();
    assert_eq!(text.matches('\n').count(), 10, "one per segment: {text}");
    let ic = reparse(&text);
    assert_eq!(ic.header.receiver_id, "GAMMA");
    assert_eq!(ack_of(&ic, 0).sets[0].status, "A");
}

fn po_ack() -> PoAck {
    let lines = vec![
        PoAckLine {
            line_number: "1".into(),
            quantity: Decimal::from(10),
            uom: "EA".into(),
            unit_price: Some("9.250".parse().unwrap()),
            product_ids: vec![ProductId {
                qualifier: "VN".into(),
                value: "WIDGET-S".into(),
            }],
            status: LineStatus::Accepted,
            ack_quantity: None,
            scheduled_ship: NaiveDate::from_ymd_opt(2024, 1, 12),
        },
        PoAckLine {
            line_number: "2".into(),
            quantity: "2.5".parse().unwrap(),
            uom: "KG".into(),
            unit_price: None,
            product_ids: vec![ProductId {
                qualifier: "VP".into(),
                value: "BOLT*M8~X".into(),
            }],
            status: LineStatus::Rejected,
            ack_quantity: Some(Decimal::ZERO),
            scheduled_ship: None,
        },
    ];
    PoAck {
        po_number: "PO-4471".into(),
        po_date: NaiveDate::from_ymd_opt(2024, 1, 5).unwrap(),
        ack_type: AckType::from_lines(&lines),
        seller_order_number: Some("SO-1002".into()),
        lines,
    }
}

#[test]
fn an_855_echoes_the_lines_and_reads_back() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("ZZ", "ACMEBUYER"), control(), now());
    let text = purchase_order_acknowledgment(&envelope, &po_ack());
    assert!(
        text.contains("ST*855*0001~BAK*00*AC*PO-4471*20240105****SO-1002~"),
        "{text}"
    );
    assert!(text.contains("PO1*1*10*EA*9.25**VN*WIDGET-S~ACK*IA*10*EA*068*20240112~"));
    assert!(
        text.contains("PO1*2*2.5*KG***VP*BOLT M8 X~ACK*IR*0*KG~CTT*2*12.5~"),
        "{text}"
    );
    let ic = reparse(&text);
    assert_eq!(ic.groups[0].functional_id, "PR");
    assert_eq!(ic.header.usage_indicator, "P");
    let Document::PurchaseOrderAck(ack) = read_document(&ic.groups[0].transaction_sets[0]).unwrap()
    else {
        panic!("not an 855")
    };
    assert_eq!(ack.po_number, "PO-4471");
    assert_eq!(ack.seller_order_number, "SO-1002");
    assert_eq!(ack.lines[1].acks[0].status, "IR");
    assert_eq!(
        ack.lines[0].acks[0].date,
        NaiveDate::from_ymd_opt(2024, 1, 12)
    );
}

#[test]
fn an_855_in_5010_gets_a_repetition_separator() {
    let mut envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("01", "123456789"), control(), now());
    envelope.interchange_version = "00501".into();
    envelope.group_version = "005010".into();
    envelope.test = true;
    let text = purchase_order_acknowledgment(&envelope, &po_ack());
    assert!(text.contains("*^*00501*000000042*0*T*>~"), "{text}");
    let ic = reparse(&text);
    assert_eq!(ic.header.receiver_qualifier, "01");
}

#[test]
fn ack_types_follow_the_lines() {
    let mut ack = po_ack();
    assert_eq!(ack.ack_type, AckType::AcceptedWithChanges);
    ack.lines[1].status = LineStatus::Accepted;
    ack.lines[1].ack_quantity = None;
    assert_eq!(AckType::from_lines(&ack.lines), AckType::AcceptedNoChange);
    ack.lines[1].ack_quantity = Some(Decimal::ONE);
    assert_eq!(
        AckType::from_lines(&ack.lines),
        AckType::AcceptedWithChanges
    );
    ack.lines
        .iter_mut()
        .for_each(|l| l.status = LineStatus::Rejected);
    assert_eq!(AckType::from_lines(&ack.lines), AckType::RejectedWithDetail);
    assert_eq!(AckType::RejectedWithDetail.code(), "RD");
}

fn advice() -> InventoryAdvice {
    InventoryAdvice {
        reference: "202401051400".into(),
        report_type: inventory_advice::DEFAULT_REPORT_TYPE.into(),
        quantity_qualifier: inventory_advice::QUANTITY_AVAILABLE_FOR_SALE.into(),
        as_of: "2024-01-05T13:59:30Z".parse().unwrap(),
        lines: vec![
            AdviceLine {
                vendor_item: "WIDGET-S".into(),
                buyer_item: None,
                quantity: Decimal::from(400),
                unit: "EA".into(),
            },
            AdviceLine {
                vendor_item: "BOLT*M8~X".into(),
                buyer_item: Some("ACME-77".into()),
                quantity: "12.500".parse().unwrap(),
                unit: "KG".into(),
            },
        ],
    }
}

#[test]
fn an_846_advises_each_item_and_reads_back_with_its_envelopes_checked() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("ZZ", "ACMEBUYER"), control(), now());
    let text = inventory_advice(&envelope, &advice());
    assert!(text.contains("GS*IB*SWITCHYARD*ACMEBUYER*20240105*1407*900*X*004010~"));
    assert!(
        text.contains(
            "ST*846*0001~BIA*00*MB*202401051400*20240105*140700~DTM*007*20240105*135930*UT~"
        ),
        "{text}"
    );
    assert!(text.contains("LIN*1*VN*WIDGET-S~QTY*33*400*EA~"), "{text}");
    assert!(
        text.contains("LIN*2*VN*BOLT M8 X*BP*ACME-77~QTY*33*12.5*KG~CTT*2*412.5~SE*9*0001~"),
        "{text}"
    );
    assert!(text.ends_with("GE*1*900~IEA*1*000000042~"), "{text}");
    let ic = reparse(&text);
    assert_eq!(ic.groups[0].functional_id, "IB");
    assert_eq!(ic.groups[0].declared_set_count, Some(1));
    assert_eq!(ic.header.control_number, "000000042");
    let Document::InventoryAdvice(back) = read_document(&ic.groups[0].transaction_sets[0]).unwrap()
    else {
        panic!("not an 846")
    };
    assert_eq!(
        (back.purpose.as_str(), back.report_type.as_str()),
        ("00", "MB")
    );
    assert_eq!(back.date, NaiveDate::from_ymd_opt(2024, 1, 5));
    assert_eq!(back.declared_line_count, Some(Decimal::from(2)));
    assert_eq!(back.items.len(), 2);
    assert_eq!(back.items[1].id("BP"), Some("ACME-77"));
    let q = back.items[0].quantity("33").unwrap();
    assert_eq!((q.quantity, q.unit.as_str()), (Decimal::from(400), "EA"));
}

#[test]
fn an_846_with_no_items_is_still_a_well_formed_interchange() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("01", "123456789"), control(), now());
    let mut empty = advice();
    empty.lines.clear();
    let text = inventory_advice(&envelope, &empty);
    assert!(text.contains("CTT*0*0~SE*5*0001~"), "{text}");
    reparse(&text);
}

fn acme_parties() -> Vec<crate::documents::Party> {
    vec![crate::documents::Party {
        entity: "ST".into(),
        name: "Acme DC 4".into(),
        id_qualifier: "92".into(),
        id: "DC4".into(),
        address_lines: vec![
            "4400 Commerce Pkwy".into(),
            "Dock 7".into(),
            "Gate*B".into(),
        ],
        city: "Solon".into(),
        state: "OH".into(),
        postal_code: "44139".into(),
        country: "US".into(),
    }]
}

fn shipment() -> OutboundShipNotice {
    OutboundShipNotice {
        shipment_id: "CS7".into(),
        shipped_at: "2024-01-10T14:15:30Z".parse().unwrap(),
        lading: Lading {
            packages: Some(2),
            gross_weight: Some(("12.50".parse().unwrap(), "LB".into())),
        },
        carrier: Carrier {
            scac: Some("UPSN".into()),
            name: Some("UPS".into()),
            service: Some("Ground".into()),
        },
        tracking_numbers: vec!["1Z999AA10123456784".into(), "1Z999AA10123456785".into()],
        parties: acme_parties(),
        po_number: "PO-4471".into(),
        po_date: NaiveDate::from_ymd_opt(2024, 1, 5),
        seller_order_number: Some("SO0042".into()),
        items: vec![
            ShippedItem {
                line_number: "1".into(),
                product_ids: vec![
                    ProductId {
                        qualifier: "VN".into(),
                        value: "WIDGET-S".into(),
                    },
                    ProductId {
                        qualifier: "UP".into(),
                        value: "012345678905".into(),
                    },
                ],
                quantity: Decimal::from(10),
                unit: "EA".into(),
            },
            ShippedItem {
                line_number: "2".into(),
                product_ids: vec![
                    ProductId {
                        qualifier: "BP".into(),
                        value: "BX-77".into(),
                    },
                    ProductId {
                        qualifier: "VP".into(),
                        value: "GADGET-L".into(),
                    },
                ],
                quantity: "1.50".parse().unwrap(),
                unit: "CA".into(),
            },
        ],
    }
}

fn ship_notice_of(text: &str) -> (Interchange, crate::documents::ShipNotice) {
    let ic = reparse(text);
    let Document::ShipNotice(notice) = read_document(&ic.groups[0].transaction_sets[0])
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"))
    else {
        panic!("not an 856")
    };
    (ic, notice)
}

#[test]
fn an_856_carries_shipment_order_and_items_and_reads_back() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("ZZ", "ACMEBUYER"), control(), now());
    let text = ship_notice(&envelope, &shipment());
    assert!(text.contains("GS*SH*SWITCHYARD*ACMEBUYER*20240105*1407*900*X*004010~"));
    assert!(
        text.contains(
            "ST*856*0001~BSN*00*CS7*20240105*140700~HL*1**S*1~TD1*CTN25*2****G*12.5*LB~\
             TD5*B*2*UPSN**Ground~REF*BM*CS7~REF*CN*1Z999AA10123456784~REF*CN*1Z999AA10123456785~\
             DTM*011*20240110*141530*UT~N1*ST*Acme DC 4*92*DC4~N3*4400 Commerce Pkwy*Dock 7~\
             N3*Gate B~N4*Solon*OH*44139*US~"
        ),
        "{text}"
    );
    assert!(
        text.contains("HL*2*1*O*1~PRF*PO-4471***20240105~REF*VN*SO0042~"),
        "{text}"
    );
    assert!(
        text.contains(
            "HL*3*2*I*0~LIN*1*VN*WIDGET-S*UP*012345678905~SN1*1*10*EA~\
             HL*4*2*I*0~LIN*2*BP*BX-77*VP*GADGET-L~SN1*2*1.5*CA~CTT*4*11.5~SE*24*0001~"
        ),
        "{text}"
    );
    let (ic, notice) = ship_notice_of(&text);
    assert_eq!(ic.groups[0].functional_id, "SH");
    assert_eq!(ic.groups[0].declared_set_count, Some(1));
    assert_eq!(notice.shipment_id, "CS7");
    assert_eq!(notice.date, NaiveDate::from_ymd_opt(2024, 1, 5));
    assert_eq!(notice.declared_level_count, Some(Decimal::from(4)));
    assert_eq!(notice.roots(), vec![0]);
    let shipment_level = &notice.levels[0];
    assert_eq!(shipment_level.references("BM"), vec!["CS7"]);
    assert_eq!(shipment_level.references("CN").len(), 2);
    let orders = notice.children(0);
    assert_eq!(orders.len(), 1);
    assert_eq!(
        orders[0].purchase_order,
        Some(("PO-4471".into(), NaiveDate::from_ymd_opt(2024, 1, 5)))
    );
    let items = notice.children(1);
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].product_id("VP"), Some("GADGET-L"));
    let shipped = items[1].shipped.as_ref().unwrap();
    assert_eq!(
        (
            shipped.line.as_str(),
            shipped.quantity,
            shipped.unit.as_str()
        ),
        ("2", "1.5".parse().unwrap(), "CA")
    );
}

#[test]
fn an_856_without_carrier_details_names_the_carrier_in_the_routing() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("ZZ", "ACMEBUYER"), control(), now());
    let mut notice = shipment();
    notice.lading = Lading::default();
    notice.carrier = Carrier {
        scac: None,
        name: Some("Acme Freight".into()),
        service: Some("Two day".into()),
    };
    notice.tracking_numbers.clear();
    notice.parties.clear();
    notice.seller_order_number = None;
    notice.po_date = None;
    let text = ship_notice(&envelope, &notice);
    assert!(
        text.contains("HL*1**S*1~TD5*B****Acme Freight Two day~REF*BM*CS7~DTM*011*"),
        "{text}"
    );
    assert!(text.contains("PRF*PO-4471~HL*3"), "{text}");
    notice.carrier = Carrier::default();
    notice.items.clear();
    let text = ship_notice(&envelope, &notice);
    assert!(
        text.contains("HL*1**S*1~REF*BM*CS7~"),
        "no empty TD5: {text}"
    );
    assert!(text.contains("HL*2*1*O*0~PRF*PO-4471~CTT*2*0~"), "{text}");
    let (_, back) = ship_notice_of(&text);
    assert_eq!(back.levels.len(), 2);
}

fn posted_invoice() -> OutboundInvoice {
    OutboundInvoice {
        number: "INV-9001".into(),
        date: NaiveDate::from_ymd_opt(2024, 1, 11).unwrap(),
        po_number: "PO-4471".into(),
        po_date: NaiveDate::from_ymd_opt(2024, 1, 5),
        credit: false,
        currency: "USD".into(),
        seller_order_number: Some("SO0042".into()),
        parties: vec![crate::documents::Party {
            entity: "BT".into(),
            name: "Acme Retail AP".into(),
            id_qualifier: "92".into(),
            id: "ACME-AP".into(),
            address_lines: vec!["PO Box 900".into()],
            city: "Cleveland".into(),
            state: "OH".into(),
            postal_code: "44101".into(),
            country: "US".into(),
        }],
        due_date: NaiveDate::from_ymd_opt(2024, 2, 10),
        lines: vec![
            InvoiceLine {
                line_number: "1".into(),
                quantity: Decimal::from(10),
                unit: "EA".into(),
                unit_price: "9.25".parse().unwrap(),
                product_ids: vec![ProductId {
                    qualifier: "VN".into(),
                    value: "WIDGET-S".into(),
                }],
                description: Some("Widget, small".into()),
            },
            InvoiceLine {
                line_number: String::new(),
                quantity: Decimal::ONE,
                unit: String::new(),
                unit_price: "12.00".parse().unwrap(),
                product_ids: vec![],
                description: Some("Freight".into()),
            },
        ],
        tax_amount: "8.36".parse().unwrap(),
        total: "112.86".parse().unwrap(),
    }
}

fn invoice_of(text: &str) -> (Interchange, crate::documents::Invoice) {
    let ic = reparse(text);
    let Document::Invoice(inv) = read_document(&ic.groups[0].transaction_sets[0])
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"))
    else {
        panic!("not an 810")
    };
    (ic, inv)
}

#[test]
fn an_810_invoices_each_line_with_an_implied_decimal_total_and_reads_back() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("ZZ", "ACMEBUYER"), control(), now());
    let text = invoice(&envelope, &posted_invoice());
    assert!(text.contains("GS*IN*SWITCHYARD*ACMEBUYER*20240105*1407*900*X*004010~"));
    assert!(
        text.contains(
            "ST*810*0001~BIG*20240111*INV-9001*20240105*PO-4471~CUR*SE*USD~REF*VN*SO0042~\
             N1*BT*Acme Retail AP*92*ACME-AP~N3*PO Box 900~N4*Cleveland*OH*44101*US~\
             ITD*05*3****20240210*30~"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "IT1*1*10*EA*9.25**VN*WIDGET-S~PID*F****Widget, small~IT1**1*EA*12~PID*F****Freight~\
             TDS*11286~TXI*TX*8.36~CTT*2*11~SE*16*0001~"
        ),
        "{text}"
    );
    let (ic, back) = invoice_of(&text);
    assert_eq!(ic.groups[0].functional_id, "IN");
    assert_eq!(back.number, "INV-9001");
    assert_eq!(back.po_number, "PO-4471");
    assert_eq!(back.po_date, NaiveDate::from_ymd_opt(2024, 1, 5));
    assert_eq!(back.total, Some("112.86".parse().unwrap()));
    assert_eq!(back.currency.as_deref(), Some("USD"));
    assert_eq!(back.net_due_date, NaiveDate::from_ymd_opt(2024, 2, 10));
    assert_eq!(back.parties[0].entity, "BT");
    assert_eq!(back.parties[0].city, "Cleveland");
    assert_eq!(
        back.taxes,
        vec![("TX".into(), Some("8.36".parse().unwrap()))]
    );
    assert_eq!(back.declared_line_count, Some(Decimal::from(2)));
    assert_eq!(back.lines.len(), 2);
    assert_eq!(back.lines[0].product_id("VN"), Some("WIDGET-S"));
    assert_eq!(
        back.lines[0].descriptions(),
        vec!["Widget, small".to_string()]
    );
    assert_eq!(back.transaction_type, "");
}

#[test]
fn a_credit_note_is_a_credit_memo_and_cents_round_half_away_from_zero() {
    let envelope =
        OutboundEnvelope::new(ours(), PartnerId::new("ZZ", "ACMEBUYER"), control(), now());
    let mut credit = posted_invoice();
    credit.credit = true;
    credit.due_date = None;
    credit.tax_amount = Decimal::ZERO;
    credit.total = "92.505".parse().unwrap();
    let text = invoice(&envelope, &credit);
    assert!(
        text.contains("BIG*20240111*INV-9001*20240105*PO-4471***CR~"),
        "{text}"
    );
    assert!(!text.contains("ITD"), "no terms without a due date: {text}");
    assert!(!text.contains("TXI"), "no TXI for no tax: {text}");
    assert!(text.contains("TDS*9251~CTT"), "{text}");
    let (_, back) = invoice_of(&text);
    assert_eq!(back.transaction_type, "CR");
    assert_eq!(invoice::cents("-0.005".parse().unwrap()), "-1");
    assert_eq!(invoice::cents(Decimal::from(7)), "700");
    assert_eq!(invoice::cents(Decimal::MAX), Decimal::MAX.to_string());
}

const PO_3040: &[u8] = include_bytes!("../../tests/fixtures/850_00401_003040_ack_requested.x12");

/// The 850 fixture's ISA with our ids swapped in, as every answer to it starts.
const ANSWER_ISA_00401: &str = "ISA*00*          *00*          *ZZ*SWITCHYARD     *ZZ*ACMEBUYER      *240105*1407*U*00401*000000042*0*P*>~";

#[test]
fn a_997_for_a_003040_group_is_written_in_003040() {
    let received = parsed(PO_3040);
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &[]).unwrap();
    assert_eq!(
        text,
        format!(
            "{ANSWER_ISA_00401}GS*FA*SWITCHYARD*ACMEBUYER*240105*1407*900*X*003040~ST*997*0001~AK1*PO*2002~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*900~IEA*1*000000042~"
        ),
        "six-digit GS04, no AK103 and no repetition separator, as 003040 in 00401 has"
    );
    assert_eq!(reparse(&text).groups[0].version, "003040");
}

#[test]
fn ak103_follows_the_group_version_not_the_interchange_version() {
    let received = parsed(&with_text(
        include_bytes!("../../tests/fixtures/850_crlf_00401.x12"),
        "*X*004010~",
        "*X*005010~",
    ));
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &[]).unwrap();
    assert!(text.contains("~AK1*PO*2001*005010~"), "{text}");
    assert!(text.contains("*X*005010~"), "{text}");
}

#[test]
fn acknowledgments_are_never_acknowledged() {
    let received = parsed(include_bytes!("../../tests/fixtures/997_received.x12"));
    assert_eq!(
        functional_acknowledgment(&received, &ours(), control(), now(), &[]),
        None
    );
    let received = parsed(include_bytes!("../../tests/fixtures/ta1_received.x12"));
    assert_eq!(
        implementation_acknowledgment(&received, &ours(), control(), now(), &[]),
        None
    );
    // A 997 group beside a PO group: only the PO group is acknowledged.
    let po = String::from_utf8(include_bytes!("../../tests/fixtures/850_crlf_00401.x12").to_vec())
        .unwrap();
    let mixed = po.replace(
        "IEA*1*000000101~",
        "GS*FA*ACMEBUYER*SWITCHYARD*20240105*1030*2009*X*004010~\r\nST*997*0001~\r\nAK1*PO*77~\r\nAK9*A*1*1*1~\r\nSE*4*0001~\r\nGE*1*2009~\r\nIEA*2*000000101~",
    );
    let received = parsed(mixed.as_bytes());
    assert!(received.is_clean(), "{received:#?}");
    let text = functional_acknowledgment(&received, &ours(), control(), now(), &[]).unwrap();
    let ic = reparse(&text);
    assert_eq!(ic.groups.len(), 1, "{text}");
    assert_eq!(ack_of(&ic, 0).group_control_number, "2001");
}

#[test]
fn a_999_answers_in_005010x231a1_with_ik_segments() {
    let received = parsed(include_bytes!("../../tests/fixtures/850_crlf_00401.x12"));
    let mut results = SetResult::from_parser(&received);
    results[0].reject(
        SetError::new(set_codes::SEGMENTS_IN_ERROR, "PO102 must be a number").at(
            crate::error::SegmentNote {
                segment_id: "PO1".into(),
                position: 14,
                code: "8".into(),
                element: Some(crate::error::ElementNote {
                    position: 2,
                    code: "6".into(),
                    value: Some("ten".into()),
                }),
            },
        ),
    );
    let text =
        implementation_acknowledgment(&received, &ours(), control(), now(), &results).unwrap();
    assert_eq!(
        text,
        "ISA*00*          *00*          *ZZ*SWITCHYARD     *ZZ*ACMEBUYER      *240105*1407*^*00501*000000042*0*P*>~GS*FA*SWITCHYARD*ACMEBUYER*20240105*1407*900*X*005010X231A1~ST*999*0001*005010X231A1~AK1*PO*2001*004010~AK2*850*0001~IK3*PO1*14**8~IK4*2**6*ten~IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*900~IEA*1*000000042~"
    );
    let back = reparse(&text);
    let ack = match read_document(&back.groups[0].transaction_sets[0]).unwrap() {
        Document::FunctionalAck(ack) => ack,
        other => panic!("{other:?}"),
    };
    assert_eq!(ack.sets[0].status, "R");
    assert_eq!(ack.sets[0].notes[0].elements[0].2, "ten");
}

#[test]
fn a_ta1_accepts_a_clean_interchange_that_asked_for_one() {
    let received = parsed(PO_3040);
    let ack = InterchangeAck::for_interchange(&received).expect("ISA14 is 1");
    let envelope = Ta1Envelope::answering(&received.header, Some(received.delimiters), 42, now());
    assert_eq!(
        interchange_acknowledgment(&ack, &envelope),
        format!("{ANSWER_ISA_00401}TA1*000000102*240105*1030*A*000~IEA*0*000000042~")
    );
    let clean = parsed(include_bytes!("../../tests/fixtures/850_crlf_00401.x12"));
    assert_eq!(
        InterchangeAck::for_interchange(&clean),
        None,
        "ISA14 0, no errors"
    );
}

#[test]
fn a_ta1_reports_the_first_envelope_error_and_accepts_with_errors() {
    let po = String::from_utf8(PO_3040.to_vec()).unwrap();
    let received = parsed(
        po.replace("IEA*1*000000102~", "IEA*1*000000999~")
            .as_bytes(),
    );
    let ack = InterchangeAck::for_interchange(&received).unwrap();
    assert_eq!(
        (ack.status, ack.note_code.as_str()),
        (Ta1Status::AcceptedWithErrors, "001")
    );
    let envelope = Ta1Envelope::answering(&received.header, Some(received.delimiters), 42, now());
    let text = interchange_acknowledgment(&ack, &envelope);
    assert!(
        text.ends_with("~TA1*000000102*240105*1030*E*001~IEA*0*000000042~"),
        "TA101 is the header's control number: {text}"
    );
    let received = parsed(
        po.replace("IEA*1*000000102~", "IEA*2*000000102~")
            .as_bytes(),
    );
    let ack = InterchangeAck::for_interchange(&received).unwrap();
    assert_eq!(ack.note_code, "021");
}

#[test]
fn a_duplicate_control_number_is_rejected_with_note_025() {
    let received = parsed(PO_3040);
    let ack = InterchangeAck::rejecting(
        &received.header,
        crate::error::ta1_codes::DUPLICATE_CONTROL_NUMBER,
    );
    let envelope = Ta1Envelope::answering(&received.header, Some(received.delimiters), 43, now());
    let text = interchange_acknowledgment(&ack, &envelope);
    assert!(
        text.ends_with("~TA1*000000102*240105*1030*R*025~IEA*0*000000043~"),
        "{text}"
    );
    let back = reparse(&text);
    let read = InterchangeAck::read(&back.interchange_acks[0]).unwrap();
    assert_eq!(read, ack, "what is written reads back");
}

#[test]
fn a_ta1_for_an_unreadable_header_is_still_valid_x12() {
    let raw = String::from_utf8(PO_3040.to_vec())
        .unwrap()
        .replace("*000000102*1*P*", "*00000010A*1*P*");
    let err = parse_interchange(raw.as_bytes()).unwrap_err();
    let header = crate::parse::salvage_header(raw.as_bytes()).unwrap();
    let ack = InterchangeAck::rejecting(&header, err.note_code());
    let envelope = Ta1Envelope::answering(&header, None, 44, now());
    let text = interchange_acknowledgment(&ack, &envelope);
    assert_eq!(
        text,
        format!(
            "{}TA1*000000000*240105*1030*R*018~IEA*0*000000044~",
            ANSWER_ISA_00401.replace("000000042", "000000044")
        ),
        "a control number that is not nine digits cannot be echoed"
    );
    reparse(&text);
}

fn with_text(raw: &[u8], from: &str, to: &str) -> Vec<u8> {
    let t = String::from_utf8(raw.to_vec()).unwrap();
    assert!(t.contains(from), "fixture lacks {from:?}");
    t.replacen(from, to, 1).into_bytes()
}
