use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::*;
use crate::documents::{Document, ItemId, Orders, Party, read_message};
use crate::error::SyntaxErrorCode as C;
use crate::interchange::{MessageIdentifier, PartyId};
use crate::parse::{parse_interchange, read_header};

const D96A: &[u8] = include_bytes!("../../samples/orders-d96a-una.edi");

fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, day)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

fn segments(bytes: &[u8]) -> Vec<String> {
    // The interchanges compared here are ASCII and release no apostrophe, so a split is exact.
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .split_inclusive('\'')
        .map(str::to_string)
        .collect()
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_clean_interchange_is_acknowledged_in_its_own_syntax_and_delimiters() {
    let ic = parse_interchange(D96A).unwrap();
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "CT0001", at(5, 11, 0));
    let bytes = contrl(&env, &ContrlReport::from_interchange(&ic));
    assert_eq!(
        segments(&bytes),
        vec![
            "UNA:+,? '",
            "UNB+UNOC:3+SWITCHYARD:ZZZ+ACMEBUYER:ZZZ+240105:1100+CT0001'",
            "UNH+1+CONTRL:D:3:UN'",
            "UCI+IC4471+ACMEBUYER:ZZZ+SWITCHYARD:ZZZ+7'",
            "UCM+1+ORDERS:D:96A:UN+7'",
            "UNT+4+1'",
            "UNZ+1+CT0001'",
        ]
    );
}

#[test]
fn envelope_errors_reject_the_interchange_with_code_and_element() {
    let text =
        "UNB+UNOC:3+S:14+R:14+240105:1030+IC9'UNH+1+ORDERS:D:96A:UN'BGM+220+A'UNT+3+1'UNZ+1+IC8'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "9", at(5, 11, 0));
    let out = lossy(&contrl(&env, &ContrlReport::from_interchange(&ic)));
    assert!(
        out.contains("'UCI+IC9+S:14+R:14+4+28+UNZ+2'UNT+3+1'"),
        "{out}"
    );
}

#[test]
fn an_unparseable_interchange_is_rejected_from_its_header() {
    let raw = format!(
        "UNB+UNOY:4+S:14+R:14+20240105:1030+77'UNH+1+ORDERS:D:01B:UN'FTX+{}'",
        "x*".repeat(500)
    );
    let error = parse_interchange(raw.as_bytes()).unwrap_err();
    let (d, header) = read_header(raw.as_bytes()).unwrap();
    let env = OutboundEnvelope::answering(&header, &d, "5", at(5, 11, 0));
    let out = contrl(&env, &ContrlReport::rejecting(&header, &error));
    assert_eq!(
        segments(&out),
        vec![
            "UNA:+.?*'",
            "UNB+UNOY:4+R:14+S:14+20240105:1100+5'",
            "UNH+1+CONTRL:4:1:UN'",
            "UCI+77+S:14+R:14+4+35'",
            "UNT+3+1'",
            "UNZ+1+5'",
        ]
    );
}

#[test]
fn message_errors_become_ucm_ucs_and_ucd() {
    let text = "UNB+UNOC:3+S:14+R:14+240105:1030+IC9'UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+A'QTY+21:x'UNT+9+1'UNZ+1+IC9'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    let mut report = ContrlReport::from_interchange(&ic);
    let qty = crate::error::SyntaxError::invalid(
        crate::error::Location::segment("QTY", 3).element(1, Some(2)),
        "must be a number",
        "x",
    );
    let m = report.message_mut("1").unwrap();
    m.reject(&qty);
    m.reject(&crate::error::SyntaxError::missing(
        crate::error::Location::segment("QTY", 3),
        "LIN",
    ));
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "9", at(5, 11, 0));
    let bytes = contrl(&env, &report);
    let out = lossy(&bytes);
    let body: Vec<String> = segments(&bytes)[3..8].to_vec();
    assert_eq!(
        body,
        vec![
            "UCI+IC9+S:14+R:14+7'",
            "UCM+1+ORDERS:D:96A:UN:EAN008+4+29+UNT+1'",
            "UCS+3+13'",
            "UCD+12+1:2'",
            "UNT+6+1'",
        ]
    );
    assert!(
        out.contains("UNH+1+CONTRL:D:3:UN:EAN002'"),
        "EANCOM partners get the EANCOM CONTRL"
    );
    assert!(!report.accepts_everything());
}

