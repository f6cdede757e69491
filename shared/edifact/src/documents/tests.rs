use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::parse::parse_interchange;

fn read(body: &str) -> Result<Orders, Vec<SyntaxError>> {
    read_with("UNOC:3", "96A", body)
}

fn read_with(syntax: &str, release: &str, body: &str) -> Result<Orders, Vec<SyntaxError>> {
    let count = body.matches('\'').count() + 2;
    let text = format!(
        "UNB+{syntax}+S:ZZZ+R:ZZZ+240105:1030+1'UNH+1+ORDERS:D:{release}:UN'{body}UNT+{count}+1'UNZ+1+1'"
    );
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.messages[0].errors);
    Orders::read(&ic.messages[0], &ic.delimiters)
}

/// Tag, position, element, component and code of an error.
type Place = (String, usize, Option<usize>, Option<usize>, &'static str);

fn places(errors: &[SyntaxError]) -> Vec<Place> {
    errors
        .iter()
        .map(|e| {
            let l = e.location().unwrap();
            (
                l.tag.clone(),
                l.position,
                l.element,
                l.component,
                e.code().code(),
            )
        })
        .collect()
}

#[test]
fn reads_the_d96a_sample() {
    let ic = parse_interchange(include_bytes!("../../samples/orders-d96a-una.edi")).unwrap();
    assert!(ic.is_clean());
    assert_eq!(ic.delimiters.decimal, ',');
    let Ok(Document::Orders(o)) = read_message(&ic.messages[0], &ic.delimiters) else {
        panic!("not an ORDERS");
    };
    assert_eq!(
        (
            o.document_code.as_str(),
            o.number.as_str(),
            o.function.as_str()
        ),
        ("220", "PO-4471", "9")
    );
    let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    assert_eq!(o.document_date(), Some(&DateValue::Date(day(5))));
    assert_eq!(o.requested_date(), Some(&DateValue::Date(day(12))));
    assert_eq!(o.reference("CT"), Some("VEND-889"));
    assert_eq!(o.currency.as_deref(), Some("USD"));
    let dp = o.party("DP").unwrap();
    assert_eq!((dp.id.as_str(), dp.agency.as_str()), ("DC4", "92"));
    assert_eq!(dp.display_name(), "Acme DC 4");
    assert_eq!(dp.street, vec!["4400 Commerce Pkwy", "Dock 7"]);
    assert_eq!(
        (
            dp.city.as_str(),
            dp.region.as_str(),
            dp.postal_code.as_str(),
            dp.country.as_str()
        ),
        ("Solon", "OH", "44139", "US")
    );
    assert_eq!(dp.position, 9);
    assert_eq!(o.party("SU").unwrap().id, "SWITCHYARD");
    assert_eq!(o.lines.len(), 3);
    let l1 = &o.lines[0];
    assert_eq!(l1.item_id("EN").unwrap().id, "012345678905");
    assert_eq!(l1.item_id("SA").unwrap().function.as_deref(), Some("5"));
    assert_eq!(l1.descriptions, vec!["Widget, small"]);
    assert_eq!(l1.ordered().unwrap().value, Decimal::from(10));
    assert_eq!(
        l1.price().unwrap().amount,
        "9.25".parse::<Decimal>().unwrap(),
        "UNA's decimal comma"
    );
    assert_eq!(l1.position, 12);
    assert_eq!(o.lines[1].item_id("IN").unwrap().id, "BX-77");
    let l3 = &o.lines[2];
    assert_eq!(l3.ordered().unwrap().unit, "KGM");
    assert_eq!(
        l3.price().unwrap().qualifier,
        "AAB",
        "gross when there is no net price"
    );
    assert!(o.other_segments.iter().any(|s| s.tag == "FTX"));
    assert_eq!(o.bgm_position, 2);
}

#[test]
fn reads_d01b_c106_and_datetime_and_range_formats() {
    let o = read_with(
        "UNOC:3",
        "01B",
        "BGM+220+ORD-7:2:1+9'DTM+137:202401051030:203'DTM+2:20240112-20240115:718'LIN+1++4000862141404:SRV'QTY+21:4'PRI+AAA:12:::10:PCE'",
    )
    .unwrap();
    assert_eq!(o.number, "ORD-7");
    let at = NaiveDate::from_ymd_opt(2024, 1, 5)
        .unwrap()
        .and_hms_opt(10, 30, 0)
        .unwrap();
    assert_eq!(o.document_date(), Some(&DateValue::DateTime(at)));
    assert!(matches!(o.requested_date(), Some(DateValue::Range { .. })));
    let price = o.lines[0].price().unwrap();
    assert_eq!(price.basis, Some(Decimal::from(10)));
    assert_eq!(price.unit_price(), Some("1.2".parse().unwrap()));
    assert_eq!(o.lines[0].ordered().unwrap().unit, "", "no unit sent");
}

#[test]
fn every_invalid_field_is_reported_with_its_place_and_code() {
    let errors = read(
        "BGM+220++9'DTM+137:20240231:102'DTM+2:0112:101'NAD'LIN+1++A:SA'QTY+21:ten:PCE'PRI+AAA:9,25'PRI+AAB:1:::0'QTY+21'UNS+S'CNT+2:5'",
    )
    .unwrap_err();
    assert_eq!(
        places(&errors),
        vec![
            ("DTM".into(), 3, Some(1), Some(2), "12"),
            ("DTM".into(), 4, Some(1), Some(3), "14"),
            ("NAD".into(), 5, Some(1), None, "13"),
            ("QTY".into(), 7, Some(1), Some(2), "12"),
            ("PRI".into(), 8, Some(1), Some(2), "19"),
            ("PRI".into(), 9, Some(1), Some(5), "12"),
            ("QTY".into(), 10, Some(1), Some(2), "13"),
            ("BGM".into(), 2, Some(2), Some(1), "13"),
            ("CNT".into(), 12, Some(1), Some(2), "12"),
        ]
    );
    assert!(errors[4].to_string().contains("decimal mark"));
}

#[test]
fn missing_segments_unsupported_versions_and_codes_are_reported() {
    let errors = read("DTM+137:20240105:102'").unwrap_err();
    assert_eq!(
        places(&errors),
        vec![
            ("UNH".into(), 1, None, None, "13"),
            ("DTM".into(), 2, None, None, "13")
        ]
    );
    assert!(errors[1].to_string().contains("LIN"));
    let errors = read_with("UNOC:3", "93A", "BGM+105+X'LIN+1'").unwrap_err();
    assert_eq!(
        places(&errors),
        vec![
            ("UNH".into(), 1, Some(2), Some(3), "14"),
            ("BGM".into(), 2, Some(1), Some(1), "14")
        ]
    );
}

#[test]
fn unknown_message_types_are_kept_as_other() {
    let text = "UNB+UNOC:3+S+R+240105:1030+1'UNH+1+INVOIC:D:96A:UN'BGM+380+1'UNT+3+1'UNZ+1+1'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert_eq!(
        read_message(&ic.messages[0], &ic.delimiters),
        Ok(Document::Other {
            message_type: "INVOIC".into()
        })
    );
}
