//! The samples through the flow an EDI endpoint runs: parse → find the partner by the UNB
//! sender → read and map each ORDERS → answer with a CONTRL.

use chrono::NaiveDate;
use switchyard_edifact::write::{Action, ContrlReport, OutboundEnvelope, contrl};
use switchyard_edifact::{
    Document, OrderContext, PartyId, parse_interchange, read_header, read_message, to_order,
};
use switchyard_model::{ChannelName, Currency, Order, OrderId};

/// The partners the endpoint knows, by UNB sender id and qualifier.
fn partner(sender: &PartyId) -> Option<&'static str> {
    match (sender.id.as_str(), sender.qualifier.as_str()) {
        ("ACMEBUYER", "ZZZ") => Some("acme-edi"),
        ("5412345000013", "14") => Some("hypermarkt-edifact"),
        _ => None,
    }
}

/// What the endpoint does with one interchange: the orders it captures and the CONTRL bytes.
fn handle(raw: &[u8]) -> (Vec<Order>, Vec<u8>) {
    let now = NaiveDate::from_ymd_opt(2024, 1, 5)
        .unwrap()
        .and_hms_opt(11, 0, 0)
        .unwrap();
    let ic = match parse_interchange(raw) {
        Ok(ic) => ic,
        Err(error) => {
            let (d, header) = read_header(raw).expect("a UNB to answer");
            let env = OutboundEnvelope::answering(&header, &d, "C1", now);
            return (
                Vec::new(),
                contrl(&env, &ContrlReport::rejecting(&header, &error)),
            );
        }
    };
    let channel = partner(&ic.header.sender).expect("a known partner");
    let mut report = ContrlReport::from_interchange(&ic);
    let mut orders = Vec::new();
    for message in ic.all_messages() {
        let Some(r) = report.message_mut(&message.reference) else {
            continue; // the interchange itself is rejected
        };
        match read_message(message, &ic.delimiters) {
            Ok(Document::Orders(o)) => {
                let ctx = OrderContext::new(
                    OrderId::generate(),
                    ChannelName::try_from(channel).unwrap(),
                    Currency::from_code("EUR").unwrap(),
                );
                match to_order(&o, &ctx) {
                    Ok(order) if r.action != Action::Rejected => orders.push(order),
                    Ok(_) => {}
                    Err(problems) => problems.0.iter().for_each(|p| r.reject(p)),
                }
            }
            Ok(_) => {}
            Err(errors) => errors.iter().for_each(|e| r.reject(e)),
        }
    }
    let env = OutboundEnvelope::answering(&ic.header, &ic.delimiters, "C1", now);
    (orders, contrl(&env, &report))
}

fn segments(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .split_inclusive('\'')
        .map(str::to_string)
        .collect()
}

#[test]
fn the_d96a_sample_with_una_is_one_order_and_an_accepting_contrl() {
    let (orders, out) = handle(include_bytes!("../samples/orders-d96a-una.edi"));
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].external_id.as_str(), "PO-4471");
    assert_eq!(orders[0].channel.as_str(), "acme-edi");
    assert!(segments(&out).contains(&"UCI+IC4471+ACMEBUYER:ZZZ+SWITCHYARD:ZZZ+7'".to_string()));
}

#[test]
fn the_eancom_sample_without_una_is_one_order() {
    let (orders, out) = handle(include_bytes!("../samples/orders-eancom-d01b.edi"));
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].external_id.as_str(), "ORD-2024-0042");
    assert_eq!(orders[0].lines.len(), 2);
    let s = segments(&out);
    assert_eq!(s[0], "UNA:+.? '");
    assert_eq!(s[3], "UCI+EAN00001+5412345000013:14+5400000000003:14+7'");
    assert_eq!(s[4], "UCM+ME000001+ORDERS:D:01B:UN:EAN010+7'");
}

#[test]
fn the_malformed_sample_gets_every_problem_back_with_code_and_position() {
    let (orders, out) = handle(include_bytes!("../samples/orders-malformed.edi"));
    let ids: Vec<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["ORD-OK-1"],
        "only the clean message becomes an order"
    );
    assert_eq!(
        segments(&out),
        vec![
            "UNA:+.? '",
            "UNB+UNOC:3+5400000000003:14+5412345000013:14+240105:1100+C1'",
            "UNH+1+CONTRL:D:3:UN:EAN002'",
            "UCI+BAD0001+5412345000013:14+5400000000003:14+7'",
            "UCM+M1+ORDERS:D:01B:UN:EAN010+7'",
            "UCM+M2+ORDERS:D:01B:UN:EAN010+4+29+UNT+1'",
            "UCS+2'",
            "UCD+13+2:1'",
            "UCS+3'",
            "UCD+12+1:2'",
            "UCS+6'",
            "UCD+12+1:2'",
            "UCS+7'",
            "UCD+19+1:2'",
            "UCM+M3+ORDERS:D:01B:UN:EAN010+4'",
            "UCS+4'",
            "UCD+13+5:1'",
            "UCD+13+6:1'",
            "UCD+13+9:1'",
            "UCS+5+13'",
            "UNT+19+1'",
            "UNZ+1+C1'",
        ]
    );
}

#[test]
fn every_contrl_written_for_a_sample_reads_back() {
    for raw in [
        &include_bytes!("../samples/orders-d96a-una.edi")[..],
        include_bytes!("../samples/orders-eancom-d01b.edi"),
        include_bytes!("../samples/orders-malformed.edi"),
    ] {
        let (_, out) = handle(raw);
        let ic = parse_interchange(&out).unwrap();
        assert!(ic.is_clean(), "{:?}", ic.errors);
        let Ok(Document::Contrl(report)) = read_message(&ic.messages[0], &ic.delimiters) else {
            panic!("not a CONTRL");
        };
        assert_eq!(report.action, Action::Acknowledged);
    }
}

#[test]
fn a_truncated_interchange_is_rejected_as_a_whole() {
    let raw = include_bytes!("../samples/orders-eancom-d01b.edi");
    let truncated = &raw[..raw.len() - 30];
    let (orders, out) = handle(truncated);
    assert!(orders.is_empty());
    assert_eq!(
        segments(&out)[3],
        "UCI+EAN00001+5412345000013:14+5400000000003:14+4+13'"
    );
}