#[test]
fn a_contrl_reads_back_as_the_report_it_was_written_from() {
    let msg = |reference: &str, action| MessageReport {
        reference: reference.into(),
        identifier: MessageIdentifier::un("ORDERS", "D", "01B"),
        action,
        error: None,
        segments: Vec::new(),
    };
    let mut rejected = msg("M2", Action::Rejected);
    rejected.error = Some(ServiceError {
        code: C::ControlCountMismatch,
        segment: Some("UNT".into()),
        element: Some(1),
        component: None,
    });
    rejected.segments = vec![SegmentReport {
        position: 6,
        code: Some(C::InvalidValue),
        elements: vec![
            ElementReport {
                code: C::InvalidDecimalNotation,
                element: 1,
                component: Some(2),
            },
            ElementReport {
                code: C::Missing,
                element: 2,
                component: None,
            },
        ],
    }];
    let report = ContrlReport {
        interchange_reference: "IC?+1".into(),
        sender: PartyId::new("5412345000013", "14"),
        recipient: PartyId::new("5400000000003", "14"),
        action: Action::Acknowledged,
        error: None,
        groups: vec![GroupReport {
            reference: "G1".into(),
            sender: PartyId::new("APP-S", "ZZZ"),
            recipient: PartyId::new("APP-R", "ZZZ"),
            action: Action::Acknowledged,
            error: None,
            messages: vec![msg("M1", Action::Acknowledged), rejected],
        }],
        messages: Vec::new(),
        association: "EAN002".into(),
    };
    let env = OutboundEnvelope::new(
        PartyId::new("5400000000003", "14"),
        PartyId::new("5412345000013", "14"),
        "1",
        at(5, 11, 0),
    );
    let bytes = contrl(&env, &report);
    let ic = parse_interchange(&bytes).unwrap();
    assert!(ic.is_clean(), "{:?} {:?}", ic.errors, ic.messages[0].errors);
    assert_eq!(
        read_message(&ic.messages[0], &ic.delimiters),
        Ok(Document::Contrl(Box::new(report)))
    );
}

fn decided() -> OrderResponse {
    let ic = parse_interchange(D96A).unwrap();
    let orders = Orders::read(&ic.messages[0], &ic.delimiters).unwrap();
    let mut r = OrderResponse::for_order(&orders);
    r.seller_order_number = Some("SO-0042".into());
    r.lines[1].status = LineStatus::Changed;
    r.lines[1].confirmed_quantity = Some(Decimal::from(2));
    r.lines[1].scheduled_delivery = NaiveDate::from_ymd_opt(2024, 1, 15);
    r.lines[2].status = LineStatus::NotAccepted;
    r.response_type = ResponseType::from_lines(&r.lines);
    r
}

#[test]
fn the_ordrsp_answers_each_line_of_the_order() {
    let ic = parse_interchange(D96A).unwrap();
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "RS0001", at(6, 9, 0));
    let bytes = order_response(&env, &decided());
    assert_eq!(
        segments(&bytes),
        vec![
            "UNA:+,? '",
            "UNB+UNOC:3+SWITCHYARD:ZZZ+ACMEBUYER:ZZZ+240106:0900+RS0001'",
            "UNH+1+ORDRSP:D:96A:UN'",
            "BGM+231+PO-4471+4'",
            "DTM+137:20240106:102'",
            "RFF+ON:PO-4471'",
            "DTM+171:20240105:102'",
            "RFF+VN:SO-0042'",
            "NAD+BY+ACME-001::92++Acme Retail Inc'",
            "NAD+SU+SWITCHYARD::91++Switchyard Supply'",
            "CUX+2:USD:9'",
            "LIN+1+5+012345678905:EN'",
            "PIA+5+WIDGET-S:SA'",
            "QTY+21:10:PCE'",
            "PRI+AAA:9,25'",
            "LIN+2+3'",
            "PIA+5+GADGET-L:SA'",
            "PIA+5+BX-77:IN'",
            "QTY+21:3:CS'",
            "QTY+113:2:CS'",
            "DTM+69:20240115:102'",
            "PRI+AAA:120'",
            "LIN+3+7'",
            "PIA+5+BOLT-M8:SA'",
            "QTY+21:2,5:KGM'",
            "PRI+AAB:4,1'",
            "UNS+S'",
            "CNT+2:3'",
            "UNT+27+1'",
            "UNZ+1+RS0001'",
        ]
    );
}

#[test]
fn an_ordrsp_reads_back_as_the_response_it_was_written_from() {
    let mut r = decided();
    r.issued = NaiveDate::from_ymd_opt(2024, 1, 6);
    r.association = "EAN005".into();
    r.buyer = Some(Party {
        street: vec!["Main St 1?".into()],
        city: "Köln".into(),
        ..Party::gln("BY", "5412345000013")
    });
    r.lines[0].item_ids.push(ItemId::pia("1", "X:Y+Z'", "BP"));
    let env = OutboundEnvelope::new(
        PartyId::new("US", "ZZZ"),
        PartyId::new("THEM", "ZZZ"),
        "2",
        at(6, 9, 0),
    );
    let bytes = order_response(&env, &r);
    let ic = parse_interchange(&bytes).unwrap();
    assert!(ic.is_clean(), "{:?} {:?}", ic.errors, ic.messages[0].errors);
    assert_eq!(
        read_message(&ic.messages[0], &ic.delimiters),
        Ok(Document::OrderResponse(Box::new(r)))
    );
}

#[test]
fn the_response_type_follows_the_lines() {
    let mut r = decided();
    assert_eq!(r.response_type, ResponseType::AcceptedWithChanges);
    r.decide_all(LineStatus::Accepted);
    assert_eq!(
        r.response_type,
        ResponseType::AcceptedWithChanges,
        "line 2's quantity still differs"
    );
    r.lines[1].confirmed_quantity = None;
    r.decide_all(LineStatus::Accepted);
    assert_eq!(r.response_type, ResponseType::Accepted);
    assert_eq!(r.response_type.code(), "29");
    r.decide_all(LineStatus::NotAccepted);
    assert_eq!(r.response_type.code(), "27");
    assert_eq!(ResponseType::from_lines(&[]), ResponseType::NotAccepted);
}

#[test]
fn test_interchanges_are_answered_as_tests() {
    let mut ic = parse_interchange(D96A).unwrap();
    ic.header.test = true;
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "T1", at(5, 11, 0));
    let out = lossy(&contrl(&env, &ContrlReport::received(&ic.header)));
    assert!(out.contains("+240105:1100+T1++++++1'"), "{out}");
    assert!(out.contains("UCI+IC4471+ACMEBUYER:ZZZ+SWITCHYARD:ZZZ+8'"));
}

#[test]
fn an_unknown_sender_or_a_duplicate_rejects_the_interchange() {
    let ic = parse_interchange(D96A).unwrap();
    let mut report = ContrlReport::from_interchange(&ic);
    report.reject_interchange(ServiceError {
        code: C::Duplicate,
        segment: Some("UNB".into()),
        element: Some(5),
        component: None,
    });
    assert!(!report.accepts_everything());
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "9", at(5, 11, 0));
    let out = segments(&contrl(&env, &report));
    assert_eq!(
        out[3],
        "UCI+IC4471+ACMEBUYER:ZZZ+SWITCHYARD:ZZZ+4+26+UNB+5'"
    );
    assert_eq!(out[4], "UNT+3+1'");
}
